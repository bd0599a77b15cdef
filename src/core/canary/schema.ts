import { z } from 'zod';

/**
 * What a canary analysis judges: the metrics and their thresholds, the plan (how many intervals, how long
 * each, the limits) and the samples. Samples come from outside (a metrics server, a command): the action
 * validates them with these schemas before the judge sees them.
 */

export const MetricName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'a metric name: lowercase letters, digits, `_`, `.`, `-`');

export const CanaryMetric = z.strictObject({
  name: MetricName,
  /**
   * How the canary is compared with the baseline. `ratio`: the canary may be at most `threshold` times the
   * baseline (error rate). `increase`: at most `threshold` above it (latency, in the metric's unit).
   * Higher values are worse for both.
   */
  compare: z.enum(['ratio', 'increase']),
  threshold: z.number().nonnegative(),
  /**
   * For `ratio`: a baseline value below this counts as this value, so that 0 errors against a handful is
   * not an infinite increase.
   */
  floor: z.number().nonnegative().default(0),
  /** Shown in the verdict (`ms`, `%`, ...). */
  unit: z.string().max(16).default(''),
});
export type CanaryMetric = z.infer<typeof CanaryMetric>;
export type CanaryMetricInput = z.input<typeof CanaryMetric>;

export const AnalysisPlan = z.strictObject({
  /** When the first interval starts (ISO 8601): usually when the canary took traffic. */
  startedAt: z.iso.datetime({ offset: true }),
  intervalSeconds: z.number().positive(),
  /** How many intervals make the whole analysis (the policy's `windowSeconds` / `intervalSeconds`). */
  intervals: z.int().positive().max(10_000),
  /**
   * Kept for compatibility, no longer used: each look judges everything collected since the start (a sequential
   * test), so there is no window to slide.
   */
  lookback: z.int().positive().default(2),
  /** Roll back as soon as more intervals than this failed (Argo Rollouts' `failureLimit`). */
  failureLimit: z.int().nonnegative().default(0),
  /** Stop, inconclusive, as soon as more intervals than this could not be judged (Argo's `inconclusiveLimit`). */
  inconclusiveLimit: z.int().nonnegative().default(0),
  /**
   * The false-rollback budget of the whole analysis, however often it looks: shared evenly by the metrics, and each
   * metric's share spent over the looks (`spending.ts`), so a healthy canary is rolled back with probability at most
   * `alpha` for Poisson-like traffic (`bench/canary-judge.ts` measures bursty traffic: at most 0.9% at 0.005).
   */
  alpha: z.number().gt(0).lt(0.5).default(0.005),
});
export type AnalysisPlan = z.infer<typeof AnalysisPlan>;
export type AnalysisPlanInput = z.input<typeof AnalysisPlan>;

/** The samples of one metric in one interval, or why there are none (the query failed). */
export const MetricSamples = z.union([
  z.strictObject({
    metric: MetricName,
    baseline: z.array(z.number()),
    canary: z.array(z.number()),
    /**
     * Requests per step of each side, aligned with `baseline` and `canary` (then error fractions per step): the
     * error rate is judged as counts (errors = fraction x requests) rather than as a distribution of fractions.
     */
    requests: z.strictObject({ baseline: z.array(z.number()), canary: z.array(z.number()) }).optional(),
  }),
  z.strictObject({ metric: MetricName, error: z.string() }),
]);
export type MetricSamples = z.infer<typeof MetricSamples>;

export const IntervalSamples = z.strictObject({
  /** 0-based: interval `i` spans `startedAt + i * intervalSeconds` to the next. */
  index: z.int().nonnegative(),
  metrics: z.array(MetricSamples),
});
export type IntervalSamples = z.infer<typeof IntervalSamples>;
