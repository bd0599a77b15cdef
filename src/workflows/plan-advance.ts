import { appendAudit } from '../adapters/store/audit-log.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import { QUEUES } from '../adapters/store/job-shapes.js';
import { lockPlanRun, savePlanRun } from '../adapters/store/plans.js';
import { setTimer } from '../adapters/store/timers.js';
import { FINAL_STATES, type ExecutionState } from '../core/execution/execution-model.js';
import { advancePlan, stepOutcome, type PlanEvent, type PlanRun } from '../core/plan/run-plan.js';
import { planWindows } from '../core/plan/windows.js';
import { planRef, type PlanEffectJob, type PlanWorkPorts } from './plan-ports.js';

/**
 * Applies an event to the stored plan (locked in `tx`) with the pure `advancePlan`, saves it and enqueues its
 * effects as jobs (a `look_again` as a timer). Returns why it was refused, when it was.
 */
export async function advanceStoredPlan(
  ports: PlanWorkPorts,
  tx: SqlExecutor,
  plan: { repo: string; planId: string },
  event: PlanEvent,
  traceId: string,
): Promise<{ refused?: string; status: PlanRun['status'] }> {
  const { repo, planId } = plan;
  const record = await lockPlanRun(tx, repo, planId);
  if (!record) return { refused: `plan ${planId} is not stored`, status: 'done' };
  const { run, effects, refused } = advancePlan(record.run, event, ports.now(), planWindows(record.run.plan));
  if (refused !== undefined) return { refused, status: record.run.status };
  if (run !== record.run) await savePlanRun(tx, { ...record, run }, record.run.version);
  for (const effect of effects) {
    const job: PlanEffectJob = { plan: { repo, planId }, traceId, executionId: planRef(repo, planId), effect };
    const key = `${repo}:${effect.key}`;
    if (effect.type === 'look_again') await setTimer(tx, new Date(effect.at), { ...job, effect: { ...effect, key } });
    else await ports.runtime.queue.enqueue(tx, QUEUES.effect, key, job);
  }
  return { status: run.status };
}

/** A step's execution ended: the step ends with its outcome, or (during a plan rollback) is rolled back. */
export async function stepExecutionEnded(
  ports: PlanWorkPorts,
  tx: SqlExecutor,
  plan: { repo: string; planId: string },
  ended: { step: string; executionId: string; state: ExecutionState },
  traceId: string,
): Promise<void> {
  const { repo, planId } = plan;
  const { step, executionId, state } = ended;
  const record = await lockPlanRun(tx, repo, planId);
  const s = record?.run.steps[step];
  if (!record || !s || s.executionId !== executionId) return;
  if (state === 'rolled_back' && record.run.rollingBack === step) {
    await advanceStoredPlan(ports, tx, plan, { type: 'step_rolled_back', step }, traceId);
    return;
  }
  if (record.run.rollingBack === step && FINAL_STATES.has(state)) {
    // the step's rollback itself failed: the plan cannot go on by itself, and says so (it stays rolling back)
    await appendAudit(tx, {
      executionId,
      traceId,
      actor: 'aaoe',
      action: 'plan:rollback_step_failed',
      reason: `step ${step} of plan ${planId}: its execution ended ${state.replaceAll('_', ' ')} instead of rolled back; the plan waits in rolling back until a person restores the step`,
      data: { plan: planId, repo, step },
    });
    return;
  }
  const outcome = stepOutcome(state);
  if (outcome && s.status === 'running')
    await advanceStoredPlan(ports, tx, plan, { type: 'step_ended', step, outcome }, traceId);
}
