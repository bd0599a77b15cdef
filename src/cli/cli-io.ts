import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { packageRoot } from '../adapters/files/presets.js';

/**
 * Where the CLI writes: every command writes through the `CliIo` it is given, and `processIo` (used by `aaoe` when run
 * as a program) is the one place that writes to the process's stdout and stderr.
 */

/** Where a command writes: its output and its errors. */
export type CliIo = { stdout: (text: string) => void; stderr: (text: string) => void };

/** The environment a command reads (`process.env`, or a test's). */
export type Env = Readonly<Record<string, string | undefined>>;

/** What a command's action runs with: where it writes, the environment, and where it leaves its exit code. */
export type CliContext = { io: CliIo; env: Env; exit: (code: number) => void };

/** The exit codes of every command: 0 pass, 1 fail, 2 invalid input. */
export const EXIT = { pass: 0, fail: 1, invalid: 2 } as const;

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

/** Adds the examples to a command's `--help` (every command has some: `test/cli/help.test.ts` checks it). */
export function withExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}`);
}

/** The name the package is published under (`npx` it with a version); the command it installs is `aaoe`. */
export const PACKAGE_NAME = '@aaoe-dev/aaoe';

/** The version of this package (its package.json), for `aaoe --version`. */
export function packageVersion(): string {
  const json = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return typeof json.version === 'string' ? json.version : '0.0.0';
}

/** A number option above 0 (`--max-usd 1.5`); commander reports the error and exits 2. */
export function positiveNumber(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`"${text}" is not a number above 0`);
  return n;
}

/** A whole number option above 0 (`--limit 20`). */
export function positiveInteger(text: string): number {
  const n = positiveNumber(text);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${text}" is not a whole number above 0`);
  return n;
}
