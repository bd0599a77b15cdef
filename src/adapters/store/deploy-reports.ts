import type { SqlExecutor } from './database.js';

/** Every verified report of the companion action, kept as it came: the evidence a debug issue shows. */

export async function saveDeployReport(
  tx: SqlExecutor,
  executionId: string,
  report: Record<string, unknown>,
  at: Date,
): Promise<void> {
  await tx.query('INSERT INTO deploy_reports (execution_id, received_at, report) VALUES ($1, $2, $3::jsonb)', [
    executionId,
    at.toISOString(),
    JSON.stringify(report),
  ]);
}

/** The last report received for an execution. */
export async function latestDeployReport(
  db: SqlExecutor,
  executionId: string,
): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.query<{ report: Record<string, unknown> }>(
    'SELECT report FROM deploy_reports WHERE execution_id = $1 ORDER BY id DESC LIMIT 1',
    [executionId],
  );
  return rows[0]?.report;
}
