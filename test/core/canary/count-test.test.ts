import { describe, expect, it } from 'vitest';
import { binomialTail, countTest, summarizeCounts, type CountStep } from '../../../src/core/canary/count-test.js';
import { judgeMetric } from '../../../src/core/canary/judge-metric.js';
import { CanaryMetric } from '../../../src/core/canary/schema.js';

const step = (be: number, ce: number, requests = 1000): CountStep => ({
  baseline: { requests, errors: be },
  canary: { requests, errors: ce },
});
const errorRate = CanaryMetric.parse({ name: 'error-rate', compare: 'ratio', threshold: 2, floor: 0.001 });

describe('binomialTail', () => {
  it.each([
    // scipy.stats.binom.sf(x - 1, n, p) / binom.cdf(x, n, p)
    [20, 0.5, 15, 'upper', 0.020694732666015625],
    [20, 0.5, 5, 'lower', 0.020694732666015625],
    [10, 0.3, 0, 'upper', 1],
    [10, 0.3, 10, 'lower', 1],
    [100, 0.5, 70, 'upper', 3.925069822796834e-5],
    [3, 0.5, 3, 'upper', 0.125],
  ] as const)('Binomial(%i, %f): tail at %i (%s) = %f', (n, p, x, tail, expected) => {
    expect(binomialTail(n, p, x, tail)).toBeCloseTo(expected, 10);
  });
});

describe('the conditional test of two Poisson rates', () => {
  it('is the exact binomial tail of the totals when the steps show no overdispersion', () => {
    const steps = [step(2, 3), step(3, 4), step(2, 3), step(3, 5)];
    const summary = summarizeCounts(steps);
    expect(summary).toMatchObject({ excluded: 0, dispersion: 1 });
    const test = countTest(summary, 1, 'greater');
    expect(test.exact).toBe(true);
    // 15 of 25 errors on the canary, equal traffic: P(Bin(25, 0.5) >= 15)
    expect(test.pValue).toBeCloseTo(binomialTail(25, 0.5, 15, 'upper'), 12);
  });

  it('uses the requests: the same errors on twice the canary traffic are not worse', () => {
    const steps = [0, 1, 2, 3].map(() => ({
      baseline: { requests: 1000, errors: 10 },
      canary: { requests: 2000, errors: 20 },
    }));
    expect(countTest(summarizeCounts(steps), 1, 'greater').pValue).toBeGreaterThan(0.4);
  });

  it('leaves a burst on one side out instead of calling it a regression', () => {
    const steps = [
      ...Array.from({ length: 11 }, (_, i) => step(50 + (i % 3), 50 - (i % 2))),
      step(50, 400), // a flaky dependency for one step
    ];
    const summary = summarizeCounts(steps);
    expect(summary.excluded).toBe(1);
    expect(countTest(summary, 1, 'greater').pValue).toBeGreaterThan(0.1);
  });

  it('widens the variance by the dispersion the steps show', () => {
    const noisy = Array.from({ length: 12 }, (_, i) => step(i % 2 ? 30 : 70, i % 2 ? 70 : 30));
    const summary = summarizeCounts(noisy);
    expect(summary.dispersion).toBeGreaterThan(5);
    expect(countTest(summary, 1, 'greater').exact).toBe(false);
  });
});

describe('judgeMetric with error and request counts', () => {
  const counts = (baseline: number[], canary: number[], requests = 1000) => ({
    metric: 'error-rate',
    baseline: baseline.map((e) => e / requests),
    canary: canary.map((e) => e / requests),
    requests: { baseline: baseline.map(() => requests), canary: canary.map(() => requests) },
  });

  it('rolls back 3x the errors and says what it used, the test, the value and the boundary', () => {
    const j = judgeMetric(errorRate, counts([20, 21, 19, 20], [60, 61, 59, 62]), 0.001);
    expect(j).toMatchObject({ outcome: 'fail', boundary: 0.001, counts: { canary: { errors: 242, requests: 4000 } } });
    expect(j.reason).toMatch(
      /^significantly worse than the baseline \(p < 0\.0001 ≤ the boundary 0\.001\) and not shown within the limit of 2x the baseline \(p = .*\): canary 242 errors in 4000 requests vs baseline 80 in 4000 \(4 steps\); /,
    );
  });

  it('passes the same error rate, and a small regression that is shown within the limit', () => {
    expect(judgeMetric(errorRate, counts([20, 21, 19, 20], [21, 19, 20, 22]), 0.001).outcome).toBe('pass');
    const small = judgeMetric(errorRate, counts([200, 210, 190, 200], [250, 260, 240, 250], 10_000), 0.001);
    expect(small.outcome).toBe('pass');
    expect(small.reason).toMatch(/but significantly within the limit of 2x/);
  });

  it('passes a canary without errors against a baseline without errors (nothing is worse)', () => {
    expect(judgeMetric(errorRate, counts([0, 0], [0, 0]), 0.001).outcome).toBe('pass');
  });

  it('is inconclusive, naming what is missing, when no step had requests on both sides', () => {
    const j = judgeMetric(
      errorRate,
      { metric: 'error-rate', baseline: [0, 0], canary: [0, 0], requests: { baseline: [0, 0], canary: [5, 5] } },
      0.001,
    );
    expect(j).toMatchObject({
      outcome: 'inconclusive',
      reason: expect.stringMatching(/no step had requests on both sides/),
    });
  });

  it('falls back to the rank test when the request counts do not line up with the samples', () => {
    const j = judgeMetric(
      errorRate,
      { metric: 'error-rate', baseline: [0.02, 0.02], canary: [0.02, 0.02], requests: { baseline: [1], canary: [1] } },
      0.3,
    );
    expect(j).toMatchObject({ outcome: 'pass', test: expect.stringMatching(/Mann-Whitney/) });
  });
});
