import fs, { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { databaseOptionsFromEnv, openDatabase, pgliteStartParams } from '../../../src/adapters/store/database.js';
import { recordDeliveries } from '../../../src/adapters/store/deliveries.js';
import { migrate } from '../../../src/adapters/store/migrations.js';

/**
 * The embedded store's durability: `AAOE_EMBEDDED_FSYNC` reaches PGlite's PostgreSQL (`fsync`), and each commit
 * (the one that records deliveries, an acknowledgement, among them) is flushed to the host's disk (`fsync(2)` on the host file), which PGlite's own Node.js file
 * system never does.
 */

describe('AAOE_EMBEDDED_FSYNC', () => {
  it.each([
    [{}, { dataDir: '.aaoe' }],
    [{ AAOE_EMBEDDED_FSYNC: 'on' }, { dataDir: '.aaoe', fsync: true }],
    [{ AAOE_EMBEDDED_FSYNC: ' OFF ' }, { dataDir: '.aaoe', fsync: false }],
    [{ AAOE_EMBEDDED_FSYNC: 'off', DATABASE_URL: 'postgresql://db/aaoe' }, { url: 'postgresql://db/aaoe' }],
  ])('%j -> %j', (env, expected) => {
    expect(databaseOptionsFromEnv(env)).toEqual(expected);
  });

  it('refuses a value it does not know, naming the allowed ones', () => {
    expect(() => databaseOptionsFromEnv({ AAOE_EMBEDDED_FSYNC: 'false' })).toThrow(
      /must be "on" \(the default\) or "off", not "false"/,
    );
  });

  it("drops PGlite's -F (fsync off) only when on", () => {
    expect(pgliteStartParams(true)).not.toContain('-F');
    expect(pgliteStartParams(true).slice(-4)).toEqual(['-c', 'fsync=on', '-c', 'wal_sync_method=fsync']);
    // every commit waits for its flush: PGlite has no WAL writer, an asynchronous commit would die with the process
    expect(pgliteStartParams(true).join(' ')).not.toContain('synchronous_commit');
    expect(pgliteStartParams(false).slice(-2)).toEqual(['-c', 'fsync=off']);
  });
});

describe('the embedded store on disk', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  type Committed = { setting: string; flushes: number; unasked: number; dataDir: string };
  async function commitOne(options: { fsync?: boolean }): Promise<Committed> {
    const dataDir = mkdtempSync(join(tmpdir(), 'aaoe-fsync-'));
    dirs.push(dataDir);
    const db = await openDatabase({ dataDir, ...options });
    try {
      const setting = (await db.query<{ fsync: string }>('SHOW fsync')).rows[0]!.fsync;
      if (setting === 'on') {
        const { rows } = await db.query<{ wal_sync_method: string }>('SHOW wal_sync_method');
        expect(rows[0]!.wal_sync_method).toBe('fsync');
      }
      await migrate(db);
      const flush = vi.spyOn(fs, 'fsyncSync');
      // any commit (the job runner's too)
      await db.query('CREATE TABLE t (v int)');
      await db.query('INSERT INTO t VALUES ($1)', [1]);
      const unasked = flush.mock.calls.length;
      // and an acknowledgement's
      await recordDeliveries(db, [{ id: 'delivery-1', event: 'ping', action: null, installationId: null, job: {} }]);
      const flushes = flush.mock.calls.length - unasked;
      flush.mockRestore();
      return { setting, flushes, unasked, dataDir };
    } finally {
      await db.close();
    }
  }

  it('flushes each commit to the host disk by default, the one that records deliveries among them', async () => {
    const { setting, flushes, unasked, dataDir } = await commitOne({});
    expect(setting).toBe('on');
    expect(flushes).toBeGreaterThan(0);
    expect(unasked).toBeGreaterThan(0);
    const again = await openDatabase({ dataDir });
    try {
      expect((await again.query<{ v: number }>('SELECT v FROM t')).rows).toEqual([{ v: 1 }]);
      expect((await again.query<{ id: string }>('SELECT id FROM deliveries')).rows).toEqual([{ id: 'delivery-1' }]);
    } finally {
      await again.close();
    }
  }, 60_000);

  it('does not flush with fsync off', async () => {
    const { setting, flushes, unasked } = await commitOne({ fsync: false });
    expect(setting).toBe('off');
    expect(flushes + unasked).toBe(0);
  }, 60_000);
});
