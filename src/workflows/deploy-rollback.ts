import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { recordDispatch, takeFreeDeployLock } from '../adapters/store/deploy-locks.js';
import { dispatchedSha, markDone, type EffectJob } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import type { Job } from '../adapters/store/job-shapes.js';
import { setTimer } from '../adapters/store/timers.js';
import { DEFAULT_ENVIRONMENT, ROLLBACK_EVENT_TYPE } from '../contracts/dispatch.js';
import type { Policy } from '../core/policy/schema.js';
import { keyBase, type DeployPorts } from './deploy-dispatch.js';
import { signedDispatchPayload } from './deploy-payload.js';

/** How long a rollback waiting for the environment's lock waits before it looks again. */
const ROLLBACK_RETRY_MS = 60_000;

/**
 * `dispatch_rollback`: the action rolls back on its own verdict; after `/aaoe rollback` the app asks it to, holding
 * the environment's lock (taken when free: a rollback never queues behind the deployments it may undo; while
 * another execution holds it, the rollback waits for it, looked at again every minute).
 */
export async function dispatchRollback(
  ports: DeployPorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  github: GitHubAdapter,
  policy: Policy,
): Promise<void> {
  const sha = await dispatchedSha(ports.runtime.db, execution.id);
  const now = ports.now();
  if (execution.state !== 'rolling_back' || !sha) {
    await ports.runtime.db.transaction((tx) =>
      markDone(
        tx,
        job.key,
        execution.id,
        execution.state === 'rolling_back' ? { dispatched: null } : { skipped: `already ${execution.state}` },
      ),
    );
    return;
  }
  if (!(await holdForRollback(ports, job, execution, sha, now))) return;
  await github.dispatch(
    ROLLBACK_EVENT_TYPE,
    signedDispatchPayload(execution, sha, policy, ROLLBACK_EVENT_TYPE, ports.reportSecret, now),
  );
  await ports.runtime.db.transaction((tx) => markDone(tx, job.key, execution.id, { dispatched: sha }));
}

/**
 * The environment's lock for the rollback, when free (the dispatch recorded on it); else done for this job, a timer
 * to look again in a minute, and (the first time) an audit entry saying what it waits for.
 */
async function holdForRollback(
  ports: DeployPorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  sha: string,
  now: Date,
): Promise<boolean> {
  return ports.runtime.db.transaction(async (tx) => {
    const taken = await takeFreeDeployLock(tx, {
      repo: execution.repo,
      environment: DEFAULT_ENVIRONMENT,
      executionId: execution.id,
      now,
    });
    if (taken) await recordDispatch(tx, execution.id, { sha, eventType: ROLLBACK_EVENT_TYPE, at: now });
    else if (await markDone(tx, job.key, execution.id, { waiting: 'deploy lock' })) {
      const base = keyBase(job.key);
      const until = new Date(now.getTime() + ROLLBACK_RETRY_MS);
      const effect = {
        type: 'dispatch_rollback' as const,
        reason: 'waiting for the deploy lock',
        notBefore: until.toISOString(),
        key: `${base}:at:${until.toISOString()}`,
      };
      await setTimer(tx, until, { executionId: execution.id, traceId: job.data.traceId, effect });
      if (job.key === base) {
        await appendAudit(tx, {
          executionId: execution.id,
          traceId: job.data.traceId,
          actor: 'aaoe',
          action: 'rollback_waiting',
          reason: `another deployment holds ${DEFAULT_ENVIRONMENT}: the rollback of ${sha} is dispatched when it ends`,
          data: { sha },
        });
      }
    }
    return taken;
  });
}
