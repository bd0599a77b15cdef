import type { MetricSamples } from '../../../src/core/canary/schema.js';
import { errorText, readLimited, toSamples, type MetricProvider } from './metric-provider.js';

/**
 * A generic HTTP JSON endpoint: `GET <metrics-url>?metric=<name>&start=<ISO 8601>&end=<ISO 8601>&step=<seconds>`
 * answers `{"baseline": [numbers], "canary": [numbers]}` (null entries are dropped).
 */
export function httpJsonProvider(options: { url: string; timeoutMs?: number }): MetricProvider {
  return {
    name: 'http',
    async collect(metric, window): Promise<MetricSamples> {
      const url = new URL(options.url);
      url.searchParams.set('metric', metric);
      url.searchParams.set('start', window.start.toISOString());
      url.searchParams.set('end', window.end.toISOString());
      url.searchParams.set('step', String(window.stepSeconds));
      try {
        const response = await fetch(url, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
        if (!response.ok) return { metric, error: `${url.origin} answered HTTP ${response.status}` };
        return toSamples(metric, JSON.parse(await readLimited(response)), url.origin);
      } catch (error) {
        return { metric, error: errorText(error) };
      }
    },
  };
}
