import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentDispatch } from '../../src/contracts/agent-result.js';
import { examplePayload, INSTALLATION_ID } from '../support/app-harness.js';
import {
  agentDispatches,
  commitBase,
  executionOf,
  labelIssue,
  modelCalls,
  OWNER,
  REPO,
  runAgentJob,
  setConfig,
  startWorld,
  type World,
} from '../security/byoa-world.js';

/**
 * Issue 26, the acceptance through the real path: a labelled issue dispatches the agent's workflow with a signed
 * payload; the committed action bundle, run as GitHub runs it with a scripted agent that edits two files and prints
 * a usage report, hands its result back; the app opens the pull request with exactly that diff, records the cost
 * under the agent, and `aaoe/policy` judges it.
 */

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());
beforeEach(async () => {
  await setConfig(
    world,
    'trigger: { label: aaoe }\nagent: { default: aaoe, tasks: { feature: scripted } }\ncost: { maxUsd: 5, monthlyUsd: 50 }\n',
  );
});

describe('bring your own agent: issue -> agent job -> hand-back -> pull request', () => {
  it('dispatches the agent of the task class, takes its signed result, opens the PR with exactly its diff and records its cost', async () => {
    const issue = await labelIssue(world, 'Add a health check');
    const [dispatch] = agentDispatches(world);
    expect(dispatch?.eventType).toBe('aaoe-agent-scripted');
    const payload = AgentDispatch.parse(dispatch!.payload);
    expect(payload).toMatchObject({
      agent: 'scripted',
      repository: `${OWNER}/${REPO}`,
      baseSha: world.baseSha,
      task: { issue, title: 'Add a health check', body: 'Please add it.' },
      budget: { usd: 5, tokens: null, timeLimitSeconds: 1800 },
      signature: expect.stringMatching(/^v1=[0-9a-f]{64}$/),
    });
    const waiting = await executionOf(world, issue);
    expect(waiting?.state).toBe('proposing');

    const run = await runAgentJob(world, dispatch!, { runId: 9001 });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.summary).toContain('handed back to AAOE: yes');

    const x = await executionOf(world, issue);
    expect(x?.pullRequest).toEqual(expect.any(Number));
    const pr = world.h.sim
      .pullRequests({ owner: OWNER, repo: REPO })
      .find((p: any) => p.number === x!.pullRequest) as any;
    expect(pr.user.login).toBe('aaoe[bot]');
    expect(pr.body).toContain('Added a health check and moved the port.');
    const files = world.h.sim.pullRequestFiles({ owner: OWNER, repo: REPO, number: pr.number });
    expect(files.map((f) => `${f.status} ${f.filename}`).sort()).toEqual([
      'added src/health.ts',
      'modified src/server.ts',
    ]);
    const tree = world.h.sim.branchFiles({ owner: OWNER, repo: REPO, branch: pr.head.ref })!;
    expect(tree.get('src/health.ts')).toBe('export function health() {\n  return 200;\n}\n');
    expect(tree.get('src/server.ts')).toBe(
      "export const port = 9090;\n\nexport function start() {\n  return 'ok';\n}\n",
    );
    expect(tree.get('README.md')).toBe('# Hello-World\n\nA small service.\n');

    expect(await modelCalls(world, x!.id)).toEqual([{ model: 'agent:scripted', cost_usd: '0.42000000', tokens: 1200 }]);
    // one ledger across agents: the month's spend per agent and repository on /metrics
    const metrics = await (await fetch(`${world.h.url}/metrics`)).text();
    const month = new Date().toISOString().slice(0, 7);
    expect(metrics).toContain(
      `aaoe_agent_month_spend_usd{agent="scripted",repo="${OWNER}/${REPO}",month="${month}"} 0.42`,
    );
    const checks = world.h.sim
      .checkRuns({ owner: OWNER, repo: REPO })
      .filter((r: any) => r.head_sha === pr.head.sha && r.name === 'aaoe/policy');
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ status: 'completed' });
    expect(['success', 'action_required']).toContain((checks[0] as any).conclusion);
  });

  it('fails with the reason when the agent fails, and `/aaoe retry --agent <name>` dispatches another agent', async () => {
    commitBase(world);
    const issue = await labelIssue(world, 'Try another agent');
    const dispatch = agentDispatches(world).at(-1)!;
    expect(dispatch.eventType).toBe('aaoe-agent-scripted');
    const run = await runAgentJob(world, dispatch, { runId: 9100, command: 'echo "I give up" >&2\nexit 3' });
    expect(run.exitCode).toBe(1);
    const failed = await executionOf(world, issue);
    expect(failed).toMatchObject({ state: 'failed', pullRequest: null });
    expect(failed!.work?.failure).toBe('The agent scripted exited with 3: nothing was committed.');

    const json = world.h.sim.addComment({
      owner: OWNER,
      repo: REPO,
      issueNumber: issue,
      body: '/aaoe retry --agent other',
      user: { login: 'alice', type: 'User' },
    });
    const payload = examplePayload('issue_comment', 'created');
    payload.issue = { ...payload.issue, number: issue };
    delete payload.issue.pull_request;
    payload.comment = { ...payload.comment, ...json };
    payload.sender = { ...payload.sender, login: 'alice', type: 'User' };
    payload.installation = { id: INSTALLATION_ID };
    expect((await world.h.deliver('issue_comment', payload)).status).toBe(200);
    const retried = agentDispatches(world).at(-1)!;
    expect(retried.eventType).toBe('aaoe-agent-other');
    expect(AgentDispatch.parse(retried.payload)).toMatchObject({ agent: 'other', task: { issue } });
    expect((await executionOf(world, issue))?.state).toBe('proposing');
  });
});
