import { z } from 'zod';
import type { MetricSamples } from '../../../src/core/canary/schema.js';

/** A source of baseline and canary samples. Untrusted: every answer is validated; any failure is a sample error. */

export type SampleWindow = { start: Date; end: Date; stepSeconds: number };

export type MetricProvider = {
  name: string;
  collect(metric: string, window: SampleWindow): Promise<MetricSamples>;
};

/** What the HTTP endpoint answers and the command prints: the samples of one metric in the window. */
const Numbers = z.array(z.number().nullable()).max(100_000);
export const SamplesResponse = z.object({
  baseline: Numbers,
  canary: Numbers,
  /** Optional: the requests of each step, aligned with `baseline` and `canary` (then error fractions). */
  requests: z.object({ baseline: Numbers, canary: Numbers }).optional(),
});

export function toSamples(metric: string, value: unknown, source: string): MetricSamples {
  const parsed = SamplesResponse.safeParse(value);
  if (!parsed.success) {
    return {
      metric,
      error: `${source} did not answer {"baseline": [numbers], "canary": [numbers]}: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .slice(0, 3)
        .join('; ')}`,
    };
  }
  const { baseline, canary, requests } = parsed.data;
  const numbers = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  if (!requests) return { metric, baseline: numbers(baseline), canary: numbers(canary) };
  if (requests.baseline.length !== baseline.length || requests.canary.length !== canary.length)
    return { metric, error: `${source} answered requests that do not line up with the samples (one per step)` };
  // A step counts when both its fraction and its requests are there.
  const pairs = (fractions: (number | null)[], counts: (number | null)[]) => {
    const keep = fractions.map((f, i) => f !== null && counts[i] !== null && counts[i] !== undefined);
    return { values: numbers(fractions.filter((_, i) => keep[i])), counts: numbers(counts.filter((_, i) => keep[i])) };
  };
  const b = pairs(baseline, requests.baseline);
  const c = pairs(canary, requests.canary);
  return { metric, baseline: b.values, canary: c.values, requests: { baseline: b.counts, canary: c.counts } };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A response body as text, refusing bodies above `limit` bytes. */
export async function readLimited(response: Response, limit = 5_000_000): Promise<string> {
  const text = await response.text();
  if (text.length > limit) throw new Error(`the response is larger than ${limit} bytes`);
  return text;
}
