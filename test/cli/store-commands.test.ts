import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/adapters/store/audit-log.js';
import { openDatabase, type Database } from '../../src/adapters/store/database.js';
import { tamper } from '../adapters/store/backends.js';

/**
 * The `aaoe` binary on a real embedded store, as an operator runs it: `db migrate`, `audit verify | export |
 * show`, `jobs list | rerun`. Tampering (update, delete, swap) done with the table's triggers disabled, as
 * someone with table rights would, is caught by `aaoe audit verify` with exit 1.
 */

const root = new URL('../../', import.meta.url).pathname;
const exec = promisify(execFile);
let dir: string;
let env: NodeJS.ProcessEnv;

async function aaoe(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'src/cli/aaoe.ts', ...args], {
      cwd: root,
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The store is one process at a time: open it, act, close it. */
async function withStore<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir: join(dir, 'store') });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aaoe-cli-'));
  env = { ...process.env, AAOE_DATA_DIR: join(dir, 'store') };
  delete env.DATABASE_URL;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aaoe db / audit / jobs on the embedded store', () => {
  it('refuses a store that does not exist, with what to do (exit 2)', async () => {
    const result = await aaoe('audit', 'verify');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('aaoe db migrate');
  }, 30_000);

  it('migrates once, then reports it up to date', async () => {
    expect(await aaoe('db', 'migrate')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('applied migrations 1, 2'),
    });
    expect(await aaoe('db', 'migrate')).toMatchObject({ code: 0, stdout: expect.stringContaining('up to date') });
  }, 60_000);

  it('verifies, exports and shows the chain; detects an update, a delete and a swap (exit 1)', async () => {
    await withStore(async (db) => {
      await appendAudit(db, {
        executionId: 'e1',
        traceId: 't1',
        actor: 'octocat',
        action: 'received',
        reason: 'labelled',
      });
      await appendAudit(db, {
        executionId: 'e1',
        traceId: 't1',
        actor: 'aaoe',
        action: 'policy_evaluated',
        reason: 'action_required',
        costUsd: '0.02',
        costTokens: 1200,
      });
      await appendAudit(db, {
        executionId: 'e1',
        traceId: 't1',
        actor: 'carol',
        action: 'approved',
        reason: 'read the diff',
      });
      await appendAudit(db, {
        executionId: 'e1',
        traceId: 't1',
        actor: 'aaoe',
        action: 'deployed',
        reason: 'canary healthy',
      });
    });
    expect(await aaoe('audit', 'verify')).toMatchObject({
      code: 0,
      stdout: 'audit log verified: 4 entries, chain intact\n',
    });
    const exported = await aaoe('audit', 'export', '--format', 'jsonl');
    expect(
      exported.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).seq),
    ).toEqual([1, 2, 3, 4]);
    const shown = await aaoe('audit', 'show', 'e1');
    expect(shown.stdout).toContain('approved by: carol');
    expect(shown.stdout).toContain('cost: $0.02, 1200 tokens');

    // update
    await withStore((db) => tamper(db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"));
    expect(await aaoe('audit', 'verify')).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/^audit log tampered: entry 3: /),
    });
    await withStore((db) => tamper(db, "UPDATE audit_log SET actor = 'carol' WHERE seq = 3"));
    expect((await aaoe('audit', 'verify')).code).toBe(0);

    // delete
    const row = await withStore(async (db) => (await db.query('SELECT * FROM audit_log WHERE seq = 2')).rows[0]!);
    await withStore((db) => tamper(db, 'DELETE FROM audit_log WHERE seq = 2'));
    expect(await aaoe('audit', 'verify')).toMatchObject({ code: 1, stdout: expect.stringContaining('entry 2') });
    await withStore((db) =>
      tamper(db, 'INSERT INTO audit_log SELECT * FROM jsonb_populate_record(NULL::audit_log, $1::jsonb)', [
        JSON.stringify(row),
      ]),
    );
    expect((await aaoe('audit', 'verify')).code).toBe(0);

    // swap two entries' positions
    await withStore((db) =>
      tamper(
        db,
        'UPDATE audit_log SET seq = -seq WHERE seq IN (1, 2); UPDATE audit_log SET seq = CASE seq WHEN -1 THEN 2 ELSE 1 END WHERE seq < 0',
      ),
    );
    expect(await aaoe('audit', 'verify')).toMatchObject({ code: 1, stdout: expect.stringContaining('entry 1') });
  }, 120_000);

  it('lists jobs and refuses to re-run one that is not dead', async () => {
    expect(await aaoe('jobs', 'list', '--state', 'failed')).toMatchObject({ code: 0, stdout: 'no jobs\n' });
    expect((await aaoe('jobs', 'list', '--state', 'dead')).code).toBe(2);
    expect(await aaoe('jobs', 'rerun', '00000000-0000-4000-8000-000000000000')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no failed job'),
    });
  }, 60_000);
});
