import { describe, expect, it } from 'vitest';
import { analyzeCanary, type CanaryVerdict } from '../../../src/core/canary/analyze-canary.js';
import { metricsFromPolicy, planFromPolicy } from '../../../src/core/canary/plan-from-policy.js';
import type { IntervalSamples } from '../../../src/core/canary/schema.js';
import { interval } from './samples.js';

const POLICY = { errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 300 };
const START = new Date('2026-03-01T10:00:00Z');
const metrics = metricsFromPolicy(POLICY);
const afterIntervals = (k: number) => new Date(START.getTime() + k * 60_000);

function analyze(
  samples: IntervalSamples[],
  k: number,
  limits: { failureLimit?: number; inconclusiveLimit?: number } = {},
): CanaryVerdict {
  const plan = planFromPolicy(POLICY, { startedAt: START, intervalSeconds: 60, ...limits });
  return analyzeCanary({ plan, metrics, samples, now: afterIntervals(k) });
}

const healthy = [0, 1, 2, 3, 4].map((i) => interval(i));
const errored = (index: number): IntervalSamples => ({
  index,
  metrics: metrics.map((m) => ({ metric: m.name, error: 'connect ECONNREFUSED 127.0.0.1:9090' })),
});

describe('analyzeCanary', () => {
  it.each([
    ['no interval has ended', [], 0, 'continue', /Continue: 0 of 5 intervals passed/],
    ['two healthy intervals of five', healthy.slice(0, 2), 2, 'continue', /Continue: 2 of 5 intervals passed/],
    ['five healthy intervals', healthy, 5, 'promote', /Promote: 5 of 5 intervals passed/],
    [
      'a 3x error rate in the first interval',
      [interval(0, { errors: 3 })],
      1,
      'rollback',
      /Roll back: 1 interval failed \(limit 0, 1 interval judged of 5\)/,
    ],
    [
      'latency 500 ms higher from the third interval on (the latest interval alone, then the evidence since the start)',
      [...healthy.slice(0, 2), ...[2, 3, 4].map((i) => interval(i, { latencyMs: 500 }))],
      5,
      'rollback',
      /Roll back: 3 intervals failed/,
    ],
    ['no samples at all, window over', [], 5, 'inconclusive', /Inconclusive: 5 intervals could not be judged/],
    ['every query errored', [0, 1, 2, 3, 4].map(errored), 5, 'inconclusive', /could not be judged/],
    [
      'one errored interval among healthy ones',
      [...healthy.slice(0, 2), errored(2), ...healthy.slice(3)],
      5,
      'inconclusive',
      /1 interval could not be judged \(limit 0/,
    ],
    ['one missing interval', [...healthy.slice(0, 2)], 3, 'inconclusive', /1 interval could not be judged/],
  ] as const)('%s', (_name, samples, k, kind, title) => {
    const verdict = analyze([...samples], k);
    expect(verdict.kind).toBe(kind);
    expect(verdict.title).toMatch(title);
  });

  it('says when the next interval ends while it continues', () => {
    const verdict = analyze(healthy.slice(0, 2), 2);
    expect(verdict).toMatchObject({
      kind: 'continue',
      nextAt: '2026-03-01T10:03:00.000Z',
      at: '2026-03-01T10:02:00.000Z',
    });
  });

  it('judges only intervals that have ended: samples given early wait for their interval', () => {
    const verdict = analyze(healthy, 4);
    expect(verdict.kind).toBe('continue');
    expect(verdict.counts).toEqual({ planned: 5, judged: 4, passed: 4, failed: 0, inconclusive: 0 });
  });

  it('tolerates failed intervals up to the failure limit (Argo Rollouts: failed > failureLimit)', () => {
    const bad = [0, 1, 2].map((i) => interval(i, { errors: 3 }));
    expect(analyze(bad.slice(0, 1), 1, { failureLimit: 1 }).kind).toBe('continue');
    const verdict = analyze(bad.slice(0, 2), 2, { failureLimit: 1 });
    expect(verdict.kind).toBe('rollback');
    expect(verdict.title).toMatch(/2 intervals failed \(limit 1/);
  });

  it('tolerates intervals that could not be judged up to the inconclusive limit, and still promotes on the rest', () => {
    const verdict = analyze([...healthy.slice(0, 2), errored(2), ...healthy.slice(3)], 5, { inconclusiveLimit: 1 });
    expect(verdict.kind).toBe('promote');
    expect(verdict.reason).toBe('0 failed (limit 0), 1 inconclusive (limit 1)');
  });

  it('never promotes without a passing interval, whatever the inconclusive limit', () => {
    const verdict = analyze([0, 1, 2, 3, 4].map(errored), 5, { inconclusiveLimit: 10 });
    expect(verdict.kind).toBe('inconclusive');
    expect(verdict.title).toBe('Inconclusive: no interval passed');
  });

  it('never promotes without a metric to judge', () => {
    const plan = planFromPolicy(POLICY, { startedAt: START, intervalSeconds: 60 });
    const verdict = analyzeCanary({ plan, metrics: [], samples: healthy, now: afterIntervals(5) });
    expect(verdict.kind).toBe('inconclusive');
  });

  it('rolls back on evidence of harm even when another metric could not be judged', () => {
    const partly: IntervalSamples = {
      index: 0,
      metrics: [interval(0, { errors: 3 }).metrics[0]!, { metric: 'latency', error: 'timeout' }],
    };
    expect(analyze([partly], 1).kind).toBe('rollback');
  });

  it('judges each interval on the samples so far (the evidence grows) but never on earlier data alone', () => {
    // 4 samples per interval: too few alone at the first look's boundary, enough from the second interval on.
    const few = [0, 1, 2].map((i) => interval(i, { errors: 3, n: 4 }));
    const verdict = analyze(few, 2, { inconclusiveLimit: 1 });
    expect(verdict.intervals.map((i) => i.outcome)).toEqual(['inconclusive', 'fail']);
    expect(verdict.intervals[1]!.metrics[0]).toMatchObject({ samples: { baseline: 8, canary: 8 } });
  });

  it('explains the rollback with the metric, the interval and the numbers', () => {
    const verdict = analyze([interval(0, { errors: 3 })], 1);
    expect(verdict.reason).toBe(
      'error-rate in interval 1: canary 0.0609 vs baseline 0.02, significantly worse than the baseline (p < 0.0001 ≤ the boundary 0.000625) and not shown within the limit of 2x the baseline (p = 1): 12 canary and 12 baseline samples; one-sided Mann-Whitney U (rank test)',
    );
    expect(verdict.intervals[0]).toMatchObject({
      index: 0,
      start: '2026-03-01T10:00:00.000Z',
      end: '2026-03-01T10:01:00.000Z',
      outcome: 'fail',
    });
  });

  it('refuses samples given twice for one interval (a bug of the caller)', () => {
    expect(() => analyze([interval(0), interval(0)], 1)).toThrow(/given twice/);
  });
});

describe('planFromPolicy', () => {
  it.each([
    [300, 60, 5],
    [300, 45, 7],
    [30, 60, 1],
    [3, 1, 3],
  ])('windowSeconds %d in %d s intervals: %d intervals', (windowSeconds, intervalSeconds, intervals) => {
    expect(planFromPolicy({ ...POLICY, windowSeconds }, { startedAt: START, intervalSeconds }).intervals).toBe(
      intervals,
    );
  });

  it('takes the thresholds from the policy', () => {
    expect(metricsFromPolicy({ errorRateIncrease: 1.5, latencyIncreaseMs: 100, windowSeconds: 60 })).toEqual([
      { name: 'error-rate', compare: 'ratio', threshold: 1.5, floor: 0.001, unit: '' },
      { name: 'latency', compare: 'increase', threshold: 100, floor: 0, unit: 'ms' },
    ]);
  });
});
