import { EXECUTION_STATES } from '../core/execution/execution-model.js';
import { POLICY_CONCLUSIONS } from '../contracts/api.js';
import { OUTCOMES, summarizeAgentFigures } from '../adapters/store/agent-figures.js';
import { github } from './metrics-github.js';
import type { githubMetrics, storeMetrics } from './metrics-registry.js';
import { JOB_STATES, LATENCY_QUANTILES, QUEUE_NAMES, type StoreSnapshot } from './metrics-snapshot.js';

type StoreMetrics = ReturnType<typeof storeMetrics>;

/** Every store metric rebuilt from the snapshot: a label set that vanished from the store vanishes here too. */
export function applySnapshot(m: StoreMetrics, snapshot: StoreSnapshot): void {
  for (const metric of Object.values(m)) metric.reset();
  applyQueue(m, snapshot);
  for (const state of EXECUTION_STATES) m.executions.set({ state }, 0);
  for (const row of snapshot.executions) m.executions.set({ state: row.state }, row.n);
  for (const conclusion of POLICY_CONCLUSIONS) m.evaluations.inc({ conclusion }, 0);
  for (const row of snapshot.evaluations) m.evaluations.inc({ conclusion: row.conclusion }, row.n);
  applyModels(m, snapshot);
  for (const figures of summarizeAgentFigures(snapshot.agents)) {
    const agent = figures.agent;
    for (const outcome of OUTCOMES) m.agentExecutions.set({ agent, outcome }, figures.outcomes[outcome]);
    m.agentSpendUsd.set({ agent, kind: 'measured' }, figures.spend.measured.usd);
    m.agentSpendUsd.set({ agent, kind: 'declared' }, figures.spend.declared.usd);
    m.agentSpendTokens.set({ agent, kind: 'measured' }, figures.spend.measured.tokens);
    m.agentSpendTokens.set({ agent, kind: 'declared' }, figures.spend.declared.tokens);
  }
  for (const row of snapshot.agentMonth ?? [])
    m.agentMonthSpendUsd.set({ agent: row.agent, repo: row.repo, month: row.month }, row.usd);
}

/** Deliveries, jobs and their latency. */
function applyQueue(m: StoreMetrics, snapshot: StoreSnapshot): void {
  let waiting = 0;
  for (const row of snapshot.deliveries) {
    m.deliveries.inc({ event: row.event }, row.n);
    waiting += row.waiting;
  }
  m.deliveriesWaiting.set(waiting);
  // known queues and states are always present (0), so a rate over them never starts from nothing
  for (const queue of QUEUE_NAMES) for (const state of JOB_STATES) m.jobs.set({ queue, state }, 0);
  for (const row of snapshot.jobs) m.jobs.set({ queue: row.queue, state: row.state }, row.n);
  for (const queue of QUEUE_NAMES) m.jobLatencyJobs.set({ queue }, 0);
  for (const row of snapshot.latency) {
    m.jobLatencyJobs.set({ queue: row.queue }, row.n);
    LATENCY_QUANTILES.forEach((quantile, i) => {
      const value = quantile === 1 ? row.max : row.quantiles[i];
      if (typeof value === 'number' && Number.isFinite(value))
        m.jobLatency.set({ queue: row.queue, quantile: String(quantile) }, value);
    });
  }
}

/** Model calls, their tokens and cost, by model. */
function applyModels(m: StoreMetrics, snapshot: StoreSnapshot): void {
  const tokens = new Map<string, { input: number; output: number; usd: number }>();
  for (const row of snapshot.modelCalls) {
    m.modelCalls.inc({ model: row.model, outcome: row.outcome }, row.calls);
    const sum = tokens.get(row.model) ?? { input: 0, output: 0, usd: 0 };
    tokens.set(row.model, { input: sum.input + row.input, output: sum.output + row.output, usd: sum.usd + row.usd });
  }
  for (const [model, sum] of tokens) {
    m.modelTokens.inc({ model, kind: 'input' }, sum.input);
    m.modelTokens.inc({ model, kind: 'output' }, sum.output);
    m.modelCost.inc({ model }, sum.usd);
  }
}

/** The GitHub figures this process saw (`metrics-github.ts`). */
export function applyGitHub(m: ReturnType<typeof githubMetrics>): void {
  m.githubResponses.reset();
  for (const [status, n] of github.responses) m.githubResponses.inc({ status }, n);
  for (const [resource, value] of github.rateLimits) {
    if (value.remaining !== undefined) m.rateRemaining.set({ resource }, value.remaining);
    if (value.limit !== undefined) m.rateLimit.set({ resource }, value.limit);
    if (value.reset !== undefined) m.rateReset.set({ resource }, value.reset);
  }
}
