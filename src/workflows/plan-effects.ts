import { getExecution, isDone, markDone } from '../adapters/store/executions.js';
import { QUEUES, type Job } from '../adapters/store/job-shapes.js';
import { getPlanRun, type PlanRecord } from '../adapters/store/plans.js';
import { renderTrackingIssue } from '../core/plan/run-plan.js';
import { planWindows } from '../core/plan/windows.js';
import { fixIssue } from '../core/text/plan.js';
import { advanceStoredPlan, stepExecutionEnded } from './plan-advance.js';
import { installationOf, PLAN_LABEL, type PlanJob, type PlanWorkPorts } from './plan-ports.js';
import { rollbackStep } from './plan-rollback-step.js';
import { startStep } from './plan-start-step.js';

/**
 * A plan's jobs on the effect queue: each effect `advancePlan` decided (`start_step`, `rollback_step`,
 * `propose_fix`, `update_tracking_issue`, a `look_again` timer) and `step_execution_ended`, enqueued by the
 * transition that ended a step's execution. Every job is keyed and marked done in the transaction of its effect.
 */
export async function onPlanJob(ports: PlanWorkPorts, job: Job<PlanJob>): Promise<void> {
  const db = ports.runtime.db;
  if (await isDone(db, job.key)) return;
  const { data } = job;
  const plan = data.plan;
  const record = await getPlanRun(db, plan.repo, plan.planId);
  if (!record) {
    const skipped = `plan ${plan.planId} of ${plan.repo} is not stored`;
    await db.transaction((tx) => markDone(tx, job.key, null, { skipped }));
    return;
  }
  const { effect, traceId } = data;
  const at = { key: job.key, record, traceId };
  switch (effect.type) {
    case 'step_execution_ended':
      await db.transaction(async (tx) => {
        if (!(await markDone(tx, job.key, effect.executionId))) return;
        await stepExecutionEnded(ports, tx, plan, effect, traceId);
      });
      break;
    case 'look_again':
      await db.transaction(async (tx) => {
        if (!(await markDone(tx, job.key, null))) return;
        await advanceStoredPlan(ports, tx, plan, { type: 'tick' }, traceId);
      });
      break;
    case 'start_step':
      await startStep(ports, { ...at, stepId: effect.step });
      break;
    case 'rollback_step':
      await rollbackStep(ports, { ...at, stepId: effect.step, executionId: effect.executionId });
      break;
    case 'propose_fix':
      await proposeFix(ports, { ...at, stepId: effect.step });
      break;
    case 'update_tracking_issue':
      await updateTrackingIssue(ports, at);
      break;
  }
  ports.runtime.queue.wake(QUEUES.effect);
}

/** `propose_fix`: an issue in the failed step's repository that says what failed and how the plan goes on. */
async function proposeFix(
  ports: PlanWorkPorts,
  job: { key: string; record: PlanRecord; stepId: string; traceId: string },
): Promise<void> {
  const { key, record, stepId, traceId } = job;
  const { run } = record;
  const db = ports.runtime.db;
  const step = run.plan.steps.find((s) => s.id === stepId);
  if (!step) throw new Error(`step ${stepId} is not a step of plan ${run.plan.id}`);
  const executionId = run.steps[stepId]?.executionId;
  if (!executionId) {
    // the step never ran (it could not start: the tracking issue says why), so there is nothing to fix in its repository
    const notDone = `step ${stepId} never ran: no fix issue in ${step.repository}`;
    await db.transaction((tx) => markDone(tx, key, null, { notDone }));
    return;
  }
  const installationId = await installationOf(ports, step.repository);
  const execution = await getExecution(db, executionId);
  if (installationId === undefined) {
    const notDone = `the app is not installed on ${step.repository}: no fix issue`;
    await db.transaction((tx) => markDone(tx, key, executionId, { notDone }));
    return;
  }
  const { github } = await ports.connect(installationId, step.repository, traceId);
  const marker = `<!-- aaoe:plan-fix:${key} -->`;
  const botLogin = await ports.botLogin();
  const tracking = record.trackingIssue ? `${record.repo}#${record.trackingIssue}` : record.repo;
  const ended = execution && { id: execution.id, state: execution.state, failure: execution.work?.failure };
  const issue =
    (await github.findOpenIssueWithMarker(marker, PLAN_LABEL, botLogin)) ??
    (await github.createIssue({ ...fixIssue(marker, run.plan.id, step, tracking, ended), labels: [PLAN_LABEL] }));
  await db.transaction((tx) => markDone(tx, key, executionId, { issue: issue.number }));
}

/** `update_tracking_issue`: the tracking issue's body, rendered from the run as stored now (one PATCH). */
async function updateTrackingIssue(
  ports: PlanWorkPorts,
  job: { key: string; record: PlanRecord; traceId: string },
): Promise<void> {
  const { key, record, traceId } = job;
  const db = ports.runtime.db;
  if (!record.trackingIssue) {
    await db.transaction((tx) => markDone(tx, key, null, { skipped: 'no tracking issue' }));
    return;
  }
  const urls = new Map<string, string>();
  for (const s of Object.values(record.run.steps)) {
    if (!s.executionId) continue;
    const x = await getExecution(db, s.executionId);
    const url = x?.subject?.htmlUrl ?? x?.work?.issue.htmlUrl;
    if (url) urls.set(s.executionId, url);
  }
  const { github } = await ports.connect(record.installationId, record.repo, traceId);
  await github.updateIssueBody(
    record.trackingIssue,
    renderTrackingIssue(record.run, ports.now(), planWindows(record.run.plan), (_step, id) => urls.get(id)),
  );
  await db.transaction((tx) => markDone(tx, key, null, { version: record.run.version }));
}
