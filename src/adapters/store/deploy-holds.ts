import type { SqlExecutor } from './database.js';

/**
 * A deployment scheduled for later (`POST /api/v1/executions/{id}/schedule`, the MCP `schedule` tool): the merged
 * change is not dispatched before `notBefore`, on top of the policy's change windows. The last one set counts.
 */

export type DeployHold = { executionId: string; notBefore: string; by: string; at: string };

/** The longest a merged change may be held: a week (a hold set for longer counts for a week, `deployDecision`). */
export const MAX_HOLD_DAYS = 7;
export const MAX_HOLD_MS = MAX_HOLD_DAYS * 86_400_000;

export type HoldDecision = { ok: true; notBefore: Date } | { ok: false; status: 400 | 403; message: string };

/**
 * Whether `user` may hold a merged change until `notBefore` (pure). A hold delays a deployment people approved:
 * an agent identity (`agentIdentity`, a Bot account or one the policy lists) never sets one, and none is longer
 * than a week.
 */
export function decideDeployHold(f: {
  login: string;
  agent: string | undefined;
  notBefore: Date;
  now: Date;
}): HoldDecision {
  if (f.agent)
    return {
      ok: false,
      status: 403,
      message: `@${f.login} is an agent identity (${f.agent}): agents may not schedule (hold) a deployment; a person with the trigger permission can`,
    };
  if (!Number.isFinite(f.notBefore.getTime()))
    return { ok: false, status: 400, message: 'notBefore: not a time (ISO 8601, e.g. 2026-03-02T09:00:00Z)' };
  if (f.notBefore.getTime() > f.now.getTime() + MAX_HOLD_MS) {
    return {
      ok: false,
      status: 400,
      message: `notBefore: at most ${MAX_HOLD_DAYS} days ahead (until ${new Date(f.now.getTime() + MAX_HOLD_MS).toISOString()}): a longer hold would keep an approved change undeployed; schedule it again later`,
    };
  }
  return { ok: true, notBefore: f.notBefore };
}

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
