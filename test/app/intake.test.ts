import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Intake, deliveryJob } from '../../src/app/intake.js';
import type { DeliveryJob } from '../../src/workflows/jobs.js';
import { openRuntime, type Runtime } from '../../src/adapters/store/runtime.js';
import { recordDeliveries, unqueuedDeliveries } from '../../src/adapters/store/deliveries.js';
import { examplePayload } from '../support/app-harness.js';

const job = (id: string): DeliveryJob => ({
  id,
  name: 'pull_request',
  action: 'opened',
  kind: 'check',
  pullRequestNumbers: [],
  installationId: 1,
  repository: { owner: 'o', name: 'r' },
  sender: 'octocat',
});

let runtime: Runtime;
beforeAll(async () => {
  // no workers: the queued jobs stay where the test can count them
  runtime = await openRuntime({ database: { memory: true } });
});
afterAll(async () => {
  await runtime?.close();
});

const queued = async () => (await runtime.queue.list({ state: 'created', limit: 10_000 })).map((j) => j.key).sort();

describe('intake', () => {
  it('records concurrent deliveries in shared inserts, each once, and says which were new', async () => {
    const intake = new Intake(runtime);
    const ids = Array.from({ length: 40 }, (_, i) => `d-${String(i).padStart(2, '0')}`);
    // every delivery twice, at once: the second copy of each is a duplicate, also within one insert
    const results = await Promise.all([...ids, ...ids].map((id) => intake.submit(job(id))));
    expect(results.slice(0, 40).every((r) => r)).toBe(true);
    expect(results.slice(40).every((r) => !r)).toBe(true);
    expect(await intake.submit(job('d-00'))).toBe(false);

    await intake.relay();
    expect(await unqueuedDeliveries(runtime.db)).toBe(0);
    expect(await queued()).toEqual(ids.map((id) => `delivery:${id}`));
    await intake.stop();
  });

  it('at start, queues what a process that died had recorded but not queued', async () => {
    await recordDeliveries(runtime.db, [
      { id: 'orphan', event: 'pull_request', action: 'opened', installationId: 1, job: job('orphan') },
    ]);
    expect(await unqueuedDeliveries(runtime.db)).toBe(1);
    const intake = new Intake(runtime);
    expect(await intake.start(60_000)).toBe(1);
    expect(await queued()).toContain('delivery:orphan');
    await intake.stop();
  });

  it('moves a backlog into the queue in batches', async () => {
    const intake = new Intake(runtime, { relayBatch: 7 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => intake.submit(job(`b-${i}`))));
    expect(await intake.relay()).toBe(30);
    expect(await unqueuedDeliveries(runtime.db)).toBe(0);
    await intake.stop();
  });
});

describe('deliveryJob', () => {
  it('keeps the facts the pipeline reads, not the payload', () => {
    const payload = examplePayload('pull_request', 'opened');
    payload.installation = { id: 7 };
    const result = deliveryJob('id-1', 'pull_request', payload)!;
    expect(result).toMatchObject({
      id: 'id-1',
      action: 'opened',
      installationId: 7,
      repository: { owner: payload.repository.owner.login, name: payload.repository.name },
    });
    expect(result.kind).toBe('pull_request');
    expect(result.kind === 'pull_request' && result.pullRequest).toMatchObject({
      number: payload.pull_request.number,
      headSha: payload.pull_request.head.sha,
      updatedAt: payload.pull_request.updated_at,
    });
    expect(JSON.stringify(result).length).toBeLessThan(JSON.stringify(payload).length / 10);
  });

  it('drops what there is nothing to act on: no installation, or a re-run of another app’s check', () => {
    expect(deliveryJob('x', 'pull_request', examplePayload('pull_request', 'opened'))).toBeUndefined();
    const other = examplePayload('check_run', 'rerequested');
    other.installation = { id: 7 };
    other.check_run.name = 'ci/build';
    expect(deliveryJob('x', 'check_run', other)).toBeUndefined();
    other.check_run.name = 'aaoe/policy';
    expect(deliveryJob('x', 'check_run', other)).toMatchObject({ kind: 'check' });
    expect((deliveryJob('x', 'check_run', other) as { pullRequestNumbers?: number[] }).pullRequestNumbers).toEqual(
      other.check_run.pull_requests.map((p: { number: number }) => p.number),
    );
  });
});
