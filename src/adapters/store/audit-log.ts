import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import type { AuditEntry, ExecutionAudit } from '../../core/execution/records.js';
import type { Database, SqlExecutor, Transaction } from './database.js';

/**
 * The audit log: append-only, every entry hash-chained to the one before.
 *
 * Hashing (version 1). For the entry with sequence number `seq`:
 *
 *     hash = hex(sha256(utf8(prev_hash + canonical)))
 *     canonical = safe-stable-stringify({            // keys sorted, no whitespace
 *       v: 1, seq, at, executionId, traceId, actor, action, reason, costUsd, costTokens, data })
 *
 * - `seq` is the position (1, 2, 3 ... without gaps); `prev_hash` is the previous entry's `hash`, and
 *   `GENESIS_HASH` (64 zeros) for seq 1. `prev_hash` and `hash` themselves are not in `canonical`.
 * - `at` is the ISO 8601 UTC string with milliseconds (`Date#toISOString`); it is stored at millisecond
 *   precision so it reads back identical.
 * - `executionId`, `traceId`, `reason`, `costUsd`, `costTokens`, `data`: `null` when absent (never omitted).
 * - `costUsd` is a plain decimal string without exponent or trailing fractional zeros ("0.0123", "2");
 *   the column is `numeric`, which returns that text unchanged.
 * - `costTokens` is an integer number.
 * - `data` is the JSON value as stored (`JSON.parse(JSON.stringify(data))`): keys sorted by the canonical
 *   stringify, so jsonb's own key order does not matter.
 *
 * Because `seq` is hashed, moving or swapping entries breaks their hashes; because `prev_hash` is hashed, an
 * edit or a deletion breaks the next link. Deleting the newest entries (truncating the tail) is not detectable
 * from the chain alone: keep an exported head hash elsewhere for that.
 */

export const GENESIS_HASH = '0'.repeat(64);
export const AUDIT_HASH_VERSION = 1;
/** Key of the transaction-scoped advisory lock that serialises appenders across processes. */
export const AUDIT_APPEND_LOCK_KEY = 0x4161_6f65_00a1;

export type AuditInput = {
  actor: string;
  action: string;
  reason?: string | null;
  executionId?: string | null;
  traceId?: string | null;
  /** US dollars, as a number or a decimal string. */
  costUsd?: number | string | null;
  costTokens?: number | null;
  data?: unknown;
  /** Defaults to the time of the append. */
  at?: Date;
};

export type AuditVerification = { ok: true; count: number } | { ok: false; seq: number; reason: string };

type AuditRow = {
  seq: number;
  at: Date;
  execution_id: string | null;
  trace_id: string | null;
  actor: string;
  action: string;
  reason: string | null;
  cost_usd: string | null;
  cost_tokens: number | null;
  data: unknown;
  prev_hash: string;
  hash: string;
};

const COLUMNS = 'seq, at, execution_id, trace_id, actor, action, reason, cost_usd, cost_tokens, data, prev_hash, hash';
const PAGE_SIZE = 500;

// ---------------------------------------------------------------- hashing (pure)

export function canonicalAuditJson(entry: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  return stringifyObject({
    v: AUDIT_HASH_VERSION,
    seq: entry.seq,
    at: entry.at.toISOString(),
    executionId: entry.executionId,
    traceId: entry.traceId,
    actor: entry.actor,
    action: entry.action,
    reason: entry.reason,
    costUsd: entry.costUsd,
    costTokens: entry.costTokens,
    data: entry.data,
  });
}

export function computeAuditHash(prevHash: string, entry: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  return createHash('sha256')
    .update(prevHash + canonicalAuditJson(entry), 'utf8')
    .digest('hex');
}

function stringifyObject(value: Record<string, unknown>): string {
  const text = stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError('an object always stringifies');
  return text;
}

/** A plain decimal string: no exponent, no trailing fractional zeros. Throws on anything else. */
export function normaliseDecimal(value: number | string): string {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Math.abs(value) >= 1e21)
      throw new RangeError(`cost ${value} is not a usable amount`);
    text = String(value);
    if (/e/i.test(text)) text = value.toFixed(20);
  } else {
    text = value.trim();
  }
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) throw new RangeError(`cost "${value}" is not a decimal number`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const intPart = whole.replace(/^0+(?=\d)/, '');
  const fracPart = fraction.replace(/0+$/, '');
  const body = fracPart ? `${intPart}.${fracPart}` : intPart;
  return body === '0' ? '0' : sign + body;
}

function normaliseInput(input: AuditInput): Omit<AuditEntry, 'seq' | 'at' | 'prevHash' | 'hash'> {
  if (!input.actor) throw new TypeError('an audit entry needs an actor');
  if (!input.action) throw new TypeError('an audit entry needs an action');
  const costTokens = input.costTokens ?? null;
  if (costTokens !== null && !Number.isSafeInteger(costTokens)) {
    throw new RangeError(`costTokens ${costTokens} is not an integer`);
  }
  const json = input.data === undefined ? undefined : JSON.stringify(input.data);
  return {
    executionId: input.executionId ?? null,
    traceId: input.traceId ?? null,
    actor: input.actor,
    action: input.action,
    reason: input.reason ?? null,
    costUsd: input.costUsd === null || input.costUsd === undefined ? null : normaliseDecimal(input.costUsd),
    costTokens,
    data: json === undefined ? null : (JSON.parse(json) as unknown),
  };
}

function toMillis(date: Date): Date {
  return new Date(Math.floor(date.getTime()));
}

function fromRow(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    executionId: row.execution_id,
    traceId: row.trace_id,
    actor: row.actor,
    action: row.action,
    reason: row.reason,
    costUsd: row.cost_usd,
    costTokens: row.cost_tokens,
    data: row.data,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

// ---------------------------------------------------------------- effects

/** Runs `fn` in a transaction: a new one on a `Database`, or the caller's when given a `Transaction`. */
async function inTransaction<T>(db: Database | Transaction, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return 'transaction' in db ? db.transaction(fn) : fn(db);
}

/**
 * Appends one entry. Appenders are serialised by a transaction-scoped advisory lock, so concurrent
 * appenders (any number of connections or processes) still form one chain. Pass a `Transaction` to record
 * the entry atomically with your own change; the lock is then held until your transaction ends.
 */
export async function appendAudit(db: Database | Transaction, input: AuditInput): Promise<AuditEntry> {
  const fields = normaliseInput(input);
  return inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_APPEND_LOCK_KEY]);
    const { rows } = await tx.query<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    const last = rows[0];
    const entry = { ...fields, seq: (last?.seq ?? 0) + 1, at: toMillis(input.at ?? new Date()) };
    const prevHash = last?.hash ?? GENESIS_HASH;
    const hash = computeAuditHash(prevHash, entry);
    await tx.query(
      `INSERT INTO audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric, $9, $10::jsonb, $11, $12)`,
      [
        entry.seq,
        entry.at.toISOString(),
        entry.executionId,
        entry.traceId,
        entry.actor,
        entry.action,
        entry.reason,
        entry.costUsd,
        entry.costTokens,
        entry.data === null ? null : JSON.stringify(entry.data),
        prevHash,
        hash,
      ],
    );
    return { ...entry, prevHash, hash };
  });
}

/** Every entry in seq order, a page at a time (keyset pagination). */
export async function* readAudit(db: SqlExecutor, pageSize = PAGE_SIZE): AsyncGenerator<AuditEntry> {
  let after = 0;
  for (;;) {
    const { rows } = await db.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, [
      after,
      pageSize,
    ]);
    for (const row of rows) yield fromRow(row);
    const last = rows.at(-1);
    if (!last || rows.length < pageSize) return;
    after = last.seq;
  }
}

/**
 * Walks the chain from seq 1 and names the first bad entry:
 * a missing entry (gap, or the first entry is not 1), a broken link (`prev_hash` is not the previous
 * entry's `hash`: an entry before it was removed, replaced or moved), or content that no longer matches its
 * `hash` (edited, or moved to another seq).
 */
export async function verifyAudit(db: SqlExecutor, pageSize = PAGE_SIZE): Promise<AuditVerification> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  for await (const entry of readAudit(db, pageSize)) {
    if (entry.seq !== expectedSeq) {
      const missing = entry.seq - 1 === expectedSeq ? `${expectedSeq}` : `${expectedSeq}..${entry.seq - 1}`;
      return { ok: false, seq: expectedSeq, reason: `entry ${missing} is missing (the next entry is ${entry.seq})` };
    }
    if (entry.prevHash !== prevHash) {
      return {
        ok: false,
        seq: entry.seq,
        reason: `its prev_hash does not match the hash of entry ${entry.seq - 1}: the chain is broken before it`,
      };
    }
    if (computeAuditHash(entry.prevHash, entry) !== entry.hash) {
      return {
        ok: false,
        seq: entry.seq,
        reason: 'its content does not match its hash: the entry was edited or moved',
      };
    }
    prevHash = entry.hash;
    expectedSeq += 1;
    count += 1;
  }
  return { ok: true, count };
}

/** The JSON line of an entry (keys sorted, `at` as ISO 8601). */
export function auditEntryJson(entry: AuditEntry): string {
  return stringifyObject({ ...entry, at: entry.at.toISOString() });
}

/** Streams every entry as one JSON line (without the newline) in seq order. Returns the count. */
export async function exportAudit(
  db: SqlExecutor,
  write: (line: string) => void | Promise<void>,
  pageSize = PAGE_SIZE,
): Promise<number> {
  let count = 0;
  for await (const entry of readAudit(db, pageSize)) {
    await write(auditEntryJson(entry));
    count += 1;
  }
  return count;
}

/** Actions whose actor counts as an approver, and actions that explain a deploy, in `showExecution`. */
export const APPROVAL_ACTIONS: ReadonlySet<string> = new Set(['approve', 'approved', 'approval']);
export const DEPLOY_ACTIONS: ReadonlySet<string> = new Set(['deploy', 'deploying', 'deployed', 'promote', 'promoted']);

/** The entries of one execution, with who approved, why it deployed and what it cost. */
export async function showExecution(db: SqlExecutor, executionId: string): Promise<ExecutionAudit> {
  const { rows } = await db.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE execution_id = $1 ORDER BY seq`, [
    executionId,
  ]);
  const sums = await db.query<{ usd: string; tokens: number }>(
    `SELECT COALESCE(SUM(cost_usd), 0)::text AS usd, COALESCE(SUM(cost_tokens), 0)::bigint AS tokens
       FROM audit_log WHERE execution_id = $1`,
    [executionId],
  );
  const entries = rows.map(fromRow);
  const approvedBy = [...new Set(entries.filter((e) => APPROVAL_ACTIONS.has(e.action)).map((e) => e.actor))];
  const deploys = entries
    .filter((e) => DEPLOY_ACTIONS.has(e.action))
    .map((e) => ({ seq: e.seq, at: e.at, actor: e.actor, reason: e.reason }));
  const sum = sums.rows[0];
  return {
    executionId,
    entries,
    approvedBy,
    deploys,
    cost: { usd: normaliseDecimal(sum?.usd ?? '0'), tokens: sum?.tokens ?? 0 },
  };
}
