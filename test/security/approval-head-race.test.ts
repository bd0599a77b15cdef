import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listApprovals } from '../../src/adapters/store/approvals.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 19, hole 8: an approval counted for the head at processing time, not the head the approver saw. A push
 * between the comment and its processing moved the approval to the new head. An approval binds to the head at the
 * comment's time: refused when the head moved after the comment, or when AAOE has not judged the head GitHub has now;
 * `/aaoe approve <sha>` names the head, and the API's approval must name it.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ reportSecret: 'race-report-secret' });
  process.env.GITHUB_CLIENT_ID = h.sim.oauth.clientId;
  process.env.GITHUB_CLIENT_SECRET = h.sim.oauth.clientSecret;
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
  h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'wendy-writer', permission: 'write' });
});
afterAll(async () => {
  delete process.env.GITHUB_CLIENT_ID;
  delete process.env.GITHUB_CLIENT_SECRET;
  await h?.close();
});
beforeEach(async () => {
  await setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
});

const { setConfig, file, openPullRequest, pullRequestPayload, commentPayload, comment, latestCheck, replies } =
  governedFlow(() => h, {
    owner: OWNER,
    repo: REPO,
    agent: AGENT,
    reportSecret: 'race-report-secret',
    firstPullRequest: 3200,
  });

const seconds = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
const push = (number: number, headSha: string) =>
  h.sim.pushToPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    headSha,
    files: [file(`docs/${number}.md`), file('deploy/backdoor.sh')] as never,
  });

describe('hole 8: an approval is bound to the head the approver saw', () => {
  it('a comment written before a push, processed after it, does not approve the pushed commit', async () => {
    const { number, headSha } = await openPullRequest();
    // the approver reads the check on the first head and writes the comment ...
    const json = h.sim.addComment({
      owner: OWNER,
      repo: REPO,
      issueNumber: number,
      body: '/aaoe approve',
      user: 'wendy-writer',
      createdAt: seconds(Date.now() - 5_000),
    });
    // ... the agent pushes a backdoor, and GitHub delivers the push before the comment
    const evil = `${headSha.slice(0, 38)}ee`;
    await h.deliver('pull_request', pullRequestPayload('synchronize', push(number, evil)));
    await h.deliver('issue_comment', commentPayload('created', number, json, 'wendy-writer', 'User'));

    expect(latestCheck(evil).conclusion).toBe('action_required');
    expect(replies(number).join('\n')).toMatch(
      /the comment was written before the head moved to .{7}, so it approves an earlier commit/,
    );
  });

  it('a comment processed while GitHub has a head AAOE has not judged is refused, and the push does not inherit it', async () => {
    const { number, headSha } = await openPullRequest();
    const evil = `${headSha.slice(0, 38)}ef`;
    const pushed = push(number, evil); // the synchronize delivery is still on its way
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    await h.deliver('pull_request', pullRequestPayload('synchronize', pushed));
    expect(latestCheck(evil).conclusion).toBe('action_required');
    expect(replies(number).join('\n')).toMatch(
      /the pull request's head is now .{7}, and AAOE has not judged that commit yet/,
    );
  });

  it('/aaoe approve <sha> approves the named head, and refuses another', async () => {
    const { number, headSha } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve 0123456').payload);
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(replies(number).join('\n')).toMatch(/the approval names 0123456, and the pull request's head is/);
    await h.deliver('issue_comment', comment(number, 'wendy-writer', `/aaoe approve ${headSha.slice(0, 10)}`).payload);
    expect(latestCheck(headSha).conclusion).toBe('success');
  });

  it('the API approval names the head it approves: required, and refused when it is not the head now', async () => {
    const { number, headSha } = await openPullRequest();
    const id = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((x) => x.pullRequest === number)!.id;
    const token = h.sim.createUserToken({ login: 'wendy-writer' }, { oauthClient: true });
    const approve = (body?: unknown) =>
      fetch(`${h.url}/api/v1/executions/${id}/approve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    expect((await approve()).status).toBe(400);
    const old = await approve({ sha: 'abcdef0' });
    expect(old.status).toBe(403);
    expect(((await old.json()) as any).error.message).toMatch(/the approval names abcdef0/);
    expect(await listApprovals(h.runtime.db, id)).toEqual([]);
    expect((await approve({ sha: headSha })).status).toBe(200);
    await h.runtime.idle();
    expect(latestCheck(headSha).conclusion).toBe('success');
  });
});
