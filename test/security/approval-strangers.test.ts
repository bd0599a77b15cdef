import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listApprovals } from '../../src/adapters/store/approvals.js';
import { readAudit } from '../../src/adapters/store/audit-log.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 19 (low): a stranger's API call wrote an approval row (and audit entries) before the permission check. Who
 * may act is checked before anything is written, and refusals are limited per user (20 an hour, then 429 unheard),
 * so a stranger cannot fill the store.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ reportSecret: 'strangers-report-secret' });
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
  await setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
});
afterAll(async () => {
  delete process.env.GITHUB_CLIENT_ID;
  delete process.env.GITHUB_CLIENT_SECRET;
  await h?.close();
});

const { setConfig, openPullRequest } = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: 'strangers-report-secret',
  firstPullRequest: 3600,
});

describe('strangers: checked before anything is written, refusals limited per user', () => {
  it("a stranger's approval through the API leaves no approval row, and a flood is cut off", async () => {
    const { number, headSha } = await openPullRequest();
    const id = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((x) => x.pullRequest === number)!.id;
    const token = h.sim.createUserToken({ login: 'sam-stranger' }, { oauthClient: true });
    const approve = (body: unknown = { sha: headSha }) =>
      fetch(`${h.url}/api/v1/executions/${id}/approve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    // (without a body first: the API before the fix took none, and recorded the stranger's approval)
    await approve(null);
    await h.runtime.idle();
    expect(await listApprovals(h.runtime.db, id)).toEqual([]);
    const first = await approve();
    expect(await listApprovals(h.runtime.db, id)).toEqual([]);
    expect(first.status).toBe(403);
    expect(((await first.json()) as any).error.message).toMatch(
      /@sam-stranger has read permission on the repository; approvals need write, maintain or admin/,
    );
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await approve()).status);
    expect(statuses.slice(0, 19).every((s) => s === 403)).toBe(true);
    expect(statuses.slice(19)).toEqual([429, 429]);
    let refused = 0;
    for await (const e of readAudit(h.runtime.db)) if (e.executionId === id && e.actor === 'sam-stranger') refused++;
    expect(refused).toBe(20);
  });
});
