import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/adapters/github/signature.js';
import { ModelRouter, type ModelSpec } from '../../src/adapters/model/model-router.js';
import type { Proposal } from '../../src/core/agent/proposal.js';
import { readAudit } from '../../src/adapters/store/audit-log.js';
import { dispatchedSha, getExecution, lockExecution } from '../../src/adapters/store/executions.js';
import { commitTransition } from '../../src/workflows/commit-transition.js';
import { transition } from '../../src/core/execution/transition.js';
import { type ExecutionEvent } from '../../src/core/execution/execution-model.js';
import { QUEUES } from '../../src/adapters/store/job-shapes.js';
import { getPlanRun } from '../../src/adapters/store/plans.js';
import { pendingTimers } from '../../src/adapters/store/timers.js';
import { planRef } from '../../src/workflows/plan-ports.js';
import { repositoryKey } from '../../src/adapters/github/dispatch-signature.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';

/**
 * An architecture plan run by the real app over HTTP: three repositories and a four-step diamond plan
 * (schema -> api, client -> cutover) started with `/aaoe plan start` on an issue of the architecture repository.
 * Each step becomes an issue and a governed execution in its repository (a loopback model proposes, the policy
 * passes, `merge: auto` merges, the companion action's signed report promotes or rolls back); at most two steps run
 * at once; the tracking issue is rewritten as steps end; a failing third step pauses the plan and opens a fix issue;
 * `/aaoe rollback` on the tracking issue rolls the completed steps back, last completed first, one at a time.
 */

const ORG = 'acme';
const ARCH = 'architecture';
const REPOS = ['invoicing', 'monolith', 'gateway'] as const;
const REPORT_SECRET = 'plan-report-secret';
const MODEL: ModelSpec = { id: 'plan-model', tier: 1, inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 };
const WRITER = 'wendy-writer';

/** The diamond fixture, without its office-hours window and deadline (the test runs on the real clock). */
const PLAN = readFileSync(new URL('../fixtures/plans/diamond.yml', import.meta.url), 'utf8')
  .replace(/^\s+deadline: .*\n/m, '')
  .replace(/^\s+window: office-hours\n/m, '');

let h: Harness;
let model: Server;
let modelUrl = '';
let trackingIssue = 0;

/** A loopback model: answers triage and proposal requests by their schema name; each step's proposal adds its own file. */
function startModel(): Promise<void> {
  model = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const request = JSON.parse(body) as {
        response_format?: { json_schema?: { name?: string } };
        messages: Array<{ content: string }>;
      };
      const text = request.messages.map((m) => m.content).join('\n');
      const [, plan = 'plan', step = 'unknown'] =
        /\b(split-invoicing|pair-again|pair-failing|pair)\/([a-z]+)/.exec(text) ?? [];
      const answer =
        request.response_format?.json_schema?.name === 'triage'
          ? { classification: 'feature', rationale: `step ${step}` }
          : proposal(step, plan);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'chatcmpl-plan',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: MODEL.id,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: JSON.stringify(answer), refusal: null },
              finish_reason: 'stop',
              logprobs: null,
            },
          ],
          usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
        }),
      );
    });
  });
  return new Promise((resolve) =>
    model.listen(0, '127.0.0.1', () => {
      const address = model.address();
      modelUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
      resolve();
    }),
  );
}

function proposal(step: string, plan = 'plan'): Proposal {
  return {
    summary: `Step ${step} of the invoicing split.`,
    classification: 'feature',
    edits: [
      {
        action: 'create',
        path: `docs/${plan === 'split-invoicing' ? 'plan' : plan}-${step}.md`,
        content: `# ${step}\n`,
      },
    ],
    risk: { level: 'low', rationale: 'Documentation only.' },
    cost: { estimatedTokens: 200, estimatedUsd: 0.001 },
    deployment: { strategy: 'canary' },
    rollbackPlan: 'Revert the commit.',
    blastRadius: 'One document.',
  };
}

function repository(name: string) {
  const base = examplePayload('issue_comment', 'created').repository;
  return { ...base, name, full_name: `${ORG}/${name}`, owner: { ...base.owner, login: ORG, type: 'Organization' } };
}

/** `user` comments `body` on issue `number` of the architecture repository; the signed delivery is sent. */
async function comment(number: number, user: string, body: string) {
  const json = h.sim.addComment({
    owner: ORG,
    repo: ARCH,
    issueNumber: number,
    body,
    user: { login: user, type: 'User' },
  });
  await deliverComment(number, user, json);
  return json.id as number;
}

/** The `issue_comment.created` delivery of a comment (again, for a redelivery under a new delivery id). */
async function deliverComment(number: number, user: string, json: Record<string, unknown>) {
  const payload = examplePayload('issue_comment', 'created');
  payload.issue = { ...payload.issue, number };
  delete payload.issue.pull_request;
  payload.comment = { ...payload.comment, ...json };
  payload.sender = { ...payload.sender, login: user, type: 'User' };
  payload.repository = repository(ARCH);
  payload.installation = { id: INSTALLATION_ID };
  expect((await h.deliver('issue_comment', payload)).status).toBe(200);
}

async function run(planId = 'split-invoicing') {
  return (await getPlanRun(h.runtime.db, `${ORG}/${ARCH}`, planId))!;
}

/** The step's execution: its pull request merged (a `pull_request.closed` delivery), then the action's report. */
async function finish(step: string, verdict: 'promote' | 'rollback', planId?: string) {
  const executionId = (await run(planId)).run.steps[step]!.executionId!;
  let x = (await getExecution(h.runtime.db, executionId))!;
  expect(x.state).toBe('approved'); // the policy passed and AAOE merged it (merge: auto)
  const [, repo = ''] = x.repo.split('/');
  const pr = h.sim.pullRequests({ owner: ORG, repo }).find((p: any) => p.number === x.pullRequest) as any;
  expect(pr.merged).toBe(true);
  const payload = examplePayload('pull_request', 'closed');
  payload.number = pr.number;
  payload.pull_request = { ...payload.pull_request, ...pr };
  payload.repository = repository(repo);
  payload.installation = { id: INSTALLATION_ID };
  await h.deliver('pull_request', payload);
  x = (await getExecution(h.runtime.db, executionId))!;
  expect(x.state).toBe('deploying');
  await report(
    executionId,
    repo,
    verdict === 'promote'
      ? {
          mode: 'canary',
          verdict: 'promote',
          outcome: 'success',
          commands: [{ name: 'deploy', exitCode: 0, durationMs: 5 }],
        }
      : {
          mode: 'canary',
          verdict: 'rollback',
          outcome: 'failure',
          title: 'Canary regressed',
          reason: 'error rate 3x the baseline',
          commands: [
            { name: 'deploy', exitCode: 0, durationMs: 5 },
            { name: 'rollback', exitCode: 0, durationMs: 5 },
          ],
        },
  );
  return executionId;
}

/** A report of the companion action (version 1), signed, for an execution's dispatched commit. */
async function report(executionId: string, repo: string, over: Record<string, unknown>) {
  const body = JSON.stringify({
    version: 1,
    executionId,
    sha: await dispatchedSha(h.runtime.db, executionId),
    environment: 'production',
    deploymentId: null,
    title: 't',
    reason: 'r',
    counts: null,
    intervals: [],
    run: { repository: `${ORG}/${repo}`, runId: '1', runAttempt: '1', url: null },
    at: new Date().toISOString(),
    ...over,
  });
  const res = await fetch(`${h.url}/aaoe/deploy-report`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-aaoe-signature-256': signBody(body, repositoryKey(REPORT_SECRET, INSTALLATION_ID, `${ORG}/${repo}`)),
    },
    body,
  });
  expect(res.status).toBe(200);
  await h.runtime.idle();
}

/** The action's report of a rollback that succeeded. */
const ROLLED_BACK = {
  mode: 'rollback',
  verdict: 'rollback',
  outcome: 'success',
  commands: [{ name: 'rollback', exitCode: 0, durationMs: 5 }],
};

/** The executions the companion workflow was asked to roll back in a repository, in order. */
function rollbackDispatches(repo: string): string[] {
  return h.sim
    .dispatches({ owner: ORG, repo })
    .filter((d) => d.eventType === 'aaoe-rollback')
    .map((d) => d.payload.executionId);
}

/** A two-step plan (first, then second, both in acme/invoicing) started from issue `issue`, both steps promoted. */
async function runPairPlan(id: string, issue: number) {
  h.sim.setFile({
    owner: ORG,
    repo: ARCH,
    branch: 'main',
    path: `plans/${id}.yml`,
    content: `id: ${id}\ngoal: Two changes\nsteps:\n  - id: first\n    repository: acme/invoicing\n    team: acme/billing\n    task: Add the first note\n  - id: second\n    repository: acme/invoicing\n    team: acme/billing\n    task: Add the second note\n    dependsOn: [first]\n`,
  });
  h.sim.addIssue({ owner: ORG, repo: ARCH, number: issue, title: `Plan ${id}`, user: WRITER });
  await comment(issue, WRITER, `/aaoe plan start plans/${id}.yml`);
  const first = await finish('first', 'promote', id);
  const second = await finish('second', 'promote', id);
  expect((await run(id)).run.status).toBe('done');
  return { first, second, tracking: (await run(id)).trackingIssue! };
}

/** An event applied to an execution as the app applies it (its effects queued), outside any plan. */
async function apply(executionId: string, event: ExecutionEvent) {
  await h.runtime.db.transaction(async (tx) => {
    const before = (await lockExecution(tx, executionId))!;
    const result = transition(before, event, new Date());
    await commitTransition(
      tx,
      h.runtime.queue,
      before,
      { ...before, ...result.execution },
      result.effects,
      before.traceId,
    );
  });
  h.runtime.queue.wake(QUEUES.effect);
  await h.runtime.idle();
}

/** An execution asked to roll back outside any plan, as `/aaoe rollback` on its pull request does. */
const rollBackByHand = (executionId: string) =>
  apply(executionId, { type: 'rollback_requested', by: WRITER, reason: 'by hand' });

function trackingBody(): string {
  return String(h.sim.issues({ owner: ORG, repo: ARCH }).find((i: any) => i.number === trackingIssue)!.body);
}

function trackingPatches(): number {
  return h.sim.requests.filter(
    (r) => r.method === 'PATCH' && r.path === `/repos/${ORG}/${ARCH}/issues/${trackingIssue}`,
  ).length;
}

/** Steps running now, as stored; never more than the plan allows. */
async function running(): Promise<string[]> {
  const { run: r } = await run();
  const ids = Object.entries(r.steps)
    .filter(([, s]) => s.status === 'running')
    .map(([id]) => id);
  expect(ids.length).toBeLessThanOrEqual(r.plan.policy.maxParallel);
  return ids;
}

beforeAll(async () => {
  await startModel();
  const router = new ModelRouter(new OpenAI({ apiKey: 'test-key', baseURL: modelUrl, maxRetries: 0 }), {
    models: [MODEL],
    tasks: { classify: { minTier: 1 }, propose: { minTier: 1 } },
    timeoutMs: 5_000,
  });
  h = await startHarness({
    reportSecret: REPORT_SECRET,
    agent: { router, contextBudgetTokens: 4_000, maxOutputTokens: 1_000 },
  });
  h.sim.addInstallation({
    id: INSTALLATION_ID,
    account: ORG,
    accountType: 'Organization',
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
  for (const name of [ARCH, ...REPOS]) {
    h.sim.addRepo({ owner: ORG, name, defaultBranch: 'main', installationId: INSTALLATION_ID });
    h.sim.setPermission({ owner: ORG, repo: name, username: WRITER, permission: 'write' });
    h.sim.setFile({ owner: ORG, repo: name, branch: 'main', path: 'README.md', content: `# ${name}\n` });
  }
  for (const name of REPOS)
    h.sim.setFile({
      owner: ORG,
      repo: name,
      branch: 'main',
      path: '.github/aaoe.yml',
      content: 'risk: { maxLevel: high, requireHumanApprovalAbove: high }\nmerge: auto\n',
    });
  for (const team of ['billing', 'core', 'platform']) h.sim.addTeamMember({ org: ORG, team, login: WRITER });
  h.sim.setFile({ owner: ORG, repo: ARCH, branch: 'main', path: 'plans/split.yml', content: PLAN });
  h.sim.setFile({
    owner: ORG,
    repo: ARCH,
    branch: 'main',
    path: 'plans/broken.yml',
    content:
      'id: broken\ngoal: x\nsteps:\n  - id: a\n    repository: acme/invoicing\n    team: acme/billing\n    task: t\n    dependsOn: [nope]\n',
  });
  h.sim.setPermission({ owner: ORG, repo: ARCH, username: 'rita-reader', permission: 'read' });
  h.sim.setPermission({ owner: ORG, repo: ARCH, username: 'mia-maintainer', permission: 'maintain' });
  h.sim.setPermission({ owner: ORG, repo: 'gateway', username: 'mia-maintainer', permission: 'read' });
  h.sim.setFile({
    owner: ORG,
    repo: ARCH,
    branch: 'main',
    path: 'plans/route.yml',
    content:
      'id: status-route\ngoal: Route /status\nsteps:\n  - id: route\n    repository: acme/gateway\n    team: acme/platform\n    task: Route /status to the health check\n',
  });
});

afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => model?.close(resolve));
});

describe('an architecture plan run by the app', { timeout: 120_000 }, () => {
  it('refuses a reader, and a plan that does not validate (errors with file:line:col)', async () => {
    h.sim.addIssue({ owner: ORG, repo: ARCH, number: 1, title: 'Split invoicing', user: WRITER });
    await comment(1, 'rita-reader', '/aaoe plan start plans/split.yml');
    await comment(1, WRITER, '/aaoe plan start plans/broken.yml');
    const replies = h.sim
      .comments({ owner: ORG, repo: ARCH, issueNumber: 1 })
      .filter((c: any) => c.user.login === 'aaoe[bot]')
      .map((c: any) => String(c.body));
    expect(replies[0]).toContain('@rita-reader has read');
    expect(replies[1]).toMatch(/plans\/broken\.yml:8:17: .*"nope"/);
    expect(await getPlanRun(h.runtime.db, `${ORG}/${ARCH}`, 'split-invoicing')).toBeUndefined();
    expect(h.sim.rejections).toEqual([]);
  });

  it('starts: a tracking issue, then the first step as an issue and an execution in its repository', async () => {
    await comment(1, WRITER, '/aaoe plan start plans/split.yml');
    const record = await run();
    trackingIssue = record.trackingIssue!;
    expect(trackingIssue).toBeGreaterThan(1);
    expect(trackingBody()).toContain('<!-- aaoe:plan:split-invoicing -->');
    expect(await running()).toEqual(['schema']);
    const stepIssue = h.sim
      .issues({ owner: ORG, repo: 'invoicing' })
      .find((i: any) => String(i.body).includes('aaoe:plan-step:'))!;
    expect(String(stepIssue.body)).toContain('CREATE TABLE invoices'); // the rendered change package
    const x = (await getExecution(h.runtime.db, record.run.steps.schema!.executionId!))!;
    expect(x).toMatchObject({ repo: `${ORG}/invoicing`, issue: stepIssue.number, state: 'approved' });
    expect(x.work!.issue.labelledBy).toBe(WRITER); // the consent of the person who started the plan
    // the change package is in the step's pull request as rendered, whatever the model proposed
    const files = h.sim.pullRequestFiles({ owner: ORG, repo: 'invoicing', number: x.pullRequest! });
    expect(files.map((f) => f.filename)).toContain('db/migrations/001_invoices.sql');
    expect(
      h.sim
        .branchFiles({ owner: ORG, repo: 'invoicing', branch: x.work!.branch! })!
        .get('db/migrations/001_invoices.sql'),
    ).toContain('CREATE TABLE invoices');
    // one tracking issue even when the command is repeated: a plan id runs once
    await comment(1, WRITER, '/aaoe plan start plans/split.yml');
    expect(
      h.sim
        .issues({ owner: ORG, repo: ARCH })
        .filter((i: any) => String(i.body).includes('<!-- aaoe:plan:split-invoicing -->')),
    ).toHaveLength(1);
    const again = h.sim
      .comments({ owner: ORG, repo: ARCH, issueNumber: 1 })
      .filter((c: any) => c.user.login === 'aaoe[bot]')
      .map((c: any) => String(c.body))
      .at(-1);
    expect(again).toContain(`plan \`split-invoicing\` was started before (it is active, tracked in #${trackingIssue})`);
    // the comment that started it, delivered again: it finds the run it stored (its steps now in flight are no conflict)
    const start = h.sim
      .comments({ owner: ORG, repo: ARCH, issueNumber: 1 })
      .find((c: any) => c.user.login === WRITER && String(c.body) === '/aaoe plan start plans/split.yml') as Record<
      string,
      unknown
    >;
    await deliverComment(1, WRITER, start);
    const reply = h.sim
      .comments({ owner: ORG, repo: ARCH, issueNumber: 1 })
      .find((c: any) => String(c.body).includes(`<!-- aaoe:reply:${start.id} -->`));
    expect(String(reply!.body)).toContain('Plan `split-invoicing` started by @wendy-writer');
    expect(
      h.sim
        .issues({ owner: ORG, repo: ARCH })
        .filter((i: any) => String(i.body).includes('<!-- aaoe:plan:split-invoicing -->')),
    ).toHaveLength(1);
    expect(h.sim.rejections).toEqual([]);
  });

  it('runs the steps in dependency order, at most two at once; a failing third step pauses the plan', async () => {
    const patches = trackingPatches();
    await finish('schema', 'promote');
    expect(await running()).toEqual(['api', 'client']);
    expect(trackingPatches()).toBeGreaterThan(patches);
    expect(trackingBody()).toMatch(/\| `schema` \| acme\/invoicing \| acme\/billing \| succeeded \|/);
    expect(trackingBody()).toContain('```mermaid\ngantt');
    const { run: r } = await run();
    expect(new Date(r.steps.api!.startedAt!).getTime()).toBeGreaterThanOrEqual(
      new Date(r.steps.schema!.finishedAt!).getTime(),
    );

    await finish('api', 'promote');
    expect(await running()).toEqual(['client']); // cutover waits for client
    await finish('client', 'rollback');
    const paused = await run();
    expect(paused.run.status).toBe('paused');
    expect(paused.run.steps).toMatchObject({
      schema: { status: 'succeeded' },
      api: { status: 'succeeded' },
      client: { status: 'failed' },
      cutover: { status: 'pending' },
    });
    expect(trackingBody()).toContain('Status: paused');
    const fix = h.sim
      .issues({ owner: ORG, repo: 'monolith' })
      .filter((i: any) => String(i.title).startsWith('Fix step client'));
    expect(fix).toHaveLength(1);
    expect(h.sim.issues({ owner: ORG, repo: 'gateway' })).toHaveLength(0); // cutover never started
    expect(h.sim.rejections).toEqual([]);
  });

  it("/aaoe status and a reader's /aaoe rollback on the tracking issue", async () => {
    await comment(trackingIssue, 'rita-reader', '/aaoe rollback');
    await comment(trackingIssue, WRITER, '/aaoe status');
    const replies = h.sim
      .comments({ owner: ORG, repo: ARCH, issueNumber: trackingIssue })
      .filter((c: any) => c.user.login === 'aaoe[bot]')
      .map((c: any) => String(c.body));
    expect(replies.some((r) => r.includes('@rita-reader has read'))).toBe(true);
    expect(replies.some((r) => r.includes('**Plan `split-invoicing`**: paused'))).toBe(true);
    expect((await run()).run.status).toBe('paused');
  });

  it('/aaoe rollback on the tracking issue rolls the completed steps back, last completed first, one at a time', async () => {
    const { run: r } = await run();
    const api = r.steps.api!.executionId!;
    const schema = r.steps.schema!.executionId!;
    await comment(trackingIssue, WRITER, '/aaoe rollback');
    const rollbacks = () => rollbackDispatches('invoicing');
    expect(rollbacks()).toEqual([api]); // one at a time: schema waits for api
    expect((await run()).run).toMatchObject({ status: 'rolling_back', rollingBack: 'api' });
    await report(api, 'invoicing', ROLLED_BACK);
    expect(rollbacks()).toEqual([api, schema]);
    await report(schema, 'invoicing', ROLLED_BACK);
    const done = await run();
    expect(done.run.status).toBe('rolled_back');
    expect(done.run.steps).toMatchObject({
      schema: { status: 'rolled_back' },
      api: { status: 'rolled_back' },
      client: { status: 'failed' },
    });
    expect((await getExecution(h.runtime.db, api))!.state).toBe('rolled_back');
    expect(trackingBody()).toContain('Status: rolled back');
    const actions: string[] = [];
    for await (const e of readAudit(h.runtime.db))
      if (e.action.startsWith('plan:') || (e.action === 'command:rollback' && e.actor === WRITER))
        actions.push(e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['plan:start', 'plan:start_step', 'plan:rollback', 'command:rollback']),
    );
    expect(h.sim.rejections).toEqual([]);
    expect(h.sim.unimplemented).toEqual([]);
  });

  it('a step whose starter may not write to its repository fails with that reason and never runs', async () => {
    h.sim.addIssue({ owner: ORG, repo: ARCH, number: 50, title: 'Status route', user: 'mia-maintainer' });
    const gatewayIssues = h.sim.issues({ owner: ORG, repo: 'gateway' }).length;
    await comment(50, 'mia-maintainer', '/aaoe plan start plans/route.yml');
    const record = (await getPlanRun(h.runtime.db, `${ORG}/${ARCH}`, 'status-route'))!;
    expect(record.run.status).toBe('paused');
    expect(record.run.steps.route).toMatchObject({ status: 'failed' });
    expect(record.run.steps.route!.executionId).toBeUndefined();
    expect(h.sim.issues({ owner: ORG, repo: 'gateway' })).toHaveLength(gatewayIssues); // no step issue, no fix issue
    const notes = h.sim
      .comments({ owner: ORG, repo: ARCH, issueNumber: record.trackingIssue! })
      .map((c: any) => String(c.body));
    expect(
      notes.some((n) =>
        n.includes(
          'Step `route` did not start: @mia-maintainer, who started the plan and consents to its steps, has read permission on acme/gateway',
        ),
      ),
    ).toBe(true);

    // given write there, `/aaoe resume` on the tracking issue retries the step: now it runs
    h.sim.setPermission({ owner: ORG, repo: 'gateway', username: 'mia-maintainer', permission: 'write' });
    await comment(record.trackingIssue!, 'mia-maintainer', '/aaoe resume');
    const resumed = (await getPlanRun(h.runtime.db, `${ORG}/${ARCH}`, 'status-route'))!;
    expect(resumed.run.status).toBe('active');
    expect(resumed.run.steps.route).toMatchObject({ status: 'running' });
    const x = (await getExecution(h.runtime.db, resumed.run.steps.route!.executionId!))!;
    expect(x).toMatchObject({ repo: `${ORG}/gateway`, state: 'approved' });
    expect(x.work!.issue.labelledBy).toBe('mia-maintainer');
    expect(h.sim.issues({ owner: ORG, repo: 'gateway' })).toHaveLength(gatewayIssues + 1);
    expect(h.sim.rejections).toEqual([]);
  });

  it('a step waiting for its window: the plan looks again on a timer at the opening (and one in conflict is refused)', async () => {
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const opens = new Date(Date.now() + 2 * 3_600_000);
    const window = `{ from: "${hhmm(opens)}", to: "${hhmm(new Date(opens.getTime() + 3_600_000))}", timezone: UTC }`;
    const later = (repo: string) =>
      `id: later\ngoal: Later\nwindows:\n  night: ${window}\nsteps:\n  - id: docs\n    repository: acme/${repo}\n    team: acme/platform\n    window: night\n    task: Document the route\n`;
    h.sim.addIssue({ owner: ORG, repo: ARCH, number: 60, title: 'Later', user: WRITER });
    // acme/gateway has the status-route step's execution in flight, in the same environment: the world check refuses
    h.sim.setFile({ owner: ORG, repo: ARCH, branch: 'main', path: 'plans/later.yml', content: later('gateway') });
    await comment(60, WRITER, '/aaoe plan start plans/later.yml');
    expect(await getPlanRun(h.runtime.db, `${ORG}/${ARCH}`, 'later')).toBeUndefined();
    const reply = h.sim
      .comments({ owner: ORG, repo: ARCH, issueNumber: 60 })
      .filter((c: any) => c.user.login === 'aaoe[bot]')
      .map((c: any) => String(c.body))
      .at(-1);
    expect(reply).toMatch(
      /plans\/later\.yml:\d+:\d+: step "docs" conflicts with execution .* in flight on acme\/gateway/,
    );

    h.sim.setFile({ owner: ORG, repo: ARCH, branch: 'main', path: 'plans/later.yml', content: later('monolith') });
    await comment(60, WRITER, '/aaoe plan start plans/later.yml');
    const record = (await getPlanRun(h.runtime.db, `${ORG}/${ARCH}`, 'later'))!;
    expect(record.run).toMatchObject({ status: 'active', steps: { docs: { status: 'pending' } } });
    const timers = (await pendingTimers(h.runtime.db)).filter(
      (t) => t.executionId === planRef(`${ORG}/${ARCH}`, 'later'),
    );
    expect(timers).toHaveLength(1);
    expect(timers[0]!.dueAt.slice(11, 16)).toBe(hhmm(opens));
    expect(
      String(h.sim.issues({ owner: ORG, repo: ARCH }).find((i: any) => i.number === record.trackingIssue)!.body),
    ).toContain('window');
    expect(h.sim.rejections).toEqual([]);
  });
  it('a plan rollback counts a step whose execution was rolled back by hand as rolled back, and goes on to the next', async () => {
    const { first, second, tracking } = await runPairPlan('pair', 70);
    await rollBackByHand(second);
    await report(second, 'invoicing', ROLLED_BACK);
    expect((await getExecution(h.runtime.db, second))!.state).toBe('rolled_back');
    expect((await run('pair')).run.steps.second!.status).toBe('succeeded'); // the plan has not been asked yet

    const before = rollbackDispatches('invoicing').length;
    await comment(tracking, WRITER, '/aaoe rollback');
    // second counts as rolled back at once (nothing dispatched for it again); first is asked to roll back
    expect(rollbackDispatches('invoicing').slice(before)).toEqual([first]);
    expect((await run('pair')).run).toMatchObject({
      status: 'rolling_back',
      rollingBack: 'first',
      steps: { second: { status: 'rolled_back' } },
    });
    await report(first, 'invoicing', ROLLED_BACK);
    expect((await run('pair')).run).toMatchObject({
      status: 'rolled_back',
      steps: { first: { status: 'rolled_back' }, second: { status: 'rolled_back' } },
    });
    const reasons: string[] = [];
    for await (const e of readAudit(h.runtime.db)) if (e.action === 'plan:rollback_step') reasons.push(e.reason ?? '');
    expect(reasons).toContain('step second of plan pair: its execution was rolled back already');
    expect(h.sim.rejections).toEqual([]);
  });

  it('a plan rollback waits for a step whose execution is rolling back already, and goes on when it ends', async () => {
    const { first, second, tracking } = await runPairPlan('pair-again', 200);
    // the second change is being rolled back by hand when the plan's rollback is asked for
    await rollBackByHand(second);
    const before = rollbackDispatches('invoicing').length;
    await comment(tracking, WRITER, '/aaoe rollback');
    expect(rollbackDispatches('invoicing').slice(before)).toEqual([]); // nothing asked twice, nothing started beside it
    expect((await run('pair-again')).run).toMatchObject({ status: 'rolling_back', rollingBack: 'second' });
    expect(
      h.sim
        .comments({ owner: ORG, repo: ARCH, issueNumber: tracking })
        .map((c: any) => String(c.body))
        .join('\n'),
    ).not.toContain('was not rolled back');
    await report(second, 'invoicing', ROLLED_BACK);
    expect(rollbackDispatches('invoicing').slice(before)).toEqual([first]);
    await report(first, 'invoicing', ROLLED_BACK);
    expect((await run('pair-again')).run).toMatchObject({
      status: 'rolled_back',
      steps: { first: { status: 'rolled_back' }, second: { status: 'rolled_back' } },
    });
    expect(h.sim.rejections).toEqual([]);
  });
  it('a step whose rollback fails leaves the plan rolling back, and says so in the audit log', async () => {
    const { second, tracking } = await runPairPlan('pair-failing', 300);
    await comment(tracking, WRITER, '/aaoe rollback');
    expect(rollbackDispatches('invoicing').at(-1)).toBe(second);
    await apply(second, { type: 'failed', reason: 'the rollback workflow could not run' });
    expect((await run('pair-failing')).run).toMatchObject({
      status: 'rolling_back',
      rollingBack: 'second',
      steps: { second: { status: 'succeeded' } },
    });
    const entries: string[] = [];
    for await (const e of readAudit(h.runtime.db))
      if (e.action === 'plan:rollback_step_failed') entries.push(e.reason ?? '');
    expect(entries).toEqual([
      'step second of plan pair-failing: its execution ended failed instead of rolled back; the plan waits in rolling back until a person restores the step',
    ]);
  });

  // security: a comment a GitHub App posts on a writer's behalf (an agent platform) carries no authority over plans
  it("a plan start written by a GitHub App on a writer's behalf starts nothing and says why", async () => {
    h.sim.setFile({
      owner: ORG,
      repo: ARCH,
      branch: 'main',
      path: 'plans/via-app.yml',
      content:
        'id: via-app\ngoal: One change\nsteps:\n  - id: only\n    repository: acme/invoicing\n    team: acme/billing\n    task: Add a note\n',
    });
    h.sim.addIssue({ owner: ORG, repo: ARCH, number: 400, title: 'Plan via an app', user: WRITER });
    const json = h.sim.addComment({
      owner: ORG,
      repo: ARCH,
      issueNumber: 400,
      body: '/aaoe plan start plans/via-app.yml',
      user: WRITER,
      viaApp: true,
    });
    await deliverComment(400, WRITER, json);
    expect(await getPlanRun(h.runtime.db, `${ORG}/${ARCH}`, 'via-app')).toBeUndefined();
    const replies = h.sim
      .comments({ owner: ORG, repo: ARCH, issueNumber: 400 })
      .map((c: any) => String(c.body))
      .join('\n');
    expect(replies).toContain('never starts, resumes or rolls back a plan');
  });
});
