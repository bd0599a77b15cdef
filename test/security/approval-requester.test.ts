import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getExecution } from '../../src/adapters/store/executions.js';
import { callApi } from '../api/api-client.js';
import { AGENT, OWNER, REPO, startAgentHarness, type AgentHarness } from '../api/agent-harness.js';
import { INSTALLATION_ID, examplePayload } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 19 (low): the person who asked for the change (applied the trigger label, or asked through the API) could
 * approve its pull request. As GitHub does for its own agent, the one who asked does not approve, unless the policy
 * says `approvals.requesterMayApprove: true`.
 */

let h: AgentHarness;
beforeAll(async () => {
  h = await startAgentHarness();
  h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'olga-other', permission: 'write' });
});
afterAll(async () => {
  await h?.closeAll();
});

const flow = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: 'unused',
  firstPullRequest: 1,
});

async function setConfig(content: string) {
  h.sim.setFile({ owner: OWNER, repo: REPO, branch: 'master', path: '.github/aaoe.yml', content });
  const push = examplePayload('push', undefined, (e: any) => e.ref === 'refs/heads/master' && !!e.installation);
  push.installation = { id: INSTALLATION_ID };
  expect((await h.deliver('push', push)).status).toBe(200);
}

/** Wendy asks for a change through the API; the agent's pull request waits for an approval. */
async function askedByWendy(): Promise<{ number: number; headSha: string }> {
  h.scriptTask();
  const res = await callApi(h.url, 'POST', '/api/v1/executions', {
    token: h.tokens['wendy-writer']!,
    body: { repo: `${OWNER}/${REPO}`, task: 'Add a health check module.' },
  });
  expect(res.status).toBe(202);
  await h.runtime.idle();
  const x = (await getExecution(h.runtime.db, res.body.execution.id))!;
  expect(x.state).toBe('awaiting_approval');
  return { number: x.pullRequest!, headSha: x.headSha! };
}

describe('the person who asked for a change does not approve it', () => {
  it("by default: the requester's approval does not count; another person's does", async () => {
    const { number, headSha } = await askedByWendy();
    await h.deliver('issue_comment', flow.comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(flow.latestCheck(headSha).conclusion).toBe('action_required');
    expect(flow.replies(number).join('\n')).toMatch(
      /@wendy-writer asked for this change \(applied the trigger label to its issue\) and cannot approve it/,
    );
    await h.deliver('issue_comment', flow.comment(number, 'olga-other', '/aaoe approve').payload);
    expect(flow.latestCheck(headSha).conclusion).toBe('success');
  });

  it('approvals.requesterMayApprove: true lets the requester approve', async () => {
    await setConfig(
      `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\napprovals: { requesterMayApprove: true }\n`,
    );
    const { number, headSha } = await askedByWendy();
    await h.deliver('issue_comment', flow.comment(number, 'wendy-writer', '/aaoe approve').payload);
    expect(flow.latestCheck(headSha).conclusion).toBe('success');
  });
});
