import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 19, hole 13: the `approved` state survived an evaluation that needed approval again (the approver was
 * demoted): the check said `action_required` while the execution stayed approved, so the deployment protection
 * rule still approved. An `action_required` evaluation moves the execution back to awaiting approval.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ reportSecret: 'test-report-secret' });
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
      metadata: 'read',
    },
  });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'wendy-writer', permission: 'write' });
});
afterAll(async () => {
  await h?.close();
});

const flow = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: 'test-report-secret',
  firstPullRequest: 1000,
});

function rerun(number: number, headSha: string) {
  const payload = examplePayload('check_suite', 'rerequested');
  payload.installation = { id: INSTALLATION_ID };
  payload.check_suite.head_sha = headSha;
  payload.check_suite.pull_requests[0].number = number;
  payload.check_suite.pull_requests[0].head.sha = headSha;
  return payload;
}

describe('an approval that no longer counts', () => {
  it('moves the execution back to awaiting approval, and the protection rule rejects the deployment', async () => {
    await flow.setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
    const { number, headSha } = await flow.openPullRequest();
    await h.deliver('issue_comment', flow.comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(flow.latestCheck(headSha).conclusion).toBe('success');
    const state = async () =>
      (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((x) => x.pullRequest === number)!.state;
    expect(await state()).toBe('approved');

    h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'wendy-writer', permission: 'read' }); // demoted
    await h.deliver('check_suite', rerun(number, headSha));
    expect(flow.latestCheck(headSha).conclusion).toBe('action_required');
    expect(await state()).toBe('awaiting_approval');

    await h.deliver('deployment_protection_rule', flow.protectionRule(9301, headSha, { number, headSha }));
    expect(h.sim.deploymentReviews({ owner: OWNER, repo: REPO }).find((r) => r.runId === 9301)).toMatchObject({
      state: 'rejected',
    });
  });
});
