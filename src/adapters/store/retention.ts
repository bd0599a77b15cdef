import { FINAL_STATES } from '../../core/execution/execution-model.js';
import type { SqlExecutor } from './database.js';

/**
 * Retention: how long the store keeps what only operations need, and the maintenance step that deletes the rest.
 * Never the audit log: it is append-only and hash-chained, and is only exported (`aaoe audit export`) and archived.
 *
 * - deliveries: the de-duplication record of each webhook delivery (`X-GitHub-Delivery`). GitHub lets a person
 *   redeliver a delivery for 3 days, so at least 3 days are kept; a delivery not yet queued is never deleted.
 * - jobs: the job queue's archive (pg-boss moves finished jobs there after 12 hours and deletes them after 7 days;
 *   this can only shorten that), and the timers that have fired (their jobs are in the queue), by the same days.
 * - model calls: the cost records of the model router. A repository's `cost.monthlyUsd` is summed over the
 *   calendar month, so at least 62 days are kept, and the calls of an execution that has not ended are kept.
 */

export type Retention = { deliveriesDays: number; jobsDays: number; modelCallsDays: number };

export const RETENTION_DEFAULTS: Retention = { deliveriesDays: 30, jobsDays: 7, modelCallsDays: 400 };
const MINIMUM: Retention = { deliveriesDays: 3, jobsDays: 1, modelCallsDays: 62 };
const VARIABLES: Record<keyof Retention, string> = {
  deliveriesDays: 'AAOE_RETAIN_DELIVERIES_DAYS',
  jobsDays: 'AAOE_RETAIN_JOBS_DAYS',
  modelCallsDays: 'AAOE_RETAIN_MODEL_CALLS_DAYS',
};

export type RetentionRead = { ok: true; retention: Retention } | { ok: false; errors: string[] };

/** `AAOE_RETAIN_DELIVERIES_DAYS`, `AAOE_RETAIN_JOBS_DAYS`, `AAOE_RETAIN_MODEL_CALLS_DAYS`; every error at once. */
export function retentionFromEnv(env: Readonly<Record<string, string | undefined>>): RetentionRead {
  const retention = { ...RETENTION_DEFAULTS };
  const errors: string[] = [];
  for (const key of Object.keys(VARIABLES) as Array<keyof Retention>) {
    const text = env[VARIABLES[key]]?.trim();
    if (!text) continue;
    const days = Number(text);
    if (!Number.isInteger(days) || days < MINIMUM[key])
      errors.push(`${VARIABLES[key]} must be a whole number of days, at least ${MINIMUM[key]}, not "${text}"`);
    else retention[key] = days;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, retention };
}

export type Pruned = { deliveries: number; jobs: number; timers: number; modelCalls: number };

/** Deletes what is older than the retention at `now`; returns how many rows of each went. */
export async function pruneStore(
  db: SqlExecutor,
  retention: Retention,
  now: Date,
  options: { jobSchema?: string } = {},
): Promise<Pruned> {
  const before = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  const count = async (sql: string, params: unknown[]) =>
    (await db.query<{ n: number }>(`WITH gone AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM gone`, params))
      .rows[0]?.n ?? 0;
  const deliveries = await count('DELETE FROM deliveries WHERE job IS NULL AND received_at < $1', [
    before(retention.deliveriesDays),
  ]);
  const live = [...FINAL_STATES];
  const modelCalls = await count(
    `DELETE FROM model_calls WHERE at < $1 AND (execution_id IS NULL OR NOT EXISTS (SELECT 1 FROM executions x WHERE x.id = model_calls.execution_id AND x.state <> ALL($2::text[])))`,
    [before(retention.modelCallsDays), live],
  );
  const schema = options.jobSchema ?? 'pgboss';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`not a schema name: ${schema}`);
  const { rows } = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    `${schema}.archive`,
  ]);
  const jobs = rows[0]?.present
    ? await count(`DELETE FROM ${schema}.archive WHERE archived_on < $1`, [before(retention.jobsDays)])
    : 0;
  const timers = await count('DELETE FROM timers WHERE fired_at IS NOT NULL AND fired_at < $1', [
    before(retention.jobsDays),
  ]);
  return { deliveries, jobs, timers, modelCalls };
}
