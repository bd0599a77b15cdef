import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 19, hole 19 (last clause): owner and team approvals applied only when the risk gate already asked for a
 * person, so a change to owned paths that the risk gate alone passes merged without its owners. When the policy
 * names owners (`approvals.owners: codeowners`) or teams, a change touching owned paths needs them, whatever its risk.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';
/** The risk gate passes the medium change by itself. */
const RISK = 'risk: { maxLevel: high, requireHumanApprovalAbove: high }';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ reportSecret: 'owners-report-secret' });
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
    ['bob', 'maintain'],
    ['alice', 'write'],
  ] as const)
    h.sim.setPermission({ owner: OWNER, repo: REPO, username, permission });
  h.sim.setFile({ owner: OWNER, repo: REPO, branch: 'master', path: '.github/CODEOWNERS', content: 'src/ @bob\n' });
  h.sim.addTeamMember({ org: OWNER, team: 'platform', login: 'alice' });
});
afterAll(async () => {
  await h?.close();
});

const { setConfig, mediumBody, file, nextNumber, pullRequestPayload, comment, latestCheck } = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: 'owners-report-secret',
  firstPullRequest: 3500,
});

/** A governed medium-risk pull request touching `files`, delivered; its head. */
async function open(files: string[]): Promise<{ number: number; headSha: string }> {
  const number = nextNumber();
  const headSha = (number.toString(16) + '9'.repeat(40)).slice(0, 40);
  const pr = h.sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    user: { login: AGENT, type: 'Bot' },
    headRef: `change-${number}`,
    headSha,
    baseRef: 'master',
    body: mediumBody,
    files: files.map(file) as never,
  });
  await h.deliver('pull_request', pullRequestPayload('opened', pr));
  return { number, headSha };
}

describe('hole 19: owners and teams named by the policy are asked whatever the risk', () => {
  it('owners: codeowners: a change to an owned path waits for its owner even though the risk gate passes it', async () => {
    await setConfig(`agents: ['${AGENT}']\n${RISK}\napprovals: { owners: codeowners }\n`);
    const { number, headSha } = await open(['src/app.ts']);
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(latestCheck(headSha).output.summary).toMatch(/Owners of `src\/`.*an approval from @bob is needed/);
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    await h.deliver('issue_comment', comment(number, 'bob', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('success');
  });

  it('owners: codeowners: a change to no owned path passes on the risk gate alone', async () => {
    await setConfig(`agents: ['${AGENT}']\n${RISK}\napprovals: { owners: codeowners }\n`);
    const { headSha } = await open(['docs/readme.md']);
    expect(latestCheck(headSha).conclusion).toBe('success');
  });

  it('approvals.teams: every change needs a member of each team, whatever its risk', async () => {
    await setConfig(`agents: ['${AGENT}']\n${RISK}\napprovals: { teams: ['${OWNER}/platform'] }\n`);
    const { number, headSha } = await open(['docs/guide.md']);
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    await h.deliver('issue_comment', comment(number, 'alice', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('success');
  });
});
