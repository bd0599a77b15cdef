import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportChain, showAudit, verifyChain } from '../../src/cli/audit-command.js';
import { runCli } from '../../src/cli/aaoe.js';
import { appendAudit } from '../../src/adapters/store/audit-log.js';
import type { Database } from '../../src/adapters/store/database.js';
import { backends, tamper, useMigratedStore } from '../adapters/store/backends.js';

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) }, out, err };
}

describe.each(backends)('aaoe audit on $name', (backend) => {
  const store = useMigratedStore(backend);
  let db: Database;
  beforeEach(async () => {
    db = store().db;
    const at = new Date('2026-03-01T12:00:00.000Z');
    await appendAudit(db, {
      executionId: 'x1',
      actor: 'aaoe[bot]',
      action: 'proposed',
      costUsd: '0.25',
      costTokens: 800,
      at,
    });
    await appendAudit(db, { executionId: 'x1', actor: 'carol', action: 'approved', reason: 'reviewed the diff', at });
    await appendAudit(db, { executionId: 'x1', actor: 'aaoe[bot]', action: 'deployed', reason: 'canary promoted', at });
  });

  it('verify: exit 0 on an intact chain', async () => {
    const { io, out } = captureIo();
    expect(await verifyChain(db, io)).toBe(0);
    expect(out).toEqual(['audit log verified: 3 entries, chain intact']);
  });

  it('verify: exit 1 naming the first bad entry', async () => {
    await tamper(db, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`);
    const { io, out } = captureIo();
    expect(await verifyChain(db, io)).toBe(1);
    expect(out.join('\n')).toMatch(/^audit log tampered: entry 2: /);
  });

  it('export: one JSON line per entry, in order', async () => {
    const { io, out } = captureIo();
    expect(await exportChain(db, io)).toBe(0);
    expect(out.map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual([1, 2, 3]);
  });

  it('show: who approved, why it deployed, what it cost', async () => {
    const { io, out } = captureIo();
    expect(await showAudit(db, io, 'x1', 'text')).toBe(0);
    expect(out.join('\n')).toBe(
      [
        'execution x1: 3 audit entries',
        '',
        '#1 2026-03-01T12:00:00.000Z aaoe[bot] proposed ($0.25, 800 tokens)',
        '#2 2026-03-01T12:00:00.000Z carol approved — reviewed the diff',
        '#3 2026-03-01T12:00:00.000Z aaoe[bot] deployed — canary promoted',
        '',
        'approved by: carol',
        'deployed (#3) by aaoe[bot]: canary promoted',
        'cost: $0.25, 800 tokens',
      ].join('\n'),
    );
    const json = captureIo();
    expect(await showAudit(db, json.io, 'x1', 'json')).toBe(0);
    expect(JSON.parse(json.out.join(''))).toMatchObject({ approvedBy: ['carol'], cost: { usd: '0.25', tokens: 800 } });
  });

  it('show: exit 1 for an execution without entries', async () => {
    const { io, err } = captureIo();
    expect(await showAudit(db, io, 'nope', 'text')).toBe(1);
    expect(err.join('')).toContain('no audit entries for execution "nope"');
  });
});

describe('aaoe audit: arguments are checked before the store is opened', () => {
  // an empty data directory: a command that opened the store would create pglite/ in it (or say there is no store)
  const dataDir = mkdtempSync(join(tmpdir(), 'aaoe-audit-args-'));
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    [[]],
    [['frobnicate']],
    [['verify', 'extra']],
    [['verify', '--format', 'jsonl']],
    [['export', '--format', 'csv']],
    [['export', '--unknown']],
    [['show']],
    [['show', 'a', 'b']],
    [['show', 'x1', '--format', 'yaml']],
  ])('exit 2 with the usage on bad arguments %j, the store untouched', async (args) => {
    const { io, err } = captureIo();
    expect(await runCli(['audit', ...args], io, { AAOE_DATA_DIR: dataDir })).toBe(2);
    expect(err.join('\n')).toContain('Usage: aaoe audit');
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it.each([[['show', '--help']], [['--help']], [['verify', '--help']]])(
    '%j prints the help, exit 0, no store opened',
    async (args) => {
      const { io, out } = captureIo();
      expect(await runCli(['audit', ...args], io, { AAOE_DATA_DIR: dataDir })).toBe(0);
      expect(out.join('\n')).toContain('Examples:');
      expect(readdirSync(dataDir)).toEqual([]);
    },
  );
});
