import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AaoeApiClient, apiClientConfigFromEnv } from '../../src/mcp/api-client.js';
import { listApprovals } from '../../src/adapters/store/approvals.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 19, hole 12: any GitHub token could approve through the API and MCP (`GET /user` was the only check), so a
 * token an agent platform holds for a maintainer approved as that maintainer; `aaoe mcp` fell back to GITHUB_TOKEN;
 * a comment a GitHub App posted on a user's behalf counted. Authority verbs (approve, resume, rollback) take only
 * tokens AAOE's own OAuth client issued (GitHub's "Check a token"), and an app's comment never carries authority.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ reportSecret: 'token-report-secret' });
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
  h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'ada-admin', permission: 'admin' });
});
afterAll(async () => {
  delete process.env.GITHUB_CLIENT_ID;
  delete process.env.GITHUB_CLIENT_SECRET;
  await h?.close();
});
beforeEach(async () => {
  await setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
});

const { setConfig, openPullRequest, latestCheck, replies } = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: 'token-report-secret',
  firstPullRequest: 3300,
});

async function executionOf(number: number): Promise<string> {
  return (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((x) => x.pullRequest === number)!.id;
}

const post = (token: string, path: string, body?: unknown) =>
  fetch(`${h.url}/api/v1/executions/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

describe('hole 12: authority only with a token AAOE issued, never from an app', () => {
  it("a maintainer's token held by an agent platform (not issued by AAOE) does not approve or resume", async () => {
    const { number, headSha } = await openPullRequest();
    const id = await executionOf(number);
    const platformToken = h.sim.createUserToken({ login: 'wendy-writer' }); // a PAT, or another app's user token
    // (no body: the authority check comes first, and the API before the fix took none)
    const res = await post(platformToken, `${id}/approve`);
    await h.runtime.idle();
    expect(await listApprovals(h.runtime.db, id)).toEqual([]);
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.message).toMatch(
      /needs a user access token issued by AAOE's own GitHub App to you .*sign in on AAOE's dashboard/,
    );
    expect((await post(platformToken, `${id}/resume`)).status).toBe(403);
  });

  it("the same person with a token AAOE's OAuth client issued approves", async () => {
    const { number, headSha } = await openPullRequest();
    const id = await executionOf(number);
    const own = h.sim.createUserToken({ login: 'wendy-writer' }, { oauthClient: true });
    expect((await post(own, `${id}/approve`, { sha: headSha })).status).toBe(200);
    await h.runtime.idle();
    expect(latestCheck(headSha).conclusion).toBe('success');
  });

  it('without an OAuth client configured, the API approves nothing and says how to approve', async () => {
    const { number, headSha } = await openPullRequest();
    const id = await executionOf(number);
    const token = h.sim.createUserToken({ login: 'ada-admin' }, { oauthClient: true });
    const saved = process.env.GITHUB_CLIENT_SECRET;
    delete process.env.GITHUB_CLIENT_SECRET;
    try {
      const res = await post(token, `${id}/approve`, { sha: headSha });
      expect(res.status).toBe(403);
      expect(((await res.json()) as any).error.message).toMatch(
        /no OAuth client configured \(GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET\)/,
      );
    } finally {
      process.env.GITHUB_CLIENT_SECRET = saved;
    }
  });

  it('aaoe mcp with only GITHUB_TOKEN never sends approve', async () => {
    const { number, headSha } = await openPullRequest();
    const id = await executionOf(number);
    const config = apiClientConfigFromEnv({
      AAOE_URL: h.url,
      GITHUB_TOKEN: h.sim.createUserToken({ login: 'wendy-writer' }, { oauthClient: true }),
    });
    if (!config.ok) throw new Error(config.message);
    const result = await (new AaoeApiClient(config.config).verb as (...args: unknown[]) => Promise<any>)(
      id,
      'approve',
      headSha,
    );
    await h.runtime.idle();
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(result).toMatchObject({
      ok: false,
      code: 'refused',
      message: expect.stringMatching(/never sent with GITHUB_TOKEN/),
    });
  });

  it("a comment a GitHub App posted on a maintainer's behalf never approves", async () => {
    const { number, headSha } = await openPullRequest();
    const json = h.sim.addComment({
      owner: OWNER,
      repo: REPO,
      issueNumber: number,
      body: '/aaoe approve',
      user: 'wendy-writer',
      viaApp: true,
    });
    const { commentPayload } = governedFlow(() => h, {
      owner: OWNER,
      repo: REPO,
      agent: AGENT,
      reportSecret: 'x',
      firstPullRequest: 1,
    });
    await h.deliver('issue_comment', commentPayload('created', number, json, 'wendy-writer', 'User'));
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(replies(number).join('\n')).toMatch(/posted by the GitHub App "aaoe" on @wendy-writer's behalf/);
  });
});
