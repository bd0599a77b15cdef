/**
 * The coding agents AAOE knows, each with how its work shows on GitHub: the accounts its pull requests and commits
 * carry (a Bot login, with the immutable account id where it is known) and the emails it writes into commits (as the
 * git author, or in a `Co-authored-by:` trailer when it works under a person's account). docs/agents.md explains each.
 *
 * What an agent writes into a commit is text anyone can write: a trailer only ever adds governance, it never removes
 * it, so a forged trailer costs its writer a governed pull request and nothing else. An account GitHub resolved (a
 * commit's `author`/`committer`, the pull request's `user`) is matched by id where the id is listed here, so a
 * renamed or re-registered login does not pass for the agent; where no id is documented it is matched by login.
 *
 * Each entry names where it was read. Where an agent's own documentation does not give the value, the entry says
 * so and names what it was seen in instead.
 */

export type CatalogueAccount = {
  login: string;
  /** The immutable account id, where known; without it the account is matched by login. */
  id?: number;
};

export type CatalogueAgent = {
  /** The name the policy uses (`agents: [claude]`) and AAOE reports (per-agent figures). */
  name: string;
  displayName: string;
  /** GitHub accounts that open its pull requests or author/commit its commits. */
  accounts: readonly CatalogueAccount[];
  /** Emails (lower case) it writes as a commit's author or in a `Co-authored-by:` trailer. */
  emails: readonly string[];
};

export const AGENT_CATALOGUE: readonly CatalogueAgent[] = [
  {
    // GitHub Copilot coding agent: it opens the pull request as `Copilot` and commits as `copilot-swe-agent[bot]`
    // <198982749+Copilot@users.noreply.github.com>, the person who asked as co-author.
    // https://docs.github.com/en/copilot/concepts/agents/coding-agent/about-coding-agent (who opens the PR); the id
    // and noreply address are not in GitHub's docs: seen on the agent's commits (e.g. posit-dev/ark#1000,
    // atvirokodosprendimai/wgmesh#473 on the author being `Copilot`). Copilot's trailers also carry other id
    // prefixes (`<n>+Copilot@users.noreply.github.com`): a trailer is matched by the login in the noreply address.
    name: 'copilot',
    displayName: 'GitHub Copilot coding agent',
    accounts: [
      { login: 'Copilot', id: 198982749 },
      { login: 'copilot-swe-agent[bot]', id: 198982749 },
    ],
    emails: [],
  },
  {
    // Claude Code writes `Co-Authored-By: Claude <noreply@anthropic.com>` (the model name may replace "Claude") on
    // the commits it makes under a person's account unless `includeCoAuthoredBy` is off:
    // https://docs.anthropic.com/en/docs/claude-code/settings (includeCoAuthoredBy). The Claude GitHub app
    // (anthropics/claude-code-action) commits and opens pull requests as `claude[bot]`, id 209825114
    // (<209825114+claude[bot]@users.noreply.github.com>): https://github.com/anthropics/claude-code-action.
    name: 'claude',
    displayName: 'Claude (Claude Code, Claude GitHub app)',
    accounts: [{ login: 'claude[bot]', id: 209825114 }],
    emails: ['noreply@anthropic.com'],
  },
  {
    // OpenAI Codex (cloud): the pull request is opened under the person's account through the ChatGPT connector
    // app `chatgpt-codex-connector[bot]` (https://developers.openai.com/codex/cloud). The id 199175422 is not in
    // OpenAI's docs (seen on the connector's commits); Codex CLI writes no trailer by default, so a local Codex
    // under a person's account is not recognisable (docs/agents.md).
    name: 'codex',
    displayName: 'OpenAI Codex',
    accounts: [{ login: 'chatgpt-codex-connector[bot]', id: 199175422 }],
    emails: [],
  },
  {
    // Devin opens pull requests through its GitHub app, `devin-ai-integration[bot]`:
    // https://docs.devin.ai/integrations/gh. The id 158243242 is not in Devin's docs (seen on its commits).
    name: 'devin',
    displayName: 'Devin',
    accounts: [{ login: 'devin-ai-integration[bot]', id: 158243242 }],
    emails: [],
  },
  {
    // Jules opens pull requests under the person's account with `google-labs-jules[bot]` as commit co-author
    // (<161369871+google-labs-jules[bot]@users.noreply.github.com>): https://jules.google/docs and
    // https://github.com/google-labs-code/jules-sdk/pull/94 ("Jules sessions create PRs under the user's account
    // with Jules as a commit co-author"). The id is not in Google's docs (seen on its commits).
    name: 'jules',
    displayName: 'Google Jules',
    accounts: [{ login: 'google-labs-jules[bot]', id: 161369871 }],
    emails: [],
  },
  {
    // OpenHands adds `Co-authored-by: openhands <openhands@all-hands.dev>` to the commits it makes (its runtime's
    // prepare-commit-msg hook, https://github.com/OpenHands/OpenHands, openhands/runtime/utils/git_hooks), and its
    // GitHub resolver acts as the User account `openhands-agent` (https://docs.all-hands.dev, GitHub resolver),
    // whose id is not documented: matched by login. `openhands@openhands.dev` is the address after the project's
    // domain change (not yet in its docs; matched too: a trailer only adds governance).
    name: 'openhands',
    displayName: 'OpenHands',
    accounts: [{ login: 'openhands-agent' }],
    emails: ['openhands@all-hands.dev', 'openhands@openhands.dev'],
  },
  {
    // Cursor's agents (background/cloud agents, and the editor's agent when it commits) add
    // `Co-authored-by: Cursor Agent <cursoragent@cursor.com>`; its GitHub app is `cursor[bot]`:
    // https://docs.cursor.com/background-agent. Neither the email nor the id 206951365 is spelled out in Cursor's
    // docs (both seen on its commits and pull requests).
    name: 'cursor',
    displayName: 'Cursor',
    accounts: [{ login: 'cursor[bot]', id: 206951365 }],
    emails: ['cursoragent@cursor.com'],
  },
];

/** The keyword of `agents:` that names the whole catalogue (what AAOE recognises in any case). */
export const ALL_KNOWN = 'all-known';

const BY_NAME = new Map(AGENT_CATALOGUE.map((a) => [a.name, a]));

/** The catalogue entry with this name (case-insensitive), if any. */
export function catalogueAgent(name: string): CatalogueAgent | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Whether an `agents:` entry is a keyword (`all-known` or a catalogue name) rather than a login or id. */
export function isCatalogueKeyword(entry: string): boolean {
  const lower = entry.toLowerCase();
  return lower === ALL_KNOWN || BY_NAME.has(lower);
}

/**
 * The catalogue agent a GitHub account is: by id where both ids are known (a login that changed hands does not
 * match), by login (case-insensitive) otherwise.
 */
export function agentOfAccount(account: { login: string; id?: number }): CatalogueAgent | undefined {
  const login = account.login.toLowerCase();
  for (const agent of AGENT_CATALOGUE) {
    for (const known of agent.accounts) {
      if (known.id !== undefined && account.id) {
        if (known.id === account.id) return agent;
      } else if (known.login.toLowerCase() === login) {
        return agent;
      }
    }
  }
  return undefined;
}

const NOREPLY_DOMAIN = 'users.noreply.github.com';

/**
 * The login in a GitHub noreply address (`<id>+<login>@users.noreply.github.com` or `<login>@users.noreply...`),
 * lower case, or undefined for any other address.
 */
export function noreplyLogin(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0 || email.slice(at + 1).toLowerCase() !== NOREPLY_DOMAIN) return undefined;
  const local = email.slice(0, at);
  const plus = local.indexOf('+');
  const login = (plus === -1 ? local : local.slice(plus + 1)).toLowerCase();
  return login === '' ? undefined : login;
}

/**
 * The catalogue agent an email belongs to: one it writes (case-insensitive), or the noreply address of one of its
 * accounts (matched by the login in it: the id prefix is text the committer chose).
 */
export function agentOfEmail(email: string): CatalogueAgent | undefined {
  const lower = email.trim().toLowerCase();
  if (lower === '') return undefined;
  const login = noreplyLogin(lower);
  for (const agent of AGENT_CATALOGUE) {
    if (agent.emails.includes(lower)) return agent;
    if (login !== undefined && agent.accounts.some((a) => a.login.toLowerCase() === login)) return agent;
  }
  return undefined;
}

/** How much of a commit message is read for trailers: its last 16 KiB (trailers close a message). */
export const MESSAGE_TAIL_CHARS = 16 * 1024;

/**
 * The emails of a commit message's `Co-authored-by:` trailers (lower case), read from the message's last
 * `MESSAGE_TAIL_CHARS` characters by one pass over its lines, without regular expressions: a commit message is
 * text its author chose, of any size.
 */
export function coAuthorEmails(message: string): string[] {
  const tail = message.length > MESSAGE_TAIL_CHARS ? message.slice(message.length - MESSAGE_TAIL_CHARS) : message;
  const emails: string[] = [];
  let start = 0;
  while (start <= tail.length) {
    let end = tail.indexOf('\n', start);
    if (end === -1) end = tail.length;
    const email = trailerEmail(tail, start, end);
    if (email !== undefined) emails.push(email);
    start = end + 1;
  }
  return emails;
}

const TRAILER = 'co-authored-by:';

/** The email of a `Co-authored-by: Name <email>` line (text[start, end)), or undefined when it is not one. */
function trailerEmail(text: string, start: number, end: number): string | undefined {
  let i = start;
  while (i < end && (text[i] === ' ' || text[i] === '\t')) i++;
  if (end - i < TRAILER.length || text.slice(i, i + TRAILER.length).toLowerCase() !== TRAILER) return undefined;
  // searched within the line only: every character of the message is looked at a bounded number of times
  const rest = text.slice(i + TRAILER.length, end);
  const lt = rest.lastIndexOf('<');
  if (lt === -1) return undefined;
  const gt = rest.indexOf('>', lt);
  if (gt === -1) return undefined;
  const email = rest
    .slice(lt + 1, gt)
    .trim()
    .toLowerCase();
  return email === '' ? undefined : email;
}
