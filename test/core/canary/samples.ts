import type { IntervalSamples } from '../../../src/core/canary/schema.js';

/** `n` values around `center`, spread ±`spread` of it, in a fixed scrambled order (no PRNG needed). */
export function around(center: number, n: number, spread = 0.2, phase = 0): number[] {
  return Array.from({ length: n }, (_, i) => center * (1 + spread * Math.sin(i * 2.3 + phase)));
}

/** One interval of the two policy metrics: baseline 2% errors and 300 ms; the canary scaled by the factors. */
export function interval(
  index: number,
  { errors = 1, latencyMs = 0, n = 12 }: { errors?: number; latencyMs?: number; n?: number } = {},
): IntervalSamples {
  return {
    index,
    metrics: [
      { metric: 'error-rate', baseline: around(0.02, n, 0.2, index), canary: around(0.02 * errors, n, 0.2, index + 1) },
      { metric: 'latency', baseline: around(300, n, 0.1, index), canary: around(300 + latencyMs, n, 0.1, index + 1) },
    ],
  };
}
