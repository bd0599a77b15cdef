import type { MetricSamples } from '../../../src/core/canary/schema.js';
import { runCommand } from '../run-command.js';
import { errorText, toSamples, type MetricProvider } from './metric-provider.js';

/**
 * A command that prints the samples as JSON, `{"baseline": [numbers], "canary": [numbers]}`, run with
 * `AAOE_METRIC`, `AAOE_START`, `AAOE_END` (ISO 8601) and `AAOE_STEP_SECONDS` in its environment; for the error rate
 * it may add `"requests": {"baseline": [numbers], "canary": [numbers]}` (per step) to have it judged as counts.
 */
export function commandProvider(options: {
  command: string;
  env: Record<string, string>;
  log: (chunk: string) => void;
}): MetricProvider {
  return {
    name: 'command',
    async collect(metric, window): Promise<MetricSamples> {
      const result = await runCommand(
        options.command,
        {
          ...options.env,
          AAOE_METRIC: metric,
          AAOE_START: window.start.toISOString(),
          AAOE_END: window.end.toISOString(),
          AAOE_STEP_SECONDS: String(window.stepSeconds),
        },
        () => undefined,
        120_000,
      );
      if (result.exitCode !== 0) {
        options.log(result.output);
        return { metric, error: `the metrics command exited with ${result.exitCode}` };
      }
      try {
        // The JSON is the last non-empty line, so the command may log before it.
        const last = result.output.trim().split('\n').at(-1) ?? '';
        return toSamples(metric, JSON.parse(last), 'the metrics command');
      } catch (error) {
        return { metric, error: `the metrics command did not print JSON: ${errorText(error)}` };
      }
    },
  };
}
