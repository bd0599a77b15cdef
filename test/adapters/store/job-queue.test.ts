import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue } from '../../../src/adapters/store/job-queue.js';
import { QUEUES, jobIdFor, type Job } from '../../../src/adapters/store/job-shapes.js';
import { migrate } from '../../../src/adapters/store/migrations.js';
import { backends, type TestStore } from './backends.js';

describe('jobIdFor', () => {
  it('derives one UUID per key', () => {
    expect(jobIdFor('a')).toBe(jobIdFor('a'));
    expect(jobIdFor('a')).not.toBe(jobIdFor('b'));
    expect(jobIdFor('delivery:x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe.each(backends)('job queue on $name', (backend) => {
  let store: TestStore;
  let queue: JobQueue;
  const schema = `boss_${randomBytes(4).toString('hex')}`;
  const seen: Array<{ key: string; attempt: number; at: number }> = [];
  const failUntil = new Map<string, number>();

  beforeAll(async () => {
    store = await backend.create();
    await migrate(store.db);
    queue = await JobQueue.open(store.db, {
      schema,
      retryLimit: 2,
      retryDelaySeconds: 1,
      maintenanceIntervalSeconds: 1,
    });
    await queue.work<{ n: number }>(QUEUES.effect, async (job: Job<{ n: number }>) => {
      seen.push({ key: job.key, attempt: job.attempt, at: Date.now() });
      const failures = failUntil.get(job.key) ?? 0;
      if (job.attempt < failures) throw new Error(`planned failure ${job.attempt + 1} of ${job.key}`);
    });
  }, 60_000);
  afterAll(async () => {
    await queue?.stop();
    if (backend.name === 'postgres') await store.db.query(`DROP SCHEMA ${schema} CASCADE`);
    await store?.dispose();
  });

  const runsOf = (key: string) => seen.filter((s) => s.key === key);

  it("enqueues in the caller's transaction: a rollback leaves no job", async () => {
    await expect(
      store.db.transaction(async (tx) => {
        await queue.enqueue(tx, QUEUES.effect, 'rolled-back', { n: 1 });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await store.db.transaction((tx) => queue.enqueue(tx, QUEUES.effect, 'committed', { n: 2 }));
    queue.wake(QUEUES.effect);
    await queue.idle();
    expect(runsOf('rolled-back')).toEqual([]);
    expect(runsOf('committed')).toHaveLength(1);
  });

  it('makes one job of one key, however often and concurrently it is enqueued', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        store.db.transaction((tx) => queue.enqueue(tx, QUEUES.effect, 'same-key', { n: 3 })),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    queue.wake(QUEUES.effect);
    await queue.idle();
    // and again after it completed
    expect(await store.db.transaction((tx) => queue.enqueue(tx, QUEUES.effect, 'same-key', { n: 3 }))).toBe(false);
    await queue.idle();
    expect(runsOf('same-key')).toHaveLength(1);
  });

  it('retries a failing job with growing delays, then keeps it failed (dead) and re-runnable', async () => {
    failUntil.set('flaky', 2);
    failUntil.set('dead', 99);
    await store.db.transaction(async (tx) => {
      await queue.enqueue(tx, QUEUES.effect, 'flaky', { n: 4 });
      await queue.enqueue(tx, QUEUES.effect, 'dead', { n: 5 });
    });
    queue.wake(QUEUES.effect);
    await queue.idle(60_000);

    const flaky = runsOf('flaky');
    expect(flaky.map((r) => r.attempt)).toEqual([0, 1, 2]);
    // backoff: the second wait is longer than the first (1 s, then about 2 s)
    const waits = [flaky[1]!.at - flaky[0]!.at, flaky[2]!.at - flaky[1]!.at];
    expect(waits[0]).toBeGreaterThanOrEqual(900);
    expect(waits[1]).toBeGreaterThan(waits[0]!);

    expect(runsOf('dead').map((r) => r.attempt)).toEqual([0, 1, 2]);
    const dead = await queue.list({ state: 'failed' });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ key: 'dead', queue: QUEUES.effect, attempts: 3, retryLimit: 2 });
    expect(dead[0]!.error).toContain('planned failure 3 of dead');

    failUntil.set('dead', 0);
    expect(await queue.rerun(dead[0]!.id)).toBe(true);
    await queue.idle(30_000);
    expect(runsOf('dead').length).toBe(4);
    expect(await queue.list({ state: 'failed' })).toEqual([]);
    expect(await queue.rerun(dead[0]!.id)).toBe(false); // completed now
    expect(await queue.rerun('not-a-uuid')).toBe(false);
  }, 90_000);
});
