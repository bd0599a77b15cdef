import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import type { Env } from './config.js';

/**
 * The `.env` file of the directory the app runs in: the setup flow writes the app's credentials there, and both the
 * app (`npm start`) and `aaoe doctor` read it with the same loader (Node's `util.parseEnv`, the parser Probot uses), with
 * the same precedence: a variable of the real environment wins over the same name in `.env`.
 */

/** `.env` is written by hand or by the setup flow: anything larger is not one. */
const MAX_ENV_FILE_BYTES = 1_000_000;

export const ENV_FILE = '.env';

/** The variables of `<cwd>/.env` (none when it does not exist). */
export function readEnvFile(cwd: string = process.cwd()): Record<string, string> {
  const path = join(cwd, ENV_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  if (Buffer.byteLength(text) > MAX_ENV_FILE_BYTES)
    throw new Error(`${path} is larger than ${MAX_ENV_FILE_BYTES} bytes: it is not an environment file`);
  return parseEnv(text) as Record<string, string>;
}

/**
 * The environment the app runs with: `<cwd>/.env` under the real environment (a variable set in both keeps the real
 * value, even when it is empty). A copy: later changes of `env` do not show in it.
 */
export function loadEnvironment(options: { cwd?: string; env?: Env } = {}): Env {
  const real = Object.fromEntries(
    Object.entries(options.env ?? process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return { ...readEnvFile(options.cwd), ...real };
}

/** One `NAME=value` line that `parseEnv` reads back as exactly `value`, or an error naming the variable. */
function envLine(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a variable name: "${name}"`);
  const candidates = [
    /^[^\s"'`#\\]*$/.test(value) ? `${name}=${value}` : undefined,
    `${name}="${value.replace(/\n/g, '\\n')}"`,
    `${name}='${value}'`,
  ];
  const line = candidates.find((c) => c !== undefined && parseEnv(c)[name] === value);
  if (!line) throw new Error(`${name}: this value cannot be written to ${ENV_FILE} so that it reads back the same`);
  return line;
}

/**
 * Sets `values` in `<cwd>/.env`, keeping the other variables it has (comments are not kept); the file is readable
 * by its owner only, since it holds the app's credentials. Returns the variables the file now holds.
 */
export function writeEnvFile(values: Record<string, string>, cwd: string = process.cwd()): Record<string, string> {
  const merged = { ...readEnvFile(cwd), ...values };
  const text = `${Object.entries(merged)
    .map(([name, value]) => envLine(name, value))
    .join('\n')}\n`;
  const path = join(cwd, ENV_FILE);
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
  return merged;
}
