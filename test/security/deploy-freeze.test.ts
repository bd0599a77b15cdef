import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideDispatch, type DispatchFacts } from '../../src/core/deploy/decide-dispatch.js';
import { readAudit } from '../../src/adapters/store/audit-log.js';
import { type AuditEntry } from '../../src/core/execution/records.js';
import { pendingTimers } from '../../src/adapters/store/timers.js';
import { deployWorld, POLICY } from './deploy-world.js';

// Issue 19, hole 15: the circuit breaker must stop AAOE's own dispatches. Through the real path: a change merged
// while the repository is frozen is not dispatched (it waits, audited, on a timer until the freeze ends), and the
// deploy queue does not hand the environment to the next change right after a failed canary that trips the breaker.

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
let offsetMs = 0;
const w = deployWorld({ owner: OWNER, repo: REPO, firstPullRequest: 500, now: () => new Date(Date.now() + offsetMs) });

beforeAll(async () => {
  await w.start();
  await w.flow.setConfig(POLICY('circuitBreaker: { maxFailures: 1, freezeMinutes: 30 }\n'));
});
afterAll(async () => {
  await w.harness()?.close();
});

async function audit(executionId: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for await (const e of readAudit(w.harness().runtime.db)) if (e.executionId === executionId) entries.push(e);
  return entries;
}

const dispatchedFor = (executionId: string) =>
  w.dispatches().filter((d) => d.eventType === 'aaoe-deploy' && d.payload.executionId === executionId);

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await w.harness().runtime.idle();
}

/** A governed change approved by a person, not merged (`merge: manual`). */
async function approvedNotMerged() {
  const { number } = await w.flow.openPullRequest();
  await w.harness().deliver('issue_comment', w.flow.comment(number, 'wendy-writer', '/aaoe approve').payload);
  const x = await w.execution(number);
  expect(x.state).toBe('approved');
  return { number, x };
}

/** A person merges it: GitHub's `pull_request.closed` (merged) delivery. */
async function merge(number: number) {
  const sha = (number.toString(16) + 'c'.repeat(40)).slice(0, 40);
  await w
    .harness()
    .deliver(
      'pull_request',
      w.flow.pullRequestPayload('closed', { ...w.pull(number), state: 'closed', merged: true, merge_commit_sha: sha }),
    );
  return sha;
}

describe("the circuit breaker stops AAOE's own dispatches", () => {
  let pending: { number: number; id: string; sha: string };

  it('a change approved before a freeze and merged during it is not dispatched: it waits, audited, until the freeze ends', async () => {
    await w.flow.setConfig(
      POLICY('circuitBreaker: { maxFailures: 1, freezeMinutes: 30 }\n').replace('merge: auto\n', ''),
    );
    const approved = await approvedNotMerged();
    const failing = await approvedNotMerged();
    const failingSha = await merge(failing.number);
    expect(dispatchedFor(failing.x.id)).toHaveLength(1);
    await w.report(failing.x, failingSha, 'rollback'); // the canary failed: maxFailures 1 freezes the repository
    const sha = await merge(approved.number);
    await w.harness().runtime.idle();
    expect(dispatchedFor(approved.x.id)).toHaveLength(0);
    expect((await w.execution(approved.number)).state).toBe('merged');
    expect((await audit(approved.x.id)).filter((e) => e.action === 'deploy_waiting').at(-1)).toMatchObject({
      reason: expect.stringMatching(
        /merged, not deployed yet: the repository is frozen until (\S+): .*; dispatched at \1, when the freeze ends/,
      ),
    });
    expect(await pendingTimers(w.harness().runtime.db, approved.x.id)).toHaveLength(1);
    pending = { number: approved.number, id: approved.x.id, sha };
  });

  it('once the freeze ends, the waiting change is dispatched by its timer', async () => {
    offsetMs += 31 * 60_000;
    await until('the change is dispatched after the freeze', () => dispatchedFor(pending.id).length === 1);
    expect((await w.execution(pending.number)).state).toBe('deploying');
  });

  it('the deploy queue does not hand the environment to the next change right after a failed canary that freezes', async () => {
    const next = await approvedNotMerged();
    await merge(next.number);
    expect((await audit(next.x.id)).map((e) => e.action)).toContain('deploy_queued'); // behind the one deploying
    const holder = await w.execution(pending.number);
    await w.report(holder, pending.sha, 'rollback'); // fails: frozen again; the lock passes to `next`
    await w.harness().runtime.idle();
    expect(dispatchedFor(next.x.id)).toHaveLength(0);
    expect((await w.execution(next.number)).state).toBe('merged');
    const actions = (await audit(next.x.id)).map((e) => e.action);
    expect(actions).toContain('deploy_unqueued');
    expect((await audit(next.x.id)).filter((e) => e.action === 'deploy_waiting').at(-1)).toMatchObject({
      reason: expect.stringMatching(/the repository is frozen until/),
    });
    // the breaker has counted it by now: the change waits for the freeze, not a moment less
    offsetMs += 60_000;
    await new Promise((r) => setTimeout(r, 1000));
    await w.harness().runtime.idle();
    expect(dispatchedFor(next.x.id)).toHaveLength(0);
    offsetMs += 30 * 60_000;
    await until('the queued change is dispatched after the freeze', () => dispatchedFor(next.x.id).length === 1);
  });
});

describe('decideDispatch (pure)', () => {
  const now = new Date('2026-03-02T10:00:00Z');
  const base: DispatchFacts = {
    state: 'merged',
    freeze: undefined,
    uncounted: [],
    schedule: { open: true },
    now,
  } as DispatchFacts;
  it.each<[string, Partial<DispatchFacts>, string, RegExp | null]>([
    ['merged, open, not frozen', {}, 'dispatch', null],
    ['not merged', { state: 'deploying' }, 'skip', /dispatch in deploying/],
    [
      'frozen',
      {
        freeze: {
          id: 1,
          reason: '1 failed deployment',
          since: '2026-03-02T09:50:00.000Z',
          until: '2026-03-02T10:20:00.000Z',
        },
      },
      'wait',
      /frozen until 2026-03-02T10:20:00.000Z/,
    ],
    [
      'a failed canary not counted yet',
      { uncounted: ['x9'] },
      'retry',
      /has not counted the failed canary of execution x9/,
    ],
    [
      'outside the change window',
      {
        schedule: {
          open: false,
          reason: 'outside the change windows',
          opensAt: new Date('2026-03-03T08:00:00Z'),
        } as DispatchFacts['schedule'],
      },
      'wait',
      /outside the change windows/,
    ],
  ])('%s -> %s', (_name, over, kind, reason) => {
    const d = decideDispatch({ ...base, ...over });
    expect(d.kind).toBe(kind);
    if (reason) expect('reason' in d ? d.reason : '').toMatch(reason);
    if (d.kind === 'wait' && over.freeze) expect(d.until!.toISOString()).toBe(over.freeze.until);
  });
});
