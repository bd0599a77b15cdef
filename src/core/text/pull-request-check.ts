/**
 * The sentences of the `aaoe/policy` check run that the pull-request evaluation adds to the policy's own text
 * (src/core/policy/explain.ts): approvals, the shared head commit, the change window, and an evaluation that failed.
 */

export type CheckText = { title: string; summary: string };

/** The buttons of a check that waits for a person. */
export const APPROVAL_ACTIONS = [
  { label: 'Approve', identifier: 'approve', description: 'Approve this head commit' },
  { label: 'Re-run policy', identifier: 'rerun', description: 'Evaluate the policy again' },
];

/** The title of a check whose approvals hold. */
export function approvedTitle(approvedBy: string, evaluationTitle: string): string {
  return `Approved by ${approvedBy}: ${evaluationTitle}`;
}

/** The title of a check whose gates pass but whose policy's owners or teams have not approved yet. */
export function ownersMissingTitle(approvalsSummary: string, evaluationTitle: string): string {
  return `${approvalsSummary} (owners or teams of the policy): ${evaluationTitle}`;
}

/** The check's text while other open pull requests with this head commit are not approved. */
export function explainSharedHead(text: CheckText, others: readonly number[]): CheckText {
  const list = others.map((n) => `#${n}`).join(', ');
  const one = others.length === 1;
  return {
    title: `Shared commit: ${list} ${one ? 'has' : 'have'} this head too and ${one ? 'is' : 'are'} not approved`,
    summary: `${text.summary}\n\n### Shared head commit\n\nThis commit is also the head of ${list}. A check run belongs to the commit, so this one passes only once every open pull request with this head passes; approve or close ${list}.`,
  };
}

/** The check's text while an approved change waits for its change window. */
export function explainWaiting(
  text: CheckText,
  waiting: { reason: string; opensAt: string | null },
  approvedBy: string,
): CheckText {
  const when = waiting.opensAt
    ? `opens ${waiting.opensAt.replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC')}`
    : 'no window opens within a year';
  return {
    title: `Waiting for the change window (${when})`,
    summary: `${text.summary}\n\n### Schedule\n\nEvery gate passes${approvedBy ? ` and the approvals hold (${approvedBy})` : ''}, but not now: ${waiting.reason}.\n\n${
      waiting.opensAt
        ? `AAOE evaluates this change again at ${waiting.opensAt} and it goes on from there (merged when \`merge: auto\`, deployed after merge). This check stays in progress until then.`
        : 'Nothing opens within a year: change `schedule` in the policy, then re-run this check.'
    }`,
  };
}

/** The check of a change that could not be judged (fail closed). */
export function explainEvaluationFailed(failure: { reason: string; permanent: boolean }, traceId: string): CheckText {
  const retried = failure.permanent
    ? 'AAOE does not retry a refusal like this one: fix the cause, then push or re-run this check.'
    : 'AAOE retries on its own; you can also re-run this check.';
  return {
    title: 'AAOE could not evaluate the policy',
    summary: `The evaluation failed: ${failure.reason}.\n\nA change that cannot be judged does not pass. ${retried} The app's logs (trace ${traceId}) have the details.`,
  };
}

/** Why a merged pull request is not deployed when the verdict was for another pair. */
export function explainMergedOtherPair(baseRef: string, judged: { headSha: string; baseRef: string }): string {
  return `merged into \`${baseRef}\`, but the verdict was for \`${judged.headSha.slice(0, 7)}\` into \`${judged.baseRef}\`: not deployed`;
}

/** Why AAOE does not merge into a base the verdict did not judge. */
export function explainRetargeted(baseRef: string, judgedBaseRef: string): string {
  return `the base is \`${baseRef}\` now, the verdict was for \`${judgedBaseRef}\``;
}
