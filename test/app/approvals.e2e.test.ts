import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { DispatchPayload } from '../../src/contracts/dispatch.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';
import { traceparent } from '../../src/adapters/tracing/tracing.js';

/**
 * The attack suite of approvals, over HTTP: every case is a signed delivery built from GitHub's own example
 * payloads, sent to the real app, which reads comments and permissions back from the loopback GitHub. Each denied
 * case must leave the check `action_required` and say why; the allowed ones turn it green.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';
const REPORT_SECRET = 'test-report-secret';

let h: Harness;
/** The app's clock runs this far ahead of the real one (the circuit-breaker scenario moves it). */
let clockOffsetMs = 0;

beforeAll(async () => {
  h = await startHarness({ reportSecret: REPORT_SECRET, now: () => new Date(Date.now() + clockOffsetMs) });
  h.sim.addInstallation({
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
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  for (const [username, permission] of [
    ['wendy-writer', 'write'],
    ['rita-reader', 'read'],
    ['dave', 'write'],
    ['helper-bot[bot]', 'write'],
    ['alice', 'write'],
    ['bob', 'maintain'],
  ] as const) {
    h.sim.setPermission({ owner: OWNER, repo: REPO, username, permission });
  }
  h.sim.setFile({
    owner: OWNER,
    repo: REPO,
    branch: 'master',
    path: '.github/CODEOWNERS',
    content: 'docs/ @alice\nsrc/ @bob\n',
  });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  // a change the agent declares medium needs a person under this policy
  await setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
  h.sim.rejections.length = 0;
});

const {
  setConfig,
  mediumBody,
  file,
  nextNumber,
  openPullRequest,
  pullRequestPayload,
  comment,
  commentPayload,
  buttonPress,
  protectionRule,
  report,
  post,
  latestCheck,
  replies,
  auditOf,
} = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: REPORT_SECRET,
  firstPullRequest: 200,
});

describe('approvals: allowed paths', () => {
  it('a writer approves: the check turns green, the comment gets a reaction and the audit log records it', async () => {
    const { number, headSha } = await openPullRequest();
    const checksBefore = h.sim.checkRuns({ owner: OWNER, repo: REPO }).length;
    const c = comment(number, 'wendy-writer', 'Looks right to me.\n\n/aaoe approve');
    await h.deliver('issue_comment', c.payload);
    const check = latestCheck(headSha);
    expect(check.conclusion).toBe('success');
    expect(check.output.title).toMatch(/^Approved by wendy-writer/);
    expect(check.output.summary).toContain('✅ @wendy-writer (write)');
    expect(h.sim.checkRuns({ owner: OWNER, repo: REPO }).length).toBe(checksBefore + 1);
    expect(h.sim.commentReactions({ owner: OWNER, repo: REPO, commentId: c.id })).toEqual([
      { content: '+1', user: 'aaoe[bot]' },
    ]);
    const audit = await auditOf(number);
    expect(audit.find((e) => e.action === 'command:approve')).toMatchObject({
      actor: 'wendy-writer',
      reason: expect.stringMatching(/^approval recorded on /),
    });
    expect((await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((x) => x.pullRequest === number)!.state).toBe(
      'approved',
    );
    expect(h.sim.rejections).toEqual([]);
  });

  it('offers Approve and Re-run buttons while approval is needed, and a writer pressing Approve turns it green', async () => {
    const { number, headSha } = await openPullRequest();
    expect(latestCheck(headSha).actions.map((a: any) => a.identifier)).toEqual(['approve', 'rerun']);
    await h.deliver('check_run', buttonPress(number, headSha, 'wendy-writer'));
    expect(latestCheck(headSha)).toMatchObject({ conclusion: 'success', actions: [] });
  });

  it('with approvals.teams, needs an approval from a member of each team (membership read through the API)', async () => {
    await setConfig(
      `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\napprovals: { teams: ['${OWNER}/platform'] }\n`,
    );
    h.sim.addTeamMember({ org: OWNER, team: 'platform', login: 'alice' });
    const { number, headSha } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(latestCheck(headSha).output.summary).toMatch(
      /Team codertocat\/platform: an approval from one of its members is needed/i,
    );
    await h.deliver('issue_comment', comment(number, 'alice', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('success');
    expect(h.sim.rejections).toEqual([]);
  });

  it('with approvals.owners: codeowners, turns green only once every owner group approved', async () => {
    await setConfig(
      `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\napprovals: { owners: codeowners }\n`,
    );
    const { number, headSha } = await openPullRequest({ files: ['docs/guide.md', 'src/app.ts'] });
    await h.deliver('issue_comment', comment(number, 'alice', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(latestCheck(headSha).output.summary).toMatch(/Owners of `src\/`.*an approval from @bob is needed/);
    await h.deliver('issue_comment', comment(number, 'bob', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('success');
  });
});

describe('approvals: reviews and merging', () => {
  it('counts an APPROVED review when the policy says so, and not when it does not', async () => {
    const reviewed = async () => {
      const { number, headSha } = await openPullRequest();
      const pr = h.sim.addReview({ owner: OWNER, repo: REPO, number, user: 'wendy-writer', state: 'APPROVED' });
      const payload = examplePayload('pull_request_review', 'submitted');
      payload.pull_request = { ...payload.pull_request, ...pr };
      payload.repository = examplePayload('pull_request', 'opened').repository;
      payload.installation = { id: INSTALLATION_ID };
      await h.deliver('pull_request_review', payload);
      return latestCheck(headSha);
    };
    const notCounted = await reviewed();
    expect(notCounted.conclusion).toBe('action_required');
    await setConfig(
      `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\napprovals: { countReviews: true }\n`,
    );
    expect((await reviewed()).conclusion).toBe('success');
  });

  it('with merge: auto, AAOE merges the approved head commit (the agent never merges)', async () => {
    await setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\nmerge: auto\n`);
    const { number, headSha } = await openPullRequest();
    expect(h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === number)).toMatchObject({
      merged: false,
    });
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === number)).toMatchObject({
      merged: true,
      state: 'closed',
    });
    const merge = h.sim.requests.find(
      (r) => r.operationId === 'pulls/merge' && r.path.endsWith(`/pulls/${number}/merge`),
    );
    expect(merge?.body).toEqual({ sha: headSha });
    expect((await auditOf(number)).find((e) => e.action === 'merge')).toMatchObject({
      actor: 'aaoe',
      reason: expect.stringMatching(/merge: auto/),
    });
  });

  it('with merge: manual (the default), nothing is merged', async () => {
    const { number } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === number)).toMatchObject({
      merged: false,
      state: 'open',
    });
  });
});

describe('after merge: the companion workflow is dispatched, and its report ends the execution', () => {
  async function mergedExecution() {
    await setConfig(
      `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\nmerge: auto\ndeployment: { canaryPercent: 15 }\n`,
    );
    const { number } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    const merged = h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === number) as any;
    expect(merged.merged).toBe(true);
    await h.deliver('pull_request', pullRequestPayload('closed', merged));
    const x = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.pullRequest === number)!;
    return { number, x, mergeSha: merged.merge_commit_sha as string };
  }

  it('dispatches aaoe-deploy with a payload the action accepts, and a promote report completes the execution', async () => {
    const { number, x, mergeSha } = await mergedExecution();
    expect(x.state).toBe('deploying');
    const dispatch = h.sim.dispatches({ owner: OWNER, repo: REPO }).at(-1)!;
    expect(dispatch.eventType).toBe('aaoe-deploy');
    expect(DispatchPayload.parse(dispatch.payload)).toEqual({
      version: 1,
      executionId: x.id,
      sha: mergeSha,
      environment: 'production',
      canaryPercent: 15,
      pullRequest: number,
      traceparent: traceparent(x.traceId),
      repository: `${OWNER}/${REPO}`,
      issuedAt: expect.any(String),
      signature: expect.stringMatching(/^v1=[0-9a-f]{64}$/),
    });

    const forged = await post(
      report({ executionId: x.id, sha: mergeSha, verdict: 'promote', outcome: 'success' }),
      'sha256=' + '0'.repeat(64),
    );
    expect(forged.status).toBe(401);
    const other = await post(
      report({ executionId: x.id, sha: 'a'.repeat(40), verdict: 'promote', outcome: 'success' }),
    );
    expect(other.status).toBe(409); // a claim about a commit AAOE did not dispatch
    const res = await post(
      report({
        executionId: x.id,
        sha: mergeSha,
        verdict: 'promote',
        outcome: 'success',
        commands: [
          { name: 'deploy', exitCode: 0, durationMs: 1 },
          { name: 'promote', exitCode: 0, durationMs: 1 },
        ],
      }),
    );
    expect(res.status).toBe(200);
    await h.runtime.idle();
    expect((await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.id === x.id)!.state).toBe(
      'completed',
    );
    expect((await auditOf(number)).map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'merge',
        'merged',
        'deploy_started',
        'analysis_started',
        'canary_verdict',
        'promotion_finished',
        'deploy_report',
      ]),
    );
    // the same report again changes nothing
    expect(
      await (await post(report({ executionId: x.id, sha: mergeSha, verdict: 'promote', outcome: 'success' }))).json(),
    ).toEqual({ state: 'completed', applied: false });
  });

  it('a rollback report (the action rolled back) ends the execution rolled_back, and nothing is dispatched again', async () => {
    const { x, mergeSha } = await mergedExecution();
    const before = h.sim.dispatches({ owner: OWNER, repo: REPO }).length;
    const res = await post(
      report({
        executionId: x.id,
        sha: mergeSha,
        verdict: 'rollback',
        outcome: 'failure',
        commands: [
          { name: 'deploy', exitCode: 0, durationMs: 1 },
          { name: 'rollback', exitCode: 0, durationMs: 1 },
        ],
      }),
    );
    expect(res.status).toBe(200);
    await h.runtime.idle();
    expect((await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.id === x.id)!.state).toBe(
      'rolled_back',
    );
    expect(h.sim.dispatches({ owner: OWNER, repo: REPO })).toHaveLength(before);
  });

  it('a pull request merged without approval is not deployed', async () => {
    const { number } = await openPullRequest();
    const pr = h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === number) as any;
    const before = h.sim.dispatches({ owner: OWNER, repo: REPO }).length;
    await h.deliver(
      'pull_request',
      pullRequestPayload('closed', { ...pr, state: 'closed', merged: true, merge_commit_sha: 'e'.repeat(40) }),
    );
    expect((await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.pullRequest === number)!.state).toBe(
      'awaiting_approval',
    );
    expect(h.sim.dispatches({ owner: OWNER, repo: REPO })).toHaveLength(before);
    expect((await auditOf(number)).find((e) => e.action === 'illegal_transition')).toMatchObject({
      reason: expect.stringMatching(/merged without approval/),
    });
  });
});

describe('AAOE as a deployment protection rule', () => {
  // the approved path (the run of AAOE's own dispatch, judged on the commit AAOE dispatched) is in
  // test/security/protection-rule.test.ts: a pull request a run lists is never what approves it
  it('rejects a deployment of a governed change AAOE has not dispatched, before and after its approval', async () => {
    const { number, headSha } = await openPullRequest();
    await h.deliver('deployment_protection_rule', protectionRule(9001, headSha, { number, headSha }));
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    await h.deliver('deployment_protection_rule', protectionRule(9002, headSha, { number, headSha }));
    expect(
      h.sim.deploymentReviews({ owner: OWNER, repo: REPO }).filter((r) => r.runId === 9001 || r.runId === 9002),
    ).toEqual([
      {
        runId: 9001,
        environment: 'production',
        state: 'rejected',
        comment: expect.stringMatching(/AAOE dispatched nothing to production/),
      },
      {
        runId: 9002,
        environment: 'production',
        state: 'rejected',
        comment: expect.stringMatching(/AAOE dispatched nothing to production/),
      },
    ]);
    expect(h.sim.rejections).toEqual([]);
  });

  it('rejects a deployment no governed pull request leads to (fails closed)', async () => {
    await h.deliver('deployment_protection_rule', protectionRule(9003, 'f'.repeat(40)));
    expect(h.sim.deploymentReviews({ owner: OWNER, repo: REPO }).find((r) => r.runId === 9003)).toMatchObject({
      state: 'rejected',
      comment: expect.stringMatching(/dispatched nothing to production.*fffffff was never judged/),
    });
  });

  it('rejects a paused execution', async () => {
    const { number, headSha } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe pause').payload);
    await h.deliver('deployment_protection_rule', protectionRule(9004, headSha, { number, headSha }));
    expect(h.sim.deploymentReviews({ owner: OWNER, repo: REPO }).find((r) => r.runId === 9004)).toMatchObject({
      state: 'rejected',
      comment: expect.stringMatching(/dispatched nothing/),
    });
  });
});

describe('approvals: the attack suite (every case denied and explained)', () => {
  it.each([
    [
      'a reader approves',
      'rita-reader',
      'User' as const,
      /rita-reader has read permission on the repository; approvals need write, maintain or admin/,
    ],
    [
      'a bot approves',
      'helper-bot[bot]',
      'Bot' as const,
      /@helper-bot\[bot\] is an agent identity \(a Bot account\): agents may propose and read, never approve \(bounded autonomy\)/,
    ],
    [
      'an account the policy lists as an agent approves',
      'dave',
      'User' as const,
      /@dave is an agent identity \(listed in the policy's agents\): agents may propose and read, never approve/,
    ],
  ])('%s', async (_name, user, type, why) => {
    await setConfig(`agents: ['${AGENT}', 'dave']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
    const { number, headSha } = await openPullRequest();
    const c = comment(number, user, '/aaoe approve', type);
    await h.deliver('issue_comment', c.payload);
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(replies(number).join('\n')).toMatch(why);
    expect(h.sim.commentReactions({ owner: OWNER, repo: REPO, commentId: c.id })).toEqual([
      { content: 'confused', user: 'aaoe[bot]' },
    ]);
    expect(
      (await auditOf(number)).some((e) => e.action === 'command:approve' && e.reason?.startsWith('refused: ')),
    ).toBe(true);
    await setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
  });

  it('the author approves their own pull request', async () => {
    const { number, headSha } = await openPullRequest({ author: 'dave', authorType: 'User', labels: ['aaoe'] });
    await h.deliver('issue_comment', comment(number, 'dave', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(replies(number).join('\n')).toMatch(/dave opened this pull request and cannot approve it/);
  });

  it('an old comment edited into an approval', async () => {
    const { number, headSha } = await openPullRequest();
    const old = h.sim.addComment({
      owner: OWNER,
      repo: REPO,
      issueNumber: number,
      body: 'Nice work.',
      user: 'wendy-writer',
    });
    const edited = h.sim.editComment({ owner: OWNER, repo: REPO, commentId: old.id as number, body: '/aaoe approve' });
    // the `edited` delivery starts nothing, and the same comment delivered as `created` (a replay) is read back as edited
    await h.deliver('issue_comment', commentPayload('edited', number, edited, 'wendy-writer', 'User'));
    expect(replies(number)).toEqual([]);
    await h.deliver('issue_comment', commentPayload('created', number, edited, 'wendy-writer', 'User'));
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(replies(number).join('\n')).toMatch(/wendy-writer's comment was edited; an edited comment never counts/);
  });

  it('an approval, then a new push', async () => {
    const { number, headSha } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('success');
    const newHead = `${headSha.slice(0, 39)}c`;
    const pushed = h.sim.pushToPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      headSha: newHead,
      files: [file(`docs/${number}.md`), file(`docs/${number}-more.md`)] as never,
    });
    await h.deliver('pull_request', pullRequestPayload('synchronize', pushed));
    const check = latestCheck(newHead);
    expect(check.conclusion).toBe('action_required');
    expect(check.output.summary).toMatch(
      /wendy-writer approved .{7}; the head is now .{7} \(approvals\.invalidateOnPush\)/,
    );
  });

  it('an approval given on another pull request that has the same head commit', async () => {
    const a = await openPullRequest();
    const b = await openPullRequest({ headSha: a.headSha });
    await h.deliver('issue_comment', comment(a.number, 'wendy-writer', '/aaoe approve').payload);
    const states = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`))
      .filter((x) => x.pullRequest === a.number || x.pullRequest === b.number)
      .map((x) => [x.pullRequest, x.state]);
    // A's approval is A's; and since a check run belongs to the commit, A's check cannot pass while B, on the same
    // commit, is not approved (a green check on the commit would pass B's required check too)
    expect(Object.fromEntries(states)).toEqual({ [a.number]: 'awaiting_approval', [b.number]: 'awaiting_approval' });
    expect(latestCheck(a.headSha).conclusion).toBe('action_required');
    expect(latestCheck(a.headSha).output.summary).toMatch(new RegExp(`This commit is also the head of #${b.number}`));
    expect(
      h.sim
        .checkRuns({ owner: OWNER, repo: REPO })
        .filter((r: any) => r.head_sha === a.headSha)
        .map((r: any) => r.conclusion),
    ).not.toContain('success');
    // once B is approved too, the commit's check passes
    await h.deliver('issue_comment', comment(b.number, 'wendy-writer', '/aaoe approve').payload);
    expect(latestCheck(a.headSha).conclusion).toBe('success');
  });

  it.each([
    ['a quoted reply', '> /aaoe approve\n\nWhat do you think?'],
    ['a code block', 'Type this:\n\n```\n/aaoe approve\n```'],
    ['inline code', 'Type `/aaoe approve` when ready.'],
  ])('/aaoe approve inside %s', async (_name, body) => {
    const { number, headSha } = await openPullRequest();
    const c = comment(number, 'wendy-writer', body);
    await h.deliver('issue_comment', c.payload);
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(h.sim.commentReactions({ owner: OWNER, repo: REPO, commentId: c.id })).toEqual([]);
    expect((await auditOf(number)).some((e) => e.action.startsWith('command:'))).toBe(false);
  });

  it('a button press from a user without the permission', async () => {
    const { number, headSha } = await openPullRequest();
    await h.deliver('check_run', buttonPress(number, headSha, 'rita-reader'));
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(replies(number).join('\n')).toMatch(/rita-reader has read permission/);
    const checks = h.sim.checkRuns({ owner: OWNER, repo: REPO }).length;
    h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'nora-none', permission: 'none' });
    await h.deliver('check_run', buttonPress(number, headSha, 'nora-none', 'rerun'));
    expect(h.sim.checkRuns({ owner: OWNER, repo: REPO })).toHaveLength(checks);
    expect(replies(number).join('\n')).toMatch(
      /Re-run policy by @nora-none was refused: it needs triage permission or more/,
    );
  });

  it('commands that change the execution need the same permission; an unknown one gets help', async () => {
    const { number } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'rita-reader', '/aaoe reject not good').payload);
    expect((await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((x) => x.pullRequest === number)!.state).toBe(
      'awaiting_approval',
    );
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe aprove').payload);
    expect(replies(number).join('\n')).toMatch(/Did you mean `\/aaoe approve`/);
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe reject the plan is wrong').payload);
    expect((await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((x) => x.pullRequest === number)!.state).toBe(
      'rejected',
    );
    expect(h.sim.rejections).toEqual([]);
  });

  it('an account the policy lists as an agent, with write permission, may pause but never resume, roll back or approve (bounded autonomy)', async () => {
    await setConfig(`agents: ['${AGENT}', 'dave']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
    const { number } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'dave', '/aaoe pause').payload);
    expect((await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((x) => x.pullRequest === number)!.state).toBe(
      'paused',
    );
    await h.deliver('issue_comment', comment(number, 'dave', '/aaoe resume').payload);
    expect((await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((x) => x.pullRequest === number)!.state).toBe(
      'paused',
    );
    expect(replies(number).join('\n')).toContain(
      "`/aaoe resume` by @dave was refused: @dave is an agent identity (listed in the policy's agents): agents may propose and read, never resume (bounded autonomy)",
    );
    await setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
  });
});

// Last in this file: it freezes the repository.
describe('circuit breaker: failed canaries freeze execution until the freeze ends or an admin lifts it', () => {
  const policy = `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\nmerge: auto\ncircuitBreaker: { maxFailures: 2, freezeMinutes: 30 }\n`;

  async function approvedAndMerged() {
    const { number, headSha } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    const merged = h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === number) as any;
    if (merged.merged) await h.deliver('pull_request', pullRequestPayload('closed', merged));
    const x = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.pullRequest === number)!;
    return { number, headSha, x, mergeSha: merged.merge_commit_sha as string | null };
  }

  async function rolledBack() {
    const { x, mergeSha } = await approvedAndMerged();
    expect(x.state).toBe('deploying');
    const res = await post(
      report({
        executionId: x.id,
        sha: mergeSha,
        verdict: 'rollback',
        outcome: 'failure',
        title: 'Roll back',
        reason: 'error rate 3x the baseline',
        commands: [{ name: 'rollback', exitCode: 0, durationMs: 1 }],
      }),
    );
    expect(res.status).toBe(200);
    await h.runtime.idle();
  }

  it('two failed canaries trip the breaker: a third approved execution is refused "frozen until ..."; after the freeze it runs', async () => {
    clockOffsetMs += 25 * 3600_000; // the failures of earlier tests in this file fall out of the breaker's day
    await setConfig(policy);
    await rolledBack();
    expect(latestCheck((await openPullRequestAllowingFailure()).headSha).conclusion).toBe('action_required'); // one failure: not frozen
    await rolledBack();
    const { number, headSha } = await openPullRequestAllowingFailure();
    const frozen = latestCheck(headSha);
    expect(frozen.conclusion).toBe('failure');
    expect(frozen.output.summary).toMatch(
      /Circuit breaker \| ❌ failed \| Frozen until \d{4}-\d\d-\d\dT[\d:.]+Z: \d failed deployments/,
    );
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('failure'); // approved or not
    await h.deliver('deployment_protection_rule', protectionRule(9100, headSha, { number, headSha }));
    expect(h.sim.deploymentReviews({ owner: OWNER, repo: REPO }).find((r) => r.runId === 9100)).toMatchObject({
      state: 'rejected',
      comment: expect.stringMatching(/frozen until/),
    });
    // a writer cannot lift it; the clock passing the end of the freeze does
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe resume').payload);
    expect(replies(number).join('\n')).toMatch(
      /only an admin of the repository lifts a freeze early, @wendy-writer has write/,
    );
    clockOffsetMs += 31 * 60_000;
    await h.deliver('check_run', buttonPress(number, headSha, 'wendy-writer', 'rerun'));
    expect(latestCheck(headSha).conclusion).toBe('success');
    expect(h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === number)).toMatchObject({
      merged: true,
    });
  });

  it('an admin lifts a freeze early with /aaoe resume (audited)', async () => {
    await setConfig(policy);
    await rolledBack();
    await rolledBack();
    const { number, headSha } = await openPullRequestAllowingFailure();
    expect(latestCheck(headSha).conclusion).toBe('failure');
    h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'ada-admin', permission: 'admin' });
    await h.deliver('issue_comment', comment(number, 'ada-admin', '/aaoe resume').payload);
    expect(latestCheck(headSha).conclusion).toBe('action_required'); // not frozen any more; still needs its approval
    expect((await auditOf(number)).find((e) => e.action === 'freeze_lifted')).toMatchObject({ actor: 'ada-admin' });
  });

  async function openPullRequestAllowingFailure() {
    const number = nextNumber();
    const headSha = (number.toString(16) + 'd'.repeat(40)).slice(0, 40);
    const pr = h.sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      user: { login: AGENT, type: 'Bot' },
      headRef: `change-${number}`,
      headSha,
      baseRef: 'master',
      body: mediumBody,
      files: [file(`docs/${number}.md`)] as never,
    });
    await h.deliver('pull_request', pullRequestPayload('opened', pr));
    return { number, headSha };
  }
});
