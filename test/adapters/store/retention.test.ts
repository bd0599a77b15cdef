import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../../src/adapters/store/runtime.js';
import { appendAudit, verifyAudit } from '../../../src/adapters/store/audit-log.js';
import { pruneStore, retentionFromEnv, RETENTION_DEFAULTS } from '../../../src/adapters/store/retention.js';

let runtime: Runtime;
const now = new Date('2026-11-23T12:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

beforeAll(async () => {
  runtime = await openRuntime({ database: { memory: true } });
});
afterAll(async () => {
  await runtime?.close();
});

describe('retentionFromEnv', () => {
  it('defaults, settings, and every invalid one named with its minimum', () => {
    expect(retentionFromEnv({})).toEqual({ ok: true, retention: RETENTION_DEFAULTS });
    expect(retentionFromEnv({ AAOE_RETAIN_DELIVERIES_DAYS: '10', AAOE_RETAIN_MODEL_CALLS_DAYS: '90' })).toEqual({
      ok: true,
      retention: { ...RETENTION_DEFAULTS, deliveriesDays: 10, modelCallsDays: 90 },
    });
    expect(
      retentionFromEnv({
        AAOE_RETAIN_DELIVERIES_DAYS: '1',
        AAOE_RETAIN_MODEL_CALLS_DAYS: '30',
        AAOE_RETAIN_JOBS_DAYS: 'week',
      }),
    ).toEqual({
      ok: false,
      errors: [
        'AAOE_RETAIN_DELIVERIES_DAYS must be a whole number of days, at least 3, not "1"',
        'AAOE_RETAIN_JOBS_DAYS must be a whole number of days, at least 1, not "week"',
        'AAOE_RETAIN_MODEL_CALLS_DAYS must be a whole number of days, at least 62, not "30"',
      ],
    });
  });
});

describe('pruneStore', () => {
  it("deletes old queued deliveries, old archived jobs and old model calls of ended executions; never the audit log, a waiting delivery or a live execution's calls", async () => {
    const db = runtime.db;
    await db.query(
      `INSERT INTO deliveries (id, event, received_at, job) VALUES ('old-queued', 'push', $1, NULL), ('old-waiting', 'push', $1, '{}'::jsonb), ('new-queued', 'push', $2, NULL)`,
      [daysAgo(40), daysAgo(5)],
    );
    await db.query(
      `INSERT INTO executions (id, repo, state) VALUES ('x-done', 'o/r', 'completed'), ('x-live', 'o/r', 'awaiting_approval')`,
    );
    const call = (id: string | null, at: string) =>
      db.query(
        `INSERT INTO model_calls (execution_id, repo, model, outcome, input_tokens, output_tokens, cost_usd, ms, at) VALUES ($1, 'o/r', 'm', 'ok', 1, 1, 0.1, 1, $2)`,
        [id, at],
      );
    await call('x-done', daysAgo(500));
    await call('x-live', daysAgo(500));
    await call(null, daysAgo(500));
    await call('x-done', daysAgo(10));
    await appendAudit(db, { actor: 'alice', action: 'approve', at: new Date(daysAgo(900)) });
    const archived = (at: string) =>
      db.query(
        `INSERT INTO pgboss.archive (id, name, priority, data, state, retry_limit, retry_count, retry_delay, retry_backoff, start_after, expire_in, created_on, keep_until, archived_on)
         VALUES (gen_random_uuid(), 'aaoe.effect', 0, '{}'::jsonb, 'completed', 8, 0, 2, true, $1, interval '5 minutes', $1, $1, $1)`,
        [at],
      );
    await archived(daysAgo(20));
    await archived(daysAgo(1));
    // fired timers go with the jobs they became; one not fired yet stays, however old
    const timer = (key: string, firedAt: string | null) =>
      db.query(
        `INSERT INTO timers (key, execution_id, due_at, job, fired_at) VALUES ($1, 'x-done', $2, '{}'::jsonb, $3)`,
        [key, daysAgo(30), firedAt],
      );
    await timer('fired-long-ago', daysAgo(20));
    await timer('fired-yesterday', daysAgo(0.5));
    await timer('waiting', null);

    expect(await pruneStore(db, RETENTION_DEFAULTS, now)).toEqual({ deliveries: 1, jobs: 1, timers: 1, modelCalls: 2 });
    expect((await db.query<{ key: string }>('SELECT key FROM timers ORDER BY key')).rows.map((r) => r.key)).toEqual([
      'fired-yesterday',
      'waiting',
    ]);
    expect((await db.query<{ id: string }>('SELECT id FROM deliveries ORDER BY id')).rows.map((r) => r.id)).toEqual([
      'new-queued',
      'old-waiting',
    ]);
    expect(
      (await db.query<{ execution_id: string | null }>('SELECT execution_id FROM model_calls ORDER BY id')).rows.map(
        (r) => r.execution_id,
      ),
    ).toEqual(['x-live', 'x-done']);
    expect(await verifyAudit(db)).toEqual({ ok: true, count: 1 });
    expect(await pruneStore(db, RETENTION_DEFAULTS, now)).toEqual({ deliveries: 0, jobs: 0, timers: 0, modelCalls: 0 });
  });
});
