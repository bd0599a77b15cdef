import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readAudit, verifyAudit } from '../../src/adapters/store/audit-log.js';
import { getExecution } from '../../src/adapters/store/executions.js';
import { callApi } from './api-client.js';
import { AGENT, OWNER, REPO, startAgentHarness, type AgentHarness } from './agent-harness.js';

/**
 * `POST /api/v1/executions` end to end: the task becomes an issue opened by the app with the trigger label, the
 * execution starts with the token's user recorded as the one who consented, the model is asked (a loopback
 * endpoint), and the proposal ends as a pull request judged by the `aaoe/policy` check.
 */

let h: AgentHarness;

beforeAll(async () => {
  h = await startAgentHarness();
});
afterAll(async () => {
  await h?.closeAll();
});
beforeEach(() => {
  h.sim.rejections.length = 0;
  h.fake.requests.length = 0;
});

describe('execute', () => {
  it('a writer proposes a task: an issue is opened, the execution starts and ends as a governed pull request', async () => {
    h.scriptTask();
    const res = await callApi(h.url, 'POST', '/api/v1/executions', {
      token: h.tokens['wendy-writer']!,
      body: { repo: `${OWNER}/${REPO}`, task: 'Add a health check module.\n\nThe load balancer needs it.' },
    });
    expect(res.status).toBe(202);
    const { execution, issue } = res.body;
    expect(execution).toMatchObject({ repo: `${OWNER}/${REPO}`, issue: issue.number, pullRequest: null });
    const opened = h.sim.requests.find((r) => r.method === 'POST' && r.path === `/repos/${OWNER}/${REPO}/issues`)!;
    expect(opened.body).toEqual({
      title: 'Add a health check module.',
      body: 'Add a health check module.\n\nThe load balancer needs it.\n\n---\nRequested through the AAOE API by @wendy-writer.',
      labels: ['aaoe'],
    });

    await h.runtime.idle();
    const x = (await getExecution(h.runtime.db, execution.id))!;
    expect(x.work!.issue).toMatchObject({ number: issue.number, labelledBy: 'wendy-writer' });
    expect(x.state).toBe('awaiting_approval');
    expect(x.pullRequest).not.toBeNull();
    expect(h.fake.requests.map((r) => r.response_format?.json_schema?.name)).toEqual(['triage', 'proposal']);

    const status = await callApi(h.url, 'GET', `/api/v1/executions/${execution.id}`, {
      token: h.tokens['wendy-writer']!,
    });
    expect(status.body).toMatchObject({
      state: 'awaiting_approval',
      pullRequest: x.pullRequest,
      policy: { conclusion: 'action_required', risk: 'medium' },
      cost: { tokens: 3200 },
    });
    expect(status.body.timeline.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['received', 'command:execute', 'model_calls', 'policy_evaluated']),
    );
    expect(status.body.timeline.find((e: any) => e.action === 'command:execute')).toMatchObject({
      actor: 'wendy-writer',
      reason: expect.stringMatching(/consented/),
    });
    expect(await verifyAudit(h.runtime.db)).toMatchObject({ ok: true });
    expect(h.sim.rejections).toEqual([]);
  });

  it("an agent may propose (bounded autonomy lets it): the execution starts, recorded as the agent's", async () => {
    h.scriptTask();
    const res = await callApi(h.url, 'POST', '/api/v1/executions', {
      token: h.tokens[AGENT]!,
      body: { repo: `${OWNER}/${REPO}`, task: 'Add a health check module.', title: 'Health check' },
    });
    expect(res.status).toBe(202);
    await h.runtime.idle();
    expect((await getExecution(h.runtime.db, res.body.execution.id))!.state).toBe('awaiting_approval');
    let entry;
    for await (const e of readAudit(h.runtime.db))
      if (e.action === 'command:execute' && e.executionId === res.body.execution.id) entry = e;
    expect(entry).toMatchObject({ actor: AGENT, reason: expect.stringMatching(/\(write, an agent\) consented/) });
  });
});
