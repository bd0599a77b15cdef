import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signBody } from '../../src/adapters/github/signature.js';
import { recordModelCalls } from '../../src/adapters/store/model-calls.js';
import { AGENT_RESULT_PATH, AgentDispatch, type AgentResult } from '../../src/contracts/agent-result.js';
import { REPORT_SIGNATURE_HEADER } from '../../src/contracts/report.js';
import { repositoryKey } from '../../src/adapters/github/dispatch-signature.js';
import { INSTALLATION_ID } from '../support/app-harness.js';
import {
  agentDispatches,
  commitBase,
  executionOf,
  KEY,
  MASTER,
  labelIssue,
  modelCalls,
  OWNER,
  REPO,
  runAgentJob,
  scriptedAgent,
  setConfig,
  startWorld,
  type World,
} from './byoa-world.js';

/**
 * Issue 26, the attacks on the hand-back, each through the real path (the running app, signed deliveries, the
 * simulator, the committed bundle): a result that is unsigned, signed with another repository's key, from another
 * run or workflow, or for another base is refused; a diff that touches `.github/workflows/` is refused before any
 * commit; a spent monthly budget dispatches nothing and says why on the issue; a reported overrun fails the cost gate.
 */

const CONFIG =
  'trigger: { label: aaoe }\nagent: { tasks: { feature: scripted } }\ncost: { maxUsd: 5, monthlyUsd: 50 }\n';

let world: World;
let nextRun = 7000;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());
beforeEach(async () => {
  commitBase(world);
  await setConfig(world, CONFIG);
});

/** Labels an issue and returns its execution id and the agent dispatch it made. */
async function dispatched(title: string) {
  const before = agentDispatches(world).length;
  const issue = await labelIssue(world, title);
  const all = agentDispatches(world);
  expect(all).toHaveLength(before + 1);
  const dispatch = all.at(-1)!;
  const x = await executionOf(world, issue);
  return { issue, dispatch, payload: AgentDispatch.parse(dispatch.payload), executionId: x!.id };
}

function result(payload: AgentDispatch, over: Partial<AgentResult> = {}): AgentResult {
  return {
    version: 1,
    executionId: payload.executionId,
    agent: payload.agent,
    baseSha: payload.baseSha,
    run: { runId: String(nextRun), runAttempt: '1', workflowRef: null },
    exitCode: 0,
    timedOut: false,
    diff: 'diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-# Hello-World\n+# Hello, World\n',
    files: [{ path: 'README.md', status: 'modified' }],
    usage: null,
    summary: 'Retitled.',
    transcript: '',
    at: new Date().toISOString(),
    ...over,
  };
}

async function post(body: unknown, signature: string | null = signBody(JSON.stringify(body), KEY)) {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== null) headers[REPORT_SIGNATURE_HEADER] = signature;
  const res = await fetch(`${world.h.url}${AGENT_RESULT_PATH}`, { method: 'POST', headers, body: text });
  return { status: res.status, body: (await res.json()) as { error?: string } };
}

function addRun(id: number, over: { path?: string; headSha?: string; event?: string } = {}) {
  world.h.sim.addWorkflowRun({
    owner: OWNER,
    repo: REPO,
    id,
    event: over.event ?? 'repository_dispatch',
    headSha: over.headSha ?? world.baseSha,
    path: over.path ?? '.github/workflows/aaoe-agent-scripted.yml',
  });
}

async function executionById(id: string) {
  const { rows } = await world.h.runtime.db.query<{ state: string; pull_request: number | null }>(
    'SELECT state, pull_request FROM executions WHERE id = $1',
    [id],
  );
  return rows[0];
}

const statusOf = (issue: number) =>
  world.h.sim
    .comments({ owner: OWNER, repo: REPO, issueNumber: issue })
    .map((c: any) => String(c.body))
    .filter((b) => b.includes('<!-- aaoe:status -->'))
    .join('\n');

describe('a hand-back is taken only from the run AAOE dispatched, signed with the repository key', () => {
  it.each([
    ['unsigned', null],
    ['signed with another repository key', repositoryKey(MASTER, INSTALLATION_ID, 'octo-org/other')],
    ['signed with the key of another master', repositoryKey('another-master', INSTALLATION_ID, `${OWNER}/${REPO}`)],
  ])('refuses a result %s', async (_what, key) => {
    const { payload, executionId } = await dispatched(`Unsigned ${nextRun}`);
    addRun(++nextRun);
    const body = result(payload);
    const answer = await post(body, key === null ? null : signBody(JSON.stringify(body), key));
    expect(answer.status).toBe(401);
    const x = await executionById(executionId);
    expect(x).toMatchObject({ state: 'proposing', pull_request: null });
    expect(await modelCalls(world, executionId)).toEqual([]);
  });

  it.each([
    ['another workflow', { path: '.github/workflows/ci.yml' }, /is of \.github\/workflows\/ci\.yml/],
    ['another event', { event: 'workflow_dispatch' }, /started by workflow_dispatch/],
    ['another head', { headSha: 'e'.repeat(40) }, /ran at e{40}/],
  ])('refuses the result of a run of %s', async (_what, run, reason) => {
    const { payload, executionId } = await dispatched(`Run ${String(reason)} ${nextRun}`);
    addRun(++nextRun, run);
    const answer = await post(result(payload));
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatch(reason);
    expect(await modelCalls(world, executionId)).toEqual([]);
  });

  it('refuses a result for another base SHA, and a second run once one was taken', async () => {
    const { payload, executionId } = await dispatched('Another base');
    addRun(++nextRun);
    const other = await post(result(payload, { baseSha: 'd'.repeat(40) }));
    expect(other).toMatchObject({ status: 409, body: { error: expect.stringMatching(/AAOE dispatched base/) } });
    expect((await post(result(payload))).status).toBe(200);
    addRun(++nextRun);
    const second = await post(result(payload, { run: { runId: String(nextRun), runAttempt: '1', workflowRef: null } }));
    expect(second).toMatchObject({ status: 409 });
    expect((await executionById(executionId))?.pull_request).toEqual(expect.any(Number));
  });

  it('refuses a diff that touches .github/workflows/ before any commit, with the reason on the issue', async () => {
    const { issue, dispatch, executionId } = await dispatched('Sneak a workflow');
    const branches = world.h.sim.branches({ owner: OWNER, repo: REPO });
    const command = `${scriptedAgent()}\necho '  deploy: { runs-on: x }' >> .github/workflows/ci.yml`;
    const run = await runAgentJob(world, dispatch, { runId: ++nextRun, command });
    expect(run.stdout).toMatch(/HTTP 422/);
    const x = await executionOf(world, issue);
    expect(x).toMatchObject({ state: 'failed', pullRequest: null });
    expect(x!.work?.failure).toMatch(
      /Refused before any commit: it changes workflow files \(\.github\/workflows\/ci\.yml\)/,
    );
    expect(world.h.sim.branches({ owner: OWNER, repo: REPO })).toEqual(branches);
    expect(statusOf(issue)).toContain('Refused before any commit');
    // the cost was spent all the same: it is in the ledger under the agent
    expect((await modelCalls(world, executionId)).map((c) => c.model)).toEqual(['agent:scripted']);
  });
});

describe('caps across agents', () => {
  it('dispatches nothing when the monthly budget is spent, and says why on the issue', async () => {
    await recordModelCalls(world.h.runtime.db, { repo: `${OWNER}/${REPO}`, executionId: null }, [
      { model: 'agent:other', outcome: 'ok', inputTokens: 1, outputTokens: 1, costUsd: 3, ms: 0 },
    ]);
    await setConfig(world, CONFIG.replace('monthlyUsd: 50', 'monthlyUsd: 2'));
    const before = agentDispatches(world).length;
    const issue = await labelIssue(world, 'Over budget');
    expect(agentDispatches(world)).toHaveLength(before);
    expect((await executionOf(world, issue))?.state).toBe('failed');
    expect(statusOf(issue)).toMatch(/monthly budget of \$2 \(cost\.monthlyUsd\) for this repository is spent/);
  });

  it('passes the budget left to the job, and a reported overrun fails the cost gate', async () => {
    await setConfig(world, CONFIG.replace('monthlyUsd: 50', 'monthlyUsd: 500').replace('maxUsd: 5', 'maxUsd: 0.1'));
    const { issue, dispatch, payload } = await dispatched('Expensive');
    expect(payload.budget.usd).toBe(0.1);
    const run = await runAgentJob(world, dispatch, { runId: ++nextRun, command: scriptedAgent(0.42) });
    expect(run.exitCode).toBe(0);
    const x = await executionOf(world, issue);
    expect(x?.pullRequest).toEqual(expect.any(Number));
    expect(x?.work?.overrun).toMatch(/reported \$0\.4200 spent, over cost\.maxUsd \$0\.1/);
    const pr = world.h.sim
      .pullRequests({ owner: OWNER, repo: REPO })
      .find((p: any) => p.number === x!.pullRequest) as any;
    const check = world.h.sim
      .checkRuns({ owner: OWNER, repo: REPO })
      .find((r: any) => r.head_sha === pr.head.sha && r.name === 'aaoe/policy') as any;
    expect(check.conclusion).toBe('failure');
    expect(JSON.stringify(check.output)).toMatch(/[Cc]ost/);
  });
});
