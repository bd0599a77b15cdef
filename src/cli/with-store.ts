import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { databaseOptionsFromEnv, openDatabase, type Database } from '../adapters/store/database.js';
import type { CliIo, Env } from './cli-io.js';

/**
 * Opens the store the environment names (`DATABASE_URL`, or the embedded store in `AAOE_DATA_DIR`, default `.aaoe`),
 * runs `fn` on it and closes it. A store that was never migrated is an error (exit 2) unless `create`, so a typo in
 * `AAOE_DATA_DIR` does not silently show an empty audit log. Only a command's action calls this: `--help` and a usage
 * error never open the store.
 */
export async function withStore(
  env: Env,
  io: CliIo,
  options: { create?: boolean },
  fn: (db: Database) => Promise<number>,
): Promise<number> {
  const where = databaseOptionsFromEnv(env);
  if (!options.create && where.dataDir !== undefined && !existsSync(join(where.dataDir, 'pglite'))) {
    io.stderr(
      `aaoe: no embedded store in ${where.dataDir} (AAOE_DATA_DIR); run the app or \`aaoe db migrate\` first, or set DATABASE_URL`,
    );
    return 2;
  }
  let db: Database;
  try {
    db = await openDatabase(where);
  } catch (error) {
    io.stderr(`aaoe: cannot open the store: ${(error as Error).message}`);
    return 2;
  }
  try {
    if (!options.create) {
      const { rows } = await db.query<{ exists: boolean }>(
        "SELECT to_regclass('schema_migrations') IS NOT NULL AS exists",
      );
      if (!rows[0]?.exists) {
        io.stderr(
          `aaoe: the store has no AAOE data (${env.DATABASE_URL ? 'DATABASE_URL' : `AAOE_DATA_DIR=${env.AAOE_DATA_DIR ?? '.aaoe'}`}); run the app or \`aaoe db migrate\` first`,
        );
        return 2;
      }
    }
    return await fn(db);
  } finally {
    await db.close();
  }
}
