import { FINAL_STATES, type Effect } from '../core/execution/execution-model.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import { releaseDeployLock } from '../adapters/store/deploy-locks.js';
import { saveExecution, type EffectJob, type StepEndedJob } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import { QUEUES } from '../adapters/store/job-shapes.js';
import { type JobQueue } from '../adapters/store/job-queue.js';
import { findPlanStep } from '../adapters/store/plans.js';
import { setTimer } from '../adapters/store/timers.js';

/**
 * Commits a transition's outcome: saves `after` (when it differs from `before`), appends its audit effects
 * and enqueues its other effects, all in `tx`.
 */
export async function commitTransition(
  tx: SqlExecutor,
  queue: JobQueue,
  before: ExecutionRecord | undefined,
  after: ExecutionRecord,
  effects: readonly Effect[],
  traceId: string,
): Promise<void> {
  if (before && after.version !== before.version) await saveExecution(tx, before, after);
  for (const effect of effects) {
    if (effect.type === 'audit') {
      await appendAudit(tx, {
        executionId: after.id,
        traceId,
        actor: effect.actor,
        action: effect.action,
        reason: effect.reason,
        data: {
          state: after.state,
          version: after.version,
          ...(after.headSha ? { headSha: after.headSha } : {}),
          key: effect.key,
        },
      });
    } else {
      const job: EffectJob = { executionId: after.id, traceId, effect };
      if ('notBefore' in effect && effect.notBefore) await setTimer(tx, new Date(effect.notBefore), job);
      else await queue.enqueue(tx, QUEUES.effect, effect.key, job);
    }
  }
  if (before && !FINAL_STATES.has(before.state) && FINAL_STATES.has(after.state))
    await executionEnded(tx, queue, after, traceId);
}

/** An execution that ended moves its plan and gives back its deployment lock, in the same transaction. */
async function executionEnded(
  tx: SqlExecutor,
  queue: JobQueue,
  after: ExecutionRecord,
  traceId: string,
): Promise<void> {
  // an execution that carries a plan step moves its plan: a job enqueued with this transition, so never lost
  const step = await findPlanStep(tx, after.id);
  if (step) {
    const key = `plan-step:${after.id}:${after.version}:${after.state}`;
    const job: StepEndedJob = {
      plan: { repo: step.repo, planId: step.planId },
      traceId,
      effect: { type: 'step_execution_ended', step: step.step, executionId: after.id, state: after.state, key },
    };
    await queue.enqueue(tx, QUEUES.effect, key, job);
  }
  // an execution that ended gives back the deployment lock it held (or its place in the queue); the next one deploys
  const next = await releaseDeployLock(tx, after.id, new Date(after.updatedAt));
  if (next) {
    const effect: Effect = {
      type: 'dispatch_deploy',
      sha: next.sha,
      key: `${next.executionId}:dispatch_deploy:after:${after.id}`,
    };
    await queue.enqueue(tx, QUEUES.effect, effect.key, {
      executionId: next.executionId,
      traceId: next.traceId,
      effect,
    } satisfies EffectJob);
    await appendAudit(tx, {
      executionId: next.executionId,
      traceId: next.traceId,
      actor: 'aaoe',
      action: 'deploy_unqueued',
      reason: `${next.environment} is free: execution ${after.id} ended (${after.state}); deploying ${next.sha}`,
      data: { after: after.id, sha: next.sha },
    });
  }
}
