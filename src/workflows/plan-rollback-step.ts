import { appendAudit } from '../adapters/store/audit-log.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import { getExecution, lockExecution, markDone } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import type { PlanRecord } from '../adapters/store/plans.js';
import { transition } from '../core/execution/transition.js';
import { STEP_REFUSAL, stepNotRolledBack } from '../core/text/plan.js';
import { commitTransition } from './commit-transition.js';
import { advanceStoredPlan } from './plan-advance.js';
import type { PlanWorkPorts } from './plan-ports.js';

/** One `rollback_step` job: its key, the plan as stored, the step and its execution, the trace it runs in. */
type RollbackJob = {
  key: string;
  record: PlanRecord;
  stepId: string;
  executionId?: string | undefined;
  traceId: string;
};

/**
 * `rollback_step`: the step's execution is asked to roll back, as `/aaoe rollback` on it asks, by whoever asked for
 * the plan's rollback. Refused (in the audit log and on the tracking issue) when the execution cannot roll back.
 */
export async function rollbackStep(ports: PlanWorkPorts, job: RollbackJob): Promise<void> {
  const { executionId } = job;
  const execution = executionId ? await getExecution(ports.runtime.db, executionId) : undefined;
  if (!execution) return refuseRollback(ports, job, STEP_REFUSAL.noExecution());
  const refused = await ports.runtime.db.transaction(async (tx) => {
    const before = await lockExecution(tx, execution.id);
    if (!before) return STEP_REFUSAL.executionVanished();
    return rollBack(ports, tx, job, before);
  });
  if (refused) await refuseRollback(ports, job, refused);
}

/** In the transaction that locked the execution: rolled back already, rolling back already, or asked to now. */
async function rollBack(
  ports: PlanWorkPorts,
  tx: SqlExecutor,
  job: RollbackJob,
  before: ExecutionRecord,
): Promise<string | undefined> {
  const { key, record, stepId, traceId } = job;
  const by = record.rollbackBy ?? 'aaoe';
  const planId = record.run.plan.id;
  const audit = (action: string, reason: string, data: Record<string, unknown>) =>
    appendAudit(tx, { executionId: before.id, traceId, actor: by, action, reason, data });
  const stepData = { plan: planId, repo: record.repo, step: stepId };
  if (before.state === 'rolled_back') {
    // rolled back already (by hand, before the plan's rollback reached it): the step is rolled back
    if (!(await markDone(tx, key, before.id, { by, already: 'rolled_back' }))) return undefined;
    await audit(
      'plan:rollback_step',
      `step ${stepId} of plan ${planId}: its execution was rolled back already`,
      stepData,
    );
    await advanceStoredPlan(
      ports,
      tx,
      { repo: record.repo, planId },
      { type: 'step_rolled_back', step: stepId },
      traceId,
    );
    return undefined;
  }
  if (before.state === 'rolling_back') {
    // rolling back already (by hand): its end moves the plan on, as the end of a rollback the plan asked for does
    if (!(await markDone(tx, key, before.id, { by, already: 'rolling_back' }))) return undefined;
    const reason = `step ${stepId} of plan ${planId}: its execution is rolling back already; the plan goes on when it ends`;
    await audit('plan:rollback_step', reason, stepData);
    return undefined;
  }
  const event = { type: 'rollback_requested', by, reason: `plan ${planId} rolls back (requested by ${by})` } as const;
  const result = transition(before, event, ports.now());
  if (result.outcome === 'illegal') return result.reason;
  if (!(await markDone(tx, key, before.id, { by }))) return undefined;
  await commitTransition(tx, ports.runtime.queue, before, { ...before, ...result.execution }, result.effects, traceId);
  const tracking = `${record.repo}#${record.trackingIssue ?? '?'}`;
  await audit('command:rollback', `accepted: plan ${planId} (${tracking}) rolls back step ${stepId}`, {
    source: 'plan',
    plan: planId,
  });
  return undefined;
}

/** The rollback of a step is refused: audited, and said on the tracking issue with what to do by hand. */
async function refuseRollback(ports: PlanWorkPorts, job: RollbackJob, why: string): Promise<void> {
  const { key, record, stepId, executionId, traceId } = job;
  await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, key, executionId ?? null, { refused: why }))) return;
    await appendAudit(tx, {
      executionId: executionId ?? null,
      traceId,
      actor: record.rollbackBy ?? 'aaoe',
      action: 'plan:rollback_step',
      reason: `refused: step ${stepId}: ${why}`,
      data: { plan: record.run.plan.id, repo: record.repo, step: stepId },
    });
  });
  if (record.trackingIssue) {
    const { github } = await ports.connect(record.installationId, record.repo, traceId);
    const marker = `<!-- aaoe:plan-rollback:${key} -->`;
    await github.upsertComment(
      record.trackingIssue,
      marker,
      stepNotRolledBack(marker, stepId, why),
      await ports.botLogin(),
    );
  }
}
