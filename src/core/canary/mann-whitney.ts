import { errorFunction, wilcoxonRankSum } from 'simple-statistics';

/**
 * The Mann-Whitney U test (as Kayenta judges canaries), normal approximation with the tie correction and
 * the continuity correction: the same numbers as scipy's `mannwhitneyu(x, y, method='asymptotic')`.
 *
 * `greater`: is `x` stochastically greater than `y`? `less`: smaller? `two-sided`: either.
 */

export type Alternative = 'greater' | 'less' | 'two-sided';

export type MannWhitneyResult = {
  /** U of `x`: the number of (x, y) pairs where x is larger, ties counting one half. */
  u: number;
  z: number;
  pValue: number;
};

export function mannWhitneyU(x: readonly number[], y: readonly number[], alternative: Alternative): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new Error('mannWhitneyU needs at least one value in each sample');
  const u1 = wilcoxonRankSum([...x], [...y]) - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const mu = (n1 * n2) / 2;
  const sigma = tieCorrectedSigma([...x, ...y], n1, n2);
  // Every value equal: no evidence of any difference.
  if (sigma === 0) return { u: u1, z: 0, pValue: 1 };
  const u = alternative === 'greater' ? u1 : alternative === 'less' ? u2 : Math.max(u1, u2);
  const z = (u - mu - 0.5) / sigma;
  const p = alternative === 'two-sided' ? 2 * normalSurvival(z) : normalSurvival(z);
  return { u: u1, z, pValue: Math.min(1, Math.max(0, p)) };
}

/**
 * The smallest one-sided p-value that samples of these sizes can give (every x above every y, no ties).
 * When it is not below the significance level, the samples cannot show a difference at all.
 */
export function smallestPValue(n1: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  const sigma = Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  return normalSurvival((n1 * n2 - (n1 * n2) / 2 - 0.5) / sigma);
}

/** P(Z > z) for a standard normal Z. */
export function normalSurvival(z: number): number {
  // 1 - erf loses everything in the far upper tail; use the symmetry for negative z.
  return z >= 0 ? (1 - errorFunction(z / Math.SQRT2)) / 2 : 1 - (1 - errorFunction(-z / Math.SQRT2)) / 2;
}

function tieCorrectedSigma(pooled: number[], n1: number, n2: number): number {
  const n = n1 + n2;
  const counts = new Map<number, number>();
  for (const v of pooled) counts.set(v, (counts.get(v) ?? 0) + 1);
  let ties = 0;
  for (const t of counts.values()) ties += t * t * t - t;
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  return variance > 0 ? Math.sqrt(variance) : 0;
}
