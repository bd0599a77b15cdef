import { describe, expect, it } from 'vitest';
import { judgeMetric } from '../../../src/core/canary/judge-metric.js';
import { CanaryMetric, type MetricSamples } from '../../../src/core/canary/schema.js';
import { around } from './samples.js';

const errorRate = CanaryMetric.parse({ name: 'error-rate', compare: 'ratio', threshold: 2, floor: 0.001 });
const latency = CanaryMetric.parse({ name: 'latency', compare: 'increase', threshold: 250, unit: 'ms' });
const ALPHA = 0.005;
const samples = (baseline: number[], canary: number[]): MetricSamples => ({ metric: 'm', baseline, canary });

describe('judgeMetric', () => {
  it.each([
    [
      'a 3x error rate',
      errorRate,
      samples(around(0.02, 12), around(0.06, 12, 0.2, 1)),
      'fail',
      /significantly worse .* not shown within the limit of 2x the baseline/,
    ],
    [
      'a 2x error rate (at the threshold: caught, not a coin toss)',
      errorRate,
      samples(around(0.02, 12), around(0.04, 12, 0.2, 1)),
      'fail',
      /not shown within the limit/,
    ],
    [
      'the same error rate',
      errorRate,
      samples(around(0.02, 12), around(0.02, 12, 0.2, 1)),
      'pass',
      /not significantly worse than the baseline/,
    ],
    [
      'a 1.3x error rate (worse, but well within the threshold)',
      errorRate,
      samples(around(0.02, 24, 0.05), around(0.026, 24, 0.05, 1)),
      'pass',
      /worse than the baseline .* but significantly within the limit of 2x/,
    ],
    [
      'latency 400 ms higher',
      latency,
      samples(around(300, 12, 0.1), around(700, 12, 0.1, 1)),
      'fail',
      /baseline \+ 250ms/,
    ],
    [
      'latency 100 ms higher',
      latency,
      samples(around(300, 12, 0.1), around(400, 12, 0.1, 1)),
      'pass',
      /significantly within the limit of the baseline \+ 250ms/,
    ],
    ['a lower error rate', errorRate, samples(around(0.02, 12), around(0.01, 12)), 'pass', /not significantly worse/],
    [
      'every value equal',
      errorRate,
      samples([0.02, 0.02, 0.02, 0.02, 0.02, 0.02], [0.02, 0.02, 0.02, 0.02, 0.02, 0.02]),
      'pass',
      /p = 1/,
    ],
    [
      'no errors in the baseline, a few in the canary (under the floor)',
      errorRate,
      samples(Array(12).fill(0), around(0.0005, 12)),
      'pass',
      /significantly within the limit/,
    ],
    [
      'no errors in the baseline, 1% in the canary',
      errorRate,
      samples(Array(12).fill(0), around(0.01, 12)),
      'fail',
      /not shown within the limit/,
    ],
  ] as const)('%s', (_name, metric, given, outcome, reason) => {
    const j = judgeMetric(metric, given, ALPHA);
    expect(j.outcome).toBe(outcome);
    expect(j.reason).toMatch(reason);
  });

  it.each([
    ['nothing was collected', undefined, /no samples were collected/],
    [
      'the query failed',
      { metric: 'm', error: 'HTTP 503 from prometheus' },
      /the query failed: HTTP 503 from prometheus/,
    ],
    ['no canary samples', samples(around(1, 12), []), /no canary samples/],
    ['no samples on either side', samples([], []), /no baseline and canary samples/],
    [
      'only NaN in the canary (a rate over no requests)',
      samples(around(1, 12), [Number.NaN, Number.NaN]),
      /no canary samples/,
    ],
    [
      'too few samples to show anything at α',
      samples([1, 2, 3], [10, 20, 30]),
      /3 canary and 3 baseline samples cannot show a regression/,
    ],
  ] as const)('fails closed when %s: inconclusive', (_name, given, reason) => {
    const j = judgeMetric(errorRate, given as MetricSamples | undefined, ALPHA);
    expect(j.outcome).toBe('inconclusive');
    expect(j.reason).toMatch(reason);
  });

  it('explains itself: baseline, canary, effect, p-values, threshold and the sample counts', () => {
    const j = judgeMetric(errorRate, samples([...around(0.02, 12), Number.NaN], around(0.06, 12, 0.2, 1)), ALPHA);
    if (j.outcome === 'inconclusive') throw new Error('expected a judgement');
    expect(j).toMatchObject({
      metric: 'error-rate',
      compare: 'ratio',
      threshold: 2,
      samples: { baseline: 12, canary: 12 },
    });
    expect(j.baseline).toBeCloseTo(0.02, 2);
    expect(j.canary).toBeCloseTo(0.06, 2);
    expect(j.effect).toBeCloseTo(3, 0);
    expect(j.pValue).toBeLessThan(0.0001);
    expect(j.pBelowLimit).toBeGreaterThan(0.5);
  });

  it('takes the floor for a baseline without errors, so the effect stays finite', () => {
    const j = judgeMetric(errorRate, samples(Array(12).fill(0), around(0.004, 12)), ALPHA);
    if (j.outcome === 'inconclusive') throw new Error('expected a judgement');
    expect(j.effect).toBeCloseTo(4, 1);
  });
});
