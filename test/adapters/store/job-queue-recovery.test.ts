import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/adapters/store/database.js';
import { HANDED_BACK, ORPHANED, QUEUES, type Job } from '../../../src/adapters/store/job-shapes.js';
import { JobQueue } from '../../../src/adapters/store/job-queue.js';
import { migrate } from '../../../src/adapters/store/migrations.js';
import { backends, type TestStore } from './backends.js';

/**
 * The jobs of a process that stopped: retried within seconds after a crash (embedded: at open; PostgreSQL: by the
 * sweep of any process, when the job's key lock is gone), never while their runner still holds the lock, and handed
 * back on a graceful stop. Each test has its own store and pg-boss schema.
 */

type Seen = { key: string; attempt: number; at: number };
const waitFor = async (what: string, ok: () => boolean, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close().catch(() => {});
});

async function setUp(backend: (typeof backends)[number]) {
  const store: TestStore = await backend.create();
  await migrate(store.db);
  const schema = `boss_${randomBytes(4).toString('hex')}`;
  opened.push(async () => {
    if (backend.name === 'postgres') await store.db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await store.dispose();
  });
  const open = async (db: Database, options: Parameters<typeof JobQueue.open>[1] = {}) => {
    const queue = await JobQueue.open(db, { schema, retryDelaySeconds: 1, ...options });
    opened.push(() => queue.stop(0));
    return queue;
  };
  const enqueue = (queue: JobQueue, key: string) =>
    store.db.transaction((tx) => queue.enqueue(tx, QUEUES.effect, key, { n: 1 }));
  return { store, schema, open, enqueue };
}

/** A handler that records each run and, for keys in `hang`, waits until released. */
function recorder() {
  const seen: Seen[] = [];
  const hang = new Map<string, Promise<void>>();
  const releases: Array<() => void> = [];
  const hold = (key: string) => hang.set(key, new Promise<void>((resolve) => releases.push(resolve)));
  const handler = async (job: Job<unknown>) => {
    seen.push({ key: job.key, attempt: job.attempt, at: Date.now() });
    await hang.get(job.key);
  };
  return { seen, hold, handler, releaseAll: () => releases.forEach((r) => r()) };
}

describe.each(backends)('job recovery on $name', (backend) => {
  it('hands a job that outlives the drain back for an immediate retry, not counted against its limit', async () => {
    const { store, open, enqueue } = await setUp(backend);
    const first = await open(store.db);
    const runs = recorder();
    runs.hold('slow');
    await first.work(QUEUES.effect, runs.handler);
    await enqueue(first, 'slow');
    first.wake(QUEUES.effect);
    await waitFor('the job to start', () => runs.seen.length === 1);

    const started = Date.now();
    await first.stop(300);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(first.running).toBe(0);
    const [job] = await first.list();
    expect(job).toMatchObject({ key: 'slow', state: 'retry', retryLimit: 9, error: HANDED_BACK });
    runs.releaseAll();

    // the next runner takes it (after the hold-off on PostgreSQL) as a second attempt: it looks for what the first did
    const next = await open(store.db);
    const again = recorder();
    await next.work(QUEUES.effect, again.handler);
    await waitFor('the handed-back job to run again', () => again.seen.length === 1, 10_000);
    expect(again.seen[0]).toMatchObject({ key: 'slow', attempt: 1 });
    await next.idle();
    expect((await next.list())[0]).toMatchObject({ state: 'completed', attempts: 2, retryLimit: 9 });
  }, 30_000);

  it('takes no new job while it drains', async () => {
    const { store, open, enqueue } = await setUp(backend);
    const queue = await open(store.db);
    const runs = recorder();
    runs.hold('running');
    await queue.work(QUEUES.effect, runs.handler, 1);
    await enqueue(queue, 'running');
    queue.wake(QUEUES.effect);
    await waitFor('the job to start', () => runs.seen.length === 1);
    await enqueue(queue, 'waiting');
    setTimeout(() => runs.releaseAll(), 300);
    await queue.stop(5000);
    expect(runs.seen.map((s) => s.key)).toEqual(['running']);
    const states = Object.fromEntries((await queue.list()).map((j) => [j.key, j.state]));
    expect(states).toEqual({ running: 'completed', waiting: 'created' });
  }, 30_000);
});

describe('job recovery on pglite: at open', () => {
  it('retries every job left active (one process owns the data directory), counting the cut-off attempt', async () => {
    const { store, schema, open, enqueue } = await setUp(backends[0]!);
    const first = await open(store.db);
    await enqueue(first, 'cut-off');
    await enqueue(first, 'last-attempt');
    // what a process that died leaves: jobs it had taken, still `active`
    await store.db.query(`UPDATE ${schema}.job SET state = 'active', started_on = now() WHERE name = $1`, [
      QUEUES.effect,
    ]);
    await store.db.query(`UPDATE ${schema}.job SET retry_count = retry_limit WHERE data->>'key' = 'last-attempt'`);
    await first.stop(0);

    const next = await open(store.db);
    expect(next.orphansAtOpen).toBe(2);
    const states = Object.fromEntries((await next.list()).map((j) => [j.key, { state: j.state, error: j.error }]));
    expect(states).toEqual({
      'cut-off': { state: 'retry', error: ORPHANED },
      'last-attempt': { state: 'failed', error: ORPHANED },
    });
    const runs = recorder();
    const started = Date.now();
    await next.work(QUEUES.effect, runs.handler);
    await waitFor('the orphan to run', () => runs.seen.length === 1, 5_000);
    expect(runs.seen).toMatchObject([{ key: 'cut-off', attempt: 1 }]);
    expect(runs.seen[0]!.at - started).toBeLessThan(2_000);
  }, 30_000);
});

describe.skipIf(backends.length < 2)('job recovery on postgres: the sweep', () => {
  const postgres = backends[1]!;
  const fast = { sweepIntervalSeconds: 0.5, orphanGraceSeconds: 1 };

  it('retries within seconds a job whose runner lost its connection (its key lock died with it)', async () => {
    const { store, schema, open, enqueue } = await setUp(postgres);
    const survivor = await open(store.db, fast);
    await enqueue(survivor, 'orphan');
    // the other "process", on its own connection: it takes the job as pg-boss does and holds the job's key lock
    const dying = new pg.Client({ connectionString: process.env.AAOE_TEST_DATABASE_URL });
    dying.on('error', () => {});
    await dying.connect();
    await dying.query(`UPDATE ${schema}.job SET state = 'active', started_on = now() WHERE data->>'key' = 'orphan'`);
    await dying.query(`SELECT pg_advisory_lock(hashtextextended('job:orphan', 0))`);
    const runs = recorder();
    await survivor.work(QUEUES.effect, runs.handler);
    // while the lock is held, sweeps leave it alone, the grace long past
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await survivor.list())[0]).toMatchObject({ key: 'orphan', state: 'active' });
    expect(runs.seen).toEqual([]);

    // the process dies: the server ends its session, and the session's advisory locks with it
    const { rows } = await dying.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await store.db.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    const diedAt = Date.now();
    await waitFor('the orphan to run in the survivor', () => runs.seen.length === 1, 10_000);
    expect(runs.seen[0]).toMatchObject({ key: 'orphan', attempt: 1 });
    expect(runs.seen[0]!.at - diedAt).toBeLessThan(5_000);
    await survivor.idle();
    expect((await survivor.list())[0]).toMatchObject({ key: 'orphan', state: 'completed', attempts: 2 });
  }, 30_000);

  it('never takes a slow job that still runs (its runner holds the lock)', async () => {
    const { store, open, enqueue } = await setUp(postgres);
    const runner = await open(store.db, fast);
    const other = await open(await store.peer(4), fast);
    const runs = recorder();
    runs.hold('slow');
    await runner.work(QUEUES.effect, runs.handler, 1);
    await other.work(QUEUES.effect, runs.handler, 2);
    await enqueue(runner, 'slow');
    runner.wake(QUEUES.effect);
    other.wake(QUEUES.effect);
    await waitFor('the job to start', () => runs.seen.length === 1);
    // many sweeps of both processes, the grace long past
    await new Promise((r) => setTimeout(r, 5_000));
    runs.releaseAll();
    await runner.idle();
    expect(runs.seen.map((s) => s.attempt)).toEqual([0]);
    expect((await runner.list())[0]).toMatchObject({ key: 'slow', state: 'completed', attempts: 1, error: null });
  }, 30_000);
});
