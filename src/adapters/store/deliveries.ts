import type { SqlExecutor } from './database.js';

/**
 * Webhook deliveries seen, by `X-GitHub-Delivery`. GitHub may send a delivery again (a redelivery, a retry after
 * a timeout); only the first is acted on. A delivery is recorded with its job (one statement, the commit that
 * makes it safe to acknowledge); the jobs are moved into the job queue afterwards, many per transaction
 * (`takeUnqueued` + `markQueued`), so that acknowledging stays one cheap insert.
 */

export type DeliveryRecord<J> = {
  id: string;
  event: string;
  action: string | null;
  installationId: number | null;
  job: J;
};

/** Records webhook deliveries with their jobs in one statement; returns the ids not seen before. */
export async function recordDeliveries<J>(
  db: SqlExecutor,
  deliveries: ReadonlyArray<DeliveryRecord<J>>,
): Promise<Set<string>> {
  if (deliveries.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO deliveries (id, event, action, installation_id, job)
     SELECT id, event, action, installation_id, job
       FROM json_to_recordset($1::json) AS d (id text, event text, action text, installation_id bigint, job jsonb)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      JSON.stringify(
        deliveries.map((d) => ({
          id: d.id,
          event: d.event,
          action: d.action,
          installation_id: d.installationId,
          job: d.job,
        })),
      ),
    ],
  );
  return new Set(rows.map((row) => row.id));
}

/** Oldest recorded deliveries whose jobs are not queued yet, locked for this transaction (others skip them). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- J names the job type the caller stored with recordDeliveries<J>
export async function takeUnqueued<J>(tx: SqlExecutor, limit: number): Promise<Array<{ id: string; job: J }>> {
  const { rows } = await tx.query<{ id: string; job: J }>(
    'SELECT id, job FROM deliveries WHERE job IS NOT NULL ORDER BY received_at, id LIMIT $1 FOR UPDATE SKIP LOCKED',
    [limit],
  );
  return rows;
}

export async function markQueued(tx: SqlExecutor, ids: readonly string[]): Promise<void> {
  await tx.query('UPDATE deliveries SET job = NULL WHERE id IN (SELECT json_array_elements_text($1::json))', [
    JSON.stringify(ids),
  ]);
}

/** Recorded deliveries whose jobs are not queued yet. */
export async function unqueuedDeliveries(db: SqlExecutor): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries WHERE job IS NOT NULL');
  return rows[0]?.n ?? 0;
}
