import type { ApprovalsEvaluation, RejectionReason } from '../policy/approval-facts.js';

/** The sentences of approvals, in one place: the check run and the comment replies show them. */

export const APPROVAL_TEXT = {
  rejection: (login: string, reason: RejectionReason): string => {
    const who = `@${login}`;
    switch (reason.rule) {
      case 'reviews_not_counted':
        return `${who}'s pull-request review does not count: the policy counts \`/aaoe approve\` and the Approve button only (approvals.countReviews is false).`;
      case 'review_superseded':
        return `${who}'s review was replaced by their later review ${reason.byReviewId} (${reason.state}).`;
      case 'app':
        return `${who} is AAOE itself, which never approves.`;
      case 'bot':
        return `${who} is not a person (${reason.type}); bots never approve.`;
      case 'self_approval':
        return reason.as === 'proposer'
          ? `${who} proposed this change and cannot approve it.`
          : reason.as === 'requester'
            ? `${who} asked for this change (applied the trigger label to its issue) and cannot approve it (approvals.requesterMayApprove is false).`
            : `${who} opened this pull request and cannot approve it.`;
      case 'fork_owner':
        return `${who} owns the fork this pull request comes from and cannot approve it.`;
      case 'edited':
        return `${who}'s comment was edited; an edited comment never counts. Post a new \`/aaoe approve\` comment.`;
      case 'other_pull_request':
        return `${who}'s approval was given on pull request #${reason.pullRequest}, not this one.`;
      case 'other_base':
        return reason.baseSha === null
          ? `${who}'s approval was recorded without the base commit it was given on, so it does not count. Approve again.`
          : `${who} approved the change against base ${short(reason.baseSha)}; the base is now ${short(reason.currentBaseSha)} (the pull request was retargeted or its base moved), so the diff is not the one approved. Approve again.`;
      case 'other_commit':
        return `${who}'s approval is bound to commit ${short(reason.sha)}, which was never this pull request's head.`;
      case 'stale':
        return `${who} approved ${short(reason.sha)}; the head is now ${short(reason.headSha)} (approvals.invalidateOnPush). Approve again to approve the new commits.`;
      case 'permission_unknown':
        return `${who}'s permission on the repository could not be read, so the approval does not count. It is counted once the permission can be checked.`;
      case 'permission':
        return `${who} has ${reason.permission === 'none' ? 'no' : reason.permission} permission on the repository; approvals need ${orList(reason.allowed)} (approvals.permissions).`;
      case 'duplicate':
        return `${who} already approved; the same person counts once.`;
    }
  },
  minimum: (count: number, required: number): string =>
    count >= required
      ? `${count} of ${required} distinct approvals.`
      : `${count} of ${required} distinct approvals: ${required - count} more needed.`,
  ownerGroup: (pattern: string, line: number, approvedBy: string[], owners: string[]): string =>
    approvedBy.length > 0
      ? `Owners of \`${pattern}\` (CODEOWNERS line ${line}): approved by ${approvedBy.map((l) => `@${l}`).join(', ')}.`
      : `Owners of \`${pattern}\` (CODEOWNERS line ${line}): an approval from ${orList(owners)} is needed.`,
  codeownersMissing: (): string =>
    'approvals.owners is codeowners, but the default branch has no CODEOWNERS file: add one (.github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS) or set approvals.owners to none.',
  team: (team: string, membership: 'known' | 'unknown', approvedBy: string[]): string =>
    approvedBy.length > 0
      ? `Team ${team}: approved by ${approvedBy.map((l) => `@${l}`).join(', ')}.`
      : membership === 'unknown'
        ? `Team ${team}: its members could not be read, so no approval from it counts yet.`
        : `Team ${team}: an approval from one of its members is needed.`,
  unownedPaths: (paths: string[]): string =>
    `No CODEOWNERS owner for: ${paths.map((p) => `\`${p}\``).join(', ')} (any approver covers them).`,
  unresolvedOwners: (owners: string[]): string =>
    `cannot be matched to an approver: ${owners.join(', ')} (an email address, or a team whose members could not be read)`,
  codeownersError: (path: string, line: number, message: string): string =>
    `${path} line ${line} is ignored (as GitHub ignores it): ${message}`,
  satisfied: (approvers: string[]): string => `Approved by ${approvers.map((l) => `@${l}`).join(', ')}.`,
  unsatisfied: (parts: string[]): string => `Approval needed: ${parts.join('; ')}.`,
  neededApprovals: (n: number): string => `${n} more approver${n === 1 ? '' : 's'}`,
  neededOwner: (pattern: string, line: number): string => `an owner of \`${pattern}\` (CODEOWNERS line ${line})`,
  neededTeam: (team: string): string => `a member of ${team}`,
  neededCodeowners: (): string => 'a CODEOWNERS file on the default branch',
} as const;

/** The check run's part on approvals: what counted, what did not and why, and what is still needed. */
export function explainApprovals(judged: ApprovalsEvaluation): string {
  const lines = ['### Approvals', '', judged.summary];
  for (const c of judged.counted) lines.push(`- ✅ @${c.login} (${c.permission})`);
  for (const r of judged.rejected) lines.push(`- ❌ ${r.message}`);
  for (const req of judged.requirements)
    if (req.kind !== 'minimum') lines.push(`- ${req.status === 'satisfied' ? '✅' : '⏳'} ${req.message}`);
  if (judged.status === 'unsatisfied')
    lines.push(
      '',
      'Approve with a `/aaoe approve <sha>` comment on the pull request (the head commit you reviewed) or the **Approve** button above; an approval counts for that head commit and the current base only.',
    );
  return lines.join('\n');
}

function short(sha: string): string {
  return sha.slice(0, 7);
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
