import { z } from 'zod';
import type { MetricSamples } from '../../../src/core/canary/schema.js';
import { errorText, readLimited, type MetricProvider, type SampleWindow } from './metric-provider.js';

/**
 * Prometheus' HTTP API, `GET /api/v1/query_range`: one query template per metric, run once for the baseline
 * and once for the canary. Template variables: `{{track}}` (`baseline` or `canary`), `{{step}}` (the step as a
 * duration, `10s`: use it as the range of `rate()` so that samples do not overlap) and `{{execution_id}}`.
 * The query must give one series (aggregate with `sum(...)`); NaN points (a ratio over no requests) are dropped.
 *
 * The window's samples are the points at `start + step, ..., end`, each covering the step before it, so
 * consecutive intervals never share a point.
 */

const Matrix = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z.array(
      z.object({ metric: z.record(z.string(), z.string()), values: z.array(z.tuple([z.number(), z.string()])) }),
    ),
  }),
});
const Failure = z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string() });

export type PrometheusOptions = {
  url: string;
  /** Query template per metric name. */
  queries: Record<string, string>;
  executionId?: string;
  token?: string;
  timeoutMs?: number;
};

export function renderQuery(
  template: string,
  vars: { track: 'baseline' | 'canary'; stepSeconds: number; executionId?: string },
): string {
  const values: Record<string, string> = {
    track: vars.track,
    step: `${vars.stepSeconds}s`,
    execution_id: vars.executionId ?? '',
  };
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

export function prometheusProvider(options: PrometheusOptions): MetricProvider {
  const base = options.url.replace(/\/+$/, '');
  async function series(query: string, window: SampleWindow): Promise<number[]> {
    const params = new URLSearchParams({
      query,
      start: String(window.start.getTime() / 1000 + window.stepSeconds),
      end: String(window.end.getTime() / 1000),
      step: `${window.stepSeconds}s`,
    });
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(`${base}/api/v1/query_range?${params}`, {
      headers,
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await readLimited(response);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`prometheus answered HTTP ${response.status} with a body that is not JSON`);
    }
    const failure = Failure.safeParse(body);
    if (failure.success)
      throw new Error(`prometheus: ${failure.data.errorType ?? 'error'}: ${failure.data.error.slice(0, 300)}`);
    if (!response.ok) throw new Error(`prometheus answered HTTP ${response.status}`);
    const matrix = Matrix.safeParse(body);
    if (!matrix.success) throw new Error('prometheus answered something other than a range-query matrix');
    const result = matrix.data.data.result;
    if (result.length > 1)
      throw new Error(`the query gave ${result.length} series; aggregate it to one (for example with sum(...))`);
    return (result[0]?.values ?? []).map(([, v]) => Number(v)).filter(Number.isFinite);
  }

  return {
    name: 'prometheus',
    async collect(metric, window): Promise<MetricSamples> {
      const template = options.queries[metric];
      if (!template) return { metric, error: `no query for ${metric}` };
      const render = (track: 'baseline' | 'canary') =>
        renderQuery(template, { track, stepSeconds: window.stepSeconds, executionId: options.executionId });
      try {
        const [baseline, canary] = await Promise.all([
          series(render('baseline'), window),
          series(render('canary'), window),
        ]);
        return { metric, baseline, canary };
      } catch (error) {
        return { metric, error: errorText(error) };
      }
    },
  };
}
