import { beforeEach, describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  appendAudit,
  computeAuditHash,
  exportAudit,
  normaliseDecimal,
  readAudit,
  showExecution,
  verifyAudit,
  type AuditInput,
} from '../../../src/adapters/store/audit-log.js';
import { type AuditEntry } from '../../../src/core/execution/records.js';
import type { Database } from '../../../src/adapters/store/database.js';
import { backends, tamper, useMigratedStore } from './backends.js';

describe('normaliseDecimal', () => {
  it.each([
    [0.1, '0.1'],
    [2, '2'],
    [1e-7, '0.0000001'],
    ['0.0120', '0.012'],
    ['007.50', '7.5'],
    ['-0.00', '0'],
    ['3.', '3'],
  ])('%j -> %s', (input, expected) => {
    expect(normaliseDecimal(input)).toBe(expected);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, '1e5', 'abc', ''])('refuses %j', (input) => {
    expect(() => normaliseDecimal(input)).toThrow(RangeError);
  });
});

describe('computeAuditHash', () => {
  const entry = {
    seq: 1,
    at: new Date('2026-01-01T00:00:00.000Z'),
    executionId: 'e1',
    traceId: null,
    actor: 'alice',
    action: 'approved',
    reason: null,
    costUsd: null,
    costTokens: null,
    data: { b: 1, a: 2 },
  };

  it('does not depend on key order and changes with every hashed field', () => {
    const base = computeAuditHash(GENESIS_HASH, entry);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(computeAuditHash(GENESIS_HASH, { ...entry, data: { a: 2, b: 1 } })).toBe(base);
    const variants = [
      { ...entry, seq: 2 },
      { ...entry, at: new Date('2026-01-01T00:00:00.001Z') },
      { ...entry, executionId: 'e2' },
      { ...entry, traceId: 't' },
      { ...entry, actor: 'bob' },
      { ...entry, action: 'approve' },
      { ...entry, reason: '' },
      { ...entry, costUsd: '0' },
      { ...entry, costTokens: 0 },
      { ...entry, data: { a: 2, b: '1' } },
    ];
    for (const variant of variants) expect(computeAuditHash(GENESIS_HASH, variant)).not.toBe(base);
    expect(computeAuditHash('f'.repeat(64), entry)).not.toBe(base);
  });
});

function sample(i: number, overrides: Partial<AuditInput> = {}): AuditInput {
  return {
    actor: `actor-${i}`,
    action: 'note',
    reason: `reason ${i}`,
    executionId: `exec-${i % 3}`,
    traceId: `trace-${i}`,
    costUsd: i / 100,
    costTokens: i * 10,
    data: { i, nested: { z: [1, 'two', null], a: true } },
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    ...overrides,
  };
}

async function appendMany(db: Database, count: number): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (let i = 1; i <= count; i++) entries.push(await appendAudit(db, sample(i)));
  return entries;
}

const CONTENT = 'at, execution_id, trace_id, actor, action, reason, cost_usd, cost_tokens, data';
const ALL = `${CONTENT}, prev_hash, hash`;

describe.each(backends)('audit log on $name', (backend) => {
  const store = useMigratedStore(backend);
  let db: Database;
  beforeEach(() => {
    db = store().db;
  });

  it('verifies an empty log', async () => {
    expect(await verifyAudit(db)).toEqual({ ok: true, count: 0 });
  });

  it('chains entries and reads back exactly what was hashed', async () => {
    const appended = await appendMany(db, 5);
    expect(appended.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(appended[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < appended.length; i++) expect(appended[i]?.prevHash).toBe(appended[i - 1]?.hash);

    const stored: AuditEntry[] = [];
    for await (const entry of readAudit(db)) stored.push(entry);
    expect(stored).toEqual(appended);
    expect(stored[2]).toMatchObject({ costUsd: '0.03', costTokens: 30, data: { i: 3, nested: { a: true } } });
    for (const entry of stored) expect(computeAuditHash(entry.prevHash, entry)).toBe(entry.hash);
    expect(await verifyAudit(db)).toEqual({ ok: true, count: 5 });
  });

  it('stores absent fields as null and truncates the time to milliseconds', async () => {
    const entry = await appendAudit(db, { actor: 'aaoe[bot]', action: 'received', at: new Date(1_767_225_600_123.9) });
    expect(entry).toMatchObject({ executionId: null, reason: null, costUsd: null, costTokens: null, data: null });
    expect(entry.at.toISOString()).toBe('2026-01-01T00:00:00.123Z');
    expect(await verifyAudit(db)).toEqual({ ok: true, count: 1 });
  });

  it('leaves no entry when the caller transaction rolls back', async () => {
    await appendAudit(db, sample(1));
    await expect(
      db.transaction(async (tx) => {
        await appendAudit(tx, sample(2));
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');
    await db.transaction((tx) => appendAudit(tx, sample(3)));
    const seqs: number[] = [];
    for await (const entry of readAudit(db)) seqs.push(entry.seq);
    expect(seqs).toEqual([1, 2]);
    expect(await verifyAudit(db)).toEqual({ ok: true, count: 2 });
  });

  // Ten entries; each case tampers and names the first bad seq.
  it.each<[string, (db: Database) => Promise<void>, number, RegExp]>([
    [
      'UPDATE of a reason',
      (d) => tamper(d, `UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 4`),
      4,
      /content/,
    ],
    ['UPDATE of a cost', (d) => tamper(d, 'UPDATE audit_log SET cost_usd = 0 WHERE seq = 7'), 7, /content/],
    ['UPDATE inside data', (d) => tamper(d, `UPDATE audit_log SET data = '{"i": 10}' WHERE seq = 10`), 10, /content/],
    [
      'UPDATE of the time',
      (d) => tamper(d, `UPDATE audit_log SET at = at + interval '1 ms' WHERE seq = 1`),
      1,
      /content/,
    ],
    [
      'UPDATE with a recomputed hash',
      async (d) => {
        const row = (
          await d.query<AuditEntry>(`SELECT seq, at, execution_id AS "executionId", trace_id AS "traceId",
          actor, action, reason, cost_usd AS "costUsd", cost_tokens AS "costTokens", data, prev_hash AS "prevHash", hash
          FROM audit_log WHERE seq = 4`)
        ).rows[0]!;
        const forged = { ...row, actor: 'mallory' };
        await tamper(d, `UPDATE audit_log SET actor = 'mallory', hash = $1 WHERE seq = 4`, [
          computeAuditHash(row.prevHash, forged),
        ]);
      },
      5,
      /prev_hash/,
    ],
    ['DELETE of a middle entry', (d) => tamper(d, 'DELETE FROM audit_log WHERE seq = 6'), 6, /entry 6 is missing/],
    ['DELETE of the first entry', (d) => tamper(d, 'DELETE FROM audit_log WHERE seq = 1'), 1, /entry 1 is missing/],
    ['DELETE of a range', (d) => tamper(d, 'DELETE FROM audit_log WHERE seq IN (3, 4)'), 3, /entry 3..4 is missing/],
    [
      'DELETE and renumbering',
      (d) => tamper(d, 'DELETE FROM audit_log WHERE seq = 6; UPDATE audit_log SET seq = seq - 1 WHERE seq > 6'),
      6,
      /prev_hash/,
    ],
    [
      'swapping the content of two entries',
      (d) =>
        tamper(
          d,
          `UPDATE audit_log AS t SET (${ALL}) = (SELECT ${ALL} FROM audit_log s WHERE s.seq = 11 - t.seq)
            WHERE t.seq IN (3, 8)`,
        ),
      3,
      /prev_hash/,
    ],
    [
      'swapping the content but keeping the chain columns',
      (d) =>
        tamper(
          d,
          `UPDATE audit_log AS t SET (${CONTENT}) = (SELECT ${CONTENT} FROM audit_log s WHERE s.seq = 11 - t.seq)
            WHERE t.seq IN (3, 8)`,
        ),
      3,
      /content/,
    ],
    [
      'swapping the seq of two entries',
      (d) =>
        tamper(
          d,
          `UPDATE audit_log SET seq = -seq WHERE seq IN (2, 9);
           UPDATE audit_log SET seq = CASE seq WHEN -2 THEN 9 ELSE 2 END WHERE seq IN (-2, -9)`,
        ),
      2,
      /prev_hash/,
    ],
  ])('detects %s at seq %i', async (_name, doTamper, seq, reason) => {
    await appendMany(db, 10);
    expect(await verifyAudit(db)).toEqual({ ok: true, count: 10 });
    await doTamper(db);
    const result = await verifyAudit(db, 3); // a small page size crosses page boundaries
    expect(result).toMatchObject({ ok: false, seq });
    expect(result.ok === false && result.reason).toMatch(reason);
  });

  it('forms one chain from 50 concurrent appends through two connection pools', async () => {
    const peer = await store().peer(2);
    const other = peer === db ? db : peer;
    const appended = await Promise.all(
      Array.from({ length: 50 }, (_, i) => appendAudit(i % 2 === 0 ? db : other, sample(i + 1, { at: undefined }))),
    );
    expect(appended.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await verifyAudit(db)).toEqual({ ok: true, count: 50 });
  });

  it('exports every entry as one JSON line, in seq order, across pages', async () => {
    const appended = await appendMany(db, 7);
    const lines: string[] = [];
    const count = await exportAudit(db, (line) => void lines.push(line), 3);
    expect(count).toBe(7);
    expect(lines).toHaveLength(7);
    for (const line of lines) expect(line).not.toContain('\n');
    const parsed = lines.map((line) => JSON.parse(line) as { seq: number; hash: string; at: string });
    expect(parsed.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(parsed.map((p) => p.hash)).toEqual(appended.map((e) => e.hash));
    expect(parsed[0]).toMatchObject({
      at: '2026-01-01T00:00:01.000Z',
      actor: 'actor-1',
      costUsd: '0.01',
      prevHash: GENESIS_HASH,
    });
  });

  it('shows who approved, why it deployed and what one execution cost', async () => {
    const run = 'exec-42';
    await appendAudit(db, { executionId: run, actor: 'aaoe[bot]', action: 'proposed', costUsd: 0.1, costTokens: 1200 });
    await appendAudit(db, { executionId: 'other', actor: 'aaoe[bot]', action: 'proposed', costUsd: 5, costTokens: 9 });
    await appendAudit(db, { executionId: run, actor: 'alice', action: 'approved', reason: 'looks right' });
    await appendAudit(db, { executionId: run, actor: 'bob', action: 'approved', reason: 'ok' });
    await appendAudit(db, { executionId: run, actor: 'alice', action: 'approved', reason: 'again' });
    await appendAudit(db, {
      executionId: run,
      actor: 'aaoe[bot]',
      action: 'deploying',
      reason: 'policy prod-deploy passed: 2/2 approvals',
      costUsd: '0.2',
      costTokens: 300,
    });
    const audit = await showExecution(db, run);
    expect(audit.entries.map((e) => e.seq)).toEqual([1, 3, 4, 5, 6]);
    expect(audit.approvedBy).toEqual(['alice', 'bob']);
    expect(audit.deploys).toEqual([
      { seq: 6, at: audit.entries[4]?.at, actor: 'aaoe[bot]', reason: 'policy prod-deploy passed: 2/2 approvals' },
    ]);
    expect(audit.cost).toEqual({ usd: '0.3', tokens: 1500 }); // exact, not 0.30000000000000004
    expect((await showExecution(db, 'nothing')).cost).toEqual({ usd: '0', tokens: 0 });
  });
});
