import type { ActionContext } from './action-context.js';
import type { Inputs } from './inputs.js';
import { commandProvider } from './providers/command.js';
import { httpJsonProvider } from './providers/http-json.js';
import type { MetricProvider } from './providers/metric-provider.js';
import { prometheusProvider } from './providers/prometheus.js';

/** Where the canary's metrics come from: the provider the inputs name, and the metrics it can judge. */

export function makeProvider(ctx: ActionContext): MetricProvider {
  const { inputs } = ctx;
  if (inputs.provider === 'http') return httpJsonProvider({ url: need(inputs['metrics-url'], 'metrics-url') });
  if (inputs.provider === 'command')
    return commandProvider({
      command: need(inputs['metrics-command'], 'metrics-command'),
      env: ctx.commandEnv,
      log: (s) => {
        ctx.io.info(s.trimEnd());
      },
    });
  const queries: Record<string, string> = {};
  if (inputs['error-rate-query']) queries['error-rate'] = inputs['error-rate-query'];
  if (inputs['latency-query']) queries.latency = inputs['latency-query'];
  return prometheusProvider({
    url: need(inputs['prometheus-url'], 'prometheus-url'),
    queries,
    requests: inputs['requests-query'],
    executionId: ctx.executionId,
    token: inputs['prometheus-token'],
  });
}

/** The metrics judged: with Prometheus, those that have a query; otherwise both. */
export function metricNames(inputs: Inputs): string[] {
  if (inputs.provider !== 'prometheus') return ['error-rate', 'latency'];
  return [inputs['error-rate-query'] ? 'error-rate' : '', inputs['latency-query'] ? 'latency' : ''].filter(Boolean);
}

function need(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`input ${name} is required with this provider`);
  return value;
}
