import { spawn } from 'node:child_process';

/**
 * Runs one of the user's commands (`deploy-command`, ...) with bash, as a `run:` step would
 * (`bash -e -o pipefail -c`). Values from the dispatch payload reach it only through `env`, never in the
 * command text. Its output is streamed to the log and the tail kept for the summary and the report.
 */

export type CommandResult = { command: string; exitCode: number; output: string; durationMs: number };

const KEEP = 16_000;

export function runCommand(
  command: string,
  env: Record<string, string>,
  log: (chunk: string) => void,
  timeoutMs = 30 * 60_000,
): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = '';
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const take = (chunk: Buffer) => {
      const s = chunk.toString('utf8');
      log(s);
      output = (output + s).slice(-KEEP);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ command, exitCode: 127, output: `${output}${error.message}\n`, durationMs: Date.now() - started });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ command, exitCode: code ?? (signal ? 128 : 1), output, durationMs: Date.now() - started });
    });
  });
}
