import { Counter, Gauge, type Registry } from 'prom-client';
import { AGENT_LIMIT } from '../adapters/store/agent-figures.js';

/** AAOE's metrics on `registry`: what the store holds (rebuilt at each scrape) and what this process saw of GitHub. */
export function storeMetrics(registry: Registry, latencyWindowSeconds: number) {
  return { ...queueMetrics(registry, latencyWindowSeconds), ...domainMetrics(registry) };
}

/** Deliveries and jobs. */
function queueMetrics(registry: Registry, latencyWindowSeconds: number) {
  const registers = [registry];
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
  return { deliveries, deliveriesWaiting, jobs, jobLatency, jobLatencyJobs };
}

/** Executions, policy evaluations, model calls and agents. */
function domainMetrics(registry: Registry) {
  const registers = [registry];
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
  return {
    executions,
    evaluations,
    modelCalls,
    modelTokens,
    modelCost,
    ...agentMetrics(registers),
  };
}

/** Per agent. */
function agentMetrics(registers: Registry[]) {
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
  // bring your own agent (issue 26): one ledger across agents, per repository, this month
  const agentMonthSpendUsd = new Gauge({
    name: 'aaoe_agent_month_spend_usd',
    help: "Spend this calendar month (UTC) in US dollars per agent and repository, as measured or reported by the agent (agent jobs' usage reports, AAOE's own model calls as agent aaoe).",
    labelNames: ['agent', 'repo', 'month'],
    registers,
  });
  return { agentExecutions, agentSpendUsd, agentSpendTokens, agentMonthSpendUsd };
}

/** The GitHub figures of this process (`metrics-github.ts`). */
export function githubMetrics(registry: Registry) {
  const registers = [registry];
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
  return { githubResponses, rateRemaining, rateLimit, rateReset };
}
