import type { SqlExecutor } from './database.js';

/**
 * Webhook deliveries seen, by `X-GitHub-Delivery`. GitHub may send a delivery again (a redelivery, a retry after
 * a timeout); only the first is acted on.
 */

export type DeliveryRecord = { id: string; event: string; action: string | null; installationId: number | null };

/** Records webhook deliveries in one statement; returns the ids not seen before. */
export async function recordDeliveries(tx: SqlExecutor, deliveries: readonly DeliveryRecord[]): Promise<Set<string>> {
  if (deliveries.length === 0) return new Set();
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO deliveries (id, event, action, installation_id)
     SELECT id, event, action, installation_id
       FROM json_to_recordset($1::json) AS d (id text, event text, action text, installation_id bigint)
     ON CONFLICT DO NOTHING RETURNING id`,
    [JSON.stringify(deliveries.map((d) => ({ id: d.id, event: d.event, action: d.action, installation_id: d.installationId })))],
  );
  return new Set(rows.map((row) => row.id));
}
