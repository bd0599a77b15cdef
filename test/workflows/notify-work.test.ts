import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { notify } from '../../src/workflows/notify-work.js';
import { openDebugIssue } from '../../src/workflows/debug-issue-work.js';
import { type NotifyGitHub, type NotifyPolicy, type NotifyPorts } from '../../src/workflows/notify-ports.js';
import { NotificationsPolicy, type NotifyEvent } from '../../src/core/notify/notifications-schema.js';
import { type NotifyDestinations } from '../../src/adapters/notify/config.js';
import { deliveryIdFor } from '../../src/core/notify/message.js';
import { showExecution } from '../../src/adapters/store/audit-log.js';
import { saveDeployReport } from '../../src/adapters/store/deploy-reports.js';
import { openDatabase, type Database } from '../../src/adapters/store/database.js';
import { isDone, type EffectJob } from '../../src/adapters/store/executions.js';
import { type ExecutionRecord } from '../../src/core/execution/records.js';
import type { Job } from '../../src/adapters/store/job-shapes.js';
import { MIGRATIONS, migrate } from '../../src/adapters/store/migrations.js';
import { getNotificationDeliveries, listNotificationDeliveries } from '../../src/adapters/store/notifications.js';
import { rollbackReport, rolledBackExecution, startReceiver, type Receiver } from '../core/notify/support.js';

const SECRET = 'receiver-shared-secret-0123456789';
let db: Database;
let seq = 0;

beforeAll(async () => {
  db = await openDatabase({ memory: true });
  await migrate(db, MIGRATIONS);
});
afterAll(() => db.close());

let receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});
async function receiver(statuses: number[]): Promise<Receiver> {
  const r = await startReceiver(statuses);
  receivers.push(r);
  return r;
}

/** A fresh execution and its `notify` job (each test has its own keys). */
function jobFor(about: NotifyEvent): { job: Job<EffectJob>; execution: ExecutionRecord } {
  seq += 1;
  const execution = rolledBackExecution({ id: `exec-${seq}` });
  const key = `${execution.id}:7:2:notify`;
  return {
    execution,
    job: {
      id: `job-${seq}`,
      key,
      attempt: 0,
      data: { executionId: execution.id, traceId: 'trace-1', effect: { type: 'notify', about, key } },
    },
  };
}

function ports(destinations: NotifyDestinations['destinations'], over: Partial<NotifyPorts> = {}): NotifyPorts {
  return {
    runtime: { db },
    now: () => new Date('2026-03-01T10:04:00.000Z'),
    destinations: { destinations, delivery: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000 } },
    latestDeployReport: async (_db, executionId) => rollbackReport({ executionId }),
    botLogin: async () => 'aaoe[bot]',
    ...over,
  };
}

/** GitHub as far as comments go: every upsert, by issue number and marker (the adapter itself is tested on the simulator). */
function fakeGitHub(): NotifyGitHub & { comments: Map<string, string> } {
  const comments = new Map<string, string>();
  return {
    comments,
    upsertComment: async (issueNumber, marker, body) => {
      comments.set(`${issueNumber} ${marker}`, body);
      return comments.size;
    },
    createIssue: async () => {
      throw new Error('not used here');
    },
    findOpenIssueWithMarker: async () => undefined,
  };
}

const policy = (routes: unknown): NotifyPolicy => ({
  notifications: NotificationsPolicy.parse(routes),
  trigger: { label: 'aaoe' },
});

describe('notify (the effect handler)', () => {
  it('sends a rollback to Slack, a signed webhook and the pull request, and records each delivery', async () => {
    const slack = await receiver([200]);
    const hook = await receiver([200]);
    const github = fakeGitHub();
    const { job, execution } = jobFor('rollback');
    const routes = policy([
      { to: 'ops-slack', on: ['rollback', 'failed'] },
      { to: 'pager', on: ['rollback'] },
      { to: 'github', on: ['rollback'], mention: ['@acme/sre'], where: ['pull_request'] },
      { to: 'ops-slack', on: ['completed'] },
    ]);
    const result = await notify(
      ports({
        'ops-slack': { type: 'slack', url: slack.url },
        pager: { type: 'webhook', url: hook.url, secret: SECRET },
      }),
      job,
      execution,
      'rollback',
      routes,
      github,
    );

    expect(result).toEqual({
      event: 'rollback',
      delivered: ['ops-slack', 'pager', 'github:pull_request#12'],
      failed: [],
    });
    expect(slack.requests).toHaveLength(1);
    expect(JSON.parse(slack.requests[0]!.body).text).toContain('Roll back: 1 interval failed');
    const payload = JSON.parse(hook.requests[0]!.body);
    expect(payload).toMatchObject({
      version: 1,
      event: 'rollback',
      repository: 'acme/shop',
      execution: { id: execution.id },
      pullRequest: { number: 12 },
      runUrl: 'https://github.com/acme/shop/actions/runs/991',
    });
    expect(payload.reason).toMatch(/^Roll back: 1 interval failed \(limit 0, 3 intervals judged of 5\): /);
    expect(hook.requests[0]!.headers['x-aaoe-signature-256']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(hook.requests[0]!.body).digest('hex')}`,
    );
    const [comment] = [...github.comments.entries()];
    expect(comment![0]).toBe(`12 <!-- aaoe:notify ${job.key} -->`);
    expect(comment![1]).toContain('@acme/sre **AAOE: deployment rolled back**');

    const rows = await getNotificationDeliveries(db, job.key);
    expect(rows.map((r) => [r.destination, r.status, r.attempts, r.lastStatus])).toEqual([
      ['github:pull_request#12', 'delivered', 1, null],
      ['ops-slack', 'delivered', 1, 200],
      ['pager', 'delivered', 1, 200],
    ]);
    expect(rows.find((r) => r.destination === 'pager')!.deliveryId).toBe(hook.requests[0]!.headers['x-aaoe-delivery']);
    expect(rows.every((r) => r.deliveredAt === '2026-03-01T10:04:00.000Z')).toBe(true);
    expect(await isDone(db, job.key)).toBe(true);
    const audit = (await showExecution(db, execution.id)).entries;
    expect(audit.map((e) => [e.action, e.reason])).toEqual([
      ['notified', 'rollback: delivered to ops-slack, pager, github:pull_request#12'],
    ]);
  });

  it('a webhook that answers 500 twice then 200 is delivered and recorded with 3 attempts', async () => {
    const hook = await receiver([500, 500, 200]);
    const { job, execution } = jobFor('rollback');
    const result = await notify(
      ports({ pager: { type: 'webhook', url: hook.url, secret: SECRET } }),
      job,
      execution,
      'rollback',
      policy([{ to: 'pager', on: ['rollback'] }]),
      fakeGitHub(),
    );
    expect(result.delivered).toEqual(['pager']);
    expect(hook.requests).toHaveLength(3);
    const [row] = await getNotificationDeliveries(db, job.key);
    expect(row).toMatchObject({
      destination: 'pager',
      status: 'delivered',
      attempts: 3,
      lastStatus: 200,
      lastError: null,
      deliveryId: deliveryIdFor(job.key, 'pager'),
    });
  });

  it('a destination that always fails, and one the operator never defined, are recorded failed; notify returns and the job is done', async () => {
    const down = await receiver([500]);
    const fine = await receiver([200]);
    const { job, execution } = jobFor('failed');
    const started = Date.now();
    const result = await notify(
      ports({ down: { type: 'webhook', url: down.url, secret: SECRET }, fine: { type: 'slack', url: fine.url } }),
      job,
      {
        ...execution,
        state: 'failed',
        work: { ...execution.work!, failure: 'the model router had no model left within the cost cap' },
      },
      'failed',
      policy([
        { to: 'down', on: ['failed'] },
        { to: 'typo-slack', on: ['failed'] },
        { to: 'fine', on: ['failed'] },
      ]),
      fakeGitHub(),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.delivered).toEqual(['fine']);
    expect(result.failed).toEqual([
      { destination: 'down', error: 'HTTP 500 after 3 attempts' },
      {
        destination: 'typo-slack',
        error:
          'no destination "typo-slack": the operator\'s AAOE_NOTIFY_DESTINATIONS does not define it (defined: down, fine)',
      },
    ]);
    expect(JSON.parse(fine.requests[0]!.body).text).toContain('no model left within the cost cap');
    const rows = await getNotificationDeliveries(db, job.key);
    expect(rows.map((r) => [r.destination, r.status, r.attempts, r.lastStatus, r.deliveredAt === null])).toEqual([
      ['down', 'failed', 3, 500, true],
      ['fine', 'delivered', 1, 200, false],
      ['typo-slack', 'failed', 0, null, true],
    ]);
    expect(rows.find((r) => r.destination === 'typo-slack')!.lastError).toMatch(/does not define it/);
    expect(await isDone(db, job.key)).toBe(true);
    const [entry] = (await showExecution(db, execution.id)).entries;
    expect(entry).toMatchObject({
      action: 'notification_failed',
      data: { event: 'failed', delivered: ['fine'], failed: ['down', 'typo-slack'] },
    });
    expect(entry!.reason).toContain(
      'failed: down (HTTP 500 after 3 attempts); typo-slack (no destination "typo-slack"',
    );
  });

  it('a job that runs again sends nothing again: not when it is done, and after a crash before it was marked done only to destinations that lack it', async () => {
    const slack = await receiver([200]);
    const flaky = await receiver([500, 500, 500, 200]);
    const github = fakeGitHub();
    const { job, execution } = jobFor('rollback');
    const p = ports({
      'ops-slack': { type: 'slack', url: slack.url },
      flaky: { type: 'webhook', url: flaky.url, secret: SECRET },
    });
    const routes = policy([
      { to: 'ops-slack', on: ['rollback'] },
      { to: 'flaky', on: ['rollback'] },
      { to: 'github', on: ['rollback'] },
    ]);
    // the process dies after sending, before the job is marked done
    const dying: NotifyPorts = {
      ...p,
      runtime: { db: { ...db, transaction: () => Promise.reject(new Error('the process died')) } },
    };
    await expect(notify(dying, job, execution, 'rollback', routes, github)).rejects.toThrow('the process died');
    expect(await isDone(db, job.key)).toBe(false);
    expect(slack.requests).toHaveLength(1);
    expect(flaky.requests).toHaveLength(3);
    expect(github.comments.size).toBe(2); // the pull request and the issue

    // the job runs again
    const rerun = await notify(p, job, execution, 'rollback', routes, github);
    expect(rerun.delivered).toEqual(['ops-slack', 'flaky', 'github:pull_request#12', 'github:issue#5']);
    expect(slack.requests).toHaveLength(1); // delivered already: not sent again
    expect(flaky.requests).toHaveLength(4); // failed before: tried again, delivered on its 4th attempt overall
    expect(new Set(flaky.requests.map((r) => r.headers['x-aaoe-delivery'])).size).toBe(1);
    const rows = await listNotificationDeliveries(db, execution.id);
    expect(rows.find((r) => r.destination === 'flaky')).toMatchObject({ status: 'delivered', attempts: 4 });
    expect(rows.find((r) => r.destination === 'ops-slack')).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(github.comments.size).toBe(2);

    // and once it is done, a duplicate of the job sends nothing at all
    const again = await notify(p, job, execution, 'rollback', routes, github);
    expect(again).toEqual({ event: 'rollback', delivered: [], failed: [], skipped: 'done already' });
    expect(slack.requests).toHaveLength(1);
    expect(flaky.requests).toHaveLength(4);
    expect((await showExecution(db, execution.id)).entries.map((e) => e.action)).toEqual(['notified']);
  });

  it('routes nothing for an event no route asks for, or a policy that does not validate', async () => {
    const slack = await receiver([200]);
    const p = ports({ s: { type: 'slack', url: slack.url } });
    const a = jobFor('completed');
    expect(
      await notify(p, a.job, a.execution, 'completed', policy([{ to: 's', on: ['rollback'] }]), fakeGitHub()),
    ).toEqual({ event: 'completed', delivered: [], failed: [] });
    const c = jobFor('rollback');
    expect((await notify(p, c.job, c.execution, 'rollback', undefined, fakeGitHub())).skipped).toMatch(
      /policy does not validate/,
    );
    expect(slack.requests).toHaveLength(0);
    for (const x of [a, c]) expect(await isDone(db, x.job.key)).toBe(true);
    // nothing to send is nothing to say; one that could not be tried is said in the audit log
    expect((await showExecution(db, a.execution.id)).entries.map((e) => e.action)).toEqual([]);
    expect((await showExecution(db, c.execution.id)).entries.map((e) => [e.action, e.reason])).toEqual([
      ['notification_skipped', 'rollback: not sent: the repository policy does not validate: its routes are unknown'],
    ]);
  });

  it('reads the report the app stored for the execution when no other source is given', async () => {
    const hook = await receiver([200]);
    const { job, execution } = jobFor('completed');
    await saveDeployReport(
      db,
      execution.id,
      rollbackReport({
        executionId: execution.id,
        verdict: 'promote',
        outcome: 'success',
        title: 'Promote: 5 of 5 intervals passed',
        reason: 'no interval failed',
      }) as never,
      new Date(),
    );
    const { latestDeployReport: _, ...stored } = ports({ pager: { type: 'webhook', url: hook.url, secret: SECRET } });
    await notify(
      stored,
      job,
      { ...execution, state: 'completed' },
      'completed',
      policy([{ to: 'pager', on: ['completed'] }]),
      fakeGitHub(),
    );
    expect(JSON.parse(hook.requests[0]!.body)).toMatchObject({
      event: 'completed',
      reason: 'Promote: 5 of 5 intervals passed: no interval failed',
      execution: { state: 'completed' },
    });
  });

  it('a GitHub route without the place it names is a recorded failure, not silence', async () => {
    const { job, execution } = jobFor('failed');
    const result = await notify(
      ports({}),
      job,
      { ...execution, issue: null, work: null },
      'failed',
      policy([{ to: 'github', on: ['failed'], where: ['issue'] }]),
      fakeGitHub(),
    );
    expect(result.failed).toEqual([{ destination: 'github:issue', error: 'the execution has no issue to comment on' }]);
  });
});

describe('openDebugIssue when GitHub refuses', () => {
  const refusing = (status: number): NotifyGitHub => ({
    ...fakeGitHub(),
    findOpenIssueWithMarker: async () => undefined,
    createIssue: async () => {
      throw Object.assign(new Error(status === 410 ? 'Issues are disabled for this repo' : 'Server Error'), { status });
    },
  });

  it('records an answer retrying cannot change (issues disabled) and marks the job done', async () => {
    const { job, execution } = jobFor('rollback');
    const result = await openDebugIssue(ports({}), job, execution, refusing(410), policy([]));
    expect(result).toEqual({
      issue: null,
      created: false,
      reason: 'GitHub refused the debug issue (410): Issues are disabled for this repo',
    });
    expect(await isDone(db, job.key)).toBe(true);
    expect((await showExecution(db, execution.id)).entries.map((e) => e.action)).toEqual(['debug_issue_failed']);
  });

  it('throws on an outage, so the job is retried', async () => {
    const { job, execution } = jobFor('rollback');
    await expect(openDebugIssue(ports({}), job, execution, refusing(502), policy([]))).rejects.toThrow('Server Error');
    expect(await isDone(db, job.key)).toBe(false);
  });
});
