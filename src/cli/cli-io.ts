import { readFileSync } from 'node:fs';

/**
 * Where the CLI writes: every command writes through the `CliIo` it is given, and `processIo` (used by `aaoe` when run
 * as a program) is the one place that writes to the process's stdout and stderr.
 */

/** Where a command writes: its output and its errors. */
export type CliIo = { stdout: (text: string) => void; stderr: (text: string) => void };

/** The environment a command reads (`process.env`, or a test's). */
export type Env = Readonly<Record<string, string | undefined>>;

/** The process's own stdout and stderr, a line each. */
export const processIo: CliIo = {
  stdout: (text) => {
    process.stdout.write(`${text}\n`);
  },
  stderr: (text) => {
    process.stderr.write(`${text}\n`);
  },
};

/** A file's text, or undefined after saying on stderr why it cannot be read. */
export function readText(file: string, io: CliIo): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    io.stderr(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return undefined;
  }
}
