import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { migrate } from '../../../src/adapters/store/migrations.js';
import { openDatabase, type Database } from '../../../src/adapters/store/database.js';

/**
 * The backends the store suites run against: PGlite (in memory) always, a real PostgreSQL when
 * `AAOE_TEST_DATABASE_URL` is set. Each PostgreSQL store lives in a fresh schema dropped on dispose.
 */
export type TestStore = {
  db: Database;
  /** A second, independent connection pool on the same data (PostgreSQL), or the same handle (PGlite). */
  peer(poolSize?: number): Promise<Database>;
  dispose(): Promise<void>;
};

export type Backend = { name: string; create(options?: { poolSize?: number }): Promise<TestStore> };

const pglite: Backend = {
  name: 'pglite',
  async create() {
    const db = await openDatabase({ memory: true });
    return { db, peer: async () => db, dispose: () => db.close() };
  },
};

function postgres(url: string): Backend {
  return {
    name: 'postgres',
    async create(options = {}) {
      const schema = `aaoe_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      const opened: Database[] = [];
      const open = async (poolSize?: number) => {
        const db = await openDatabase({ url, searchPath: schema, poolSize: poolSize ?? options.poolSize ?? 4 });
        opened.push(db);
        return db;
      };
      const db = await open();
      return {
        db,
        peer: open,
        async dispose() {
          await Promise.all(opened.map((handle) => handle.close()));
          const cleanup = new pg.Client({ connectionString: url });
          await cleanup.connect();
          await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
          await cleanup.end();
        },
      };
    },
  };
}

const url = process.env.AAOE_TEST_DATABASE_URL;
export const backends: Backend[] = url ? [pglite, postgres(url)] : [pglite];

/** Runs `sql` with the append-only triggers of audit_log disabled (what an attacker with table rights does). */
export async function tamper(db: Database, sql: string, params: unknown[] = []): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await tx.query(sql, params);
    await tx.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
  });
}

/** Empties the store's tables between tests. */
export async function resetStore(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await tx.query('TRUNCATE audit_log, deliveries, executions, effects_done, model_calls');
    await tx.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
  });
}

/**
 * The hooks of a suite on one migrated store, emptied before each test: returns the store (valid inside tests
 * and later hooks).
 */
export function useMigratedStore(backend: Backend): () => TestStore {
  let store: TestStore | undefined;
  beforeAll(async () => {
    store = await backend.create();
    await migrate(store.db);
  });
  afterAll(async () => {
    await store?.dispose();
  });
  beforeEach(async () => {
    await resetStore(store!.db);
  });
  return () => store!;
}
