import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/adapters/store/runtime.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { pendingTimers } from '../../src/adapters/store/timers.js';
import { GitHubSimulator } from '../simulator/github-simulator.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Change windows, the durable wait, and one deployment in flight per environment, over HTTP against the real app
 * on an embedded store in a data directory (so the app can be stopped and started again on it). The app's clock
 * is set by the test: Saturday 28 November 2026, noon UTC, to begin with.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';
const REPORT_SECRET = 'test-report-secret';
const POLICY = [
  `agents: ['${AGENT}']`,
  'risk: { maxLevel: high, requireHumanApprovalAbove: low }',
  'merge: auto',
  "schedule: { timezone: Europe/Berlin, windows: [{ days: [mon, tue, wed, thu], start: '09:00', end: '16:00' }] }",
  '',
].join('\n');

let now = new Date('2026-11-28T12:00:00Z');
let dir: string;
let sim: GitHubSimulator;
let runtime: Runtime;
let h: Harness;

const flow = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: REPORT_SECRET,
  firstPullRequest: 700,
});
const { setConfig, openPullRequest, comment, pullRequestPayload, latestCheck, auditOf, buttonPress, report, post } =
  flow;

async function startApp() {
  runtime = await openRuntime({ database: { dataDir: dir }, queue: { retryDelaySeconds: 1 } });
  h = await startHarness({ sim, runtime, reportSecret: REPORT_SECRET, now: () => now, timerIntervalMs: 100 });
}

async function stopApp() {
  await h.close();
  await runtime.close();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aaoe-schedule-'));
  sim = await GitHubSimulator.start();
  sim.addInstallation({
    id: INSTALLATION_ID,
    account: OWNER,
    permissions: {
      checks: 'write',
      contents: 'write',
      issues: 'write',
      pull_requests: 'write',
      deployments: 'write',
      actions: 'read',
      members: 'read',
      metadata: 'read',
    },
  });
  sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  sim.setPermission({ owner: OWNER, repo: REPO, username: 'wendy-writer', permission: 'write' });
  await startApp();
  await setConfig(POLICY);
});
afterAll(async () => {
  await stopApp().catch(() => {});
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Waits until `check` holds (the timer loop and the job runner work in the background). */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await h.runtime.idle();
}

const execution = async (number: number) =>
  (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.pullRequest === number)!;
const pull = (number: number) =>
  sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === number) as any;
const dispatchesOf = (executionId: string) =>
  sim
    .dispatches({ owner: OWNER, repo: REPO })
    .filter((d) => d.eventType === 'aaoe-deploy' && d.payload.executionId === executionId);
const checksOn = (headSha: string) =>
  sim.checkRuns({ owner: OWNER, repo: REPO }).filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy');

async function approveAndMergeNow(number: number) {
  await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
  expect(pull(number).merged).toBe(true);
  await h.deliver('pull_request', pullRequestPayload('closed', pull(number)));
  return execution(number);
}

describe('change windows: an approved change outside its window waits, durably, and goes on when the window opens', () => {
  it('a window closed now -> the check waits and says until when; the clock passes the opening -> merged and dispatched once, across a restart', async () => {
    const { number, headSha } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    const waiting = latestCheck(headSha);
    expect(waiting).toMatchObject({
      status: 'in_progress',
      output: { title: 'Waiting for the change window (opens 2026-11-30 08:00 UTC)' },
    });
    expect(waiting.output.summary).toContain(
      'outside the change windows (Mon, Tue, Wed, Thu 09:00–16:00 Europe/Berlin)',
    );
    const x = await execution(number);
    expect(x.state).toBe('scheduled');
    expect(pull(number).merged).toBe(false);
    expect((await pendingTimers(h.runtime.db, x.id)).map((t) => t.dueAt)).toEqual(['2026-11-30T08:00:00.000Z']);

    // a re-run while the window is closed changes nothing: the same check run keeps waiting
    const checks = checksOn(headSha).length;
    await h.deliver('check_run', buttonPress(number, headSha, 'wendy-writer', 'rerun'));
    expect(checksOn(headSha)).toHaveLength(checks);
    expect(latestCheck(headSha).status).toBe('in_progress');

    // the app stops; the clock passes Monday 09:00 Berlin while it is down; it starts again on the same store
    await stopApp();
    now = new Date('2026-11-30T08:00:30Z');
    await startApp();
    await until('the waiting check completes', () => latestCheck(headSha).status === 'completed');
    expect(latestCheck(headSha)).toMatchObject({ id: waiting.id, conclusion: 'success' }); // the check that waited is the one completed
    expect(checksOn(headSha)).toHaveLength(checks);
    expect(pull(number).merged).toBe(true);
    await h.deliver('pull_request', pullRequestPayload('closed', pull(number)));
    expect((await execution(number)).state).toBe('deploying');
    // more ticks of the timer loop dispatch nothing more
    await new Promise((r) => setTimeout(r, 400));
    await h.runtime.idle();
    expect(dispatchesOf(x.id)).toHaveLength(1);
    expect(await pendingTimers(h.runtime.db)).toEqual([]);
    const actions = (await auditOf(number)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['policy_evaluated', 'merge', 'merged']));
    // finish its deployment so the next scenario starts with production free
    const res = await post(
      report({ executionId: x.id, sha: pull(number).merge_commit_sha, verdict: 'promote', outcome: 'success' }),
    );
    expect(res.status).toBe(200);
    await h.runtime.idle();
    expect((await execution(number)).state).toBe('completed');
    expect(sim.rejections).toEqual([]);
  });
});

describe('one deployment in flight per environment', () => {
  it('a second merged change is queued behind the first and dispatched when the first ends', async () => {
    const first = await openPullRequest();
    const second = await openPullRequest();
    const a = await approveAndMergeNow(first.number);
    expect(a.state).toBe('deploying');
    const b = await approveAndMergeNow(second.number);
    expect(b.state).toBe('merged');
    expect(dispatchesOf(b.id)).toHaveLength(0);
    expect((await auditOf(second.number)).find((e) => e.action === 'deploy_queued')).toMatchObject({
      reason: expect.stringMatching(`in flight \\(execution ${a.id}\\): queued, position 1`),
    });

    const res = await post(
      report({
        executionId: a.id,
        sha: pull(first.number).merge_commit_sha,
        verdict: 'rollback',
        outcome: 'failure',
        commands: [{ name: 'rollback', exitCode: 0, durationMs: 1 }],
      }),
    );
    expect(res.status).toBe(200);
    await h.runtime.idle();
    expect((await execution(first.number)).state).toBe('rolled_back');
    expect(dispatchesOf(b.id)).toHaveLength(1);
    expect((await execution(second.number)).state).toBe('deploying');
    expect((await auditOf(second.number)).find((e) => e.action === 'deploy_unqueued')).toMatchObject({
      reason: expect.stringContaining(`execution ${a.id} ended (rolled_back)`),
    });
    await post(
      report({ executionId: b.id, sha: pull(second.number).merge_commit_sha, verdict: 'promote', outcome: 'success' }),
    );
    await h.runtime.idle();
    expect((await execution(second.number)).state).toBe('completed');
  });

  it('a change merged after its window closed is deployed when the next one opens', async () => {
    now = new Date('2026-12-01T14:00:00Z'); // Tuesday 15:00 Berlin: open
    const { number } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(pull(number).merged).toBe(true);
    now = new Date('2026-12-01T15:30:00Z'); // 16:30 Berlin: the merge is delivered after the window closed
    await h.deliver('pull_request', pullRequestPayload('closed', pull(number)));
    const x = await execution(number);
    expect(x.state).toBe('merged');
    expect(dispatchesOf(x.id)).toHaveLength(0);
    expect((await auditOf(number)).find((e) => e.action === 'deploy_waiting')).toMatchObject({
      reason: expect.stringContaining('dispatched at 2026-12-02T08:00:00.000Z'),
    });
    now = new Date('2026-12-02T08:00:01Z');
    await until('the deployment is dispatched', () => dispatchesOf(x.id).length === 1);
    expect((await execution(number)).state).toBe('deploying');
    await post(
      report({ executionId: x.id, sha: pull(number).merge_commit_sha, verdict: 'promote', outcome: 'success' }),
    );
    await h.runtime.idle();
    expect(sim.rejections).toEqual([]);
  });

  it('a change scheduled through the API for later is dispatched at that time, inside the window', async () => {
    now = new Date('2026-12-08T13:00:00Z'); // Tuesday 14:00 Berlin: open
    const { number } = await openPullRequest();
    const x = await execution(number);
    const token = sim.createUserToken({ login: 'wendy-writer' });
    const res = await fetch(`${h.url}/api/v1/executions/${x.id}/schedule`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ notBefore: '2026-12-10T09:30:00+01:00' }), // Thursday 09:30 Berlin
    });
    expect(res.status).toBe(200);
    await approveAndMergeNow(number);
    expect((await execution(number)).state).toBe('merged');
    expect((await auditOf(number)).find((e) => e.action === 'deploy_waiting')).toMatchObject({
      reason: expect.stringMatching(
        /scheduled by @wendy-writer for 2026-12-10T08:30:00.000Z; dispatched at 2026-12-10T08:30:00.000Z/,
      ),
    });
    now = new Date('2026-12-10T08:30:05Z');
    await until('the scheduled deployment is dispatched', () => dispatchesOf(x.id).length === 1);
    expect((await execution(number)).state).toBe('deploying');
    expect(sim.rejections).toEqual([]);
  });
});
