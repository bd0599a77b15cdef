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
 *
 * With `requests` (a template giving the requests of each step, `sum(increase(http_requests_total{track="{{track}}"}
 * [{{step}}]))`), the error rate is collected with the request count of each step, so that the judge tests error
 * counts as counts; steps are matched by timestamp, and a step without requests counts no errors.
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
  /** Query template of the requests per step (each track), collected with the error rate. */
  requests?: string;
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

type Points = [number, number][];

export function prometheusProvider(options: PrometheusOptions): MetricProvider {
  const series = (query: string, window: SampleWindow) => queryRange(options, query, window);
  return {
    name: 'prometheus',
    async collect(metric, window): Promise<MetricSamples> {
      const template = options.queries[metric];
      if (!template) return { metric, error: `no query for ${metric}` };
      const vars = { stepSeconds: window.stepSeconds, executionId: options.executionId };
      const both = (t: string) =>
        Promise.all([
          series(renderQuery(t, { track: 'baseline', ...vars }), window),
          series(renderQuery(t, { track: 'canary', ...vars }), window),
        ]);
      try {
        if (metric === 'error-rate' && options.requests) {
          const [rates, requests] = await Promise.all([both(template), both(options.requests)]);
          const b = alignCounts(rates[0], requests[0]);
          const c = alignCounts(rates[1], requests[1]);
          const counts = { baseline: b.requests, canary: c.requests };
          return { metric, baseline: b.fractions, canary: c.fractions, requests: counts };
        }
        const [baseline, canary] = await both(template);
        return { metric, baseline: baseline.map(([, v]) => v), canary: canary.map(([, v]) => v) };
      } catch (error) {
        return { metric, error: errorText(error) };
      }
    },
  };
}

/** One range query: the points (timestamp, finite value) of its single series. */
async function queryRange(options: PrometheusOptions, query: string, window: SampleWindow): Promise<Points> {
  const base = options.url.replace(/\/+$/, '');
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
  return (result[0]?.values ?? [])
    .map(([t, v]): [number, number] => [t, Number(v)])
    .filter(([, v]) => Number.isFinite(v));
}

/**
 * Error fractions and request counts of the same steps, matched by timestamp: a step with requests but no error
 * rate is left out; a step without requests has no errors (its rate is NaN: 0 / 0).
 */
export function alignCounts(rates: Points, requests: Points): { fractions: number[]; requests: number[] } {
  const rateAt = new Map(rates);
  const out = { fractions: [] as number[], requests: [] as number[] };
  for (const [t, n] of requests) {
    if (n < 0) continue;
    const rate = rateAt.get(t);
    if (rate === undefined && n > 0) continue;
    out.fractions.push(Math.min(1, Math.max(0, rate ?? 0)));
    out.requests.push(n);
  }
  return out;
}
