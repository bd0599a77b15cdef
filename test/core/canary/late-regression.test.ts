import { describe, expect, it } from 'vitest';
import { analyzeCanary } from '../../../src/core/canary/analyze-canary.js';
import { judgeMetric } from '../../../src/core/canary/judge-metric.js';
import { metricsFromPolicy, planFromPolicy } from '../../../src/core/canary/plan-from-policy.js';
import type { IntervalSamples } from '../../../src/core/canary/schema.js';
import { FIRST_RECENT_LOOK, lookBoundary, recentBoundary } from '../../../src/core/canary/spending.js';
import { interval } from './samples.js';

/**
 * A regression that starts late: two healthy intervals, then three times the error rate. Since the start, the canary
 * is under 2x the baseline (the healthy past dilutes it), so only the test of the latest interval alone can catch it.
 */

const POLICY = { errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 300 };
const START = new Date('2026-03-01T10:00:00Z');
const metrics = metricsFromPolicy(POLICY);

function analyze(samples: IntervalSamples[], k: number) {
  const plan = planFromPolicy(POLICY, { startedAt: START, intervalSeconds: 60 });
  return analyzeCanary({ plan, metrics, samples, now: new Date(START.getTime() + k * 60_000) });
}

/** Error counts per 5 s step at `rps` requests per second and side, 2% errors on the baseline. */
function counted(index: number, errorFactor: number, rps = 100): IntervalSamples {
  const steps = 12;
  const requests = Array.from({ length: steps }, () => rps * 5);
  const fraction = (rate: number) => Array.from({ length: steps }, () => Math.round(rate * rps * 5) / (rps * 5));
  return {
    index,
    metrics: [
      {
        metric: 'error-rate',
        baseline: fraction(0.02),
        canary: fraction(0.02 * errorFactor),
        requests: { baseline: requests, canary: requests },
      },
      { metric: 'latency', baseline: Array(steps).fill(300), canary: Array(steps).fill(300) },
    ],
  };
}

describe('a late regression (healthy, healthy, 3x)', () => {
  it('rolls back at the third look, on the latest interval alone (samples judged as a distribution)', () => {
    const verdict = analyze([interval(0), interval(1), interval(2, { errors: 3 })], 3);
    expect(verdict.kind).toBe('rollback');
    expect(verdict.intervals.map((i) => i.outcome)).toEqual(['pass', 'pass', 'fail']);
    const failed = verdict.intervals[2]!.metrics.find((m) => m.outcome === 'fail');
    expect(failed).toMatchObject({ metric: 'error-rate', samples: { baseline: 12, canary: 12 } });
    expect(verdict.reason).toMatch(
      /^error-rate in interval 3: canary 0\.0601 vs baseline 0\.0203, recent-window test \(interval 3 alone\): significantly worse than the baseline/,
    );
  });

  it('rolls back at the third look when the error rate is judged as counts', () => {
    const verdict = analyze([counted(0, 1), counted(1, 1), counted(2, 3)], 3);
    expect(verdict.kind).toBe('rollback');
    const failed = verdict.intervals[2]!.metrics[0]!;
    expect(failed.outcome).toBe('fail');
    expect(failed.reason).toMatch(/^recent-window test \(interval 3 alone\): significantly worse/);
    expect(failed).toMatchObject({ counts: { baseline: { requests: 6000, errors: 120 }, canary: { errors: 360 } } });
  });

  it.each([
    ['as counts', [counted(0, 1), counted(1, 1), counted(2, 3)]],
    ['as a distribution', [interval(0), interval(1), interval(2, { errors: 3 })]],
  ])('is diluted since the start (%s): the test of everything so far alone would pass it', (_name, series) => {
    const merged = series
      .map((s) => s.metrics[0]!)
      .filter((m): m is Exclude<typeof m, { error: string }> => !('error' in m));
    const since = {
      metric: 'error-rate',
      baseline: merged.flatMap((m) => m.baseline),
      canary: merged.flatMap((m) => m.canary),
      ...(merged.every((m) => m.requests)
        ? {
            requests: {
              baseline: merged.flatMap((m) => m.requests!.baseline),
              canary: merged.flatMap((m) => m.requests!.canary),
            },
          }
        : {}),
    };
    const judged = judgeMetric(metrics[0]!, since, lookBoundary(0.005 / metrics.length, 2, 5));
    expect(judged.outcome).toBe('pass');
    expect(analyze(series, 3).kind).toBe('rollback');
  });

  it('names the cumulative test when the evidence since the start is what fails a later look', () => {
    // At 10 rps one interval at 3x is not enough alone; three of them since the start are.
    const verdict = analyze(
      [0, 1, 2, 3, 4].map((i) => counted(i, i < 2 ? 1 : 3, 10)),
      5,
    );
    expect(verdict.kind).toBe('rollback');
    expect(verdict.reason).toMatch(
      /^error-rate in interval 5: .*, cumulative test \(intervals 1-5\): significantly worse/,
    );
    const passed = verdict.intervals[2]!.metrics[0]!;
    expect(passed.reason).toMatch(
      /^cumulative test \(intervals 1-3; the recent-window test of interval 3 alone passed too\)/,
    );
  });

  it('leaves a healthy third interval alone, and promotes healthy canaries', () => {
    expect(
      analyze(
        [0, 1, 2, 3, 4].map((i) => interval(i)),
        5,
      ).kind,
    ).toBe('promote');
    expect(
      analyze(
        [0, 1, 2, 3, 4].map((i) => counted(i, 1)),
        5,
      ).kind,
    ).toBe('promote');
  });
});

describe('alpha spending with the recent-window test', () => {
  it('spends at most alpha over all the tests of all the looks, whatever the number of looks', () => {
    for (let looks = 1; looks <= 30; looks++) {
      let spent = 0;
      for (let i = 0; i < looks; i++) spent += lookBoundary(0.005, i, looks) + recentBoundary(0.005, i, looks);
      expect(spent).toBeLessThanOrEqual(0.005 * (1 + 1e-12));
      expect(spent).toBeGreaterThan(0.005 * 0.99);
    }
  });

  it('tests the latest interval alone only from the third look on', () => {
    expect(FIRST_RECENT_LOOK).toBe(2);
    expect([0, 1, 2, 3, 4].map((i) => recentBoundary(0.005, i, 5) > 0)).toEqual([false, false, true, true, true]);
    expect(recentBoundary(0.005, 1, 2)).toBe(0);
  });
});
