import { classifyGitHubError } from '../adapters/github/github-errors.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { recordFailure } from '../adapters/store/breaker.js';
import { lockExecution, markDone, type EffectJob } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import { QUEUES, type Job } from '../adapters/store/job-shapes.js';
import { transition } from '../core/execution/transition.js';
import { commitTransition } from './commit-transition.js';
import { DEFAULT_ENVIRONMENT } from '../contracts/dispatch.js';
import type { PipelinePorts } from './pipeline-ports.js';

/**
 * What a permanent GitHub refusal of each effect does. `fail`: the effect is the execution's next step, and without it
 * the execution cannot go on: it ends `failed` with the reason. `end`: only the job ends (the audit log says why),
 * because the execution goes on without it or another surface carries the refusal: a report (`post_status`, `notify`,
 * the debug issue) does not undo the work it reports; a refused merge leaves the approved pull request to a person;
 * a pull request's evaluation posts a failing check with the reason and stays open to the next push or re-run (a
 * failed execution would ignore them, and the required check would stay missing).
 */
export const ON_REFUSAL: Record<EffectJob['effect']['type'], 'fail' | 'end'> = {
  classify: 'fail',
  request_proposal: 'fail',
  dispatch_deploy: 'fail',
  dispatch_rollback: 'fail',
  evaluate_policy: 'end',
  merge_pull_request: 'end',
  post_status: 'end',
  notify: 'end',
  open_debug_issue: 'end',
  promote: 'end',
  record_breaker_failure: 'end',
  audit: 'end',
};

/**
 * A permanent GitHub refusal of an effect (`ON_REFUSAL` says what it does): the job is done, not retried, and the
 * audit log has the reason; for an effect that is the execution's next step, the execution ends `failed` with the
 * reason as its `work.failure` (the issue's status comment shows it, the `failed` notification carries it).
 */
export async function endOnRefusal(
  ports: Pick<PipelinePorts, 'runtime' | 'now'>,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  reason: string,
): Promise<void> {
  const { effect, traceId } = job.data;
  const outcome = ON_REFUSAL[effect.type];
  await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, execution.id, { refused: reason, outcome }))) return;
    await appendAudit(tx, {
      executionId: execution.id,
      traceId,
      actor: 'aaoe',
      action: 'github_refused',
      reason: `${effect.type}: ${reason}`.slice(0, 2000),
      data: { effect: effect.type, outcome },
    });
    if (outcome !== 'fail') return;
    const before = await lockExecution(tx, execution.id);
    if (!before) return;
    const result = transition(
      before,
      { type: 'failed', reason: `${effect.type.replaceAll('_', ' ')}: ${reason}` },
      ports.now(),
    );
    if (result.outcome !== 'applied') return;
    const work = before.work ? { work: { ...before.work, failure: reason } } : {};
    const after = { ...before, ...result.execution, ...work };
    await commitTransition(tx, ports.runtime.queue, before, after, result.effects, traceId);
  });
  ports.runtime.queue.wake(QUEUES.effect);
}

/** The companion action promotes on its own verdict and reported it; nothing is left to do here. */
export async function promoted(ports: Pick<PipelinePorts, 'runtime'>, job: Job<EffectJob>): Promise<void> {
  await ports.runtime.db.transaction((tx) =>
    markDone(tx, job.key, job.data.executionId, { promotedBy: 'the companion action' }),
  );
}

/** A failure counts against the circuit breaker; one that trips it freezes the repository and says so. */
export async function recordBreakerFailure(
  ports: PipelinePorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  reason: string,
): Promise<void> {
  const { executionId, traceId } = job.data;
  const { context } = await ports.connect(execution.installationId, execution.repo, traceId, execution.id);
  // a policy GitHub refuses to show (a permanent answer) counts the failure all the same, with the strictest breaker
  const repoPolicy = await ports.policyFor(context).catch((error: unknown) => {
    if (classifyGitHubError(error).kind !== 'permanent') throw error;
    return undefined;
  });
  const breaker = repoPolicy?.ok ? repoPolicy.policy.circuitBreaker : { maxFailures: 1, freezeMinutes: 30 }; // no valid policy: the strictest
  const tripped = await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, executionId, { failure: reason }))) return undefined;
    const at = { repo: execution.repo, environment: DEFAULT_ENVIRONMENT, executionId, reason, now: ports.now() };
    const freeze = await recordFailure(tx, at, breaker);
    if (freeze) {
      await appendAudit(tx, {
        executionId,
        traceId,
        actor: 'aaoe',
        action: 'breaker_tripped',
        reason: `frozen until ${freeze.until}: ${freeze.reason}`,
        data: { until: freeze.until },
      });
      // the freeze is news of its own: a job of its own, so a failing notifier never holds the breaker back
      const frozen: EffectJob = {
        executionId,
        traceId,
        effect: { type: 'notify', about: 'frozen', key: `${job.key}:frozen` },
      };
      await ports.runtime.queue.enqueue(tx, QUEUES.effect, frozen.effect.key, frozen);
    }
    return freeze;
  });
  if (tripped) ports.runtime.queue.wake(QUEUES.effect);
}
