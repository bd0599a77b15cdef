import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/aaoe.js';
import { openRuntime } from '../../src/adapters/store/runtime.js';
import { appendAudit, readAudit } from '../../src/adapters/store/audit-log.js';
import { openDatabase } from '../../src/adapters/store/database.js';

async function cli(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('aaoe db backup / restore (embedded store)', () => {
  it('backs up a store and restores it elsewhere, audit chain intact; refuses to overwrite or to run beside the app', async () => {
    const source = mkdtempSync(join(tmpdir(), 'aaoe-backup-src-'));
    const runtime = await openRuntime({ database: { dataDir: source } });
    await appendAudit(runtime.db, { actor: 'alice', action: 'approve', reason: 'kept across the backup' });
    const file = join(mkdtempSync(join(tmpdir(), 'aaoe-backup-file-')), 'aaoe.tar.gz');
    // the app holds the data directory: no backup
    const held = await cli(['db', 'backup', file], { AAOE_DATA_DIR: source });
    expect(held.code).toBe(1);
    expect(held.err).toMatch(/Fix: stop the app that uses .* first/);
    await runtime.close();

    const backup = await cli(['db', 'backup', file], { AAOE_DATA_DIR: source });
    expect(backup).toMatchObject({ code: 0, err: '' });
    expect(backup.out).toMatch(/^wrote .*aaoe\.tar\.gz \(\d+ bytes\)/);
    expect((await cli(['db', 'backup', file], { AAOE_DATA_DIR: source })).err).toMatch(/exists; name a new file/);

    const target = mkdtempSync(join(tmpdir(), 'aaoe-backup-dst-'));
    const restored = await cli(['db', 'restore', file], { AAOE_DATA_DIR: target });
    expect(restored.out).toMatch(/^restored .* schema version \d+; audit chain verified \(1 entries\)$/);
    expect(restored.code).toBe(0);
    const db = await openDatabase({ dataDir: target });
    const entries = [];
    for await (const entry of readAudit(db)) entries.push(entry);
    await db.close();
    expect(entries.map((e) => [e.actor, e.reason])).toEqual([['alice', 'kept across the backup']]);

    const again = await cli(['db', 'restore', file], { AAOE_DATA_DIR: target });
    expect(again.code).toBe(1);
    expect(again.err).toMatch(
      /holds a store already; nothing was changed\. Fix: restore into an empty AAOE_DATA_DIR, or add --force/,
    );
    const forced = await cli(['db', 'restore', file, '--force'], { AAOE_DATA_DIR: target });
    expect(forced.code).toBe(0);
    expect(forced.out).toMatch(/kept the store that was there as .*pglite\.replaced-/);
    expect(readdirSync(target).filter((f) => f.startsWith('pglite.replaced-'))).toHaveLength(1);
  }, 60_000);

  it('on PostgreSQL, names pg_dump and pg_restore', async () => {
    const backup = await cli(['db', 'backup', 'x.dump'], { DATABASE_URL: 'postgresql://localhost/aaoe' });
    expect(backup).toMatchObject({
      code: 2,
      err: expect.stringContaining('pg_dump --format=custom --file=x.dump "$DATABASE_URL"'),
    });
    const restore = await cli(['db', 'restore', 'x.dump'], { DATABASE_URL: 'postgresql://localhost/aaoe' });
    expect(restore.err).toContain('pg_restore --clean --if-exists --dbname="$DATABASE_URL" x.dump');
    expect(existsSync('x.dump')).toBe(false);
  });
});
