/**
 * The judges the canary benchmark (`bench/canary-judge.ts`) compares with AAOE's sequential judge, on the same
 * series: the judge AAOE had before (Mann-Whitney on per-step samples of the interval and the one before it, at a
 * fixed α every interval), a fixed threshold on the interval's means (Flagger's checks), a Kayenta-style
 * Mann-Whitney per interval, and the optimal fixed-sample test on the first intervals (the statistical limit).
 */
import { analyzeCanary } from '../src/core/canary/analyze-canary.js';
import { countTest, summarizeCounts } from '../src/core/canary/count-test.js';
import { countSteps } from '../src/core/canary/judge-metric.js';
import { mannWhitneyU, smallestPValue } from '../src/core/canary/mann-whitney.js';
import { metricsFromPolicy, planFromPolicy } from '../src/core/canary/plan-from-policy.js';
import type { IntervalSamples } from '../src/core/canary/schema.js';

export const POLICY = { errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 300 };
const FLOOR = 0.001;

export type Outcome = { kind: 'promote' | 'rollback' | 'inconclusive'; afterIntervals: number };
export type JudgeName = 'current' | 'fixed-threshold' | 'kayenta' | 'sequential';
export const JUDGES: JudgeName[] = ['current', 'fixed-threshold', 'kayenta', 'sequential'];

export function judge(name: JudgeName, series: IntervalSamples[], intervalSeconds: number): Outcome {
  if (name === 'sequential') return judgeSequential(series, intervalSeconds);
  if (name === 'fixed-threshold') return byInterval(series, 1, fixedThreshold);
  if (name === 'kayenta') return byInterval(series, 1, kayenta);
  return byInterval(series, 2, currentJudge);
}

/**
 * AAOE's judge. `peek`: called after each interval as the action does; otherwise called once after the last
 * interval, the verdict's time being its first failed (or unjudged) interval: the same outcome, since each look
 * judges only the data up to it (the benchmark's test checks that), in a third of the time.
 */
export function judgeSequential(series: IntervalSamples[], intervalSeconds: number, peek = false): Outcome {
  const startedAt = new Date('2026-01-01T00:00:00Z');
  const plan = planFromPolicy(POLICY, { startedAt, intervalSeconds });
  const metrics = METRICS;
  const at = (k: number) => new Date(startedAt.getTime() + k * intervalSeconds * 1000);
  if (!peek) {
    const verdict = analyzeCanary({ plan, metrics, samples: series.slice(0, plan.intervals), now: at(plan.intervals) });
    if (verdict.kind === 'continue') throw new Error('the analysis did not end after its last interval');
    const first = verdict.intervals.findIndex((i) => i.outcome !== 'pass');
    return { kind: verdict.kind, afterIntervals: verdict.kind === 'promote' || first < 0 ? plan.intervals : first + 1 };
  }
  for (let k = 1; k <= plan.intervals; k++) {
    const verdict = analyzeCanary({ plan, metrics, samples: series.slice(0, k), now: at(k) });
    if (verdict.kind !== 'continue') return { kind: verdict.kind, afterIntervals: k };
  }
  throw new Error('the analysis did not end after its last interval');
}
const METRICS = metricsFromPolicy(POLICY);

type Samples = { errors: { baseline: number[]; canary: number[] }; latency: { baseline: number[]; canary: number[] } };
type IntervalJudge = (s: Samples) => 'pass' | 'fail' | 'inconclusive';

/** Each interval judged on its samples and those of the `window - 1` before it; the first failure rolls back. */
function byInterval(series: IntervalSamples[], window: number, judgeOne: IntervalJudge): Outcome {
  for (let k = 0; k < series.length; k++) {
    const outcome = judgeOne(samplesOf(series.slice(Math.max(0, k - window + 1), k + 1)));
    if (outcome === 'fail') return { kind: 'rollback', afterIntervals: k + 1 };
    if (outcome === 'inconclusive') return { kind: 'inconclusive', afterIntervals: k + 1 };
  }
  return { kind: 'promote', afterIntervals: series.length };
}

export function samplesOf(intervals: IntervalSamples[]): Samples {
  const pick = (name: string) => {
    const out = { baseline: [] as number[], canary: [] as number[] };
    for (const i of intervals) {
      const s = i.metrics.find((x) => x.metric === name);
      if (!s || 'error' in s) throw new Error(`no samples for ${name}`);
      out.baseline = out.baseline.concat(s.baseline);
      out.canary = out.canary.concat(s.canary);
    }
    return out;
  };
  return { errors: pick('error-rate'), latency: pick('latency') };
}

/** The judge before issue 24: worse (Mann-Whitney, α 0.005) and not significantly within the limit. */
const currentJudge: IntervalJudge = ({ errors, latency }) => {
  const alpha = 0.005;
  const one = (s: { baseline: number[]; canary: number[] }, limit: (b: number) => number) => {
    if (smallestPValue(s.canary.length, s.baseline.length) >= alpha) return 'inconclusive';
    const worse = mannWhitneyU(s.canary, s.baseline, 'greater').pValue < alpha;
    const below = mannWhitneyU(s.canary, s.baseline.map(limit), 'less').pValue < alpha;
    return worse && !below ? 'fail' : 'pass';
  };
  const results = [
    one(errors, (b) => Math.max(b, FLOOR) * POLICY.errorRateIncrease),
    one(latency, (b) => b + POLICY.latencyIncreaseMs),
  ];
  return results.includes('fail') ? 'fail' : results.includes('inconclusive') ? 'inconclusive' : 'pass';
};

/** Flagger-style: the interval's means against the thresholds. */
const fixedThreshold: IntervalJudge = ({ errors, latency }) => {
  if (mean(errors.canary) / Math.max(mean(errors.baseline), FLOOR) >= POLICY.errorRateIncrease) return 'fail';
  return mean(latency.canary) - mean(latency.baseline) >= POLICY.latencyIncreaseMs ? 'fail' : 'pass';
};

/** Kayenta-style: Mann-Whitney per metric and interval at 98% confidence (two-sided), the canary higher fails. */
const kayenta: IntervalJudge = ({ errors, latency }) => {
  const high = (s: { baseline: number[]; canary: number[] }) => mannWhitneyU(s.canary, s.baseline, 'greater').pValue;
  return high(errors) < 0.01 || high(latency) < 0.01 ? 'fail' : 'pass';
};

/**
 * The fixed-sample statistics on the first `k` intervals, for the same decision as the judge (worse than the
 * baseline and not within the limit), each a candidate for the most powerful test: for errors the score statistic of
 * the conditional binomial test on the totals (the uniformly most powerful unbiased test of two Poisson rates) and the
 * stratified, burst-robust score statistic (`count-test.ts`, at one look); for latency the z statistic of the
 * difference of means and Mann-Whitney's. The benchmark calibrates each one's critical value on the healthy runs
 * and takes the more powerful one: the limit that a fixed-sample test reaches on this data.
 */
export type Statistic = { worse: number; within: number };
export type OptimalStatistics = Record<'pooled' | 'robust' | 'means' | 'ranks', Statistic>;
export const ERROR_STATISTICS = ['pooled', 'robust'] as const;
export const LATENCY_STATISTICS = ['means', 'ranks'] as const;

export function optimalStatistics(series: IntervalSamples[], k: number): OptimalStatistics {
  const first = series.slice(0, k);
  const errors = first.map((i) => i.metrics.find((x) => x.metric === 'error-rate'));
  const steps = errors.flatMap((s) => (s && !('error' in s) ? (countSteps(s) ?? []) : []));
  const summary = summarizeCounts(steps);
  const totals = { bn: 0, be: 0, cn: 0, ce: 0 };
  for (const s of steps) {
    totals.bn += s.baseline.requests;
    totals.be += s.baseline.errors;
    totals.cn += s.canary.requests;
    totals.ce += s.canary.errors;
  }
  const score = (ratio: number) => {
    const n = totals.be + totals.ce;
    const p = (totals.cn * ratio) / (totals.cn * ratio + totals.bn);
    return n === 0 ? 0 : (totals.ce - n * p) / Math.sqrt(n * p * (1 - p));
  };
  const { latency } = samplesOf(first);
  const se = Math.sqrt(
    variance(latency.baseline) / latency.baseline.length + variance(latency.canary) / latency.canary.length,
  );
  const diff = mean(latency.canary) - mean(latency.baseline);
  const limit = latency.baseline.map((b) => b + POLICY.latencyIncreaseMs);
  return {
    pooled: { worse: score(1), within: score(POLICY.errorRateIncrease) },
    robust: {
      worse: countTest(summary, 1, 'greater').z,
      within: countTest(summary, POLICY.errorRateIncrease, 'less').z,
    },
    means: { worse: diff / se, within: (diff - POLICY.latencyIncreaseMs) / se },
    ranks: {
      worse: mannWhitneyU(latency.canary, latency.baseline, 'greater').z,
      within: -mannWhitneyU(latency.canary, limit, 'less').z,
    },
  };
}

/** Rolls back when worse by `c` and not within the limit by `c` (the judge's decision at one critical value). */
export const rejects = (s: Statistic, c: number) => s.worse >= c && s.within > -c;

/** The smallest critical value whose false rollbacks on the healthy statistics are at most `rate`. */
export function calibrate(healthy: Statistic[], rate: number): number {
  const allowed = Math.floor(rate * healthy.length + 1e-9);
  for (let c = 2; c < 40; c += 0.01) {
    if (healthy.filter((s) => rejects(s, c)).length <= allowed) return c;
  }
  return 40;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function variance(values: number[]): number {
  const m = mean(values);
  return values.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, values.length - 1);
}
