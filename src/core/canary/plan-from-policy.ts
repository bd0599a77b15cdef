import type { z } from 'zod';
import type { AutoRollback } from '../policy/schema.js';
import { AnalysisPlan, CanaryMetric } from './schema.js';

/**
 * The policy's `deployment.autoRollback` as a canary analysis: the metrics it names with their thresholds,
 * and a plan of `windowSeconds / intervalSeconds` intervals (rounded up).
 */

type AutoRollbackPolicy = z.infer<typeof AutoRollback>;

/**
 * Error rates are fractions (0.01 is 1%). A baseline below 0.1% counts as 0.1% when the ratio is taken, so a
 * baseline without errors does not turn a canary's first error into an infinite increase.
 */
export const ERROR_RATE_FLOOR = 0.001;

export const ERROR_RATE = 'error-rate';
export const LATENCY = 'latency';

export function metricsFromPolicy(rollback: AutoRollbackPolicy): CanaryMetric[] {
  return [
    CanaryMetric.parse({
      name: ERROR_RATE,
      compare: 'ratio',
      threshold: rollback.errorRateIncrease,
      floor: ERROR_RATE_FLOOR,
    }),
    CanaryMetric.parse({ name: LATENCY, compare: 'increase', threshold: rollback.latencyIncreaseMs, unit: 'ms' }),
  ];
}

export type PlanOptions = {
  startedAt: Date;
  intervalSeconds: number;
  lookback?: number;
  failureLimit?: number;
  inconclusiveLimit?: number;
  alpha?: number;
};

export function planFromPolicy(rollback: AutoRollbackPolicy, options: PlanOptions): AnalysisPlan {
  return AnalysisPlan.parse({
    startedAt: options.startedAt.toISOString(),
    intervalSeconds: options.intervalSeconds,
    intervals: Math.max(1, Math.ceil(rollback.windowSeconds / options.intervalSeconds - 1e-9)),
    lookback: options.lookback,
    failureLimit: options.failureLimit,
    inconclusiveLimit: options.inconclusiveLimit,
    alpha: options.alpha,
  });
}
