/**
 * Which pull requests AAOE governs. Labels only ever add control: a pull request that an agent authored,
 * or that carried the trigger label once, stays governed whatever happens to its labels, branch or body.
 */

export type GovernanceFacts = {
  author: { login: string; type: string };
  /** The login of AAOE's own bot account (`<app-slug>[bot]`). */
  appLogin: string;
  /** Logins the policy lists under `agents:`. */
  agents: string[];
  triggerLabel: string;
  /** Label names on the pull request now. */
  labels: string[];
  /** Whether the trigger label was ever applied to the pull request; undefined when not looked up yet. */
  labelledBefore?: boolean;
};

export type Governance =
  | { governed: true; isAgent: boolean; reason: string }
  | { governed: false; reason: string }
  /** The facts at hand do not settle it: the label history must be read. */
  | { governed: 'unknown' };

export function decideGovernance(facts: GovernanceFacts): Governance {
  const login = facts.author.login.toLowerCase();
  if (login === facts.appLogin.toLowerCase()) {
    return { governed: true, isAgent: true, reason: `opened by AAOE (${facts.author.login})` };
  }
  if (facts.agents.some((a) => a.toLowerCase() === login)) {
    return { governed: true, isAgent: true, reason: `opened by ${facts.author.login}, listed as an agent` };
  }
  const label = facts.triggerLabel.toLowerCase();
  if (facts.labels.some((l) => l.toLowerCase() === label)) {
    return { governed: true, isAgent: false, reason: `carries the \`${facts.triggerLabel}\` label` };
  }
  if (facts.labelledBefore === undefined) return { governed: 'unknown' };
  if (facts.labelledBefore) {
    return { governed: true, isAgent: false, reason: `carried the \`${facts.triggerLabel}\` label once (removing it does not end governance)` };
  }
  return { governed: false, reason: `This pull request was opened by ${facts.author.login}, who is not an agent, and never carried the \`${facts.triggerLabel}\` label.` };
}

/** Refused for agent identities whatever their permission (bounded autonomy): an agent proposes, people decide. */
export const HUMAN_ONLY_VERBS: ReadonlySet<string> = new Set(['approve', 'rollback', 'resume']);

/** Why an account counts as an agent (a Bot, or a login in the policy's `agents`), or undefined for a person. */
export function agentIdentity(user: { login: string; type: string }, policy: { agents: readonly string[] }): string | undefined {
  if (user.type !== 'User') return `a ${user.type} account`;
  if (policy.agents.some((a) => a.toLowerCase() === user.login.toLowerCase())) return "listed in the policy's agents";
  return undefined;
}
