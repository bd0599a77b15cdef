import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite, types as liteTypes } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * One SQL dialect (PostgreSQL 15) behind a small interface, with two backends:
 *
 * - `pglite`: PostgreSQL in-process (PGlite) in `<dataDir>/pglite`, or in memory for tests. The data
 *   directory is locked by `<dataDir>/pglite.lock`: a second opener (another process, or this one) is
 *   refused, because two PGlite instances on one directory silently lose committed rows.
 * - `postgres`: a real server through a `pg.Pool` (`DATABASE_URL`).
 *
 * Values come back the same from both: int8 as a JS `number` (a value outside the safe integer range
 * throws rather than losing precision), numeric as a `string`, bytea as a `Buffer`, timestamptz as a
 * `Date`, json/jsonb parsed.
 */

export type QueryResult<T> = { rows: T[] };

/** What a statement can run on: the database itself or an open transaction. */
export type SqlExecutor = {
  /** Without params, `sql` may hold several statements; rows are those of the last one. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
};

/** An open transaction: statements only; it commits when the callback resolves, rolls back when it throws. */
export type Transaction = SqlExecutor;

export type Database = SqlExecutor & {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction (READ COMMITTED) on one connection. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` unless another holder (this process or another on the same database) runs something under the
   * same `key` now; then returns `{ ran: false }` at once. The hold ends when `fn` settles or the holder dies:
   * a PostgreSQL session advisory lock (released with its connection), or, embedded, an in-process set (only
   * one process can open a data directory).
   */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  close(): Promise<void>;
};

/** `exclusive` for a database only this process uses. */
function inProcessExclusive(): Database['exclusive'] {
  const held = new Set<string>();
  return async (key, fn) => {
    if (held.has(key)) return { ran: false };
    held.add(key);
    try {
      return { ran: true, value: await fn() };
    } finally {
      held.delete(key);
    }
  };
}

export type DatabaseOptions = {
  /** A PostgreSQL connection string: use a real server. */
  url?: string;
  /** Directory for embedded data (PGlite lives in `<dataDir>/pglite`). */
  dataDir?: string;
  /** Embedded and in memory (tests). */
  memory?: boolean;
  /** PostgreSQL only: connections in the pool (default 20; each running job holds one for its key's lock). */
  poolSize?: number;
  /** PostgreSQL only: `search_path` for every connection (tests use a fresh schema). */
  searchPath?: string;
};

export const DEFAULT_DATA_DIR = '.aaoe';

/** `DATABASE_URL` selects a real server; otherwise PGlite under `AAOE_DATA_DIR` (default `.aaoe`). */
export function databaseOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): DatabaseOptions {
  const url = env.DATABASE_URL?.trim();
  if (url) return { url };
  return { dataDir: env.AAOE_DATA_DIR?.trim() || DEFAULT_DATA_DIR };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options);
  if (options.memory) return openPglite(undefined, () => {});
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const release = lockDataDir(join(dataDir, 'pglite.lock'));
  try {
    return await openPglite(join(dataDir, 'pglite'), release);
  } catch (error) {
    release();
    throw error;
  }
}

// ---------------------------------------------------------------- value normalisation

const INT8_OID = 20;
const BYTEA_OID = 17;

export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} is outside the safe integer range`);
  return value;
}

function parseByteaHex(text: string): Buffer {
  // bytea_output = hex (the default on both backends): "\x0102..."
  return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');
}

// ---------------------------------------------------------------- PGlite

async function openPglite(dir: string | undefined, release: () => void): Promise<Database> {
  const lite = await PGlite.create(dir, {
    parsers: { [liteTypes.INT8]: parseInt8, [liteTypes.BYTEA]: parseByteaHex },
  });
  return wrapPglite(lite, release);
}

type LiteExecutor = Pick<PGlite, 'query' | 'exec'>;

function liteExecutor(lite: LiteExecutor): SqlExecutor {
  return {
    async query<T>(sql: string, params?: readonly unknown[]) {
      if (params && params.length > 0) {
        const result = await lite.query<T>(sql, params as unknown[]);
        return { rows: result.rows };
      }
      // Parameterless SQL may be a script (migrations): the simple protocol allows several statements.
      const results = await lite.exec(sql);
      return { rows: (results.at(-1)?.rows ?? []) as T[] };
    },
  };
}

/**
 * PGlite runs each statement synchronously on this thread, and hands its lock to the next waiting statement
 * through promise callbacks: many queued statements would run back to back with no HTTP request served in
 * between. Each statement or transaction therefore starts on a new turn of the event loop.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function wrapPglite(lite: PGlite, release: () => void): Database {
  let closed = false;
  const executor = liteExecutor(lite);
  return {
    kind: 'pglite',
    async query<T>(sql: string, params?: readonly unknown[]) {
      await nextTurn();
      return executor.query<T>(sql, params);
    },
    async transaction(fn) {
      await nextTurn();
      return lite.transaction((tx) => fn(liteExecutor(tx)));
    },
    exclusive: inProcessExclusive(),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await lite.close();
      } finally {
        release();
      }
    },
  };
}

// ---------------------------------------------------------------- PostgreSQL

function openPostgres(url: string, options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 20,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8_OID) return parseInt8;
        if (oid === BYTEA_OID) return parseByteaHex;
        return pg.types.getTypeParser(oid, format ?? 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const executor = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<T>(sql: string, params?: readonly unknown[]) {
      const result = await client.query(sql, params && params.length > 0 ? [...params] : undefined);
      // A multi-statement script returns one result per statement.
      const last = Array.isArray(result) ? (result.at(-1) as pg.QueryResult | undefined) : result;
      return { rows: (last?.rows ?? []) as T[] };
    },
  });
  return {
    kind: 'postgres',
    ...executor(pool),
    async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const value = await fn(executor(client));
        await client.query('COMMIT');
        return value;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async exclusive(key, fn) {
      // a session lock on its own connection: a process that dies drops the connection and the lock with it
      const client = await pool.connect();
      let broken = false;
      try {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [key]);
        if (!rows[0]?.ok) return { ran: false };
        try {
          return { ran: true, value: await fn() };
        } finally {
          await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => (broken = true));
        }
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

// ---------------------------------------------------------------- data directory lock

export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: { pid: number; hostname: string },
  ) {
    const who = Number.isInteger(holder.pid) ? `process ${holder.pid}` : 'an unknown process';
    super(
      `the data directory is in use by ${who} on ${holder.hostname} (lock file ${lockFile}). ` +
        `Stop that process, or point AAOE_DATA_DIR elsewhere. If no such process runs, delete the lock file.`,
    );
    this.name = 'DataDirLockedError';
  }
}

/** Locks held by this process, so a second open in-process is refused too and exit cleans up. */
const heldLocks = new Set<string>();
let exitHookInstalled = false;

/**
 * Takes `lockFile` exclusively (`open(..., 'wx')`), writing `{ pid, hostname }`. A lock left by a process
 * that no longer runs on this host is stale and taken over; one from another host is never presumed stale.
 * Returns the release function.
 */
export function lockDataDir(lockFile: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockFile, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLockHolder(lockFile);
      if (holder === undefined) continue; // removed meanwhile, or torn write being replaced: retry
      if (holder.hostname !== hostname() || isAlive(holder.pid) || holder.pid === process.pid) {
        throw new DataDirLockedError(lockFile, holder);
      }
      try {
        unlinkSync(lockFile); // stale: its process is gone
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, hostname: hostname(), at: new Date().toISOString() }));
    } finally {
      closeSync(fd);
    }
    heldLocks.add(lockFile);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const file of heldLocks) removeQuietly(file);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      heldLocks.delete(lockFile);
      removeQuietly(lockFile);
    };
  }
  throw new Error(`could not take the lock ${lockFile}: it keeps changing; is another process starting?`);
}

function readLockHolder(lockFile: string): { pid: number; hostname: string } | undefined {
  let text: string;
  try {
    text = readFileSync(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as { pid?: unknown; hostname?: unknown };
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string') {
      return { pid: parsed.pid, hostname: parsed.hostname };
    }
  } catch {
    // fall through
  }
  // Unreadable content: never presume it stale.
  return { pid: Number.NaN, hostname: `unknown (unreadable lock file)` };
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
