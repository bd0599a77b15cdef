import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Probot } from 'probot';
import { EXECUTION_STATES, POLICY_CONCLUSIONS } from '../core/execution/transition.js';
import type { Octokit } from '../adapters/github/github-adapter.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import { QUEUES } from '../adapters/store/job-queue.js';
import {
  AGENT_LIMIT,
  OUTCOMES,
  agentFiguresCte,
  summarizeAgentFigures,
  type AgentFigureRow,
} from '../adapters/store/agent-figures.js';

/**
 * Prometheus metrics of AAOE, on a registry of their own (never prom-client's global one).
 *
 * What lives in the database (deliveries, jobs, executions, policy evaluations, model calls) is read when
 * Prometheus scrapes, in one statement, so every process on the same PostgreSQL reports the same truth and a
 * restart loses nothing. Only what this process alone sees is kept in memory: its GitHub API responses
 * (`recordGitHubResponse`) and Node's process metrics.
 */

export const JOB_STATES = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] as const;
/** Quantiles of `aaoe_job_latency_seconds`; `1` is the slowest job of the window. */
export const LATENCY_QUANTILES = [0.5, 0.9, 0.99, 1] as const;
const QUEUE_NAMES: readonly string[] = Object.values(QUEUES);

export type MetricsOptions = {
  /** pg-boss's schema (default `pgboss`, as `JobQueue`). */
  jobSchema?: string;
  /** The jobs `aaoe_job_latency_seconds` is computed over: those completed in the last this-many seconds (default 300). */
  latencyWindowSeconds?: number;
  /** Node's process metrics (`process_*`, `nodejs_*`) too (default true). */
  processMetrics?: boolean;
};

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
       -- (the CTEs above are named apart from the tables, which the per-agent ones below read)
       ${agentFiguresCte('$5', '$6')}
     SELECT json_build_object(
       'deliveries', (SELECT coalesce(json_agg(d), '[]') FROM deliveries d),
       'jobs', (SELECT coalesce(json_agg(j), '[]') FROM jobs j),
       'latency', (SELECT coalesce(json_agg(l), '[]') FROM latency l),
       'executions', (SELECT coalesce(json_agg(e), '[]') FROM execution_states e),
       'evaluations', (SELECT coalesce(json_agg(v), '[]') FROM evaluations v),
       'modelCalls', (SELECT coalesce(json_agg(m), '[]') FROM model_totals m),
       'agents', (SELECT coalesce(json_agg(a), '[]') FROM agent_figures a)
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

// ---------------------------------------------------------------- GitHub API calls (this process)

type RateLimit = { limit?: number; remaining?: number; reset?: number };
const github = {
  responses: new Map<string, number>(),
  rateLimits: new Map<string, RateLimit>(),
};

type HeaderValue = string | number | readonly string[] | undefined | null;

/**
 * Records one GitHub API response this process received: its status, and the rate limit GitHub reported in its
 * `x-ratelimit-*` headers (by `x-ratelimit-resource`, default `core`). Call it from an Octokit hook
 * (`instrumentOctokit` does). A response without a status (a network error) counts as status `error`.
 */
export function recordGitHubResponse(
  status: number | undefined,
  headers: Readonly<Record<string, HeaderValue>> | undefined = {},
): void {
  const key = typeof status === 'number' && Number.isInteger(status) ? String(status) : 'error';
  github.responses.set(key, (github.responses.get(key) ?? 0) + 1);
  const header = (name: string): string | undefined => {
    const value = headers?.[name];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined || first === null ? undefined : String(first);
  };
  const number = (name: string): number | undefined => {
    const text = header(name);
    const value = text === undefined ? Number.NaN : Number(text);
    return Number.isFinite(value) ? value : undefined;
  };
  const remaining = number('x-ratelimit-remaining');
  if (remaining === undefined) return;
  const resource = header('x-ratelimit-resource') ?? 'core';
  const limit = number('x-ratelimit-limit');
  const reset = number('x-ratelimit-reset');
  github.rateLimits.set(resource, {
    remaining,
    ...(limit !== undefined ? { limit } : {}),
    ...(reset !== undefined ? { reset } : {}),
  });
}

const instrumented = new WeakSet<object>();

/**
 * Adds hooks to `octokit` that record every response (and error response) with `recordGitHubResponse`. The hooks
 * wrap Octokit's own retry and throttling, so a request counts once, with the status its caller got. Idempotent.
 */
export function instrumentOctokit<T extends Pick<Octokit, 'hook'>>(octokit: T): T {
  if (instrumented.has(octokit)) return octokit;
  instrumented.add(octokit);
  octokit.hook.after('request', (response) =>
    recordGitHubResponse(response.status, response.headers as Record<string, HeaderValue>),
  );
  octokit.hook.error('request', (error) => {
    const failed = error as { status?: number; response?: { headers?: Record<string, HeaderValue> } };
    recordGitHubResponse(failed.status, failed.response?.headers);
    throw error;
  });
  return octokit;
}

/** An Octokit plugin (`ProbotOctokit.plugin(githubMetricsPlugin)`): every instance of that class is instrumented. */
export function githubMetricsPlugin(octokit: Pick<Octokit, 'hook'>): void {
  instrumentOctokit(octokit);
}

/**
 * Instruments every Octokit the app gets from `app.auth()` (all of AAOE's GitHub calls go through it: the job
 * runner authenticates per installation), and the app's own client at once, which also creates the installation
 * tokens. Call it once, first thing in the app function.
 */
export async function observeGitHubCalls(app: Pick<Probot, 'auth'>): Promise<void> {
  const auth = app.auth.bind(app);
  app.auth = async (installationId?: number) => instrumentOctokit(await auth(installationId));
  await app.auth();
}

// ---------------------------------------------------------------- the registry

export type AaoeMetrics = {
  readonly registry: Registry;
  /** Reads the store and returns the exposition text (Prometheus text format 0.0.4). */
  scrape(db: SqlExecutor): Promise<string>;
  readonly contentType: string;
};

export function createMetrics(options: MetricsOptions = {}): AaoeMetrics {
  const jobSchema = options.jobSchema ?? 'pgboss';
  const latencyWindowSeconds = options.latencyWindowSeconds ?? 300;
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const deliveries = new Counter({
    name: 'aaoe_deliveries_total',
    help: 'Webhook deliveries recorded (after de-duplication by X-GitHub-Delivery), by event.',
    labelNames: ['event'],
    registers,
  });
  const deliveriesWaiting = new Gauge({
    name: 'aaoe_deliveries_waiting',
    help: 'Deliveries recorded and acknowledged but not yet moved into the job queue.',
    registers,
  });
  const jobs = new Gauge({
    name: 'aaoe_jobs',
    help: 'Jobs in the job queue (pg-boss) by queue and state; completed jobs stay until pg-boss archives them.',
    labelNames: ['queue', 'state'],
    registers,
  });
  const jobLatency = new Gauge({
    name: 'aaoe_job_latency_seconds',
    help: `Seconds from a job's creation to its completion (waits and retries included), quantiles over the jobs completed in the last ${latencyWindowSeconds} s, by queue; quantile 1 is the slowest.`,
    labelNames: ['queue', 'quantile'],
    registers,
  });
  const jobLatencyJobs = new Gauge({
    name: 'aaoe_job_latency_window_jobs',
    help: `Jobs completed in the last ${latencyWindowSeconds} s (those aaoe_job_latency_seconds is computed over), by queue.`,
    labelNames: ['queue'],
    registers,
  });
  const executions = new Gauge({
    name: 'aaoe_executions',
    help: 'Executions by their current state.',
    labelNames: ['state'],
    registers,
  });
  const evaluations = new Counter({
    name: 'aaoe_policy_evaluations_total',
    help: 'Policy evaluations (the aaoe/policy check run) recorded in the audit log, by conclusion.',
    labelNames: ['conclusion'],
    registers,
  });
  const modelCalls = new Counter({
    name: 'aaoe_model_calls_total',
    help: 'Model requests made (or passed over) by the model router, by model and outcome.',
    labelNames: ['model', 'outcome'],
    registers,
  });
  const modelTokens = new Counter({
    name: 'aaoe_model_tokens_total',
    help: 'Tokens the model endpoints reported, by model and kind (input or output).',
    labelNames: ['model', 'kind'],
    registers,
  });
  const modelCost = new Counter({
    name: 'aaoe_model_cost_usd_total',
    help: 'What the model calls cost in US dollars, by model.',
    labelNames: ['model'],
    registers,
  });
  // per agent (src/adapters/store/agent-figures.ts): gauges, as an execution moves from one outcome to another and a declaration can change
  const agentExecutions = new Gauge({
    name: 'aaoe_agent_executions',
    help: `Executions per agent by outcome (open, merged, refused, rolled_back, failed); the ${AGENT_LIMIT} agents with the most executions are named, the rest are (other).`,
    labelNames: ['agent', 'outcome'],
    registers,
  });
  const agentSpendUsd = new Gauge({
    name: 'aaoe_agent_spend_usd',
    help: "Spend per agent in US dollars: kind measured (AAOE's own model calls) or declared (what the agents' pull requests declared, never measured).",
    labelNames: ['agent', 'kind'],
    registers,
  });
  const agentSpendTokens = new Gauge({
    name: 'aaoe_agent_spend_tokens',
    help: "Tokens per agent: kind measured (AAOE's own model calls) or declared (what the agents' pull requests declared).",
    labelNames: ['agent', 'kind'],
    registers,
  });
  const githubResponses = new Counter({
    name: 'aaoe_github_requests_total',
    help: 'GitHub API requests made by this process, by response status (error: no response).',
    labelNames: ['status'],
    registers,
  });
  const rateRemaining = new Gauge({
    name: 'aaoe_github_rate_limit_remaining',
    help: 'Requests left in the current GitHub rate-limit window, as the latest response to this process said, by resource.',
    labelNames: ['resource'],
    registers,
  });
  const rateLimit = new Gauge({
    name: 'aaoe_github_rate_limit_limit',
    help: 'Requests allowed per GitHub rate-limit window, as the latest response to this process said, by resource.',
    labelNames: ['resource'],
    registers,
  });
  const rateReset = new Gauge({
    name: 'aaoe_github_rate_limit_reset_timestamp_seconds',
    help: 'When the current GitHub rate-limit window ends (Unix time), by resource.',
    labelNames: ['resource'],
    registers,
  });

  const apply = (snapshot: StoreSnapshot) => {
    // Every metric is rebuilt from the snapshot: a label set that vanished from the store vanishes here too.
    for (const metric of [
      deliveries,
      deliveriesWaiting,
      jobs,
      jobLatency,
      jobLatencyJobs,
      executions,
      evaluations,
      modelCalls,
      modelTokens,
      modelCost,
      agentExecutions,
      agentSpendUsd,
      agentSpendTokens,
    ])
      metric.reset();
    let waiting = 0;
    for (const row of snapshot.deliveries) {
      deliveries.inc({ event: row.event }, row.n);
      waiting += row.waiting;
    }
    deliveriesWaiting.set(waiting);
    // known queues and states are always present (0), so a rate over them never starts from nothing
    for (const queue of QUEUE_NAMES) for (const state of JOB_STATES) jobs.set({ queue, state }, 0);
    for (const row of snapshot.jobs) jobs.set({ queue: row.queue, state: row.state }, row.n);
    for (const queue of QUEUE_NAMES) jobLatencyJobs.set({ queue }, 0);
    for (const row of snapshot.latency) {
      jobLatencyJobs.set({ queue: row.queue }, row.n);
      LATENCY_QUANTILES.forEach((quantile, i) => {
        const value = quantile === 1 ? row.max : row.quantiles[i];
        if (typeof value === 'number' && Number.isFinite(value))
          jobLatency.set({ queue: row.queue, quantile: String(quantile) }, value);
      });
    }
    for (const state of EXECUTION_STATES) executions.set({ state }, 0);
    for (const row of snapshot.executions) executions.set({ state: row.state }, row.n);
    for (const conclusion of POLICY_CONCLUSIONS) evaluations.inc({ conclusion }, 0);
    for (const row of snapshot.evaluations) evaluations.inc({ conclusion: row.conclusion }, row.n);
    const tokens = new Map<string, { input: number; output: number; usd: number }>();
    for (const row of snapshot.modelCalls) {
      modelCalls.inc({ model: row.model, outcome: row.outcome }, row.calls);
      const sum = tokens.get(row.model) ?? { input: 0, output: 0, usd: 0 };
      tokens.set(row.model, { input: sum.input + row.input, output: sum.output + row.output, usd: sum.usd + row.usd });
    }
    for (const [model, sum] of tokens) {
      modelTokens.inc({ model, kind: 'input' }, sum.input);
      modelTokens.inc({ model, kind: 'output' }, sum.output);
      modelCost.inc({ model }, sum.usd);
    }
    for (const figures of summarizeAgentFigures(snapshot.agents ?? [])) {
      const agent = figures.agent;
      for (const outcome of OUTCOMES) agentExecutions.set({ agent, outcome }, figures.outcomes[outcome]);
      agentSpendUsd.set({ agent, kind: 'measured' }, figures.spend.measured.usd);
      agentSpendUsd.set({ agent, kind: 'declared' }, figures.spend.declared.usd);
      agentSpendTokens.set({ agent, kind: 'measured' }, figures.spend.measured.tokens);
      agentSpendTokens.set({ agent, kind: 'declared' }, figures.spend.declared.tokens);
    }
  };

  const applyGitHub = () => {
    githubResponses.reset();
    for (const [status, n] of github.responses) githubResponses.inc({ status }, n);
    for (const [resource, value] of github.rateLimits) {
      if (value.remaining !== undefined) rateRemaining.set({ resource }, value.remaining);
      if (value.limit !== undefined) rateLimit.set({ resource }, value.limit);
      if (value.reset !== undefined) rateReset.set({ resource }, value.reset);
    }
  };

  return {
    registry,
    contentType: registry.contentType,
    async scrape(db) {
      const snapshot = await readStoreSnapshot(db, { jobSchema, latencyWindowSeconds });
      apply(snapshot);
      applyGitHub();
      return registry.metrics();
    },
  };
}
