import type { DeployHold } from '../../core/deploy/deploy-hold.js';
import type { SqlExecutor } from './database.js';

/**
 * A deployment scheduled for later (`POST /api/v1/executions/{id}/schedule`, the MCP `schedule` tool): the merged
 * change is not dispatched before `notBefore`, on top of the policy's change windows. The last one set counts.
 */

export async function setDeployHold(tx: SqlExecutor, hold: DeployHold): Promise<void> {
  await tx.query(
    `INSERT INTO deploy_holds (execution_id, not_before, set_by, set_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (execution_id) DO UPDATE SET not_before = EXCLUDED.not_before, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`,
    [hold.executionId, hold.notBefore, hold.by, hold.at],
  );
}

export async function deployHold(db: SqlExecutor, executionId: string): Promise<DeployHold | undefined> {
  const { rows } = await db.query<{ not_before: Date; set_by: string; set_at: Date }>(
    'SELECT not_before, set_by, set_at FROM deploy_holds WHERE execution_id = $1',
    [executionId],
  );
  const row = rows[0];
  return (
    row && {
      executionId,
      notBefore: new Date(row.not_before).toISOString(),
      by: row.set_by,
      at: new Date(row.set_at).toISOString(),
    }
  );
}
