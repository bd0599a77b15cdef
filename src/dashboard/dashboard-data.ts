import { randomUUID } from 'node:crypto';
import type { ControlPlane } from '../workflows/control-plane.js';
import { agentIdentity } from '../core/policy/governance.js';
import { executionStatus } from '../core/views/execution-view.js';
import type { ApiUser, GitHubAccess } from '../adapters/github/github-access.js';
import type { ExecutionStatus } from '../contracts/api.js';
import { DEFAULT_ENVIRONMENT, ROLLBACK_EVENT_TYPE } from '../contracts/dispatch.js';
import { dispatchPayload } from '../workflows/deploy-payload.js';
import { loadRepoPolicy } from '../workflows/load-repo-policy.js';
import type { Runtime } from '../adapters/store/runtime.js';
import { FINAL_STATES, type ExecutionEvent } from '../core/execution/execution-model.js';
import { transition } from '../core/execution/transition.js';
import type { RepositoryRole } from '../adapters/github/github-facts.js';
import type { Presets } from '../core/policy/policy-source.js';
import { listApprovals } from '../adapters/store/approvals.js';
import { showExecution } from '../adapters/store/audit-log.js';
import { activeFreeze, type Freeze } from '../adapters/store/breaker.js';
import { listOrgFreezes } from '../adapters/store/org-freezes.js';
import type { OrgFreezeRecord } from '../core/decisions/org-freeze.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import { deployLockHolder, queuedDeployments } from '../adapters/store/deploy-locks.js';
import {
  dispatchedSha,
  getExecution,
  listLiveExecutions,
  listOverviewExecutions,
} from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import { executionModelCost } from '../adapters/store/model-calls.js';
import { pendingTimers, type TimerRecord } from '../adapters/store/timers.js';
import { findPlanStep, getPlanRun } from '../adapters/store/plans.js';
import { readAgentFigures } from '../adapters/store/agent-figures.js';
import { type AgentFigures } from '../contracts/api.js';
import type { PlanStatus } from '../core/plan/run-plan.js';
import type { StepStatus } from '../core/plan/schedule-plan.js';

/**
 * What the dashboard shows, read for one signed-in user. Who may read which repository, and whether a verb is
 * allowed, is the control plane's decision (`ControlPlane.list` / `status` / `verb`: the collaborator permission
 * through the installation and the repository's visibility); this module never decides access on its own. The
 * user's role is read only to leave out buttons the control plane would refuse.
 */

export type DashboardPorts = {
  runtime: Runtime;
  now: () => Date;
  presets: Presets;
  access: GitHubAccess;
  plane: ControlPlane;
};

/** How many finished executions the overview lists besides the ones in flight. */
export const RECENT_FINISHED = 20;

export type EnvironmentView = {
  repo: string;
  environment: string;
  freeze: Freeze | undefined;
  lockHolder: string | undefined;
  queue: Array<{ executionId: string; sha: string; priority: number }>;
};

/** An organisation freeze or agent kill switch as the overview shows it (src/dashboard/freeze-panel.ts). */
export type FreezeView = OrgFreezeRecord & { liftedAt: string | null; liftedBy: string | null; inForce: boolean };

export type OverviewRow = { execution: ExecutionRecord; status: ExecutionStatus };

export type Overview = {
  inFlight: OverviewRow[];
  recent: OverviewRow[];
  environments: EnvironmentView[];
  timers: TimerRecord[];
  /** Executions, outcomes and spend per agent, over the repositories the user can read (src/adapters/store/agent-figures.ts). */
  agents: AgentFigures[];
  /** Organisation freezes and agent kill switches of the installations of those repositories (docs/freeze.md). */
  freezes: FreezeView[];
};

export async function readOverview(ports: DashboardPorts, user: ApiUser): Promise<Overview> {
  const db = ports.runtime.db;
  const all = await listOverviewExecutions(db, RECENT_FINISHED);
  const repos = [...new Set(all.map((x) => x.repo))].sort();
  const allowed = await Promise.all(repos.map((repo) => ports.plane.canRead(user, repo)));
  // asked of GitHub for every repository at once, not one after another
  const readable = new Set(repos.filter((_, i) => allowed[i]));
  const visible = all.filter((x) => readable.has(x.repo));
  const byUpdate = (a: ExecutionRecord, b: ExecutionRecord) => b.updatedAt.localeCompare(a.updatedAt);
  const live = visible.filter((x) => !FINAL_STATES.has(x.state)).sort(byUpdate);
  const finished = visible
    .filter((x) => FINAL_STATES.has(x.state))
    .sort(byUpdate)
    .slice(0, RECENT_FINISHED);
  const row = async (execution: ExecutionRecord): Promise<OverviewRow> => ({
    execution,
    status: await statusOf(db, execution),
  });
  const environments: EnvironmentView[] = [];
  for (const repo of readable) environments.push(await environmentOf(db, repo, ports.now()));
  const ids = new Set(visible.map((x) => x.id));
  return {
    inFlight: await Promise.all(live.map(row)),
    recent: await Promise.all(finished.map(row)),
    environments,
    timers: (await pendingTimers(db)).filter((t) => ids.has(t.executionId)),
    agents: await readAgentFigures(db, [...readable]),
    freezes: await freezesOf(db, visible, ports.now()),
  };
}

/** The freezes of the installations the visible executions belong to, newest first, each with whether it is in force. */
async function freezesOf(db: SqlExecutor, visible: ExecutionRecord[], now: Date): Promise<FreezeView[]> {
  const installations = [...new Set(visible.map((x) => x.installationId))];
  return (await listOrgFreezes(db, installations, 20)).map((f) => ({
    ...f,
    inForce: f.liftedAt === null && (f.until === null || Date.parse(f.until) > now.getTime()),
  }));
}

async function statusOf(db: SqlExecutor, execution: ExecutionRecord): Promise<ExecutionStatus> {
  return executionStatus(execution, await showExecution(db, execution.id), await listApprovals(db, execution.id));
}

async function environmentOf(db: SqlExecutor, repo: string, now: Date): Promise<EnvironmentView> {
  const environment = DEFAULT_ENVIRONMENT;
  return {
    repo,
    environment,
    freeze: await activeFreeze(db, repo, environment, now),
    lockHolder: await deployLockHolder(db, repo, environment),
    queue: (await queuedDeployments(db, repo, environment)).map(({ executionId, sha, priority }) => ({
      executionId,
      sha,
      priority,
    })),
  };
}

export type Verb = 'approve' | 'pause' | 'resume' | 'rollback';

export type DetailView = {
  execution: ExecutionRecord;
  status: ExecutionStatus;
  modelCost: { tokens: number; usd: number; calls: number };
  environment: EnvironmentView;
  timers: TimerRecord[];
  /** Other executions of the repository still in flight (the team view: who else is changing it). */
  otherLive: ExecutionRecord[];
  /** When the execution carries a step of an architecture plan: the step, what it waits on and what waits on it. */
  plan?: PlanStepView;
  role: RepositoryRole;
  /** The verbs whose buttons are shown: the user's role allows them and the execution's state takes them now. */
  actions: Verb[];
  /** Why no button is shown, when none is. */
  noActionsBecause?: string;
};

/**
 * A plan step as the team view shows it: the plan, the step's owner team, its dependencies and dependents with their
 * status (step ids only: other steps' repositories may be ones the reader cannot see), and the tracking issue when the
 * reader can read the architecture repository.
 */
export type PlanStepView = {
  planId: string;
  status: PlanStatus;
  step: string;
  team: string;
  dependsOn: Array<{ id: string; status: StepStatus }>;
  unblocks: Array<{ id: string; status: StepStatus }>;
  tracking?: { repo: string; issue: number };
};

async function planStepOf(
  ports: DashboardPorts,
  user: ApiUser,
  executionId: string,
): Promise<PlanStepView | undefined> {
  const db = ports.runtime.db;
  const at = await findPlanStep(db, executionId);
  const record = at && (await getPlanRun(db, at.repo, at.planId));
  const step = record?.run.plan.steps.find((s) => s.id === at?.step);
  if (!at || !record || !step) return undefined;
  const statusOf = (id: string) => ({ id, status: record.run.steps[id]?.status ?? 'pending' });
  return {
    planId: at.planId,
    status: record.run.status,
    step: step.id,
    team: step.team,
    dependsOn: step.dependsOn.map(statusOf),
    unblocks: record.run.plan.steps.filter((s) => s.dependsOn.includes(step.id)).map((s) => statusOf(s.id)),
    ...(record.trackingIssue !== null && (await ports.plane.canRead(user, at.repo))
      ? { tracking: { repo: at.repo, issue: record.trackingIssue } }
      : {}),
  };
}

/** One execution for `user`, or undefined when it does not exist in a repository they can read. */
export async function readDetail(ports: DashboardPorts, user: ApiUser, id: string): Promise<DetailView | undefined> {
  const answer = await ports.plane.status(user, id);
  if (answer.status !== 200) return undefined;
  const db = ports.runtime.db;
  const execution = await getExecution(db, id);
  if (!execution) return undefined;
  const { role, allowed, because } = await actionsAllowed(ports, user, execution.repo);
  const environment = await environmentOf(db, execution.repo, ports.now());
  const status = answer.body as ExecutionStatus;
  // an approval already given by this person on the current head is not asked for again
  const approvedHere = status.approvals.some(
    (a) => a.login.toLowerCase() === user.login.toLowerCase() && a.headSha === execution.headSha,
  );
  const actions = allowed
    ? legalVerbs(execution, user.login, ports.now()).filter((v) => v !== 'approve' || !approvedHere)
    : [];
  // an admin's resume lifts the circuit breaker's freeze early (the command's own rule)
  if (allowed && environment.freeze && role === 'admin' && !actions.includes('resume')) actions.push('resume');
  return {
    execution,
    status,
    modelCost: await executionModelCost(db, id),
    environment,
    timers: await pendingTimers(db, id),
    otherLive: await listLiveExecutions(db, execution.repo, id),
    ...(await planStepOf(ports, user, id).then((plan) => (plan ? { plan } : {}))),
    role,
    actions,
    ...(actions.length === 0 ? { noActionsBecause: because ?? `nothing can be done in state ${execution.state}` } : {}),
  };
}

/** The user's role, and whether the policy's approvers' permissions include it (a person, never an agent identity). */
async function actionsAllowed(
  ports: DashboardPorts,
  user: ApiUser,
  repo: string,
): Promise<{ role: RepositoryRole; allowed: boolean; because?: string }> {
  const conn = await ports.access.connect(repo, randomUUID());
  if (!conn) return { role: 'none', allowed: false, because: 'AAOE is not installed on the repository any more' };
  const role = await conn.github.getRole(user.login);
  const repoPolicy = await loadRepoPolicy(conn.context, ports.presets);
  if (!repoPolicy.ok)
    return {
      role,
      allowed: false,
      because: "the repository's policy does not validate, so nothing is decided until it does",
    };
  const agent = agentIdentity(user, repoPolicy.policy);
  if (agent)
    return {
      role,
      allowed: false,
      because: `@${user.login} is an agent identity (${agent}): agents read, people decide`,
    };
  const permissions = repoPolicy.policy.approvals.permissions as readonly string[];
  if (!permissions.includes(role))
    return {
      role,
      allowed: false,
      because: `you have ${role} permission on ${repo}; acting on an execution needs ${permissions.join(', ')}`,
    };
  return { role, allowed: true };
}

/** States in which an approval can still change the outcome (an approved or scheduled change has what it needs). */
const AWAITING_APPROVAL: ReadonlySet<string> = new Set(['proposed', 'blocked', 'awaiting_approval']);

/** The verbs the state machine takes in the execution's state now (approve: a pull request still waiting for approval). */
export function legalVerbs(execution: ExecutionRecord, by: string, now: Date): Verb[] {
  const events: Record<Verb, ExecutionEvent | undefined> = {
    approve:
      execution.pullRequest !== null && execution.headSha && AWAITING_APPROVAL.has(execution.state)
        ? { type: 'evaluation_requested', headSha: execution.headSha, by }
        : undefined,
    pause: { type: 'paused', by },
    resume: { type: 'resumed', by },
    rollback: { type: 'rollback_requested', by, reason: `requested by ${by}` },
  };
  return (Object.keys(events) as Verb[]).filter((verb) => {
    const event = events[verb];
    return event !== undefined && transition(execution, event, now).outcome === 'applied';
  });
}

export type RollbackPreview = {
  execution: ExecutionRecord;
  /** Why the rollback cannot be requested now (the state machine's reason), if it cannot. */
  refused?: string;
  eventType: typeof ROLLBACK_EVENT_TYPE;
  environment: string;
  /** The commit AAOE dispatched for the execution; none: the request changes the state but dispatches nothing. */
  sha: string | undefined;
  payload: Record<string, unknown> | undefined;
  /** Why the user may not confirm it (their role, an agent identity), if they may not. */
  notYours?: string;
};

/** What `/aaoe rollback` would do for the execution now, for `user` (undefined when they cannot read it). */
export async function readRollbackPreview(
  ports: DashboardPorts,
  user: ApiUser,
  id: string,
): Promise<RollbackPreview | undefined> {
  if ((await ports.plane.status(user, id)).status !== 200) return undefined;
  const db = ports.runtime.db;
  const execution = await getExecution(db, id);
  if (!execution) return undefined;
  const moved = transition(
    execution,
    { type: 'rollback_requested', by: user.login, reason: `requested by ${user.login}` },
    ports.now(),
  );
  const sha = await dispatchedSha(db, id);
  const conn = await ports.access.connect(execution.repo, randomUUID());
  const repoPolicy = conn ? await loadRepoPolicy(conn.context, ports.presets) : undefined;
  const mine = await actionsAllowed(ports, user, execution.repo);
  return {
    execution,
    ...(moved.outcome === 'illegal' ? { refused: moved.reason } : {}),
    ...(!mine.allowed ? { notYours: mine.because ?? 'you may not act on this execution' } : {}),
    eventType: ROLLBACK_EVENT_TYPE,
    environment: DEFAULT_ENVIRONMENT,
    sha,
    payload: sha && repoPolicy?.ok ? dispatchPayload(execution, sha, repoPolicy.policy) : undefined,
  };
}
