import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AaoeConfig } from '../adapters/config/config.js';
import { DEFAULT_DATA_DIR, openDatabase, type Database } from '../adapters/store/database.js';
import { checkReadiness } from '../adapters/store/readiness.js';
import type { Report } from './doctor-findings.js';

/** The store (`DATABASE_URL` or `AAOE_DATA_DIR`): reachable, every migration applied. */
export async function checkStore(config: AaoeConfig, report: Report): Promise<void> {
  const options = config.store.database;
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const where = options.url ? 'DATABASE_URL' : `the embedded store in ${dataDir}`;
  if (!options.url && !existsSync(join(dataDir, 'pglite'))) {
    report({
      level: 'warn',
      check: 'store',
      message: `${where} does not exist yet`,
      fix: 'nothing to do if this is the first start (the app creates it); otherwise point AAOE_DATA_DIR at the data directory the app uses',
    });
    return;
  }
  let db: Database;
  try {
    db = await openDatabase(options);
  } catch (error) {
    const message = (error as Error).message.split('\n', 1)[0] ?? '';
    report({
      level: 'fail',
      check: 'store',
      message: `${where} cannot be opened: ${message}`,
      fix: options.url
        ? 'check the host, port, user, password and database of DATABASE_URL, and that the server accepts connections from here'
        : 'the embedded store is used by one process at a time: stop the app and run aaoe doctor again (or ask the running app: GET /readyz)',
    });
    return;
  }
  try {
    await reportReadiness(db, where, report);
  } finally {
    await db.close();
  }
}

async function reportReadiness(db: Database, where: string, report: Report): Promise<void> {
  const readiness = await checkReadiness(db, { timeoutMs: 5000 });
  const { database, migrations } = readiness.checks;
  if (!database.ok)
    report({
      level: 'fail',
      check: 'store',
      message: `${where} does not answer: ${database.error}`,
      fix: 'check that the database server runs and answers',
    });
  else if (!migrations.ok)
    report({
      level: 'fail',
      check: 'store',
      message: `${where}: ${migrations.error}`,
      fix: 'run `aaoe db migrate` with the same environment (the app also migrates at start)',
    });
  else
    report({
      level: 'ok',
      check: 'store',
      message: `${where} answers; schema version ${migrations.current}${migrations.newer.length ? ` (and ${migrations.newer.join(', ')} from a newer release)` : ''}`,
    });
}
