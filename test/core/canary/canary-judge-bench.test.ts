import { describe, expect, it } from 'vitest';
import { meetsGoals, runCanaryJudgeBenchmark, STANDARD } from '../../../bench/canary-judge.js';

// A smaller run of `bench/canary-judge.ts` (which `npm run bench` runs with 2,000 runs per scenario).
describe('the canary judge benchmark', () => {
  const { figures } = runCanaryJudgeBenchmark(STANDARD, 500, 7);
  const judge = figures.find((f) => f.judge === 'mann-whitney')!;
  const fixed = figures.find((f) => f.judge === 'fixed-threshold')!;

  it('meets the goals: false rollbacks at most 1% of healthy runs, at least 99% of 2x regressions caught within two intervals', () => {
    expect(judge.healthyRuns).toBe(500);
    expect(judge.falseRollbacks / judge.healthyRuns).toBeLessThanOrEqual(0.01);
    expect(judge.caughtWithinTwo / judge.regressionRuns).toBeGreaterThanOrEqual(0.99);
    expect(meetsGoals(judge)).toBe(true);
  });

  it('does better than a plain fixed threshold on the same series, on both counts', () => {
    expect(fixed.falseRollbacks).toBeGreaterThan(5 * Math.max(1, judge.falseRollbacks));
    expect(fixed.caughtWithinTwo).toBeLessThan(judge.caughtWithinTwo);
  });

  it('never leaves a healthy run inconclusive when every sample is there', () => {
    expect(judge.healthyInconclusive).toBe(0);
  });
});
