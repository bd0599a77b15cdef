import { AGENT_CATALOGUE } from '../policy/agent-catalogue.js';
import type { OrganisationPolicy } from '../policy/schema.js';
import { ORG_FREEZE_TEXT as TEXT } from '../text/org-freeze.js';

/**
 * Stop the line (docs/freeze.md), decided on plain facts: who may freeze the organisation (an owner, or an active
 * member of a team the organisation's own config names, by the immutable id GitHub reports), when a freeze ends,
 * which freeze a repository's change meets (the repository's own, an agent's kill switch, the organisation's), and
 * whether a hotfix may pass the organisation's freeze (the label asks; only approvals of the head commit by enough
 * owners, never its author or an agent, let it through).
 */

/** One freeze of an installation: the whole organisation, or one agent's work (`agent`). */
export type OrgFreezeRecord = {
  id: number;
  scope: 'org' | 'agent';
  agent: string | null;
  reason: string;
  since: string;
  /** When it ends on its own; null: when someone lifts it. */
  until: string | null;
  by: { login: string; id: number };
};

/** The freezes of an installation in force at one moment. */
export type OrgFreezes = { org: OrgFreezeRecord | undefined; agents: OrgFreezeRecord[] };

export const NO_ORG_FREEZES: OrgFreezes = { org: undefined, agents: [] };

/** The longest an organisation freeze may be set for in advance (it can always be lifted or set again). */
export const MAX_FREEZE_MS = 30 * 24 * 60 * 60_000;

/** The agents a kill switch can name: the catalogue's and AAOE's own (`aaoe`, its issue work). */
export function knownAgents(): string[] {
  return ['aaoe', ...AGENT_CATALOGUE.map((a) => a.name)];
}

/** `--until` as written (`2026-12-08T18:00:00Z`, `90m`, `4h`, `2d`) resolved against `now`; it must lie ahead. */
export function resolveUntil(
  until: string | undefined,
  now: Date,
): { ok: true; until: Date | null } | { ok: false; reason: string } {
  if (until === undefined) return { ok: true, until: null };
  const unit = until.at(-1);
  const minutes = { m: 1, h: 60, d: 1440 }[unit ?? ''];
  const at =
    minutes !== undefined
      ? new Date(now.getTime() + Number(until.slice(0, -1)) * minutes * 60_000)
      : new Date(Date.parse(until));
  if (Number.isNaN(at.getTime()) || at.getTime() <= now.getTime()) return { ok: false, reason: TEXT.untilPast(until) };
  if (at.getTime() - now.getTime() > MAX_FREEZE_MS) return { ok: false, reason: TEXT.untilTooFar(until) };
  return { ok: true, until: at };
}

/** What GitHub said of the actor: their organisation membership and the freeze teams they are active members of. */
export type FreezerFacts = {
  actor: { login: string; type: string };
  /** Whether the actor is an agent identity (a Bot, a catalogue account, or one the policy lists). */
  isAgent: boolean;
  membership: { role: 'admin' | 'member' | 'none'; state: 'active' | 'pending' | 'none'; userId: number | undefined };
  /** The organisation config's `freezeTeams` the actor is an active member of. */
  teams: string[];
};

/** Who may freeze or unfreeze the organisation: an owner, or a member of a freeze team; never an agent or a bot. */
export function decideFreezeAuthority(
  f: FreezerFacts,
  org: OrganisationPolicy,
): { ok: true; via: string; userId: number } | { ok: false; reason: string } {
  const { login } = f.actor;
  if (f.actor.type !== 'User' || f.isAgent) return { ok: false, reason: TEXT.notAPerson(login, f.actor.type) };
  const { role, state, userId } = f.membership;
  if (state !== 'active' || userId === undefined) return { ok: false, reason: TEXT.notAMember(login, org.freezeTeams) };
  if (role === 'admin') return { ok: true, via: 'organisation owner', userId };
  const team = f.teams.find((t) => org.freezeTeams.map((x) => x.toLowerCase()).includes(t.toLowerCase()));
  if (team) return { ok: true, via: `member of the freeze team ${team}`, userId };
  return { ok: false, reason: TEXT.notAMember(login, org.freezeTeams) };
}

/** One recorded `/aaoe approve` of a pull request, with what GitHub says of its author now. */
export type HotfixApproval = {
  login: string;
  userId: number | undefined;
  type: string;
  headSha: string;
  isAuthor: boolean;
  isAgent: boolean;
  orgRole: 'admin' | 'member' | 'none';
};

export type HotfixDecision =
  | { kind: 'not_hotfix' }
  | { kind: 'let_through'; approvers: string[]; headSha: string }
  | { kind: 'held'; reason: string };

/**
 * Whether a change labelled as a hotfix passes the organisation freeze: the label is untrusted (anyone who may triage
 * can add it), so it only asks; what lets the change through is `hotfix.approvals` distinct owners of the
 * organisation who approved this very head commit, none of them its author or an agent.
 */
export function decideHotfix(
  f: { labels: readonly string[]; headSha: string; approvals: readonly HotfixApproval[] },
  org: OrganisationPolicy,
): HotfixDecision {
  const label = org.hotfix.label.toLowerCase();
  if (!f.labels.some((l) => l.toLowerCase() === label)) return { kind: 'not_hotfix' };
  const head = f.headSha.toLowerCase();
  const seen = new Set<string>();
  const approvers: string[] = [];
  for (const a of f.approvals) {
    if (a.headSha.toLowerCase() !== head || a.type !== 'User' || a.isAuthor || a.isAgent || a.orgRole !== 'admin')
      continue;
    if (a.userId === undefined) continue;
    const key = String(a.userId);
    if (seen.has(key)) continue;
    seen.add(key);
    approvers.push(a.login);
  }
  if (approvers.length >= org.hotfix.approvals) return { kind: 'let_through', approvers, headSha: f.headSha };
  return { kind: 'held', reason: TEXT.hotfixHeld(org.hotfix.label, org.hotfix.approvals, approvers, f.headSha) };
}

/** The freeze a repository's change meets, as the gate, the review and the dispatch read it. */
export type MetFreeze = {
  id: number;
  scope: 'repository' | 'organisation' | 'agent';
  reason: string;
  since: string;
  /** When it ends on its own; null: when lifted. */
  until: string | null;
  /** Set when the change passes this freeze as a hotfix: the sentence that says who let it through. */
  hotfix?: string;
};

/**
 * The freeze a change meets, the strongest first: the repository's own (the circuit breaker's; a hotfix does not
 * pass it), the kill switch of the agent whose work it is, then the organisation's (a hotfix with its approvals
 * passes it, marked as such). `hotfix` is asked only for a pull request; undefined: none in force.
 */
export function freezeMet(f: {
  repository: { id: number; reason: string; since: string; until: string } | undefined;
  org: OrgFreezes;
  agent: string | undefined;
  hotfix?: HotfixDecision;
}): MetFreeze | undefined {
  if (f.repository) return { ...f.repository, scope: 'repository' };
  const agent = f.agent?.toLowerCase();
  const stopped = agent === undefined ? undefined : f.org.agents.find((a) => a.agent === agent);
  if (stopped)
    return {
      ...common(stopped),
      scope: 'agent',
      reason: TEXT.agentFrozen(agent ?? '', stopped.by.login, stopped.reason),
    };
  const org = f.org.org;
  if (!org) return undefined;
  const met: MetFreeze = { ...common(org), scope: 'organisation', reason: TEXT.orgFrozen(org.by.login, org.reason) };
  if (f.hotfix?.kind === 'let_through')
    return { ...met, hotfix: TEXT.hotfixLetThrough(f.hotfix.approvers, f.hotfix.headSha) };
  if (f.hotfix?.kind === 'held') return { ...met, reason: `${met.reason}; ${f.hotfix.reason}` };
  return met;
}

function common(r: OrgFreezeRecord): Pick<MetFreeze, 'id' | 'since' | 'until'> {
  return { id: r.id, since: r.since, until: r.until };
}

/**
 * Whether new agent work may start in a repository of the installation (AAOE's own issue work is agent `aaoe`): not
 * while the organisation is frozen or that agent's kill switch is on; the reason when not.
 */
export function agentWorkRefusal(org: OrgFreezes, agent: string): string | undefined {
  const met = freezeMet({ repository: undefined, org, agent });
  return met ? TEXT.workRefused(met.reason, met.until) : undefined;
}
