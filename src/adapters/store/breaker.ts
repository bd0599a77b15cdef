import type { FreezeFact } from '../../core/deploy/decide-dispatch.js';
import type { SqlExecutor } from './database.js';

/**
 * The circuit breaker's memory: failed canaries per repository and environment, and the freezes they tripped.
 * `maxFailures` failures within a day, counted since the last freeze ended, trip a freeze of `freezeMinutes`;
 * an admin's `/aaoe resume` lifts it early. Time is always an argument (the app's clock).
 */

export type Freeze = FreezeFact;

/** How far back failures count (and never before the last freeze ended). */
export const BREAKER_WINDOW_MS = 24 * 60 * 60_000;

/**
 * The freeze in force at `now`, if any. A freeze stops the repository: it applies to every environment name AAOE
 * is asked about (`Production`, `prod`, one an attacker made up), whichever environment's failures tripped it;
 * `environment` names what is asked about, for the caller's text only.
 */
export async function activeFreeze(
  db: SqlExecutor,
  repo: string,
  _environment: string,
  now: Date,
): Promise<Freeze | undefined> {
  return repositoryFreeze(db, repo, now);
}

/**
 * The freeze of a repository in force at `now`, whatever environment tripped it. One recorded by a clock a moment
 * ahead of `now` (another job's, while this one decides) is in force too: only its end counts.
 */
export async function repositoryFreeze(db: SqlExecutor, repo: string, now: Date): Promise<Freeze | undefined> {
  const { rows } = await db.query<{ id: string | number; reason: string; since: Date; until: Date }>(
    `SELECT id, reason, since, until FROM freezes WHERE repo = $1 AND lifted_at IS NULL AND until > $2 ORDER BY until DESC LIMIT 1`,
    [repo, now.toISOString()],
  );
  const row = rows[0];
  return (
    row && {
      id: Number(row.id),
      reason: row.reason,
      since: new Date(row.since).toISOString(),
      until: new Date(row.until).toISOString(),
    }
  );
}

/**
 * Records a failure and trips a freeze when it is the `maxFailures`-th within the window; returns the freeze it
 * tripped. Serialised per repository and environment by the caller's transaction lock.
 */
export async function recordFailure(
  tx: SqlExecutor,
  at: { repo: string; environment: string; executionId: string; reason: string; now: Date },
  policy: { maxFailures: number; freezeMinutes: number },
): Promise<Freeze | undefined> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`breaker:${at.repo}:${at.environment}`]);
  await tx.query(
    'INSERT INTO breaker_failures (repo, environment, execution_id, reason, at) VALUES ($1, $2, $3, $4, $5)',
    [at.repo, at.environment, at.executionId, at.reason, at.now.toISOString()],
  );
  if (await activeFreeze(tx, at.repo, at.environment, at.now)) return undefined;
  const { rows: ended } = await tx.query<{ end: Date | null }>(
    `SELECT max(COALESCE(lifted_at, until)) AS end FROM freezes WHERE repo = $1 AND environment = $2`,
    [at.repo, at.environment],
  );
  const since = Math.max(at.now.getTime() - BREAKER_WINDOW_MS, ended[0]?.end ? new Date(ended[0].end).getTime() : 0);
  const { rows } = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM breaker_failures WHERE repo = $1 AND environment = $2 AND at > $3',
    [at.repo, at.environment, new Date(since).toISOString()],
  );
  const failures = rows[0]?.n ?? 0;
  if (failures < policy.maxFailures) return undefined;
  const until = new Date(at.now.getTime() + policy.freezeMinutes * 60_000);
  const reason = `${failures} failed deployments since ${new Date(since).toISOString()} (circuitBreaker.maxFailures ${policy.maxFailures}); the last: ${at.reason}`;
  const { rows: made } = await tx.query<{ id: string | number }>(
    'INSERT INTO freezes (repo, environment, reason, since, until) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [at.repo, at.environment, reason, at.now.toISOString(), until.toISOString()],
  );
  const [freeze] = made;
  if (!freeze) throw new Error('the freeze was not recorded');
  return { id: Number(freeze.id), reason, since: at.now.toISOString(), until: until.toISOString() };
}

/** Lifts the freeze in force (an admin's `/aaoe resume`); false when there was none. */
export async function liftFreeze(
  tx: SqlExecutor,
  repo: string,
  environment: string,
  by: string,
  now: Date,
): Promise<Freeze | undefined> {
  const freeze = await activeFreeze(tx, repo, environment, now);
  if (!freeze) return undefined;
  await tx.query('UPDATE freezes SET lifted_by = $2, lifted_at = $3 WHERE id = $1', [freeze.id, by, now.toISOString()]);
  return freeze;
}

/**
 * Executions of a repository whose failed canary the breaker has not counted yet (its `record_breaker_failure` job
 * has not run): the report that failed is stored (any mode but `rollback` is a canary verdict, `applyReport`),
 * the failure is not. A deployment waits for them, or the next
 * one would be dispatched before the freeze that failure trips. Only failures within the breaker's window count.
 */
export async function uncountedFailures(db: SqlExecutor, repo: string, now: Date): Promise<string[]> {
  const { rows } = await db.query<{ execution_id: string }>(
    `SELECT DISTINCT r.execution_id FROM deploy_reports r JOIN executions e ON e.id = r.execution_id
      WHERE e.repo = $1 AND r.received_at > $2 AND r.report->>'mode' <> 'rollback'
        AND NOT (r.report->>'verdict' = 'promote' AND r.report->>'outcome' = 'success')
        AND NOT EXISTS (SELECT 1 FROM breaker_failures b WHERE b.execution_id = r.execution_id)
      ORDER BY r.execution_id`,
    [repo, new Date(now.getTime() - BREAKER_WINDOW_MS).toISOString()],
  );
  return rows.map((r) => r.execution_id);
}
