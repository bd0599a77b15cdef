import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { PullRequestFacts } from '../adapters/github/github-facts.js';
import { listApprovals } from '../adapters/store/approvals.js';
import type { Database, SqlExecutor } from '../adapters/store/database.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { activeOrgFreezes, isLetThrough, recordHotfix } from '../adapters/store/org-freezes.js';
import type { FreezeFact } from '../core/deploy/decide-dispatch.js';
import { ORG_FREEZE_TEXT } from '../core/text/org-freeze.js';
import {
  decideHotfix,
  freezeMet,
  type HotfixApproval,
  type HotfixDecision,
  type MetFreeze,
} from '../core/decisions/org-freeze.js';
import type { ExecutionRecord } from '../core/execution/records.js';
import { agentIdentity } from '../core/policy/governance.js';
import { loadPolicy } from '../core/policy/load-policy.js';
import { OrganisationPolicy, type Policy } from '../core/policy/schema.js';

/**
 * The facts of stop the line, read for one decision: the organisation's config (from the owner's `.github`
 * repository only, docs/freeze.md), the freezes of the installation in force, and for a hotfix the approvals of its
 * head commit with what GitHub says of each approver now (organisation role, immutable id). Read only when an
 * organisation freeze is in force: without one, nothing more is asked of GitHub.
 */

/** Where the organisation's config lives: `.github/aaoe.yml` of the owner's `.github` repository. */
export const ORG_CONFIG_REPO = '.github';
export const ORG_CONFIG_PATH = '.github/aaoe.yml';
/** The longest organisation config read; a longer one is not parsed and the defaults (the strictest) hold. */
export const MAX_ORG_CONFIG_CHARS = 64 * 1024;

export const ORG_DEFAULTS: OrganisationPolicy = OrganisationPolicy.parse({});

/**
 * The `organisation:` block of the owner's `.github` repository's config, validated; its defaults (owners only; a
 * hotfix needs two owners) when the file is missing, too long or invalid: a broken config never loosens a freeze.
 */
export async function readOrgConfig(github: GitHubAdapter): Promise<OrganisationPolicy> {
  const text = await github
    .sibling(ORG_CONFIG_REPO)
    .readFile(ORG_CONFIG_PATH)
    .catch(() => undefined);
  if (text === undefined || text.length > MAX_ORG_CONFIG_CHARS) return ORG_DEFAULTS;
  const loaded = loadPolicy(text, `${github.repo.owner}/${ORG_CONFIG_REPO}:${ORG_CONFIG_PATH}`);
  if (!loaded.ok) return ORG_DEFAULTS;
  const parsed = OrganisationPolicy.safeParse((loaded.policy as { organisation?: unknown }).organisation ?? {});
  return parsed.success ? parsed.data : ORG_DEFAULTS;
}

/**
 * The freeze a pull request's change meets at its pinned (base, head): the repository's own, its agent's kill switch,
 * or the organisation's, with a hotfix judged against the organisation config (only while the organisation is frozen).
 */
export async function pullRequestFreeze(
  db: Database,
  github: GitHubAdapter,
  at: {
    execution: ExecutionRecord;
    repository: { id: number; reason: string; since: string; until: string } | undefined;
    pullRequest: PullRequestFacts;
    policy: Pick<Policy, 'agents'>;
    now: Date;
  },
): Promise<MetFreeze | undefined> {
  const org = await activeOrgFreezes(db, at.execution.installationId, at.now);
  const agent = at.execution.subject?.agent;
  let hotfix: HotfixDecision | undefined;
  if (org.org && !at.repository) hotfix = await judgeHotfix(db, github, at);
  const met = freezeMet({ repository: at.repository, org, agent, ...(hotfix ? { hotfix } : {}) });
  if (met?.hotfix && hotfix?.kind === 'let_through') await recordLetThrough(db, at.execution, met, hotfix, at.now);
  return met;
}

/** A hotfix let through: recorded for its deployment, and audited once per head and freeze. */
async function recordLetThrough(
  db: Database,
  execution: ExecutionRecord,
  met: MetFreeze,
  hotfix: Extract<HotfixDecision, { kind: 'let_through' }>,
  now: Date,
): Promise<void> {
  const { approvers, headSha } = hotfix;
  await db.transaction(async (tx) => {
    if (!(await recordHotfix(tx, { executionId: execution.id, headSha, freezeId: met.id, approvers, now }))) return;
    await appendAudit(tx, {
      executionId: execution.id,
      traceId: execution.traceId,
      actor: 'aaoe',
      action: 'hotfix_let_through',
      reason: `${met.hotfix ?? ''}; ${met.reason}`,
      data: { headSha, freeze: met.id, approvers },
    });
  });
}

/**
 * The freeze a deployment (its dispatch, or the protection rule's review of its run) meets: the repository's own, or
 * the organisation's unless the execution was let through it as a hotfix at its head. An organisation freeze with no
 * end is said to end `recheck` from now, so a held dispatch tries again then (and goes out once it is lifted).
 */
export async function deployFreeze(
  db: SqlExecutor,
  at: {
    execution: Pick<ExecutionRecord, 'id' | 'headSha'> | undefined;
    installationId: number;
    repository: FreezeFact | undefined;
    now: Date;
    recheckMs?: number;
  },
): Promise<(FreezeFact & { scope: 'repository' | 'organisation' }) | undefined> {
  if (at.repository) return { ...at.repository, scope: 'repository' };
  const org = (await activeOrgFreezes(db, at.installationId, at.now)).org;
  if (!org) return undefined;
  const x = at.execution;
  if (x?.headSha && (await isLetThrough(db, x.id, x.headSha, org.id))) return undefined;
  const recheck = at.now.getTime() + (at.recheckMs ?? DISPATCH_RECHECK_MS);
  const until = org.until === null ? recheck : Math.min(Date.parse(org.until), recheck);
  return {
    id: org.id,
    scope: 'organisation',
    reason: ORG_FREEZE_TEXT.orgFrozen(org.by.login, org.reason),
    since: org.since,
    until: new Date(until).toISOString(),
  };
}

/** How often a dispatch held by an organisation freeze tries again (it goes out at the first try after the lift). */
export const DISPATCH_RECHECK_MS = 5 * 60_000;

async function judgeHotfix(
  db: SqlExecutor,
  github: GitHubAdapter,
  at: { execution: ExecutionRecord; pullRequest: PullRequestFacts; policy: Pick<Policy, 'agents'> },
): Promise<HotfixDecision> {
  const config = await readOrgConfig(github);
  const pr = at.pullRequest;
  const labelled = { labels: pr.labels, headSha: pr.headSha, approvals: [] };
  if (decideHotfix(labelled, config).kind === 'not_hotfix') return { kind: 'not_hotfix' };
  const approvals: HotfixApproval[] = [];
  for (const a of await listApprovals(db, at.execution.id)) {
    // bound to this pull request, its base and the head judged: any other moment's approval is not this one's
    if (a.pullRequest !== pr.number || a.headSha !== pr.headSha || a.baseSha !== pr.baseSha) continue;
    const member = a.actor.type === 'User' ? await github.getOrgMembership(a.actor.login) : undefined;
    const userId = member?.state === 'active' ? member.userId : undefined;
    const isAuthor =
      a.actor.login.toLowerCase() === pr.author.login.toLowerCase() || (userId !== undefined && userId === pr.authorId);
    approvals.push({
      login: a.actor.login,
      userId,
      type: a.actor.type,
      headSha: a.headSha,
      isAuthor,
      isAgent: agentIdentity({ ...a.actor, ...(userId ? { id: userId } : {}) }, at.policy) !== undefined,
      orgRole: member?.state === 'active' ? member.role : 'none',
    });
  }
  return decideHotfix({ ...labelled, approvals }, config);
}
