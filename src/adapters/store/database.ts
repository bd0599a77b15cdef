import nodeFs, { mkdirSync } from 'node:fs';
import { lockDataDir } from './data-dir-lock.js';
import { join, resolve } from 'node:path';
import { PGlite, types as liteTypes } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
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

/**
 * The SQL of the advisory-lock key `exclusive` takes on PostgreSQL for a text key (`$1`, or a column expression):
 * the job runner probes the same key to tell a running job from one whose process died.
 */
export function advisoryLockKeySql(textSql: string): string {
  return `hashtextextended(${textSql}, 0)`;
}

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
  /**
   * Embedded on disk only: flush each commit to the disk before it is acknowledged (PostgreSQL's `fsync`),
   * so a power loss or an operating-system crash keeps every acknowledged delivery. Default true. Off, a commit
   * still reaches the operating system before it returns (a crash of this process loses nothing), but the last
   * seconds of commits can be lost with the machine.
   */
  fsync?: boolean;
};

export const DEFAULT_DATA_DIR = '.aaoe';

/**
 * `DATABASE_URL` selects a real server; otherwise PGlite under `AAOE_DATA_DIR` (default `.aaoe`), flushing each
 * commit to the disk unless `AAOE_EMBEDDED_FSYNC=off`. Throws on a value it does not know, naming the allowed ones.
 */
export function databaseOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): DatabaseOptions {
  const url = env.DATABASE_URL?.trim();
  if (url) return { url };
  const dataDir = env.AAOE_DATA_DIR?.trim() || DEFAULT_DATA_DIR;
  const fsync = env.AAOE_EMBEDDED_FSYNC?.trim().toLowerCase();
  if (!fsync) return { dataDir }; // `openDatabase` flushes by default
  if (fsync === 'on' || fsync === 'off') return { dataDir, fsync: fsync === 'on' };
  throw new Error(`AAOE_EMBEDDED_FSYNC must be "on" (the default) or "off", not "${fsync.slice(0, 40)}"`);
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options);
  if (options.memory) return openPglite(undefined, () => {}, false);
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const release = lockDataDir(join(dataDir, 'pglite.lock'));
  try {
    return await openPglite(join(dataDir, 'pglite'), release, options.fsync ?? true);
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

async function openPglite(dir: string | undefined, release: () => void, fsync: boolean): Promise<Database> {
  const parsers = { [liteTypes.INT8]: parseInt8, [liteTypes.BYTEA]: parseByteaHex };
  const lite =
    dir === undefined
      ? await PGlite.create({ parsers })
      : await PGlite.create({
          fs: fsync ? new FlushingNodeFS(dir) : new NodeFS(dir),
          startParams: pgliteStartParams(fsync),
          parsers,
        });
  return wrapPglite(lite, release);
}

/**
 * PGlite starts PostgreSQL with `-F` (fsync off). With `fsync` the flag is dropped and `fsync=on` set, so the
 * server asks for a flush at each commit (WAL), each checkpoint and each new file; and the WAL is flushed with
 * `fsync`, because Emscripten answers `fdatasync` (PostgreSQL's default on Linux) with success and does nothing.
 */
export function pgliteStartParams(fsync: boolean): string[] {
  const withoutF = PGlite.defaultStartParams.filter((param) => param !== '-F');
  const params = [...withoutF, '-c', `fsync=${fsync ? 'on' : 'off'}`];
  // every commit waits for its flush. (`synchronous_commit=off` for the job runner's commits was tried: PGlite has no
  // WAL writer process, so an asynchronous commit stays in this process's memory until a later commit writes it, and a
  // crash of the app lost job states, which the crash test caught as checks posted twice)
  return fsync ? [...params, '-c', 'wal_sync_method=fsync'] : params;
}

/**
 * PGlite's Node.js file system (Emscripten's NODEFS) has no `fsync`: PostgreSQL's flush requests come back
 * "done" and nothing reaches the disk, whatever `fsync` says. This one gives NODEFS an `fsync` that flushes
 * the host file (`fsync(2)`, data and metadata). Its stream operations are one object shared by every open
 * file, so setting it once before the server starts covers all of them.
 */
class FlushingNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]): ReturnType<NodeFS['init']> {
    const { emscriptenOpts } = await super.init(pg, opts);
    const giveFsync = (mod: { FS: unknown }) => {
      const nodefs = (mod.FS as { filesystems: { NODEFS: NodefsInternals } }).filesystems.NODEFS;
      nodefs.stream_ops.fsync = (stream) => {
        nodefs.tryFSOperation(() => {
          nodeFs.fsyncSync(stream.nfd);
        });
        return 0;
      };
    };
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [...(emscriptenOpts.preRun ?? []), giveFsync] } };
  }
}

/** The parts of Emscripten's NODEFS that `FlushingNodeFS` touches (not in PGlite's types). */
type NodefsInternals = {
  stream_ops: { fsync?: (stream: { nfd: number }) => number };
  tryFSOperation: (operation: () => unknown) => unknown;
};

type LiteExecutor = Pick<PGlite, 'query' | 'exec'>;

function liteExecutor(lite: LiteExecutor): SqlExecutor {
  return {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- implements SqlExecutor's generic query<T>
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
    types: { getTypeParser: pgTypeParser as typeof pg.types.getTypeParser },
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    ...pgExecutor(pool),
    transaction: (fn) => pgTransaction(pool, fn),
    exclusive: (key, fn) => pgExclusive(pool, key, fn),
    close: () => pool.end(),
  };
}

/** pg's own parser of a type, by its numeric oid. */
const builtinParser = pg.types.getTypeParser as (oid: number, format: 'text' | 'binary') => (text: string) => unknown;

/** int8 as a safe JS number and bytea as a Buffer, as PGlite gives them; pg's own parser for the rest. */
function pgTypeParser(oid: number, format?: 'text' | 'binary'): (text: string) => unknown {
  if (oid === INT8_OID) return parseInt8;
  if (oid === BYTEA_OID) return parseByteaHex;
  return builtinParser(oid, format ?? 'text');
}

function pgExecutor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- implements SqlExecutor's generic query<T>
    async query<T>(sql: string, params?: readonly unknown[]) {
      const result = await client.query(sql, params && params.length > 0 ? [...params] : undefined);
      // A multi-statement script returns one result per statement.
      const last = Array.isArray(result) ? (result.at(-1) as pg.QueryResult | undefined) : result;
      return { rows: (last?.rows ?? []) as T[] };
    },
  };
}

async function pgTransaction<T>(pool: pg.Pool, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const value = await fn(pgExecutor(client));
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
}

async function pgExclusive<T>(
  pool: pg.Pool,
  key: string,
  fn: () => Promise<T>,
): Promise<{ ran: false } | { ran: true; value: T }> {
  // a session lock on its own connection: a process that dies drops the connection and the lock with it
  const client = await pool.connect();
  let broken = false;
  // a connection lost while the job runs (its lock goes with it) must not crash the process: pg emits 'error' on a
  // checked-out client that runs no query, and an 'error' event nobody listens to throws
  const onLost = () => {
    broken = true;
  };
  client.on('error', onLost);
  try {
    const { rows } = await client.query<{ ok: boolean }>(
      `SELECT pg_try_advisory_lock(${advisoryLockKeySql('$1')}) AS ok`,
      [key],
    );
    if (!rows[0]?.ok) return { ran: false };
    try {
      return { ran: true, value: await fn() };
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${advisoryLockKeySql('$1')})`, [key]).catch(() => (broken = true));
    }
  } finally {
    client.off('error', onLost);
    client.release(broken);
  }
}
