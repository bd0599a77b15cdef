import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../../../src/adapters/store/data-dir-lock.js';
import { databaseOptionsFromEnv, openDatabase } from '../../../src/adapters/store/database.js';
import { MIGRATIONS, migrate } from '../../../src/adapters/store/migrations.js';
import { backends, type TestStore } from './backends.js';

const run = promisify(execFile);

describe('databaseOptionsFromEnv', () => {
  it.each([
    [{}, { dataDir: '.aaoe' }],
    [{ AAOE_DATA_DIR: '/var/lib/aaoe' }, { dataDir: '/var/lib/aaoe' }],
    [{ DATABASE_URL: 'postgresql://db/aaoe', AAOE_DATA_DIR: '/x' }, { url: 'postgresql://db/aaoe' }],
    [{ DATABASE_URL: '  ' }, { dataDir: '.aaoe' }],
  ])('%j -> %j', (env, expected) => {
    expect(databaseOptionsFromEnv(env)).toEqual(expected);
  });
});

describe.each(backends)('database on $name', (backend) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await backend.create();
  });
  afterAll(async () => {
    await store?.dispose();
  });

  it('migrates once, also when two migrators start at once, and is idempotent', async () => {
    const peer = await store.peer();
    const first = await Promise.all([migrate(store.db), migrate(peer)]);
    expect(first.flatMap((report) => report.applied)).toEqual(MIGRATIONS.map((m) => m.version));
    const again = await migrate(store.db);
    expect(again).toEqual({ applied: [], current: MIGRATIONS.at(-1)?.version });
    const { rows } = await store.db.query<{ version: number }>('SELECT version FROM schema_migrations');
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    const tables = await store.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = current_schema() ORDER BY table_name`,
    );
    expect(tables.rows.map((row) => row.table_name)).toEqual([
      'approvals',
      'audit_log',
      'breaker_failures',
      'dashboard_sessions',
      'deliveries',
      'deploy_holds',
      'deploy_locks',
      'deploy_queue',
      'deploy_reports',
      'drift_issues',
      'drift_repos',
      'effects_done',
      'executions',
      'freezes',
      'governed_facts',
      'model_calls',
      'notification_deliveries',
      'org_freezes',
      'org_hotfixes',
      'plan_steps',
      'plans',
      'schema_migrations',
      'timers',
    ]);
  });

  it('refuses a database whose schema is newer than this build', async () => {
    await store.db.query(`INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')`);
    try {
      await expect(migrate(store.db)).rejects.toThrow(/schema version 999, newer than this build/);
    } finally {
      await store.db.query('DELETE FROM schema_migrations WHERE version = 999');
    }
  });

  it('returns the same values from both backends', async () => {
    const { rows } = await store.db.query(
      `SELECT 9007199254740991::int8 AS big, 1.50::numeric AS amount, '\\x00ff'::bytea AS bytes,
              '{"b":1,"a":[true,null]}'::jsonb AS doc, '2026-01-02T03:04:05.678Z'::timestamptz AS at,
              $1::bigint AS param`,
      [42],
    );
    expect(rows).toEqual([
      {
        big: 9007199254740991,
        amount: '1.50',
        bytes: Buffer.from([0, 255]),
        doc: { a: [true, null], b: 1 },
        at: new Date('2026-01-02T03:04:05.678Z'),
        param: 42,
      },
    ]);
    expect(Buffer.isBuffer(rows[0]?.bytes)).toBe(true);
    await expect(store.db.query('SELECT 9007199254740993::int8 AS too_big')).rejects.toThrow(/safe integer/);
  });

  it('runs a parameterless script and returns the rows of its last statement', async () => {
    const { rows } = await store.db.query('SELECT 1 AS one; SELECT 2 AS two');
    expect(rows).toEqual([{ two: 2 }]);
  });

  it('commits a transaction and rolls it back when the callback throws', async () => {
    await store.db.transaction(async (tx) => {
      await tx.query('INSERT INTO deliveries (id, event) VALUES ($1, $2)', ['d-commit', 'push']);
    });
    await expect(
      store.db.transaction(async (tx) => {
        await tx.query('INSERT INTO deliveries (id, event) VALUES ($1, $2)', ['d-rollback', 'push']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await store.db.query<{ id: string }>('SELECT id FROM deliveries ORDER BY id');
    expect(rows).toEqual([{ id: 'd-commit' }]);
  });

  it('runs one holder of a key at a time, also from another connection, and frees the key when done or thrown', async () => {
    const peer = await store.peer();
    let release!: () => void;
    const held = store.db.exclusive('k', () => new Promise<string>((resolve) => (release = () => resolve('first'))));
    await new Promise((r) => setTimeout(r, 50));
    expect(await store.db.exclusive('k', async () => 'second')).toEqual({ ran: false });
    expect(await peer.exclusive('k', async () => 'peer')).toEqual({ ran: false });
    expect(await peer.exclusive('other', async () => 'other')).toEqual({ ran: true, value: 'other' });
    release();
    expect(await held).toEqual({ ran: true, value: 'first' });
    await expect(
      peer.exclusive('k', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.db.exclusive('k', async () => 'again')).toEqual({ ran: true, value: 'again' });
  });

  it('refuses UPDATE, DELETE and TRUNCATE on audit_log', async () => {
    await store.db.query(
      `INSERT INTO audit_log (seq, at, actor, action, prev_hash, hash) VALUES (1, now(), 'a', 'b', 'p', 'h')`,
    );
    for (const sql of ["UPDATE audit_log SET actor = 'x'", 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
      await expect(store.db.query(sql), sql).rejects.toThrow(/append-only/);
    }
  });
});

describe('PGlite data directory', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aaoe-store-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is locked against a second opener in this process and in another, and keeps data across reopen', async () => {
    const dataDir = join(dir, 'data');
    const db = await openDatabase({ dataDir });
    try {
      await migrate(db);
      await db.query('INSERT INTO deliveries (id, event) VALUES ($1, $2)', ['d-1', 'issues']);

      const second = openDatabase({ dataDir });
      await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
      await expect(second).rejects.toThrow(`process ${process.pid}`);

      const script = join(dir, 'open.mts');
      const module = fileURLToPath(new URL('../../../src/adapters/store/database.ts', import.meta.url));
      writeFileSync(
        script,
        `import { openDatabase } from ${JSON.stringify(module)};\n` +
          `try { await openDatabase({ dataDir: ${JSON.stringify(dataDir)} }); console.log('opened'); process.exit(0); }\n` +
          `catch (error) { console.log(String(error)); process.exit(3); }\n`,
      );
      const child = await run(process.execPath, ['--import', 'tsx', script]).then(
        () => ({ code: 0, stdout: '' }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
      expect(child.code).toBe(3);
      expect(child.stdout).toContain(`in use by process ${process.pid}`);
    } finally {
      await db.close();
    }
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);

    const reopened = await openDatabase({ dataDir });
    try {
      const { rows } = await reopened.query('SELECT id, event FROM deliveries');
      expect(rows).toEqual([{ id: 'd-1', event: 'issues' }]);
      expect((await migrate(reopened)).applied).toEqual([]);
    } finally {
      await reopened.close();
    }
  }, 60_000);

  it('takes over a stale lock whose process is gone', async () => {
    const { stdout } = await run(process.execPath, ['-e', 'console.log(process.pid)']);
    const deadPid = Number(stdout.trim());
    const lockFile = join(dir, 'stale.lock');
    writeFileSync(lockFile, JSON.stringify({ pid: deadPid, hostname: hostname() }));
    const release = lockDataDir(lockFile);
    expect(existsSync(lockFile)).toBe(true);
    expect(() => lockDataDir(lockFile)).toThrow(DataDirLockedError);
    release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it.each([
    ['another host', JSON.stringify({ pid: 1, hostname: 'elsewhere.example' }), /process 1 on elsewhere.example/],
    [
      'a live process',
      JSON.stringify({ pid: process.ppid, hostname: hostname() }),
      new RegExp(`process ${process.ppid}`),
    ],
    ['unreadable content', 'garbage', /an unknown process/],
  ])('refuses a lock held by %s', (_name, content, message) => {
    const lockFile = join(dir, `held-${Math.random()}.lock`);
    writeFileSync(lockFile, content);
    expect(() => lockDataDir(lockFile)).toThrow(message);
    expect(existsSync(lockFile)).toBe(true);
  });
});
