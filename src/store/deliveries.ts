import type { SqlExecutor } from './database.js';

/**
 * Webhook deliveries seen, by `X-GitHub-Delivery`. GitHub may send a delivery again (a redelivery, a retry after
 * a timeout); only the first is acted on.
 */

/** Records a webhook delivery; false when this `X-GitHub-Delivery` was seen before. */
export async function recordDelivery(
  tx: SqlExecutor,
  delivery: { id: string; event: string; action: string | null; installationId: number | null },
): Promise<boolean> {
  const { rows } = await tx.query(
    'INSERT INTO deliveries (id, event, action, installation_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id',
    [delivery.id, delivery.event, delivery.action, delivery.installationId],
  );
  return rows.length === 1;
}
