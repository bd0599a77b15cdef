import { appendAudit } from '../adapters/store/audit-log.js';
import { getIssueExecution, lockExecution, markDone } from '../adapters/store/executions.js';
import type { PlanRecord } from '../adapters/store/plans.js';
import { FINAL_STATES } from '../core/execution/execution-model.js';
import { renderStepPackages, type RenderedPackage } from '../core/plan/render-package.js';
import type { Step } from '../core/plan/schema.js';
import { STEP_REFUSAL, stepDidNotStart, stepIssueBody, stepIssueTitle } from '../core/text/plan.js';
import { startIssueExecution } from './start-issue-execution.js';
import { advanceStoredPlan, stepExecutionEnded } from './plan-advance.js';
import { installationOf, PLAN_LABEL, PLAN_ROLES, type PlanWorkPorts } from './plan-ports.js';

/** One `start_step` job: its key, the plan as stored, the step, and the trace it runs in. */
type StepJob = { key: string; record: PlanRecord; stepId: string; traceId: string };

/**
 * `start_step`: the starter's permission on the step's repository (read through the API; without it the step
 * fails and never runs), an issue there with the step's task and packages, and its governed execution.
 */
export async function startStep(ports: PlanWorkPorts, job: StepJob): Promise<void> {
  const { key, record, stepId, traceId } = job;
  const { run } = record;
  const step = run.plan.steps.find((s) => s.id === stepId);
  const state = run.steps[stepId];
  if (state?.status !== 'running' || state.executionId) {
    const detail = `${state?.status ?? 'unknown'}${state?.executionId ? ` with execution ${state.executionId}` : ''}`;
    await ports.runtime.db.transaction((tx) => markDone(tx, key, null, { skipped: `step ${stepId} is ${detail}` }));
    return;
  }
  if (!step) throw new Error(`step ${stepId} is not a step of plan ${run.plan.id}`);
  const fail = (why: string) => failStep(ports, job, why);
  const starter = record.startedBy?.login;
  if (!starter) return fail(STEP_REFUSAL.noStarter());
  const installationId = await installationOf(ports, step.repository);
  if (installationId === undefined) return fail(STEP_REFUSAL.notInstalled(step.repository));
  const { github } = await ports.connect(installationId, step.repository, traceId);
  const role = await github.getRole(starter);
  if (!PLAN_ROLES.includes(role)) return fail(STEP_REFUSAL.starterRole(starter, role, step.repository, PLAN_ROLES));
  // the step's change packages go into its issue and its pull request as rendered, whatever the model proposes
  // (a plan is validated with its templates before it starts, so this fails only for a plan stored by an older release)
  const rendered = renderStepPackages(run.plan, step);
  if (!rendered.ok) return fail(STEP_REFUSAL.packagesDoNotRender(rendered.errors.map((e) => e.message)));
  // one issue per attempt (the job's key names the plan's version): a step retried after `/aaoe resume` gets a new
  // issue and a new execution, while a job run again finds the issue it opened
  const marker = `<!-- aaoe:plan-step:${key} -->`;
  const title = stepIssueTitle(run.plan.id, step);
  const issue =
    (await github.findOpenIssueWithMarker(marker, PLAN_LABEL, await ports.botLogin())) ??
    (await github.createIssue({
      title,
      body: stepIssueBody(run.plan.id, step, rendered.packages, {
        archRepo: record.repo,
        trackingIssue: record.trackingIssue,
        starter,
        marker,
      }),
      labels: [PLAN_LABEL],
    }));
  const started = { installationId, issue: { number: issue.number, title, htmlUrl: issue.htmlUrl }, starter, role };
  await startStepExecution(ports, job, step, rendered.packages, started);
}

/** The step's governed execution, started with the starter's consent, and the step recorded as started. */
async function startStepExecution(
  ports: PlanWorkPorts,
  job: StepJob,
  step: Step,
  packages: readonly RenderedPackage[],
  at: {
    installationId: number;
    issue: { number: number; title: string; htmlUrl: string };
    starter: string;
    role: string;
  },
): Promise<void> {
  const { key, record, stepId, traceId } = job;
  const { run, repo: archRepo } = record;
  const db = ports.runtime.db;
  const started = await startIssueExecution(ports, {
    key: `${key}:execution`,
    repo: step.repository,
    installationId: at.installationId,
    issue: at.issue,
    consentBy: at.starter,
    traceId,
    packages: packages.map((p) => ({ path: p.path, type: p.type, content: p.content })),
  });
  const executionId = started.executionId ?? (await getIssueExecution(db, step.repository, at.issue.number))?.id;
  if (!executionId)
    throw new Error(
      `step ${stepId}: the execution of ${step.repository}#${at.issue.number} did not start (${started.outcome}); retried`,
    );
  const plan = { repo: archRepo, planId: run.plan.id };
  await db.transaction(async (tx) => {
    if (!(await markDone(tx, key, executionId, { issue: at.issue.number, executionId }))) return;
    await appendAudit(tx, {
      executionId,
      traceId,
      actor: at.starter,
      action: 'plan:start_step',
      reason: `step ${stepId} of plan ${run.plan.id} (${archRepo}#${record.trackingIssue ?? '?'}), with the consent of @${at.starter} (${at.role} on ${step.repository})`,
      data: { plan: run.plan.id, repo: archRepo, step: stepId },
    });
    await advanceStoredPlan(ports, tx, plan, { type: 'step_started', step: stepId, executionId }, traceId);
    // an execution that ended before the step recorded it (its end found no plan step) ends the step now
    const x = await lockExecution(tx, executionId);
    if (x && FINAL_STATES.has(x.state))
      await stepExecutionEnded(ports, tx, plan, { step: stepId, executionId, state: x.state }, traceId);
  });
}

/** The step cannot start: it fails with the reason (in the audit log and on the tracking issue), and the plan pauses. */
export async function failStep(ports: PlanWorkPorts, job: StepJob, why: string): Promise<void> {
  const { key, record, stepId, traceId } = job;
  const plan = { repo: record.repo, planId: record.run.plan.id };
  const failed = await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, key, null, { failed: why }))) return false;
    await appendAudit(tx, {
      executionId: null,
      traceId,
      actor: 'aaoe',
      action: 'plan:step_failed',
      reason: `step ${stepId} of plan ${record.run.plan.id}: ${why}`,
      data: { plan: record.run.plan.id, repo: record.repo, step: stepId },
    });
    await advanceStoredPlan(ports, tx, plan, { type: 'step_ended', step: stepId, outcome: 'failed' }, traceId);
    return true;
  });
  if (failed && record.trackingIssue) {
    const { github } = await ports.connect(record.installationId, record.repo, traceId);
    const marker = `<!-- aaoe:plan-step-failed:${key} -->`;
    await github.upsertComment(
      record.trackingIssue,
      marker,
      stepDidNotStart(marker, stepId, why),
      await ports.botLogin(),
    );
  }
}
