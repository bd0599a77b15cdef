import { agentOfAccount, agentOfEmail, coAuthorEmails, isCatalogueKeyword, noreplyLogin } from './agent-catalogue.js';

/**
 * Which pull requests AAOE governs. Labels only ever add control: a pull request that an agent authored,
 * or that carried the trigger label once, stays governed whatever happens to its labels, branch or body.
 * Once governed, always governed: a pull request AAOE keeps an execution for is governed whatever the policy,
 * the labels or the author's login say now (the execution decides). Agents are recognised by immutable account
 * id as well as by login, and every Bot author is governed unless the policy exempts it by name. The known coding
 * agents (src/core/policy/agent-catalogue.ts) are recognised by their accounts and by the commits they write, including
 * the `Co-authored-by:` trailers of agents that work under a person's account.
 */

/** Who wrote or committed a commit: git's name and email, and the GitHub account GitHub matched it to (if any). */
export type CommitPerson = { name: string; email: string; account?: { login: string; id: number; type: string } };

/** A commit of the pull request, as GitHub lists it (at most 250 are read). */
export type CommitFacts = { sha: string; message: string; author: CommitPerson; committer: CommitPerson };

export type GovernanceFacts = {
  /** The author; `id` is the immutable account id (0 or absent when GitHub did not say). */
  author: { login: string; type: string; id?: number };
  /** The login of AAOE's own bot account (`<app-slug>[bot]`). */
  appLogin: string;
  /**
   * What the policy lists under `agents:`: logins, account ids written as digits, catalogue names and `all-known`.
   * The catalogue's agents are recognised whatever the list says (governance only adds control: docs/agents.md).
   */
  agents: readonly string[];
  /** Bot logins the policy exempts (`governance.exemptBots`): only the Bot default is waived for them. */
  exemptBots?: readonly string[];
  triggerLabel: string;
  /** Label names on the pull request now. */
  labels: string[];
  /** The commits of the head being judged (oldest first, at most 250); undefined when not read yet. */
  commits?: readonly CommitFacts[];
  /** Whether the trigger label was ever applied to the pull request; undefined when not looked up yet. */
  labelledBefore?: boolean;
  /** The execution AAOE keeps for this pull request, if any: it was governed, so it stays governed. */
  execution?: { isAgent: boolean; governedBecause: string; agent?: string };
};

export type Governance =
  /** `agent`: which agent the work is from (a catalogue name, or the account's login), when it is an agent's. */
  | { governed: true; isAgent: boolean; reason: string; agent?: string }
  | { governed: false; reason: string }
  /** The facts at hand do not settle it: `need` names what to read next (the commits, then the label history). */
  | { governed: 'unknown'; need: 'commits' | 'labelHistory' };

/** The name AAOE records for its own agent's work. */
export const AAOE_AGENT = 'aaoe';

export function decideGovernance(facts: GovernanceFacts): Governance {
  if (facts.execution) {
    // once governed, always governed: what the facts say now can only add (an agent stays an agent)
    const now = decideFromFacts(facts);
    const isAgent = facts.execution.isAgent || (now.governed === true && now.isAgent);
    const agent = facts.execution.agent ?? (now.governed === true ? now.agent : undefined);
    return { governed: true, isAgent, reason: facts.execution.governedBecause, ...(agent ? { agent } : {}) };
  }
  return decideFromFacts(facts);
}

function decideFromFacts(facts: GovernanceFacts): Governance {
  const { author } = facts;
  const login = author.login.toLowerCase();
  if (login === facts.appLogin.toLowerCase()) {
    return { governed: true, isAgent: true, reason: `opened by AAOE (${author.login})`, agent: AAOE_AGENT };
  }
  const known = agentOfAccount(author);
  if (known)
    return {
      governed: true,
      isAgent: true,
      reason: `opened by ${author.login}, ${known.displayName}`,
      agent: known.name,
    };
  const listed = listedAgent(author, facts.agents);
  if (listed)
    return {
      governed: true,
      isAgent: true,
      reason: `opened by ${author.login}, listed as an agent (${listed})`,
      agent: author.login,
    };
  if (author.type === 'Bot' && !(facts.exemptBots ?? []).some((b) => b.toLowerCase() === login)) {
    return {
      governed: true,
      isAgent: true,
      reason: `opened by ${author.login}, a Bot account (every Bot author is governed unless \`governance.exemptBots\` names it)`,
      agent: author.login,
    };
  }
  const label = facts.triggerLabel.toLowerCase();
  if (facts.labels.some((l) => l.toLowerCase() === label)) {
    return { governed: true, isAgent: false, reason: `carries the \`${facts.triggerLabel}\` label` };
  }
  if (facts.commits === undefined) return { governed: 'unknown', need: 'commits' };
  const byCommit = agentInCommits(facts.commits, facts.agents);
  if (byCommit) return { governed: true, isAgent: true, reason: byCommit.reason, agent: byCommit.agent };
  if (facts.labelledBefore === undefined) return { governed: 'unknown', need: 'labelHistory' };
  if (facts.labelledBefore) {
    return {
      governed: true,
      isAgent: false,
      reason: `carried the \`${facts.triggerLabel}\` label once (removing it does not end governance)`,
    };
  }
  const who =
    author.type === 'Bot'
      ? `${author.login}, a Bot the policy exempts (\`governance.exemptBots\`)`
      : `${author.login}, who is not an agent`;
  return {
    governed: false,
    reason: `This pull request was opened by ${who}; none of its commits is an agent's (by account, email or \`Co-authored-by:\` trailer), and it never carried the \`${facts.triggerLabel}\` label.`,
  };
}

/**
 * The first commit that is an agent's: its author or committer account is a catalogue agent or listed under
 * `agents:`, its git author or committer email is a catalogue agent's, or a `Co-authored-by:` trailer names one
 * (by email: a trailer's name is free text). A Bot commit author is not enough on its own (formatters and
 * dependency bots commit to people's branches): the Bot default is for pull request authors.
 */
export function agentInCommits(
  commits: readonly CommitFacts[],
  agents: readonly string[],
): { agent: string; reason: string } | undefined {
  for (const commit of commits.slice(0, MAX_COMMITS)) {
    const short = commit.sha.slice(0, 7);
    for (const [role, person] of [
      ['authored', commit.author],
      ['committed', commit.committer],
    ] as const) {
      if (person.account) {
        const known = agentOfAccount(person.account);
        if (known)
          return {
            agent: known.name,
            reason: `commit ${short} was ${role} by ${person.account.login}, ${known.displayName}`,
          };
        const listed = listedAgent(person.account, agents);
        if (listed)
          return {
            agent: person.account.login,
            reason: `commit ${short} was ${role} by ${person.account.login}, listed as an agent (${listed})`,
          };
      }
      const byEmail = agentOfEmail(person.email);
      if (byEmail)
        return {
          agent: byEmail.name,
          reason: `commit ${short} was ${role} as ${byEmail.displayName} (${person.email.toLowerCase()})`,
        };
    }
    for (const email of coAuthorEmails(commit.message)) {
      const known = agentOfEmail(email);
      if (known)
        return {
          agent: known.name,
          reason: `commit ${short} carries a \`Co-authored-by:\` trailer of ${known.displayName} (${email})`,
        };
      const login = noreplyLogin(email);
      if (login === undefined) continue;
      const listed = listedAgent({ login }, agents);
      if (listed)
        return {
          agent: login,
          reason: `commit ${short} carries a \`Co-authored-by:\` trailer of ${login}, listed as an agent (${listed})`,
        };
    }
  }
  return undefined;
}

/** GitHub lists at most 250 commits of a pull request; no more are read. */
export const MAX_COMMITS = 250;

/**
 * How the policy's `agents:` names this account: by immutable id (digits) or by login; undefined when it does not.
 * Catalogue names and `all-known` are keywords, never logins (an account whose login is one is listed by its id).
 */
export function listedAgent(user: { login: string; id?: number }, agents: readonly string[]): string | undefined {
  const login = user.login.toLowerCase();
  for (const entry of agents) {
    if (user.id && /^\d+$/.test(entry) && Number(entry) === user.id) return `by account id ${entry}`;
    if (!isCatalogueKeyword(entry) && entry.toLowerCase() === login) return 'by login';
  }
  return undefined;
}

/** Refused for agent identities whatever their permission (bounded autonomy): an agent proposes, people decide. */
export const HUMAN_ONLY_VERBS: ReadonlySet<string> = new Set(['approve', 'rollback', 'resume']);

/** Why an account counts as an agent (a Bot, a catalogue agent's account, or one the policy's `agents` lists), or undefined for a person. */
export function agentIdentity(
  user: { login: string; type: string; id?: number },
  policy: { agents: readonly string[] },
): string | undefined {
  if (user.type !== 'User') return `a ${user.type} account`;
  const known = agentOfAccount(user);
  if (known) return `${known.displayName}, a known coding agent`;
  if (listedAgent(user, policy.agents)) return "listed in the policy's agents";
  return undefined;
}
