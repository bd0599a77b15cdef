import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideDeploymentReview, type DeploymentReviewFacts } from '../../src/core/decisions/deployment-review.js';
import { deployWorld, POLICY } from './deploy-world.js';

// Issue 19, hole 1 (the protection rule judges an unrelated commit) and hole 14 (it approves a SHA never evaluated
// when the run lists an approved pull request; freezes only for the literal `production`), through the real path:
// signed `deployment_protection_rule` deliveries to the running app, which reads the workflow run from the loopback
// GitHub and answers through its review API.

// governedFlow's deliveries are GitHub's example payloads: their repository is Codertocat/Hello-World
const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const w = deployWorld({ owner: OWNER, repo: REPO, firstPullRequest: 100 });
let nextRun = 5000;
const DEFAULT_HEAD = 'd'.repeat(40); // deployment.sha of a dispatched run: the default branch's head, unrelated

beforeAll(async () => {
  await w.start();
});
afterAll(async () => {
  await w.harness()?.close();
});

/** A run GitHub started (by `event`, at `createdAt`), and GitHub asking AAOE about it. */
async function runAsks(
  event: string,
  options: { createdAt?: string; environment?: string; pr?: { number: number; headSha: string } } = {},
) {
  const id = nextRun++;
  w.harness().sim.addWorkflowRun({
    ...w.where,
    id,
    event,
    ...(options.createdAt ? { createdAt: options.createdAt } : {}),
    headSha: DEFAULT_HEAD,
  });
  return { id, review: await w.askProtectionRule(id, DEFAULT_HEAD, options) };
}

describe('the protection rule judges the commit AAOE dispatched, for the run of that dispatch only', () => {
  it("approves the run AAOE's dispatch started, naming the dispatched commit (not deployment.sha); a second run of it is a replay", async () => {
    const { x, mergeSha } = await w.approved();
    expect((await w.execution(x.pullRequest!)).state).toBe('deploying');
    const first = await runAsks('repository_dispatch');
    expect(first.review).toMatchObject({ state: 'approved', environment: 'production' });
    expect(first.review!.comment).toContain(`AAOE dispatched ${mergeSha} (aaoe-deploy)`);
    expect(first.review!.comment).not.toContain(DEFAULT_HEAD.slice(0, 7));
    const replay = await runAsks('repository_dispatch');
    expect(replay.review).toMatchObject({
      state: 'rejected',
      comment: expect.stringMatching(/a second run of one dispatch \(a replay\) is not/),
    });
    await w.report(x, mergeSha, 'promote');
  });

  it('rejects a run started by anything but a dispatch (a push, a manual run) while AAOE deploys', async () => {
    const { x, mergeSha } = await w.approved();
    for (const event of ['push', 'workflow_dispatch']) {
      const { review } = await runAsks(event);
      expect(review).toMatchObject({
        state: 'rejected',
        comment: expect.stringMatching(new RegExp(`started by ${event}, not by AAOE's dispatch`)),
      });
    }
    await w.report(x, mergeSha, 'promote');
  });

  it("rejects a run created before AAOE's dispatch", async () => {
    const { x, mergeSha } = await w.approved();
    const { review } = await runAsks('repository_dispatch', {
      createdAt: new Date(Date.now() - 10 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    expect(review).toMatchObject({ state: 'rejected', comment: expect.stringMatching(/before AAOE dispatched/) });
    await w.report(x, mergeSha, 'promote');
  });

  it('hole 14: a run that lists an approved pull request, with nothing dispatched, is rejected (a SHA never evaluated)', async () => {
    // an approved change, not merged: the attacker's dispatch run lists it
    await w.flow.setConfig(POLICY().replace('merge: auto\n', ''));
    const { number, headSha } = await w.flow.openPullRequest();
    await w.harness().deliver('issue_comment', w.flow.comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect((await w.execution(number)).state).toBe('approved');
    const { review } = await runAsks('repository_dispatch', { pr: { number, headSha } });
    expect(review).toMatchObject({
      state: 'rejected',
      comment: expect.stringMatching(/AAOE dispatched nothing to production/),
    });
    await w.flow.setConfig(POLICY());
  });

  it('hole 1: a forged dispatch to an environment AAOE never deploys to is rejected, whatever pull request it lists', async () => {
    const { x, number, headSha, mergeSha } = await w.approved();
    const { review } = await runAsks('repository_dispatch', { environment: 'evil', pr: { number, headSha } });
    expect(review).toMatchObject({
      state: 'rejected',
      environment: 'evil',
      comment: expect.stringMatching(/AAOE dispatched nothing to evil/),
    });
    await w.report(x, mergeSha, 'promote');
  });

  it('hole 14: a freeze applies to every environment name (Production, prod), not only the literal production', async () => {
    await w.flow.setConfig(
      POLICY('circuitBreaker: { maxFailures: 1, freezeMinutes: 30 }\n').replace('merge: auto\n', ''),
    );
    const approve = async () => {
      const { number, headSha } = await w.flow.openPullRequest();
      await w.harness().deliver('issue_comment', w.flow.comment(number, 'wendy-writer', '/aaoe approve').payload);
      expect((await w.execution(number)).state).toBe('approved');
      return { number, headSha };
    };
    const listed = await approve(); // approved before the freeze, not merged
    const failing = await approve();
    const mergeSha = 'c'.repeat(40);
    await w.harness().deliver(
      'pull_request',
      w.flow.pullRequestPayload('closed', {
        ...w.pull(failing.number),
        state: 'closed',
        merged: true,
        merge_commit_sha: mergeSha,
      }),
    );
    await w.report(await w.execution(failing.number), mergeSha, 'rollback'); // trips the breaker: frozen
    for (const environment of ['Production', 'prod', 'production']) {
      const { review } = await runAsks('repository_dispatch', { environment, pr: listed });
      expect(review).toMatchObject({ state: 'rejected', environment, comment: expect.stringMatching(/frozen until/) });
    }
  });
});

describe('decideDeploymentReview (pure)', () => {
  const base: DeploymentReviewFacts = {
    environment: 'production',
    runId: 7,
    deploymentSha: 'd'.repeat(40),
    policyValid: true,
    freeze: undefined,
    lock: {
      executionId: 'x1',
      environment: 'production',
      sha: 'a'.repeat(40),
      eventType: 'aaoe-deploy',
      dispatchedAt: '2026-01-01T10:00:00.000Z',
      runId: null,
    },
    holder: { id: 'x1', state: 'deploying', pullRequest: 3 },
    run: { id: 7, event: 'repository_dispatch', createdAt: '2026-01-01T10:00:01Z' },
  };
  it.each<[string, Partial<DeploymentReviewFacts>, 'approved' | 'rejected', RegExp]>([
    ['the run of the dispatch', {}, 'approved', /AAOE dispatched a{40} \(aaoe-deploy\)/],
    [
      'the same run again (a re-run attempt)',
      { lock: { ...base.lock!, runId: 7 } },
      'approved',
      /run 7 is that dispatch's run/,
    ],
    [
      'a rollback run of an execution rolling back',
      {
        lock: { ...base.lock!, eventType: 'aaoe-rollback' },
        holder: { id: 'x1', state: 'rolling_back', pullRequest: 3 },
      },
      'approved',
      /aaoe-rollback/,
    ],
    [
      'frozen',
      { freeze: { id: 1, reason: 'r', since: '2026-01-01T09:00:00.000Z', until: '2026-01-01T11:00:00.000Z' } },
      'rejected',
      /frozen until/,
    ],
    ['policy invalid', { policyValid: false }, 'rejected', /does not validate/],
    ['no lock', { lock: undefined, holder: undefined }, 'rejected', /dispatched nothing to production/],
    [
      'a lock with no dispatch',
      { lock: { ...base.lock!, sha: null, eventType: null, dispatchedAt: null } },
      'rejected',
      /has dispatched nothing for it yet/,
    ],
    [
      'a deploy lock of an execution no longer deploying',
      { holder: { id: 'x1', state: 'completed', pullRequest: 3 } },
      'rejected',
      /is completed/,
    ],
    [
      'a deploy dispatch run while the holder rolls back',
      { holder: { id: 'x1', state: 'rolling_back', pullRequest: 3 } },
      'rejected',
      /not in flight/,
    ],
    ['an unreadable run', { run: undefined }, 'rejected', /could not be read/],
    ['a push run', { run: { ...base.run!, event: 'push' } }, 'rejected', /started by push/],
    [
      'a run from before the dispatch',
      { run: { ...base.run!, createdAt: '2026-01-01T09:58:00Z' } },
      'rejected',
      /before AAOE dispatched/,
    ],
    ['another run already approved', { lock: { ...base.lock!, runId: 6 } }, 'rejected', /replay/],
  ])('%s -> %s', (_name, over, state, comment) => {
    const decision = decideDeploymentReview({ ...base, ...over });
    expect(decision.state).toBe(state);
    expect(decision.comment).toMatch(comment);
  });
});
