import type { SqlExecutor } from './database.js';

/**
 * One deployment in flight per repository and environment. An execution takes the lock when its deployment is
 * dispatched and gives it back when it ends (completed, rolled back, failed); one that finds the lock held waits
 * in the queue, in order (priority, then arrival), and is dispatched when the lock passes to it. Both steps run in
 * the caller's transaction, serialised per repository and environment.
 */

export type DeployClaim = {
  repo: string;
  environment: string;
  executionId: string;
  sha: string;
  traceId: string;
  priority?: number;
  now: Date;
};

export type LockOutcome = { acquired: true } | { acquired: false; holder: string; position: number };

/** The next execution to deploy once a lock is released: it holds the lock already. */
export type NextDeployment = { executionId: string; sha: string; traceId: string; environment: string };

async function serialise(tx: SqlExecutor, repo: string, environment: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`deploy:${repo}:${environment}`]);
}

export async function acquireDeployLock(tx: SqlExecutor, claim: DeployClaim): Promise<LockOutcome> {
  await serialise(tx, claim.repo, claim.environment);
  const { rows } = await tx.query<{ execution_id: string }>(
    'SELECT execution_id FROM deploy_locks WHERE repo = $1 AND environment = $2',
    [claim.repo, claim.environment],
  );
  const holder = rows[0]?.execution_id;
  if (holder === undefined || holder === claim.executionId) {
    if (holder === undefined) {
      await tx.query('INSERT INTO deploy_locks (repo, environment, execution_id, since) VALUES ($1, $2, $3, $4)', [
        claim.repo,
        claim.environment,
        claim.executionId,
        claim.now.toISOString(),
      ]);
    }
    await tx.query('DELETE FROM deploy_queue WHERE execution_id = $1', [claim.executionId]);
    return { acquired: true };
  }
  await tx.query(
    `INSERT INTO deploy_queue (repo, environment, execution_id, priority, sha, trace_id, queued_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (execution_id) DO NOTHING`,
    [
      claim.repo,
      claim.environment,
      claim.executionId,
      claim.priority ?? 0,
      claim.sha,
      claim.traceId,
      claim.now.toISOString(),
    ],
  );
  const queued = await queuedDeployments(tx, claim.repo, claim.environment);
  return { acquired: false, holder, position: queued.findIndex((q) => q.executionId === claim.executionId) + 1 };
}

/**
 * An execution ended: it leaves the queue, and if it held a lock, the lock passes to the first one queued, which
 * is returned (the caller dispatches it).
 */
export async function releaseDeployLock(
  tx: SqlExecutor,
  executionId: string,
  now: Date,
): Promise<NextDeployment | undefined> {
  await tx.query('DELETE FROM deploy_queue WHERE execution_id = $1', [executionId]);
  const { rows } = await tx.query<{ repo: string; environment: string }>(
    'SELECT repo, environment FROM deploy_locks WHERE execution_id = $1',
    [executionId],
  );
  const held = rows[0];
  if (!held) return undefined;
  await serialise(tx, held.repo, held.environment);
  await tx.query('DELETE FROM deploy_locks WHERE repo = $1 AND environment = $2 AND execution_id = $3', [
    held.repo,
    held.environment,
    executionId,
  ]);
  const next = (await queuedDeployments(tx, held.repo, held.environment))[0];
  if (!next) return undefined;
  await tx.query('DELETE FROM deploy_queue WHERE execution_id = $1', [next.executionId]);
  await tx.query('INSERT INTO deploy_locks (repo, environment, execution_id, since) VALUES ($1, $2, $3, $4)', [
    held.repo,
    held.environment,
    next.executionId,
    now.toISOString(),
  ]);
  return { executionId: next.executionId, sha: next.sha, traceId: next.traceId, environment: held.environment };
}

export async function deployLockHolder(
  db: SqlExecutor,
  repo: string,
  environment: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ execution_id: string }>(
    'SELECT execution_id FROM deploy_locks WHERE repo = $1 AND environment = $2',
    [repo, environment],
  );
  return rows[0]?.execution_id;
}

/** The executions waiting for a repository's environment, in the order they will deploy. */
export async function queuedDeployments(
  db: SqlExecutor,
  repo: string,
  environment: string,
): Promise<Array<{ executionId: string; sha: string; traceId: string; priority: number }>> {
  const { rows } = await db.query<{ execution_id: string; sha: string; trace_id: string; priority: number | string }>(
    'SELECT execution_id, sha, trace_id, priority FROM deploy_queue WHERE repo = $1 AND environment = $2 ORDER BY priority DESC, id',
    [repo, environment],
  );
  return rows.map((r) => ({
    executionId: r.execution_id,
    sha: r.sha,
    traceId: r.trace_id,
    priority: Number(r.priority),
  }));
}

/**
 * The dispatch a lock holder started: the commit and event AAOE dispatched, when, and the one workflow run the
 * protection rule approved for it (a second run of the same dispatch, a replay, is not approved).
 */
export const DEPLOY_DISPATCH_MIGRATION = {
  version: 18,
  name: 'deploy locks: the dispatch they hold',
  sql: `
-- What AAOE dispatched under a deploy lock: the protection rule judges this commit, not the run's deployment.sha.
ALTER TABLE deploy_locks ADD COLUMN sha text;
ALTER TABLE deploy_locks ADD COLUMN event_type text;
ALTER TABLE deploy_locks ADD COLUMN dispatched_at timestamptz;
ALTER TABLE deploy_locks ADD COLUMN run_id bigint;
`,
};

export type LockDispatch = { sha: string; eventType: string; at: Date };

/** Records on the lock `executionId` holds what it is about to dispatch; false when it holds none. */
export async function recordDispatch(tx: SqlExecutor, executionId: string, dispatch: LockDispatch): Promise<boolean> {
  const { rows } = await tx.query(
    'UPDATE deploy_locks SET sha = $2, event_type = $3, dispatched_at = $4, run_id = NULL WHERE execution_id = $1 RETURNING execution_id',
    [executionId, dispatch.sha, dispatch.eventType, dispatch.at.toISOString()],
  );
  return rows.length > 0;
}

/** The lock of a repository's environment (named case-insensitively) and the dispatch it holds. */
export type HeldLock = {
  executionId: string;
  environment: string;
  sha: string | null;
  eventType: string | null;
  dispatchedAt: string | null;
  runId: number | null;
};

export async function heldLock(db: SqlExecutor, repo: string, environment: string): Promise<HeldLock | undefined> {
  const { rows } = await db.query<{
    execution_id: string;
    environment: string;
    sha: string | null;
    event_type: string | null;
    dispatched_at: Date | null;
    run_id: string | number | null;
  }>(
    'SELECT execution_id, environment, sha, event_type, dispatched_at, run_id FROM deploy_locks WHERE repo = $1 AND lower(environment) = lower($2) ORDER BY since LIMIT 1',
    [repo, environment],
  );
  const r = rows[0];
  return (
    r && {
      executionId: r.execution_id,
      environment: r.environment,
      sha: r.sha,
      eventType: r.event_type,
      dispatchedAt: r.dispatched_at ? new Date(r.dispatched_at).toISOString() : null,
      runId: r.run_id === null ? null : Number(r.run_id),
    }
  );
}

/** Binds the lock's dispatch to the one run approved for it; false when another run has it already. */
export async function claimDispatchRun(tx: SqlExecutor, executionId: string, runId: number): Promise<boolean> {
  const { rows } = await tx.query(
    'UPDATE deploy_locks SET run_id = $2 WHERE execution_id = $1 AND (run_id IS NULL OR run_id = $2) RETURNING execution_id',
    [executionId, runId],
  );
  return rows.length > 0;
}

/**
 * Takes the lock for a rollback when it is free (or the execution's own); never queues: a rollback does not wait
 * behind the deployments it may have to undo. False when another execution holds it.
 */
export async function takeFreeDeployLock(
  tx: SqlExecutor,
  claim: Omit<DeployClaim, 'sha' | 'traceId' | 'priority'>,
): Promise<boolean> {
  await serialise(tx, claim.repo, claim.environment);
  const { rows } = await tx.query<{ execution_id: string }>(
    'SELECT execution_id FROM deploy_locks WHERE repo = $1 AND environment = $2',
    [claim.repo, claim.environment],
  );
  const holder = rows[0]?.execution_id;
  if (holder !== undefined) return holder === claim.executionId;
  await tx.query('INSERT INTO deploy_locks (repo, environment, execution_id, since) VALUES ($1, $2, $3, $4)', [
    claim.repo,
    claim.environment,
    claim.executionId,
    claim.now.toISOString(),
  ]);
  return true;
}
