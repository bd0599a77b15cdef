import { mannWhitneyU, smallestPValue } from './mann-whitney.js';
import type { CanaryMetric, MetricSamples } from './schema.js';

/**
 * One metric in one interval: is the canary worse than the baseline by more than the policy allows?
 *
 * Two one-sided Mann-Whitney tests, each at the significance level `alpha`:
 * 1. is the canary significantly worse than the baseline? If not, it passes: noise never rolls back.
 * 2. is the canary significantly below the limit (each baseline sample times the ratio, or plus the
 *    increase)? If so it passes: a regression smaller than the policy's threshold is tolerated.
 * It fails when it is significantly worse and not significantly below the limit: a regression at the
 * threshold (a 2x error rate under `errorRateIncrease: 2`) is caught, not left to a coin toss.
 *
 * Fails closed: no samples, a failed query, or too few samples to show anything is `inconclusive`.
 */

export type MetricJudgement = {
  metric: string;
  compare: CanaryMetric['compare'];
  threshold: number;
  unit: string;
  samples: { baseline: number; canary: number };
  /** One sentence: why this outcome. */
  reason: string;
} & (
  | {
      outcome: 'pass' | 'fail';
      /** Means over the interval. */
      baseline: number;
      canary: number;
      /** `ratio`: canary / baseline (the baseline at least the floor); `increase`: canary - baseline. */
      effect: number;
      /** One-sided p-value of "the canary is worse than the baseline". */
      pValue: number;
      /** One-sided p-value of "the canary is below the limit". */
      pBelowLimit: number;
    }
  | { outcome: 'inconclusive' }
);

export function judgeMetric(metric: CanaryMetric, samples: MetricSamples | undefined, alpha: number): MetricJudgement {
  const base = { metric: metric.name, compare: metric.compare, threshold: metric.threshold, unit: metric.unit };
  if (!samples || 'error' in samples) {
    const reason = samples ? `the query failed: ${samples.error}` : 'no samples were collected';
    return { ...base, outcome: 'inconclusive', samples: { baseline: 0, canary: 0 }, reason };
  }
  const baseline = samples.baseline.filter(Number.isFinite);
  const canary = samples.canary.filter(Number.isFinite);
  const counts = { baseline: baseline.length, canary: canary.length };
  if (baseline.length === 0 || canary.length === 0) {
    const missing = [baseline.length === 0 ? 'baseline' : '', canary.length === 0 ? 'canary' : '']
      .filter(Boolean)
      .join(' and ');
    return { ...base, outcome: 'inconclusive', samples: counts, reason: `no ${missing} samples` };
  }
  if (smallestPValue(canary.length, baseline.length) >= alpha) {
    return {
      ...base,
      outcome: 'inconclusive',
      samples: counts,
      reason: `${canary.length} canary and ${baseline.length} baseline samples cannot show a regression at α = ${alpha}: collect more samples per interval (a shorter query step or a longer interval)`,
    };
  }

  const limit = baseline.map((b) =>
    metric.compare === 'ratio' ? Math.max(b, metric.floor) * metric.threshold : b + metric.threshold,
  );
  const worse = mannWhitneyU(canary, baseline, 'greater');
  const below = mannWhitneyU(canary, limit, 'less');
  const baselineMean = mean(baseline);
  const canaryMean = mean(canary);
  const effect =
    metric.compare === 'ratio' ? ratio(canaryMean, Math.max(baselineMean, metric.floor)) : canaryMean - baselineMean;
  const significantlyWorse = worse.pValue < alpha;
  const belowLimit = below.pValue < alpha;
  const outcome = significantlyWorse && !belowLimit ? 'fail' : 'pass';
  const reason = judgementReason(metric, alpha, worse.pValue, below.pValue);

  return {
    ...base,
    outcome,
    samples: counts,
    baseline: baselineMean,
    canary: canaryMean,
    effect,
    pValue: worse.pValue,
    pBelowLimit: below.pValue,
    reason,
  };
}

/** Why a metric passed or failed: worse than the baseline or not, and below its limit or not. */
function judgementReason(metric: CanaryMetric, alpha: number, pWorse: number, pBelow: number): string {
  const limitText =
    metric.compare === 'ratio'
      ? `${formatNumber(metric.threshold)}x the baseline`
      : `the baseline + ${formatNumber(metric.threshold)}${metric.unit}`;
  if (pWorse >= alpha) return `not significantly worse than the baseline (${pText(pWorse)}, not below α = ${alpha})`;
  return pBelow < alpha
    ? `worse than the baseline (${pText(pWorse)}) but significantly below the limit of ${limitText} (${pText(pBelow)})`
    : `significantly worse than the baseline (${pText(pWorse)}, below α = ${alpha}) and not below the limit of ${limitText} (${pText(pBelow)})`;
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
