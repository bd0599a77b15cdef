import type { SqlExecutor } from './database.js';
import { MIGRATIONS } from './migrations.js';
import { type Migration } from './schema-migration.js';

/**
 * Whether the store can serve: the database answers and every migration this build knows is applied. `/readyz`
 * (src/app/operations.ts) and `aaoe doctor` both ask it here.
 */

export type CheckResult = { ok: true; ms: number } | { ok: false; ms: number; error: string };
export type MigrationsCheck =
  | { ok: true; ms: number; current: number; newer: number[] }
  | { ok: false; ms: number; error: string; missing?: number[] };
export type Readiness = { ready: boolean; checks: { database: CheckResult; migrations: MigrationsCheck } };

class TimeoutError extends Error {}

/** `promise`, or a `TimeoutError` after `ms` (the promise itself is left to settle on its own). */
export function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        reject(new TimeoutError(message));
      },
      Math.max(0, ms),
    );
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n', 1)[0] ?? '').slice(0, 300);
}

/**
 * Whether this process can do its work: the database answers (`SELECT 1`) and `schema_migrations` holds every
 * migration in `migrations`. Both within `timeoutMs` in all. A schema newer than this build (another replica
 * upgraded first) stays ready: the versions are reported as `newer`.
 */
export async function checkReadiness(
  db: SqlExecutor,
  options: { timeoutMs?: number; migrations?: readonly Migration[] } = {},
): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const deadline = Date.now() + timeoutMs;
  const left = () => deadline - Date.now();
  const ping = await timed(() =>
    within(db.query('SELECT 1 AS ok'), left(), `the database did not answer within ${timeoutMs} ms`),
  );
  const database: CheckResult = !ping.ok ? { ok: false, ms: ping.ms, error: ping.error } : { ok: true, ms: ping.ms };
  if (!database.ok) {
    return {
      ready: false,
      checks: { database, migrations: { ok: false, ms: 0, error: 'not checked: the database did not answer' } },
    };
  }

  const known = (options.migrations ?? MIGRATIONS).map((m) => m.version);
  const read = await timed(() =>
    within(
      db.query<{ version: number | string }>('SELECT version FROM schema_migrations ORDER BY version'),
      left(),
      `schema_migrations could not be read within ${timeoutMs} ms`,
    ),
  );
  const migrations = migrationsCheck(read, known);
  return { ready: migrations.ok, checks: { database, migrations } };
}

type Timed<T> = { ok: true; value: T; ms: number } | { ok: false; error: string; ms: number };

/** `fn`'s value or its error's first line, and how long it took. */
async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const start = performance.now();
  const ms = () => Math.round(performance.now() - start);
  try {
    return { ok: true, value: await fn(), ms: ms() };
  } catch (error) {
    return { ok: false, error: errorMessage(error), ms: ms() };
  }
}

/** The migrations check from what `schema_migrations` answered and the versions this build knows. */
function migrationsCheck(read: Timed<{ rows: Array<{ version: number | string }> }>, known: number[]): MigrationsCheck {
  if (!read.ok)
    return {
      ok: false,
      ms: read.ms,
      error: read.error.startsWith('schema_migrations')
        ? read.error
        : `schema_migrations could not be read: ${read.error}`,
    };
  const applied = new Set(read.value.rows.map((row) => Number(row.version)));
  const missing = known.filter((version) => !applied.has(version));
  const newer = [...applied].filter((version) => !known.includes(version)).sort((a, b) => a - b);
  return missing.length > 0
    ? {
        ok: false,
        ms: read.ms,
        error: `migrations not applied: ${missing.join(', ')} (run \`aaoe db migrate\` or restart the app)`,
        missing,
      }
    : { ok: true, ms: read.ms, current: Math.max(0, ...known), newer };
}
