import { describe, expect, it } from 'vitest';
import { commandProvider } from '../../action/src/providers/command.js';

/** The command metric provider: a command of the user's prints the samples; anything else is a sample error. */

const window = { start: new Date('2026-11-23T10:00:00Z'), end: new Date('2026-11-23T10:01:00Z'), stepSeconds: 10 };
const provider = (command: string) => commandProvider({ command, env: {}, log: () => undefined });

describe('command metric provider', () => {
  it('reads the last line as the samples, with the metric and the window in the environment', async () => {
    const samples = await provider(
      'echo "checking $AAOE_METRIC"; echo "{\\"baseline\\": [1, 2], \\"canary\\": [3, null, 4], \\"window\\": \\"$AAOE_START $AAOE_STEP_SECONDS\\"}"',
    ).collect('error-rate', window);
    expect(samples).toEqual({ metric: 'error-rate', baseline: [1, 2], canary: [3, 4] });
  });

  it.each([
    ['a failing command', 'exit 3', /exited with 3/],
    ['output that is not JSON', 'echo not json', /did not print JSON/],
    ['JSON of another shape', 'echo \'{"baseline": "many"}\'', /did not answer \{"baseline"/],
  ])('turns %s into a sample error (never samples)', async (_name, command, error) => {
    const samples = await provider(command).collect('latency', window);
    expect(samples).toEqual({ metric: 'latency', error: expect.stringMatching(error) });
  });
});

describe('command metric provider with request counts', () => {
  it('passes request counts per step through, dropping a step whose fraction or count is missing', async () => {
    const samples = await provider(
      'echo \'{"baseline": [0.02, null, 0.01], "canary": [0.04, 0.05, 0.02], "requests": {"baseline": [100, 100, 200], "canary": [100, null, 200]}}\'',
    ).collect('error-rate', window);
    expect(samples).toEqual({
      metric: 'error-rate',
      baseline: [0.02, 0.01],
      canary: [0.04, 0.02],
      requests: { baseline: [100, 200], canary: [100, 200] },
    });
  });

  it('refuses request counts that do not line up with the samples (a sample error, never samples)', async () => {
    const samples = await provider(
      'echo \'{"baseline": [0.02, 0.01], "canary": [0.04], "requests": {"baseline": [100], "canary": [100]}}\'',
    ).collect('error-rate', window);
    expect(samples).toEqual({ metric: 'error-rate', error: expect.stringMatching(/do not line up/) });
  });
});
