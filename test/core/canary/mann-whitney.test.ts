import { describe, expect, it } from 'vitest';
import {
  mannWhitneyU,
  normalSurvival,
  smallestPValue,
  type Alternative,
} from '../../../src/core/canary/mann-whitney.js';

// Reference values from scipy 1.17.1: scipy.stats.mannwhitneyu(x, y, alternative=..., method='asymptotic')
// (normal approximation with the tie and continuity corrections).
const SCIPY: [number[], number[], Alternative, number, number][] = [
  [[19, 22, 16, 29, 24], [20, 11, 17, 12], 'two-sided', 17, 0.11134688653314041],
  [[19, 22, 16, 29, 24], [20, 11, 17, 12], 'greater', 17, 0.055673443266570206],
  [[1.2, 3.4, 2.2, 5.1, 4.4, 3.3], [0.9, 1.1, 2.0, 1.7, 2.5, 1.0, 1.4], 'greater', 37, 0.013404565357797922],
  [[0, 0, 1, 2, 0, 3, 1, 0], [0, 1, 0, 0, 0, 1, 0, 0], 'greater', 42, 0.12348643269101872],
  [[0, 0, 1, 2, 0, 3, 1, 0], [0, 1, 0, 0, 0, 1, 0, 0], 'less', 42, 0.8996570804018701],
  [[5, 5, 5, 6], [5, 5, 5, 5, 4], 'two-sided', 14, 0.24042078636843522],
  [[10, 11, 12, 13, 14, 15, 16, 17, 18, 19], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'greater', 99.5, 0.00010550990843750722],
  [[1, 2, 3], [4, 5, 6], 'greater', 0, 0.9854518341293739],
];

describe('mannWhitneyU', () => {
  it.each(SCIPY)('%j vs %j (%s) gives scipy U = %d, p = %d', (x, y, alternative, u, p) => {
    const result = mannWhitneyU(x, y, alternative);
    expect(result.u).toBe(u);
    expect(result.pValue).toBeCloseTo(p, 7);
  });

  it('gives p = 1 when every value is equal (no evidence of a difference)', () => {
    expect(mannWhitneyU([3, 3, 3], [3, 3], 'greater')).toEqual({ u: 3, z: 0, pValue: 1 });
  });

  it('refuses an empty sample', () => {
    expect(() => mannWhitneyU([], [1], 'greater')).toThrow(/at least one value/);
  });

  // scipy.stats.norm.sf(z): the p-values the judge compares with its significance level stay accurate.
  it.each([
    [-3, 0.9986501019683699],
    [0, 0.5],
    [1.959963984540054, 0.025],
    [3, 0.0013498980316300933],
    [5, 2.866515718791933e-7],
  ])('normalSurvival(%d) is scipy norm.sf (%d)', (z, p) => {
    expect(Math.abs(normalSurvival(z) - p) / p).toBeLessThan(1e-6);
  });

  // scipy: mannwhitneyu(range(100, 100 + n), range(n), alternative='greater', method='asymptotic')
  it.each([
    [3, 3, 0.04042779918502612],
    [5, 5, 0.006092890177672406],
    [6, 6, 0.0025374340489701264],
  ])('smallestPValue(%d, %d) is the p of a complete separation (%d)', (n1, n2, p) => {
    expect(smallestPValue(n1, n2)).toBeCloseTo(p, 7);
    const x = Array.from({ length: n1 }, (_, i) => 100 + i);
    const y = Array.from({ length: n2 }, (_, i) => i);
    expect(mannWhitneyU(x, y, 'greater').pValue).toBeCloseTo(smallestPValue(n1, n2), 12);
  });
});
