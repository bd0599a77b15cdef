/**
 * Which pull requests AAOE governs. Labels only ever add control: a pull request that an agent authored,
 * or that carried the trigger label once, stays governed whatever happens to its labels, branch or body.
 * Once governed, always governed: a pull request AAOE keeps an execution for is governed whatever the policy,
 * the labels or the author's login say now (the execution decides). Agents are recognised by immutable account
 * id as well as by login, and every Bot author is governed unless the policy exempts it by name.
 */

export type GovernanceFacts = {
  /** The author; `id` is the immutable account id (0 or absent when GitHub did not say). */
  author: { login: string; type: string; id?: number };
  /** The login of AAOE's own bot account (`<app-slug>[bot]`). */
  appLogin: string;
  /** What the policy lists under `agents:`: logins, or account ids written as digits. */
  agents: readonly string[];
  /** Bot logins the policy exempts (`governance.exemptBots`): only the Bot default is waived for them. */
  exemptBots?: readonly string[];
  triggerLabel: string;
  /** Label names on the pull request now. */
  labels: string[];
  /** Whether the trigger label was ever applied to the pull request; undefined when not looked up yet. */
  labelledBefore?: boolean;
  /** The execution AAOE keeps for this pull request, if any: it was governed, so it stays governed. */
  execution?: { isAgent: boolean; governedBecause: string };
};

export type Governance =
  /** `agent`: which agent the work is from (a catalogue name, or the account's login), when it is an agent's. */
  | { governed: true; isAgent: boolean; reason: string; agent?: string }
  | { governed: false; reason: string }
  /** The facts at hand do not settle it: the label history must be read. */
  | { governed: 'unknown' };

export function decideGovernance(facts: GovernanceFacts): Governance {
  const now = decideFromFacts(facts);
  if (!facts.execution) return now;
  // once governed, always governed: what the facts say now can only add (an agent stays an agent)
  const isAgent = facts.execution.isAgent || (now.governed === true && now.isAgent);
  return { governed: true, isAgent, reason: facts.execution.governedBecause };
}

function decideFromFacts(facts: GovernanceFacts): Governance {
  const { author } = facts;
  const login = author.login.toLowerCase();
  if (login === facts.appLogin.toLowerCase()) {
    return { governed: true, isAgent: true, reason: `opened by AAOE (${author.login})` };
  }
  const listed = listedAgent(author, facts.agents);
  if (listed) return { governed: true, isAgent: true, reason: `opened by ${author.login}, listed as an agent (${listed})` };
  if (author.type === 'Bot' && !(facts.exemptBots ?? []).some((b) => b.toLowerCase() === login)) {
    return { governed: true, isAgent: true, reason: `opened by ${author.login}, a Bot account (every Bot author is governed unless \`governance.exemptBots\` names it)` };
  }
  const label = facts.triggerLabel.toLowerCase();
  if (facts.labels.some((l) => l.toLowerCase() === label)) {
    return { governed: true, isAgent: false, reason: `carries the \`${facts.triggerLabel}\` label` };
  }
  if (facts.labelledBefore === undefined) return { governed: 'unknown' };
  if (facts.labelledBefore) {
    return { governed: true, isAgent: false, reason: `carried the \`${facts.triggerLabel}\` label once (removing it does not end governance)` };
  }
  const who = author.type === 'Bot' ? `${author.login}, a Bot the policy exempts (\`governance.exemptBots\`),` : `${author.login}, who is not an agent,`;
  return { governed: false, reason: `This pull request was opened by ${who} and never carried the \`${facts.triggerLabel}\` label.` };
}

/** How the policy's `agents:` names this account: by immutable id (digits) or by login; undefined when it does not. */
export function listedAgent(user: { login: string; id?: number }, agents: readonly string[]): string | undefined {
  const login = user.login.toLowerCase();
  for (const entry of agents) {
    if (user.id && /^\d+$/.test(entry) && Number(entry) === user.id) return `by account id ${entry}`;
    if (entry.toLowerCase() === login) return 'by login';
  }
  return undefined;
}

/** Refused for agent identities whatever their permission (bounded autonomy): an agent proposes, people decide. */
export const HUMAN_ONLY_VERBS: ReadonlySet<string> = new Set(['approve', 'rollback', 'resume']);

/** Why an account counts as an agent (a Bot, or a login in the policy's `agents`), or undefined for a person. */
export function agentIdentity(user: { login: string; type: string; id?: number }, policy: { agents: readonly string[] }): string | undefined {
  if (user.type !== 'User') return `a ${user.type} account`;
  if (listedAgent(user, policy.agents)) return "listed in the policy's agents";
  return undefined;
}
