import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { verifyAudit } from '../adapters/store/audit-log.js';
import { databaseOptionsFromEnv, openDatabase, type DatabaseOptions } from '../adapters/store/database.js';
import { lockDataDir } from '../adapters/store/data-dir-lock.js';
import type { CliIo, Env } from './cli-io.js';

/**
 * `aaoe db backup <file>` / `aaoe db restore <file> [--force]` for the embedded store: PGlite's `dumpDataDir` (the data
 * directory as a gzipped tarball) and `loadDataDir`, under the data directory's lock, so never while the app runs.
 * A restore never deletes a store: with `--force` the one there is renamed aside. On PostgreSQL: pg_dump / pg_restore.
 */

/** What `aaoe db backup` / `aaoe db restore` were asked. */
export type BackupAsk = { command: 'backup' | 'restore'; file: string; force: boolean };

type BackupRequest = {
  command: 'backup' | 'restore';
  file: string;
  force: boolean;
  where: DatabaseOptions;
  dataDir: string;
  /** The PGlite directory inside the data directory. */
  store: string;
};

export async function runBackupCommand(ask: BackupAsk, io: CliIo, env: Env): Promise<number> {
  const request = readRequest(ask, io, env);
  if (typeof request === 'number') return request;
  const { command, dataDir } = request;
  let release: () => void;
  try {
    release = lockDataDir(join(dataDir, 'pglite.lock'));
  } catch (error) {
    io.stderr(`aaoe db ${command}: ${(error as Error).message}. Fix: stop the app that uses ${dataDir} first`);
    return 1;
  }
  try {
    if (command === 'backup') {
      await backup(request, io);
      return 0;
    }
    await restore(request, io);
  } finally {
    release();
  }
  return verifyRestored(request, io);
}

/** The request checked against the environment and the files, or the exit code after saying why not. */
function readRequest({ command, file, force }: BackupAsk, io: CliIo, env: Env): BackupRequest | number {
  const where = databaseOptionsFromEnv(env);
  if (where.url) {
    io.stderr(
      command === 'backup'
        ? `aaoe db backup: DATABASE_URL is a PostgreSQL server: back it up with pg_dump --format=custom --file=${file} "$DATABASE_URL" (docs/operations.md)`
        : `aaoe db restore: DATABASE_URL is a PostgreSQL server: restore with pg_restore --clean --if-exists --dbname="$DATABASE_URL" ${file} (docs/operations.md)`,
    );
    return 2;
  }
  if (where.dataDir === undefined) throw new Error('the store options name neither DATABASE_URL nor a data directory');
  const dataDir = resolve(where.dataDir);
  const request = { command, file, force, where, dataDir, store: join(dataDir, 'pglite') };
  return refusal(request, io) ?? request;
}

/** The exit code when the files refuse the request (no store to back up, a backup file in the way...). */
function refusal({ command, file, force, dataDir, store }: BackupRequest, io: CliIo): number | undefined {
  if (command === 'backup' && !existsSync(store)) {
    io.stderr(`aaoe db backup: no embedded store in ${dataDir} (AAOE_DATA_DIR)`);
    return 2;
  }
  if (command === 'backup' && existsSync(file)) {
    io.stderr(`aaoe db backup: ${file} exists; name a new file`);
    return 2;
  }
  if (command === 'restore' && !existsSync(file)) {
    io.stderr(`aaoe db restore: ${file} does not exist`);
    return 2;
  }
  if (command === 'restore' && existsSync(store) && !force) {
    io.stderr(
      `aaoe db restore: ${dataDir} holds a store already; nothing was changed. Fix: restore into an empty AAOE_DATA_DIR, or add --force to keep the current store aside (renamed, never deleted) and restore`,
    );
    return 1;
  }
  return undefined;
}

async function backup({ file, dataDir, store }: BackupRequest, io: CliIo): Promise<void> {
  const lite = await PGlite.create(store);
  try {
    const dump = await lite.dumpDataDir('gzip');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    io.stdout(`wrote ${file} (${dump.size} bytes): the embedded store of ${dataDir}`);
  } finally {
    await lite.close();
  }
}

async function restore({ file, store }: BackupRequest, io: CliIo): Promise<void> {
  if (existsSync(store)) {
    const aside = `${store}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(store, aside);
    io.stdout(`kept the store that was there as ${aside}`);
  }
  const lite = await PGlite.create(store, { loadDataDir: new Blob([readFileSync(file)]) });
  await lite.close();
}

/** The restored store opened: its schema version and whether its audit chain verifies (1 when it does not). */
async function verifyRestored({ file, where, dataDir }: BackupRequest, io: CliIo): Promise<number> {
  const db = await openDatabase(where);
  try {
    const { rows } = await db.query<{ version: number }>('SELECT max(version) AS version FROM schema_migrations');
    const audit = await verifyAudit(db);
    io.stdout(
      `restored ${file} into ${dataDir}: schema version ${rows[0]?.version ?? 'none'}; audit chain ${audit.ok ? `verified (${audit.count} entries)` : `BROKEN at entry ${audit.seq}: ${audit.reason}`}`,
    );
    return audit.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}
