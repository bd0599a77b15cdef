import { gammaln } from 'simple-statistics';
import { normalSurvival } from './mann-whitney.js';

/**
 * Error counts as counts: are the canary's errors per request more than `ratio` times the baseline's?
 *
 * Each side's errors are Poisson counts over its requests. Given the `m` errors both sides had in a step, the
 * canary's share of them is binomial, `Binomial(m, p)` with `p = ρ r / (1 + ρ r)`, `ρ` = canary requests / baseline
 * requests in that step and `r` the rate ratio: the conditional test of two Poisson rates, which needs no estimate
 * of the error rate itself and is exact for few errors. Conditioning on each step (a stratum) removes any load both
 * sides share.
 *
 * Real traffic is burstier than Poisson (a flaky dependency for a few seconds, a retry storm). The test measures that
 * from the steps themselves: the steps are fitted with one ratio, a step more than `OUTLIER` standard deviations
 * from the fit (a burst on one side) is left out and the fit repeated, and the dispersion `φ` is the mean squared
 * Pearson residual of the remaining steps (at least 1, and at least the one around the tested ratio up to
 * `NULL_DISPERSION_CAP`). One burst on one side is not proof of a regression, while a
 * regression of every step moves the fit, not the residuals. With `φ = 1` and no step left out, the p-value is the
 * exact binomial tail of the totals (the exact conditional test); otherwise it is the score statistic's normal tail
 * with the variance times `φ` (quasi-Poisson).
 */

export type CountSide = { requests: number; errors: number };
export type CountStep = { baseline: CountSide; canary: CountSide };

export type CountTest = {
  /** The canary's error count is above `ratio` times the baseline's rate (one-sided, upper). */
  alternative: 'greater' | 'less';
  ratio: number;
  /** Standardised score (positive: the canary has more errors than the ratio predicts). */
  z: number;
  pValue: number;
  exact: boolean;
  /** The dispersion φ the variance was multiplied by. */
  dispersion: number;
};

export type CountSummary = {
  /** Totals over the steps kept. */
  baseline: CountSide;
  canary: CountSide;
  /** The steps kept: both sides had requests, and the step is not a burst. */
  kept: CountStep[];
  /** Steps left out as bursts. */
  excluded: number;
  /** φ: the variance of the steps relative to Poisson counts (1: no overdispersion seen). */
  dispersion: number;
};

/** A step this many standard deviations (times √φ) from the fitted ratio is a burst. */
export const OUTLIER = 2.5;
/**
 * The dispersion is at least the one measured around the tested ratio, up to this: at low traffic a burst on one side
 * cannot be told from the regression step by step, and fitting the ratio absorbs it, while the residuals around the
 * tested ratio see it. Capped, so that a real regression (which also widens those residuals) keeps its power.
 */
export const NULL_DISPERSION_CAP = 1.5;
const EXACT_LIMIT = 50_000;

export function summarizeCounts(steps: readonly CountStep[]): CountSummary {
  const used = steps.filter((s) => s.baseline.requests > 0 && s.canary.requests > 0);
  // Start from the median of the steps' own ratios (a burst cannot move it), then fit the steps that are kept.
  let fitted = median(
    used.map((s) => (s.canary.errors + 0.5) / s.canary.requests / ((s.baseline.errors + 0.5) / s.baseline.requests)),
  );
  let kept = used;
  for (let round = 0; round < 3; round++) {
    const squares = used.map((s) => squaredResidual(s, fitted) ?? 0);
    // A robust scale: the median squared residual over its value for a normal residual (0.455).
    const scale = Math.max(1, median(squares) / 0.455);
    kept = used.filter((_, i) => (squares[i] ?? 0) <= OUTLIER ** 2 * scale);
    fitted = fittedRatio(kept);
  }
  const squares = kept.map((s) => squaredResidual(s, fitted)).filter((x) => x !== undefined);
  const dispersion = squares.length > 1 ? Math.max(1, squares.reduce((a, x) => a + x, 0) / (squares.length - 1)) : 1;
  return { ...totals(kept), kept, excluded: used.length - kept.length, dispersion };
}

function median(xs: number[]): number {
  if (xs.length === 0) return 1;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? (sorted[Math.floor(mid)] ?? 1) : ((sorted[mid - 1] ?? 1) + (sorted[mid] ?? 1)) / 2;
}

function totals(steps: readonly CountStep[]): { baseline: CountSide; canary: CountSide } {
  const sum = (side: 'baseline' | 'canary') => ({
    requests: steps.reduce((a, s) => a + s[side].requests, 0),
    errors: steps.reduce((a, s) => a + s[side].errors, 0),
  });
  return { baseline: sum('baseline'), canary: sum('canary') };
}

/** The rate ratio of the steps (half an error added to each side, so that no errors on one side stay finite). */
function fittedRatio(steps: readonly CountStep[]): number {
  const { baseline, canary } = totals(steps);
  if (baseline.requests === 0 || canary.requests === 0) return 1;
  return (canary.errors + 0.5) / canary.requests / ((baseline.errors + 0.5) / baseline.requests);
}

function squaredResidual(s: CountStep, ratio: number): number | undefined {
  const { d, v } = residual(s, ratio);
  return v > 0 ? (d * d) / v : undefined;
}

/** The score test of "rate ratio = `ratio`" against `alternative`, stratified by step, on the steps kept. */
export function countTest(summary: CountSummary, ratio: number, alternative: 'greater' | 'less'): CountTest {
  const phi = Math.max(summary.dispersion, Math.min(NULL_DISPERSION_CAP, nullDispersion(summary, ratio)));
  let score = 0;
  let variance = 0;
  for (const s of summary.kept) {
    const { d, v } = residual(s, ratio);
    score += d;
    variance += phi * v;
  }
  const sign = alternative === 'greater' ? 1 : -1;
  if (variance <= 0) return { alternative, ratio, z: 0, pValue: 1, exact: false, dispersion: phi };
  const z = score / Math.sqrt(variance);
  const n = summary.baseline.errors + summary.canary.errors;
  if (phi === 1 && summary.excluded === 0 && n <= EXACT_LIMIT) {
    const share = (summary.canary.requests * ratio) / (summary.canary.requests * ratio + summary.baseline.requests);
    const pValue = binomialTail(n, share, summary.canary.errors, alternative === 'greater' ? 'upper' : 'lower');
    return { alternative, ratio, z, pValue, exact: true, dispersion: phi };
  }
  return { alternative, ratio, z, pValue: normalSurvival(sign * z), exact: false, dispersion: phi };
}

/** The mean squared Pearson residual of the steps kept around `ratio`. */
function nullDispersion(summary: CountSummary, ratio: number): number {
  const squares = summary.kept.map((s) => squaredResidual(s, ratio)).filter((x) => x !== undefined);
  return squares.length > 1 ? squares.reduce((a, x) => a + x, 0) / squares.length : 1;
}

/** The canary's errors in a step minus what the ratio predicts from both sides' errors, and its variance. */
function residual(s: CountStep, ratio: number): { d: number; v: number } {
  const m = s.baseline.errors + s.canary.errors;
  const rho = s.canary.requests / s.baseline.requests;
  const p = (rho * ratio) / (1 + rho * ratio);
  return { d: s.canary.errors - m * p, v: m * p * (1 - p) };
}

/** P(X ≥ x) (`upper`) or P(X ≤ x) (`lower`) for X ~ Binomial(n, p), summed in log space. */
export function binomialTail(n: number, p: number, x: number, tail: 'upper' | 'lower'): number {
  if (tail === 'upper' && x <= 0) return 1;
  if (tail === 'lower' && x >= n) return 1;
  if (p <= 0) return tail === 'upper' ? 0 : 1;
  if (p >= 1) return tail === 'upper' ? 1 : 0;
  const logChooseBase = gammaln(n + 1);
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  const term = (k: number) => logChooseBase - gammaln(k + 1) - gammaln(n - k + 1) + k * logP + (n - k) * logQ;
  const [from, to, dir] = tail === 'upper' ? [x, n, 1] : [x, 0, -1];
  let sum = 0;
  let largest = Number.NEGATIVE_INFINITY;
  for (let k = from; dir > 0 ? k <= to : k >= to; k += dir) {
    const t = term(k);
    if (t > largest) largest = t;
    sum += Math.exp(t);
    // Past the mode the terms only shrink: stop once they no longer change the sum.
    if (t < largest - 40) break;
  }
  return Math.min(1, sum);
}
