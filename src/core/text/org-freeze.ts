/**
 * The sentences of stop the line (docs/freeze.md): the replies to `/aaoe freeze` and `/aaoe unfreeze`, the reasons the
 * check, the deployment review and the dispatch give, and the audit entries. User text (a reason) is shown as
 * written, without backticks, and was cut to its length at parse time.
 */

const short = (sha: string): string => sha.slice(0, 7);
const clean = (text: string): string => text.replace(/[`\r\n]/g, ' ');
const ends = (until: string | null): string => (until ? `until ${until}` : 'until lifted');
const said = (reason: string): string => (reason ? `: ${clean(reason)}` : '');

export const ORG_FREEZE_TEXT = {
  untilPast: (until: string): string => `the end time \`${clean(until)}\` is not ahead of now`,
  untilTooFar: (until: string): string =>
    `the end time \`${clean(until)}\` is more than 30 days ahead; freeze for less and set it again if need be`,
  notAPerson: (login: string, type: string): string =>
    `@${login} is ${type === 'User' ? 'an agent identity' : `a ${type} account`}: only a person freezes or unfreezes the organisation`,
  notAMember: (login: string, teams: readonly string[]): string =>
    `only an owner of the organisation${teams.length ? ` or a member of ${teams.map((t) => `@${t}`).join(', ')}` : ''} freezes or unfreezes it, and @${login} is neither`,
  unknownAgent: (agent: string, known: readonly string[]): string =>
    `\`${clean(agent)}\` is not an agent AAOE knows; name one of ${known.join(', ')}`,
  orgFrozen: (by: string, reason: string): string => `the organisation is frozen by @${by}${said(reason)}`,
  agentFrozen: (agent: string, by: string, reason: string): string =>
    `the agent ${agent} is stopped organisation-wide by @${by}${said(reason)}`,
  workRefused: (reason: string, until: string | null): string =>
    `No new agent work starts: ${reason} (${ends(until)}).`,
  hotfixHeld: (label: string, needed: number, approvers: readonly string[], head: string): string =>
    `labelled \`${clean(label)}\`, it passes the freeze only with ${needed} approvals of ${short(head)} by owners of the organisation (never its author or an agent); ${approvers.length ? `so far ${approvers.map((a) => `@${a}`).join(', ')}` : 'none yet'}`,
  hotfixLetThrough: (approvers: readonly string[], head: string): string =>
    `Hotfix: let through the organisation freeze at ${short(head)}, approved by ${approvers.map((a) => `@${a}`).join(', ')}`,
  frozenReply: (by: string, via: string, until: string | null, reason: string): string =>
    `@${by} (${via}) froze the organisation ${ends(until)}${said(reason)}. No new agent work starts, every governed pull request's \`aaoe/policy\` check fails on the circuit-breaker gate, deployments are rejected and queued dispatches wait. \`/aaoe unfreeze --org\` lifts it.`,
  agentFrozenReply: (by: string, agent: string, reason: string): string =>
    `@${by} stopped the agent ${agent} organisation-wide${said(reason)}: its new work is refused; other agents and people go on. \`/aaoe unfreeze --agent ${agent}\` lifts it.`,
  unfrozenReply: (by: string, what: string): string =>
    `@${by} lifted ${what}. Checks are judged again as they re-run; held dispatches go out at their next try.`,
  nothingToLift: (what: string): string => `there is no ${what} in force`,
  alreadyFrozen: (what: string, by: string): string =>
    `${what} is already in force (by @${by}); lift it first to set another`,
  deploymentsStopped: (reason: string): string =>
    `deployments are stopped: ${reason}. An owner of the organisation lifts it with /aaoe unfreeze --org; a hotfix passes with the approvals the organisation config asks for.`,
  audit: (what: string, via: string, until: string | null, reason: string): string =>
    `${what} ${ends(until)} (${via})${said(reason)}`,
} as const;
