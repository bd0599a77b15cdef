import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { githubPlanWorld } from '../adapters/github/github-plan-world.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { listInFlightExecutions } from '../adapters/store/executions.js';
import { getPlanRun, recordPlanStart, savePlanRun } from '../adapters/store/plans.js';
import { checkPlanWorld } from '../core/plan/check-world.js';
import { loadPlan, type PlanError } from '../core/plan/load-plan.js';
import { type Locate } from '../core/policy/yaml-nodes.js';
import { newPlanRun, renderTrackingIssue, trackingMarker } from '../core/plan/run-plan.js';
import type { Plan } from '../core/plan/schema.js';
import { planWindows } from '../core/plan/windows.js';
import { planErrors, planStarted, PLAN_REFUSAL, trackingIssueTitle } from '../core/text/plan.js';
import { DEFAULT_ENVIRONMENT } from '../contracts/dispatch.js';
import { advanceStoredPlan } from './plan-advance.js';
import { PLAN_LABEL, PLAN_ROLES, type PlanWorkPorts } from './plan-ports.js';

/** Where a plan command was written, and by whom. */
export type PlanCommandAt = {
  archRepo: string;
  installationId: number;
  github: GitHubAdapter;
  actor: { login: string; type: string };
  traceId: string;
  issue: number;
  commentId: number;
  viaApp?: string | undefined;
};

/** A command's outcome: whether it was done (the comment's reaction) and what to reply, if anything. */
export type PlanReply = { ok: boolean; text?: string };

/** `/aaoe plan start <path>`: validate, check the world, store the run, open the tracking issue, start the ready steps. */
export async function startPlan(
  ports: PlanWorkPorts,
  path: string,
  at: PlanCommandAt,
  refuse: (why: string) => PlanReply,
): Promise<PlanReply> {
  const { github, actor, archRepo } = at;
  const role = actor.type === 'User' ? await github.getRole(actor.login) : 'none';
  if (!PLAN_ROLES.includes(role)) return refuse(PLAN_REFUSAL.startNeedsRole(PLAN_ROLES, archRepo, actor, role));
  const text = await github.readFile(path);
  if (text === undefined) return refuse(PLAN_REFUSAL.noFile(path, archRepo));
  const loaded = loadPlan(text, path);
  if (!loaded.ok) return refuse(planErrors(path, loaded.errors));
  const { plan } = loaded;
  // a plan id runs once: the comment that started it may be run again (its job retried), any other is refused
  const existing = await getPlanRun(ports.runtime.db, archRepo, plan.id);
  if (existing && existing.startedBy?.comment !== at.commentId)
    return refuse(PLAN_REFUSAL.startedBefore(plan.id, existing.run.status, existing.trackingIssue));
  // the world is checked before a plan is stored; the same comment's job run again finds the run it stored
  if (!existing) {
    const worldErrors = await checkWorld(ports, plan, path, loaded.locate);
    if (worldErrors.length > 0) return refuse(planErrors(path, worldErrors));
  }
  const tracking = await storePlan(ports, path, plan, at, existing === undefined);
  return {
    ok: true,
    text: planStarted(plan.id, actor.login, plan.steps.length, plan.policy.maxParallel, tracking),
  };
}

/** The plan against the world as it is: the repositories, teams and executions in flight it names. */
async function checkWorld(ports: PlanWorkPorts, plan: Plan, path: string, locate: Locate): Promise<PlanError[]> {
  const appOctokit = await ports.appOctokit();
  const world = githubPlanWorld({
    app: appOctokit,
    organization: async (org) => {
      const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
      const found = installations.find(
        (i) => (i.account as { login?: string } | null)?.login?.toLowerCase() === org.toLowerCase(),
      );
      return found ? ports.installationOctokit(found.id) : undefined;
    },
    // executions record no environment of their own: they deploy to the default one
    inFlight: (repository) => listInFlightExecutions(ports.runtime.db, repository, DEFAULT_ENVIRONMENT),
  });
  return checkPlanWorld(plan, world, path, locate);
}

/** The tracking issue (found again by its marker), the run stored and audited once, its ready steps started. */
async function storePlan(
  ports: PlanWorkPorts,
  path: string,
  plan: Plan,
  at: PlanCommandAt,
  isNew: boolean,
): Promise<number> {
  const { github, actor, archRepo } = at;
  const fresh = newPlanRun(plan);
  const botLogin = await ports.botLogin();
  const tracking =
    (await github.findOpenIssueWithMarker(trackingMarker(plan.id), PLAN_LABEL, botLogin)) ??
    (await github.createIssue({
      title: trackingIssueTitle(plan.id, plan.goal),
      body: renderTrackingIssue(fresh, ports.now(), planWindows(plan)),
      labels: [PLAN_LABEL],
    }));
  await ports.runtime.db.transaction(async (tx) => {
    if (isNew) {
      const run = {
        repo: archRepo,
        path,
        installationId: at.installationId,
        trackingIssue: tracking.number,
        run: fresh,
      };
      await savePlanRun(tx, run);
      await recordPlanStart(tx, archRepo, plan.id, { login: actor.login, comment: at.commentId });
      await appendAudit(tx, {
        executionId: null,
        traceId: at.traceId,
        actor: actor.login,
        action: 'plan:start',
        reason: `plan ${plan.id} from ${path} (${plan.steps.length} steps), tracked in ${archRepo}#${tracking.number}; steps run with the consent of @${actor.login}`,
        data: { plan: plan.id, repo: archRepo, path },
      });
    }
    await advanceStoredPlan(ports, tx, { repo: archRepo, planId: plan.id }, { type: 'tick' }, at.traceId);
  });
  return tracking.number;
}
