import type { ExecutionRecord } from '../execution/records.js';

/**
 * The sentences of AAOE's replies to comment commands, the check run's buttons and the control-plane verbs: what
 * was done or refused, why, and what to do instead. A refusal's reason (`why`) is said once, inside `refused`.
 */

const short = (sha: string): string => sha.slice(0, 7);

export const COMMAND_REPLY_TEXT = {
  noExecution: (verb: string, number: number): string =>
    `\`/aaoe ${verb}\`: AAOE has no execution for #${number}. It governs pull requests opened by agents (or labelled \`aaoe\`) and issues labelled by a maintainer.`,
  policyInvalid: (verb: string): string =>
    `\`/aaoe ${verb}\`: the repository's policy does not validate, so nothing is decided until it does (the \`aaoe/policy\` check says where).`,
  /** `/aaoe status` and `/aaoe explain`: where the execution stands and where to read more. */
  status: (x: Pick<ExecutionRecord, 'id' | 'state' | 'headSha' | 'pullRequest' | 'traceId'>): string =>
    [
      `**AAOE execution \`${x.id}\`**: ${x.state.replaceAll('_', ' ')}${x.headSha ? ` at ${short(x.headSha)}` : ''}.`,
      x.pullRequest !== null ? `The \`aaoe/policy\` check on the head commit shows every gate and the approvals.` : '',
      `\`npx @aaoe-dev/aaoe@0.2.0 audit show ${x.id}\` prints its whole history (trace \`${x.traceId}\`).`,
    ]
      .filter(Boolean)
      .join(' '),
  refused: (verb: string, login: string, why: string): string => `\`/aaoe ${verb}\` by @${login} was refused: ${why}`,
  /** What the API says when a refusal carries no reason of its own. */
  verbRefused: (verb: string): string => `${verb} was refused`,
  agentIdentity: (login: string, agent: string, verb: string, permissions: readonly string[]): string =>
    `@${login} is an agent identity (${agent}): agents may propose and read, never ${verb} (bounded autonomy); a person with ${permissions.join(', ')} permission must do it`,
  viaApp: (app: string, login: string, verb: string): string =>
    `this comment was posted by the GitHub App "${app}" on @${login}'s behalf, and a comment an app posts never carries authority (approve, resume, rollback); @${login} must write \`/aaoe ${verb}\` on GitHub themselves`,
  approveWithoutPullRequest: (): string =>
    'approve on the pull request: an approval is bound to its head commit, and this execution has no pull request yet',
  approvalRecorded: (login: string, summary: string): string => `Approval by @${login} recorded. ${summary}`,
  approvalAudit: (headSha: string, summary: string): string => `approval recorded on ${headSha}: ${summary}`,
  headNotJudged: (head: string, judged: string | undefined): string =>
    `the pull request's head is now ${short(head)}, and AAOE has not judged that commit yet${judged ? ` (it judged ${short(judged)})` : ''}; approve again once the aaoe/policy check has run on ${short(head)}, with \`/aaoe approve ${short(head)}\``,
  buttonOfOtherHead: (named: string, head: string): string =>
    `this button belongs to the check run on ${short(named)}, and the head is now ${short(head)}; approve the new head with the button of its own check run, or \`/aaoe approve ${short(head)}\``,
  namesOtherHead: (named: string, head: string): string =>
    `the approval names ${short(named)}, and the pull request's head is ${short(head)}; review ${short(head)} and approve it by name (\`/aaoe approve ${short(head)}\`)`,
  commentBeforeHead: (head: string): string =>
    `the comment was written before the head moved to ${short(head)}, so it approves an earlier commit, not this one; review ${short(head)} and approve it by name (\`/aaoe approve ${short(head)}\`)`,
  freezeAdminOnly: (until: string, reason: string, login: string, permission: string): string =>
    `execution is frozen until ${until} (${reason}); only an admin of the repository lifts a freeze early, @${login} has ${permission}`,
  freezeLiftedAudit: (until: string, reason: string): string => `lifted the freeze that ran until ${until}: ${reason}`,
  freezeLifted: (login: string, until: string): string =>
    `@${login} lifted the freeze (it ran until ${until}). Executions are judged again as their checks re-run.`,
  noSay: (login: string, actorType: string, permission: string, verb: string, permissions: readonly string[]): string =>
    `@${login} has ${actorType !== 'User' ? `no say (${actorType})` : `${permission} permission`}; \`/aaoe ${verb}\` needs ${permissions.join(', ')}`,
  notAvailable: (verb: string): string => `\`/aaoe ${verb}\` is not available in this release`,
  rejectedBy: (by: string): string => `rejected by ${by}`,
  rollbackRequestedBy: (by: string): string => `requested by ${by}`,
  buttonOfNoExecution: (identifier: string, login: string, checkRunId: number): string =>
    `The ${identifier === 'rerun' ? 'Re-run policy' : 'Approve'} button by @${login} did nothing: AAOE cannot tell which execution check run ${checkRunId} belongs to, so it is not applied to any. Use \`/aaoe approve <sha>\` on the pull request instead.`,
  rerunNoExecution: (): string => 'Re-run policy: AAOE has no execution with a head commit for this check.',
  rerunPolicyInvalid: (): string =>
    'Re-run policy: the repository policy does not validate, so nothing is evaluated until it does.',
  rerunRefused: (login: string, permission: string): string =>
    `Re-run policy by @${login} was refused: it needs triage permission or more, and @${login} has ${permission}.`,
  rerunIllegal: (reason: string): string => `Re-run policy: ${reason}`,
} as const;
