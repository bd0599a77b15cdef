import type { SqlExecutor } from './database.js';

/**
 * One deployment in flight per repository and environment. An execution takes the lock when its deployment is
 * dispatched and gives it back when it ends (completed, rolled back, failed); one that finds the lock held waits
 * in the queue, in order (priority, then arrival), and is dispatched when the lock passes to it. Both steps run in
 * the caller's transaction, serialised per repository and environment.
 */

export type DeployClaim = { repo: string; environment: string; executionId: string; sha: string; traceId: string; priority?: number; now: Date };

export type LockOutcome = { acquired: true } | { acquired: false; holder: string; position: number };

/** The next execution to deploy once a lock is released: it holds the lock already. */
export type NextDeployment = { executionId: string; sha: string; traceId: string; environment: string };

async function serialise(tx: SqlExecutor, repo: string, environment: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`deploy:${repo}:${environment}`]);
}

export async function acquireDeployLock(tx: SqlExecutor, claim: DeployClaim): Promise<LockOutcome> {
  await serialise(tx, claim.repo, claim.environment);
  const { rows } = await tx.query<{ execution_id: string }>('SELECT execution_id FROM deploy_locks WHERE repo = $1 AND environment = $2', [claim.repo, claim.environment]);
  const holder = rows[0]?.execution_id;
  if (holder === undefined || holder === claim.executionId) {
    if (holder === undefined) {
      await tx.query('INSERT INTO deploy_locks (repo, environment, execution_id, since) VALUES ($1, $2, $3, $4)', [claim.repo, claim.environment, claim.executionId, claim.now.toISOString()]);
    }
    await tx.query('DELETE FROM deploy_queue WHERE execution_id = $1', [claim.executionId]);
    return { acquired: true };
  }
  await tx.query(
    `INSERT INTO deploy_queue (repo, environment, execution_id, priority, sha, trace_id, queued_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (execution_id) DO NOTHING`,
    [claim.repo, claim.environment, claim.executionId, claim.priority ?? 0, claim.sha, claim.traceId, claim.now.toISOString()],
  );
  const queued = await queuedDeployments(tx, claim.repo, claim.environment);
  return { acquired: false, holder, position: queued.findIndex((q) => q.executionId === claim.executionId) + 1 };
}

/**
 * An execution ended: it leaves the queue, and if it held a lock, the lock passes to the first one queued, which
 * is returned (the caller dispatches it).
 */
export async function releaseDeployLock(tx: SqlExecutor, executionId: string, now: Date): Promise<NextDeployment | undefined> {
  await tx.query('DELETE FROM deploy_queue WHERE execution_id = $1', [executionId]);
  const { rows } = await tx.query<{ repo: string; environment: string }>('SELECT repo, environment FROM deploy_locks WHERE execution_id = $1', [executionId]);
  const held = rows[0];
  if (!held) return undefined;
  await serialise(tx, held.repo, held.environment);
  await tx.query('DELETE FROM deploy_locks WHERE repo = $1 AND environment = $2 AND execution_id = $3', [held.repo, held.environment, executionId]);
  const next = (await queuedDeployments(tx, held.repo, held.environment))[0];
  if (!next) return undefined;
  await tx.query('DELETE FROM deploy_queue WHERE execution_id = $1', [next.executionId]);
  await tx.query('INSERT INTO deploy_locks (repo, environment, execution_id, since) VALUES ($1, $2, $3, $4)', [held.repo, held.environment, next.executionId, now.toISOString()]);
  return { executionId: next.executionId, sha: next.sha, traceId: next.traceId, environment: held.environment };
}

export async function deployLockHolder(db: SqlExecutor, repo: string, environment: string): Promise<string | undefined> {
  const { rows } = await db.query<{ execution_id: string }>('SELECT execution_id FROM deploy_locks WHERE repo = $1 AND environment = $2', [repo, environment]);
  return rows[0]?.execution_id;
}

/** The executions waiting for a repository's environment, in the order they will deploy. */
export async function queuedDeployments(db: SqlExecutor, repo: string, environment: string): Promise<Array<{ executionId: string; sha: string; traceId: string; priority: number }>> {
  const { rows } = await db.query<{ execution_id: string; sha: string; trace_id: string; priority: number }>(
    'SELECT execution_id, sha, trace_id, priority FROM deploy_queue WHERE repo = $1 AND environment = $2 ORDER BY priority DESC, id',
    [repo, environment],
  );
  return rows.map((r) => ({ executionId: r.execution_id, sha: r.sha, traceId: r.trace_id, priority: Number(r.priority) }));
}
