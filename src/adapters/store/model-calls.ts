import type { CallRecord } from '../model/model-router.js';
import type { SqlExecutor } from './database.js';

/** The model router's call records, kept per execution and repository: what an execution cost, what a month did. */

export async function recordModelCalls(
  tx: SqlExecutor,
  where: { repo: string; executionId: string | null; at?: Date },
  calls: readonly CallRecord[],
): Promise<void> {
  if (calls.length === 0) return;
  await tx.query(
    `INSERT INTO model_calls (execution_id, repo, model, outcome, input_tokens, output_tokens, cost_usd, ms, at)
     SELECT $1, $2, model, outcome, input_tokens, output_tokens, cost_usd, ms, COALESCE($4::timestamptz, now())
       FROM json_to_recordset($3::json) AS c (model text, outcome text, input_tokens integer, output_tokens integer, cost_usd numeric, ms integer)`,
    [
      where.executionId,
      where.repo,
      JSON.stringify(
        calls.map((c) => ({
          model: c.model,
          outcome: c.outcome,
          input_tokens: c.inputTokens,
          output_tokens: c.outputTokens,
          cost_usd: c.costUsd,
          ms: Math.round(c.ms),
        })),
      ),
      where.at?.toISOString() ?? null,
    ],
  );
}

/**
 * The router's records of models it passed over without sending anything (a cap, an open breaker): kept for the audit
 * and the metrics, never counted as calls.
 */
export const NOT_SENT_OUTCOMES: readonly string[] = ['over_cap', 'breaker_open'] satisfies ReadonlyArray<
  CallRecord['outcome']
>;

/** Tokens and dollars an execution's model calls cost, and how many requests were sent (failed ones included). */
export async function executionModelCost(
  db: SqlExecutor,
  executionId: string,
): Promise<{ tokens: number; usd: number; calls: number }> {
  const { rows } = await db.query<{ tokens: number; usd: number; calls: number }>(
    `SELECT COALESCE(sum(input_tokens + output_tokens), 0)::int8 AS tokens, COALESCE(sum(cost_usd), 0)::float8 AS usd, count(*)::int AS calls
       FROM model_calls WHERE execution_id = $1 AND outcome <> ALL($2::text[])`,
    [executionId, NOT_SENT_OUTCOMES],
  );
  return rows[0] ?? { tokens: 0, usd: 0, calls: 0 };
}

/** What a repository's model calls cost in the calendar month (UTC) that contains `at`. */
export async function monthlySpendUsd(db: SqlExecutor, repo: string, at: Date): Promise<number> {
  const { rows } = await db.query<{ usd: number }>(
    `SELECT COALESCE(sum(cost_usd), 0)::float8 AS usd FROM model_calls
      WHERE repo = $1 AND at >= date_trunc('month', $2::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        AND at < (date_trunc('month', $2::timestamptz AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC'`,
    [repo, at.toISOString()],
  );
  return rows[0]?.usd ?? 0;
}
