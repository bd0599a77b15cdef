import { POLICY_CONCLUSIONS } from '../contracts/api.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import { QUEUES } from '../adapters/store/job-shapes.js';
import { AGENT_LIMIT, agentFiguresCte, type AgentFigureRow } from '../adapters/store/agent-figures.js';

/** What `/metrics` reads from the store: one statement at scrape time (see `metrics.ts`). */

export const JOB_STATES = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] as const;
/** Quantiles of `aaoe_job_latency_seconds`; `1` is the slowest job of the window. */
export const LATENCY_QUANTILES = [0.5, 0.9, 0.99, 1] as const;
export const QUEUE_NAMES: readonly string[] = Object.values(QUEUES);

/** What the database says at one moment: the rows of one statement. */
export type StoreSnapshot = {
  deliveries: Array<{ event: string; n: number; waiting: number }>;
  jobs: Array<{ queue: string; state: string; n: number }>;
  latency: Array<{ queue: string; n: number; quantiles: number[]; max: number }>;
  executions: Array<{ state: string; n: number }>;
  evaluations: Array<{ conclusion: string; n: number }>;
  modelCalls: Array<{ model: string; outcome: string; calls: number; input: number; output: number; usd: number }>;
  /** The per-agent aggregate (src/adapters/store/agent-figures.ts), over every repository. */
  agents: AgentFigureRow[];
  /** Spend this calendar month (UTC) per agent (`agent:<name>` in the ledger, else AAOE's own model) and repository. */
  agentMonth?: Array<{ agent: string; repo: string; month: string; usd: number; tokens: number }>;
};

/**
 * The conclusion of a `policy_evaluated` audit entry, from its reason (`<from> -> <to>: <conclusion>: <gates>`,
 * written by `transition` and the pipeline). An entry in another shape counts as `unknown`.
 */
const CONCLUSION_PATTERN = `^[a-z_]+ -> [a-z_]+: (${POLICY_CONCLUSIONS.join('|')}):`;

/** Reads everything the metrics need from the store in one statement (one snapshot, one round trip). */
export async function readStoreSnapshot(
  db: SqlExecutor,
  options: { jobSchema: string; latencyWindowSeconds: number },
): Promise<StoreSnapshot> {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.jobSchema)) throw new Error(`not a schema name: ${options.jobSchema}`);
  const job = `${options.jobSchema}.job`;
  const { rows } = await db.query<{ snapshot: StoreSnapshot }>(
    `WITH
       deliveries AS (
         SELECT event, count(*)::int AS n, (count(*) FILTER (WHERE job IS NOT NULL))::int AS waiting FROM deliveries GROUP BY event),
       jobs AS (
         SELECT name AS queue, state::text AS state, count(*)::int AS n FROM ${job} WHERE name = ANY($1::text[]) GROUP BY 1, 2),
       latency AS (
         SELECT name AS queue, count(*)::int AS n,
                percentile_cont($4::float8[]) WITHIN GROUP (ORDER BY extract(epoch FROM completed_on - created_on)::float8) AS quantiles,
                max(extract(epoch FROM completed_on - created_on))::float8 AS max
           FROM ${job}
          WHERE name = ANY($1::text[]) AND state = 'completed' AND completed_on > now() - make_interval(secs => $2::float8)
          GROUP BY 1),
       execution_states AS (
         SELECT state, count(*)::int AS n FROM executions GROUP BY state),
       evaluations AS (
         SELECT coalesce(substring(reason FROM $3::text), 'unknown') AS conclusion, count(*)::int AS n
           FROM audit_log WHERE action = 'policy_evaluated' GROUP BY 1),
       model_totals AS (
         SELECT model, outcome, count(*)::int AS calls, coalesce(sum(input_tokens), 0)::float8 AS input,
                coalesce(sum(output_tokens), 0)::float8 AS output, coalesce(sum(cost_usd), 0)::float8 AS usd
           FROM model_calls GROUP BY 1, 2),
       agent_month AS (
         SELECT CASE WHEN model LIKE 'agent:%' THEN substring(model FROM 7) ELSE 'aaoe' END AS agent, repo,
                to_char(date_trunc('month', now() AT TIME ZONE 'UTC'), 'YYYY-MM') AS month,
                coalesce(sum(cost_usd), 0)::float8 AS usd, coalesce(sum(input_tokens + output_tokens), 0)::float8 AS tokens
           FROM model_calls
          WHERE (at AT TIME ZONE 'UTC') >= date_trunc('month', now() AT TIME ZONE 'UTC') AND outcome NOT IN ('over_cap', 'breaker_open')
          GROUP BY 1, 2 ORDER BY 4 DESC LIMIT 1000),
       -- (the CTEs above are named apart from the tables, which the per-agent ones below read)
       ${agentFiguresCte('$5', '$6')}
     SELECT json_build_object(
       'deliveries', (SELECT coalesce(json_agg(d), '[]') FROM deliveries d),
       'jobs', (SELECT coalesce(json_agg(j), '[]') FROM jobs j),
       'latency', (SELECT coalesce(json_agg(l), '[]') FROM latency l),
       'executions', (SELECT coalesce(json_agg(e), '[]') FROM execution_states e),
       'evaluations', (SELECT coalesce(json_agg(v), '[]') FROM evaluations v),
       'modelCalls', (SELECT coalesce(json_agg(m), '[]') FROM model_totals m),
       'agents', (SELECT coalesce(json_agg(a), '[]') FROM agent_figures a),
       'agentMonth', (SELECT coalesce(json_agg(am), '[]') FROM agent_month am)
     ) AS snapshot`,
    [
      QUEUE_NAMES,
      options.latencyWindowSeconds,
      CONCLUSION_PATTERN,
      LATENCY_QUANTILES.filter((q) => q < 1),
      null,
      AGENT_LIMIT,
    ],
  );
  const snapshot = rows[0]?.snapshot;
  if (!snapshot) throw new Error('the metrics query returned no row');
  return typeof snapshot === 'string' ? (JSON.parse(snapshot) as StoreSnapshot) : snapshot;
}
