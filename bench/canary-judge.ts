/**
 * `npm run bench` (part): the canary judge on synthetic noisy series, against a plain fixed-threshold judge
 * on the very same series.
 *
 * Each run is a canary analysis of the example policy (`errorRateIncrease: 2`, `latencyIncreaseMs: 250`,
 * `windowSeconds: 300`) in 60 s intervals sampled every 5 s (12 samples per side and interval), baseline and
 * canary each taking the same share of the traffic: 100 rps per side (the standard scenario, where the goals
 * apply), then 50 and 10 rps to show where the judge runs out of evidence. The noise: Poisson request and error counts, a load
 * factor shared by both sides, per-side jitter, and transient bursts (2% of the steps of each side have
 * 4-10x the errors, 2% have 2-4x the latency: a GC pause, a flaky dependency).
 *
 * - healthy runs: the canary is the baseline's twin; a rollback is a false rollback (goal: at most 1%).
 * - regressions: the canary's error rate is twice the baseline's from the start; caught within two
 *   intervals = the verdict after the second interval is a rollback (goal: at least 99%).
 *
 * Seeded (mulberry32), so a run is repeatable; `--runs N` and `--seed S` change the defaults.
 */
import { pathToFileURL } from 'node:url';
import { analyzeCanary } from '../src/core/canary/analyze-canary.js';
import { metricsFromPolicy, planFromPolicy } from '../src/core/canary/plan-from-policy.js';
import type { IntervalSamples } from '../src/core/canary/schema.js';

export type Scenario = {
  name: string;
  /** Requests per second to each side (baseline and canary). */
  rps: number;
  errorRate: number;
  stepSeconds: number;
  intervalSeconds: number;
  windowSeconds: number;
};

export const STANDARD: Scenario = {
  name: '100 rps per side, 2% errors',
  rps: 100,
  errorRate: 0.02,
  stepSeconds: 5,
  intervalSeconds: 60,
  windowSeconds: 300,
};
export const MEDIUM_TRAFFIC: Scenario = { ...STANDARD, name: '50 rps per side, 2% errors', rps: 50 };
export const LOW_TRAFFIC: Scenario = { ...STANDARD, name: '10 rps per side, 2% errors', rps: 10 };

const POLICY = { errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 300 };
const LATENCY_MS = 300;
const BURST_SHARE = 0.02;

export type JudgeName = 'mann-whitney' | 'fixed-threshold';

export type JudgeFigures = {
  judge: JudgeName;
  healthyRuns: number;
  falseRollbacks: number;
  /** Healthy runs that ended inconclusive (never promoted, never rolled back). */
  healthyInconclusive: number;
  regressionRuns: number;
  caughtWithinTwo: number;
  caughtEver: number;
};

export type BenchmarkResult = { scenario: Scenario; figures: JudgeFigures[] };

export function runCanaryJudgeBenchmark(scenario: Scenario, runs: number, seed: number): BenchmarkResult {
  const figures: JudgeFigures[] = (['mann-whitney', 'fixed-threshold'] as const).map((judge) => ({
    judge,
    healthyRuns: 0,
    falseRollbacks: 0,
    healthyInconclusive: 0,
    regressionRuns: 0,
    caughtWithinTwo: 0,
    caughtEver: 0,
  }));
  const random = mulberry32(seed);
  for (let run = 0; run < runs; run++) {
    for (const errorFactor of [1, 2]) {
      const series = generateRun(scenario, errorFactor, random);
      for (const f of figures) {
        const outcome =
          f.judge === 'mann-whitney' ? judgeWithAnalysis(scenario, series) : judgeWithFixedThreshold(series);
        if (errorFactor === 1) {
          f.healthyRuns++;
          if (outcome.kind === 'rollback') f.falseRollbacks++;
          if (outcome.kind === 'inconclusive') f.healthyInconclusive++;
        } else {
          f.regressionRuns++;
          if (outcome.kind === 'rollback') f.caughtEver++;
          if (outcome.kind === 'rollback' && outcome.afterIntervals <= 2) f.caughtWithinTwo++;
        }
      }
    }
  }
  return { scenario, figures };
}

type Outcome = { kind: 'promote' | 'rollback' | 'inconclusive'; afterIntervals: number };

/** The real analysis, called after each interval as the action does. */
function judgeWithAnalysis(scenario: Scenario, series: IntervalSamples[]): Outcome {
  const startedAt = new Date('2026-01-01T00:00:00Z');
  const plan = planFromPolicy(POLICY, { startedAt, intervalSeconds: scenario.intervalSeconds });
  const metrics = metricsFromPolicy(POLICY);
  for (let k = 1; k <= plan.intervals; k++) {
    const now = new Date(startedAt.getTime() + k * scenario.intervalSeconds * 1000);
    const verdict = analyzeCanary({ plan, metrics, samples: series.slice(0, k), now });
    if (verdict.kind !== 'continue') return { kind: verdict.kind, afterIntervals: k };
  }
  throw new Error('the analysis did not end after its last interval');
}

/** The plain judge: roll back at the first interval whose means cross a threshold. */
function judgeWithFixedThreshold(series: IntervalSamples[]): Outcome {
  for (const [k, interval] of series.entries()) {
    const m = (name: string) => {
      const s = interval.metrics.find((x) => x.metric === name);
      if (!s || 'error' in s) throw new Error(`no samples for ${name}`);
      return { baseline: mean(s.baseline), canary: mean(s.canary) };
    };
    const errors = m('error-rate');
    const latency = m('latency');
    if (errors.canary / Math.max(errors.baseline, 0.001) >= POLICY.errorRateIncrease)
      return { kind: 'rollback', afterIntervals: k + 1 };
    if (latency.canary - latency.baseline >= POLICY.latencyIncreaseMs)
      return { kind: 'rollback', afterIntervals: k + 1 };
  }
  return { kind: 'promote', afterIntervals: series.length };
}

export function generateRun(scenario: Scenario, errorFactor: number, random: () => number): IntervalSamples[] {
  const steps = Math.round(scenario.intervalSeconds / scenario.stepSeconds);
  const intervals = Math.ceil(scenario.windowSeconds / scenario.intervalSeconds);
  const out: IntervalSamples[] = [];
  for (let index = 0; index < intervals; index++) {
    const errors = { baseline: [] as number[], canary: [] as number[] };
    const latency = { baseline: [] as number[], canary: [] as number[] };
    for (let s = 0; s < steps; s++) {
      const load = Math.exp(0.2 * gaussian(random));
      for (const side of ['baseline', 'canary'] as const) {
        const factor = side === 'canary' ? errorFactor : 1;
        const jitter = Math.exp(0.1 * gaussian(random));
        const burst = random() < BURST_SHARE ? 4 + 6 * random() : 1;
        const requests = Math.max(1, poisson(scenario.rps * scenario.stepSeconds, random));
        const errorCount = Math.min(
          requests,
          poisson(requests * scenario.errorRate * factor * load * jitter * burst, random),
        );
        errors[side].push(errorCount / requests);
        const slow = random() < BURST_SHARE ? 2 + 2 * random() : 1;
        latency[side].push(LATENCY_MS * Math.exp(0.1 * gaussian(random)) * slow);
      }
    }
    out.push({
      index,
      metrics: [
        { metric: 'error-rate', ...errors },
        { metric: 'latency', ...latency },
      ],
    });
  }
  return out;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function poisson(lambda: number, random: () => number): number {
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(random)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(2)}%`;

export function formatBenchmark(results: BenchmarkResult[]): string {
  const lines = [
    'canary judge on synthetic noisy series (policy: errorRateIncrease 2, latencyIncreaseMs 250, windowSeconds 300; 60 s intervals, 5 s steps)',
    `  ${'scenario'.padEnd(28)} ${'judge'.padEnd(16)} ${'false rollbacks'.padStart(16)} ${'healthy inconcl.'.padStart(17)} ${'2x caught <= 2 int.'.padStart(20)} ${'2x caught ever'.padStart(15)}`,
  ];
  for (const { scenario, figures } of results) {
    for (const f of figures) {
      lines.push(
        `  ${scenario.name.padEnd(28)} ${f.judge.padEnd(16)} ${pct(f.falseRollbacks, f.healthyRuns).padStart(16)} ${pct(f.healthyInconclusive, f.healthyRuns).padStart(17)} ${pct(f.caughtWithinTwo, f.regressionRuns).padStart(20)} ${pct(f.caughtEver, f.regressionRuns).padStart(15)}`,
      );
    }
  }
  lines.push('  goals (standard scenario, mann-whitney): false rollbacks <= 1%, 2x caught within two intervals >= 99%');
  return lines.join('\n');
}

export function meetsGoals(figures: JudgeFigures): boolean {
  return (
    figures.falseRollbacks <= 0.01 * figures.healthyRuns && figures.caughtWithinTwo >= 0.99 * figures.regressionRuns
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const runs = arg('--runs', 2000);
  const seed = arg('--seed', 20261);
  const results = [STANDARD, MEDIUM_TRAFFIC, LOW_TRAFFIC].map((scenario) =>
    runCanaryJudgeBenchmark(scenario, runs, seed),
  );
  console.log(`${formatBenchmark(results)}\n  (${runs} healthy and ${runs} regressed runs per scenario, seed ${seed})`);
  const judged = results[0]?.figures.find((f) => f.judge === 'mann-whitney');
  if (!judged) throw new Error('the benchmark ran no Mann-Whitney scenario');
  process.exitCode = meetsGoals(judged) ? 0 : 1;
}
