/**
 * The synthetic noisy series of the canary judge benchmark (`bench/canary-judge.ts`): per side and 5 s step,
 * Poisson request and error counts, a load factor both sides share, per-side jitter, and transient bursts (2% of
 * the steps of each side have 4-10x the errors, 2% have 2-4x the latency: a GC pause, a flaky dependency).
 * Seeded (mulberry32), so a run is repeatable.
 */
import type { IntervalSamples } from '../src/core/canary/schema.js';

export type Scenario = {
  name: string;
  /** Requests per second to each side (baseline and canary). */
  rps: number;
  errorRate: number;
  stepSeconds: number;
  intervalSeconds: number;
  windowSeconds: number;
};

/** How the canary differs from the baseline: error-rate factor and latency added (ms). */
export type Change = { name: string; errorFactor: number; latencyMs: number };

export const HEALTHY: Change = { name: 'healthy', errorFactor: 1, latencyMs: 0 };

const LATENCY_MS = 300;
const BURST_SHARE = 0.02;

export function generateRun(scenario: Scenario, change: Change, random: () => number): IntervalSamples[] {
  const steps = Math.round(scenario.intervalSeconds / scenario.stepSeconds);
  const intervals = Math.ceil(scenario.windowSeconds / scenario.intervalSeconds);
  const out: IntervalSamples[] = [];
  for (let index = 0; index < intervals; index++) {
    const errors = { baseline: [] as number[], canary: [] as number[] };
    const requests = { baseline: [] as number[], canary: [] as number[] };
    const latency = { baseline: [] as number[], canary: [] as number[] };
    for (let s = 0; s < steps; s++) {
      const load = Math.exp(0.2 * gaussian(random));
      for (const side of ['baseline', 'canary'] as const) {
        const factor = side === 'canary' ? change.errorFactor : 1;
        const jitter = Math.exp(0.1 * gaussian(random));
        const burst = random() < BURST_SHARE ? 4 + 6 * random() : 1;
        const count = Math.max(1, poisson(scenario.rps * scenario.stepSeconds, random));
        const errorCount = Math.min(
          count,
          poisson(count * scenario.errorRate * factor * load * jitter * burst, random),
        );
        errors[side].push(errorCount / count);
        requests[side].push(count);
        const slow = random() < BURST_SHARE ? 2 + 2 * random() : 1;
        const shift = side === 'canary' ? change.latencyMs : 0;
        latency[side].push((LATENCY_MS + shift) * Math.exp(0.1 * gaussian(random)) * slow);
      }
    }
    out.push({
      index,
      metrics: [
        { metric: 'error-rate', ...errors, requests },
        { metric: 'latency', ...latency },
      ],
    });
  }
  return out;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function poisson(lambda: number, random: () => number): number {
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(random)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}
