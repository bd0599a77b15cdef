import { z } from 'zod';
import type { MetricSamples } from '../../../src/core/canary/schema.js';

/** A source of baseline and canary samples. Untrusted: every answer is validated; any failure is a sample error. */

export type SampleWindow = { start: Date; end: Date; stepSeconds: number };

export type MetricProvider = {
  name: string;
  collect(metric: string, window: SampleWindow): Promise<MetricSamples>;
};

/** What the HTTP endpoint answers and the command prints: the samples of one metric in the window. */
export const SamplesResponse = z.object({
  baseline: z.array(z.number().nullable()).max(100_000),
  canary: z.array(z.number().nullable()).max(100_000),
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
  const numbers = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  return { metric, baseline: numbers(parsed.data.baseline), canary: numbers(parsed.data.canary) };
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
