import { countTest, OUTLIER, summarizeCounts, type CountStep } from './count-test.js';
import { mannWhitneyU, smallestPValue } from './mann-whitney.js';
import type { CanaryMetric, MetricSamples } from './schema.js';

/**
 * One metric at one look of the analysis: is the canary worse than the baseline by more than the policy allows?
 *
 * Two one-sided tests, each held against this look's `boundary` (its share of the analysis' α, see `spending.ts`):
 * 1. is the canary significantly worse than the baseline? If not, it passes: noise never rolls back.
 * 2. is the canary significantly within the limit (the ratio times the baseline, or the baseline plus the increase)?
 *    If so it passes: a regression smaller than the policy's threshold is tolerated.
 * It fails when it is significantly worse and not significantly within the limit: a regression at the threshold
 * (a 2x error rate under `errorRateIncrease: 2`) is caught, not left to a coin toss.
 *
 * The test follows the data: error counts with request counts (`requests`) are counts (`count-test.ts`: the
 * conditional test of two Poisson rates); any other samples (latency per step, error fractions without request
 * counts) are distributions (Mann-Whitney U, a rank test).
 *
 * Fails closed: no samples, a failed query, or too few samples to show anything is `inconclusive`.
 */

export type MetricJudgement = {
  metric: string;
  compare: CanaryMetric['compare'];
  threshold: number;
  unit: string;
  samples: { baseline: number; canary: number };
  /** One sentence: what was used, the test, the value, the boundary and why this outcome (or what was missing). */
  reason: string;
} & (
  | {
      outcome: 'pass' | 'fail';
      /** Error counts: errors per request over the looks so far; samples: their means. */
      baseline: number;
      canary: number;
      /** `ratio`: canary / baseline (the baseline at least the floor); `increase`: canary - baseline. */
      effect: number;
      /** One-sided p-value of "the canary is worse than the baseline". */
      pValue: number;
      /** One-sided p-value of "the canary is within the limit". */
      pBelowLimit: number;
      /** The level both p-values were held against at this look. */
      boundary: number;
      /** The test, in words. */
      test: string;
      /** The data used, in words (counts, or samples per side). */
      data: string;
      /** Error and request counts, when the metric was judged as counts. */
      counts?: { baseline: { requests: number; errors: number }; canary: { requests: number; errors: number } };
    }
  | { outcome: 'inconclusive' }
);

type Judged = Extract<MetricJudgement, { outcome: 'pass' | 'fail' }>;
type Base = Pick<MetricJudgement, 'metric' | 'compare' | 'threshold' | 'unit'>;

export function judgeMetric(
  metric: CanaryMetric,
  samples: MetricSamples | undefined,
  boundary: number,
): MetricJudgement {
  const base: Base = { metric: metric.name, compare: metric.compare, threshold: metric.threshold, unit: metric.unit };
  if (!samples || 'error' in samples) {
    const reason = samples ? `the query failed: ${samples.error}` : 'no samples were collected';
    return { ...base, outcome: 'inconclusive', samples: { baseline: 0, canary: 0 }, reason };
  }
  const steps = countSteps(samples);
  if (steps && metric.compare === 'ratio') return judgeCounts(base, metric, steps, boundary);
  return judgeSamples(base, metric, samples, boundary);
}

/** The samples as error and request counts per step, when the provider gave request counts that line up. */
export function countSteps(samples: Exclude<MetricSamples, { error: string }>): CountStep[] | undefined {
  const r = samples.requests;
  if (!r || r.baseline.length !== samples.baseline.length || r.canary.length !== samples.canary.length) return;
  const n = Math.min(samples.baseline.length, samples.canary.length);
  const side = (fraction: number | undefined, requests: number | undefined) => {
    const req = Number.isFinite(requests) && (requests ?? 0) > 0 ? Math.round(requests ?? 0) : 0;
    const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction ?? 0)) : 0;
    return { requests: req, errors: Math.round(f * req) };
  };
  return Array.from({ length: n }, (_, i) => ({
    baseline: side(samples.baseline[i], r.baseline[i]),
    canary: side(samples.canary[i], r.canary[i]),
  }));
}

function judgeCounts(base: Base, metric: CanaryMetric, steps: CountStep[], boundary: number): MetricJudgement {
  const summary = summarizeCounts(steps);
  const { baseline: b, canary: c } = summary;
  const used = { baseline: summary.kept.length, canary: summary.kept.length };
  if (summary.kept.length === 0) {
    const reason = `no step had requests on both sides (${b.requests} baseline and ${c.requests} canary requests): nothing to compare`;
    return { ...base, outcome: 'inconclusive', samples: used, reason };
  }
  const worse = countTest(summary, 1, 'greater');
  const within = countTest(summary, metric.threshold, 'less');
  const baselineRate = b.errors / b.requests;
  const canaryRate = c.errors / c.requests;
  const test =
    worse.exact && within.exact
      ? 'exact conditional binomial test of two Poisson rates'
      : `conditional Poisson score test stratified by step, dispersion φ = ${formatNumber(worse.dispersion)}${summary.excluded ? `, ${summary.excluded} burst step(s) beyond ${OUTLIER}σ left out` : ''}`;
  const data = `canary ${c.errors} errors in ${c.requests} requests vs baseline ${b.errors} in ${b.requests} (${summary.kept.length} steps)`;
  return decide(base, metric, boundary, {
    baseline: baselineRate,
    canary: canaryRate,
    effect: ratio(canaryRate, Math.max(baselineRate, metric.floor)),
    pValue: worse.pValue,
    pBelowLimit: within.pValue,
    samples: used,
    test,
    data,
    counts: { baseline: b, canary: c },
  });
}

function judgeSamples(
  base: Base,
  metric: CanaryMetric,
  samples: Exclude<MetricSamples, { error: string }>,
  boundary: number,
): MetricJudgement {
  const baseline = samples.baseline.filter(Number.isFinite);
  const canary = samples.canary.filter(Number.isFinite);
  const counts = { baseline: baseline.length, canary: canary.length };
  if (baseline.length === 0 || canary.length === 0) {
    const missing = [baseline.length === 0 ? 'baseline' : '', canary.length === 0 ? 'canary' : '']
      .filter(Boolean)
      .join(' and ');
    return { ...base, outcome: 'inconclusive', samples: counts, reason: `no ${missing} samples` };
  }
  if (smallestPValue(canary.length, baseline.length) >= boundary) {
    const reason = `${canary.length} canary and ${baseline.length} baseline samples cannot show a regression at the boundary ${formatNumber(boundary)}: collect more samples per interval (a shorter query step or a longer interval)`;
    return { ...base, outcome: 'inconclusive', samples: counts, reason };
  }
  const limit = baseline.map((b) =>
    metric.compare === 'ratio' ? Math.max(b, metric.floor) * metric.threshold : b + metric.threshold,
  );
  const baselineMean = mean(baseline);
  const canaryMean = mean(canary);
  return decide(base, metric, boundary, {
    baseline: baselineMean,
    canary: canaryMean,
    effect:
      metric.compare === 'ratio' ? ratio(canaryMean, Math.max(baselineMean, metric.floor)) : canaryMean - baselineMean,
    pValue: mannWhitneyU(canary, baseline, 'greater').pValue,
    pBelowLimit: mannWhitneyU(canary, limit, 'less').pValue,
    samples: counts,
    test: 'one-sided Mann-Whitney U (rank test)',
    data: `${canary.length} canary and ${baseline.length} baseline samples`,
  });
}

type Figures = Pick<
  Judged,
  'baseline' | 'canary' | 'effect' | 'pValue' | 'pBelowLimit' | 'samples' | 'test' | 'data' | 'counts'
>;

function decide(base: Base, metric: CanaryMetric, boundary: number, f: Figures): MetricJudgement {
  const significantlyWorse = f.pValue <= boundary;
  const withinLimit = f.pBelowLimit <= boundary;
  const outcome = significantlyWorse && !withinLimit ? 'fail' : 'pass';
  const limitText =
    metric.compare === 'ratio'
      ? `${formatNumber(metric.threshold)}x the baseline`
      : `the baseline + ${formatNumber(metric.threshold)}${metric.unit}`;
  const values = `${f.data}; ${f.test}`;
  const held = `the boundary ${formatNumber(boundary)}`;
  const why = !significantlyWorse
    ? `not significantly worse than the baseline (${pText(f.pValue)} > ${held})`
    : withinLimit
      ? `worse than the baseline (${pText(f.pValue)}) but significantly within the limit of ${limitText} (${pText(f.pBelowLimit)} ≤ ${held})`
      : `significantly worse than the baseline (${pText(f.pValue)} ≤ ${held}) and not shown within the limit of ${limitText} (${pText(f.pBelowLimit)})`;
  return { ...base, outcome, ...f, boundary, reason: `${why}: ${values}` };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function ratio(a: number, b: number): number {
  if (b > 0) return a / b;
  return a === 0 ? 1 : Number.POSITIVE_INFINITY;
}

/** Three significant digits, no exponent for everyday values. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : v < 0 ? '-∞' : 'NaN';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e-4 && abs < 1e9) return String(Number(v.toPrecision(3)));
  return v.toExponential(2);
}

/** A p-value for a table cell: two significant digits, `< 0.0001` below that. */
export function formatP(p: number): string {
  return p < 0.0001 ? '< 0.0001' : String(Number(p.toPrecision(2)));
}

/** `p = 0.032` or `p < 0.0001`. */
export function pText(p: number): string {
  return p < 0.0001 ? 'p < 0.0001' : `p = ${formatP(p)}`;
}
