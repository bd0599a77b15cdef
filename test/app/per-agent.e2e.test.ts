import { createRequire } from 'node:module';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRouter, type ModelSpec } from '../../src/adapters/model/model-router.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { FakeOpenAI } from '../core/agent/fake-openai.js';
import { proposal } from '../api/agent-harness.js';
import { callApi } from '../api/api-client.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';
import { declarationBody } from '../support/proposal-body.js';

/**
 * The per-agent view against a scripted flow through the real app: pull requests of two agents (Copilot's and
 * Claude's Bot accounts), a person's labelled one and AAOE's own task (a loopback model), each delivered as GitHub
 * sends it; then `/metrics` and `GET /api/v1/agents` must say exactly what happened: executions, outcomes (open,
 * merged, refused, rolled back) and spend, measured for AAOE's agent and declared for the others.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const PRIVATE = 'Secret-Plans';
const COPILOT = 'copilot-swe-agent[bot]';
const CLAUDE = 'claude[bot]';
const REPORT_SECRET = 'per-agent-report-secret';
const MODEL: ModelSpec = { id: 'small-model', tier: 1, inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 };

type Family = { name: string; type: string; metrics: Array<{ value?: string; labels?: Record<string, string> }> };
const parsePrometheusTextFormat = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => Family[];

let h: Harness;
let fake: FakeOpenAI;
const tokens: Record<string, string> = {};

const flow = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: COPILOT,
  reportSecret: REPORT_SECRET,
  firstPullRequest: 300,
});

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  const router = new ModelRouter(new OpenAI({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 }), {
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
  h.sim.addRepo({
    owner: OWNER,
    name: PRIVATE,
    defaultBranch: 'master',
    private: true,
    installationId: INSTALLATION_ID,
  });
  h.sim.setFile({
    owner: OWNER,
    repo: REPO,
    branch: 'master',
    path: 'src/server.ts',
    content: "export const server = () => 'ok';\n",
  });
  process.env.GITHUB_CLIENT_ID = h.sim.oauth.clientId;
  process.env.GITHUB_CLIENT_SECRET = h.sim.oauth.clientSecret;
  for (const [login, permission] of [
    ['wendy-writer', 'write'],
    ['rita-reader', 'read'],
  ] as const) {
    h.sim.setPermission({ owner: OWNER, repo: REPO, username: login, permission });
    tokens[login] = h.sim.createUserToken({ login }, { oauthClient: true });
  }
  tokens['sam-stranger'] = h.sim.createUserToken({ login: 'sam-stranger' }, { oauthClient: true });
  await flow.setConfig('risk: { maxLevel: high, requireHumanApprovalAbove: low }\nmerge: auto\n');
});
afterAll(async () => {
  delete process.env.GITHUB_CLIENT_ID;
  delete process.env.GITHUB_CLIENT_SECRET;
  await h?.close();
  await fake?.close();
});

/** A pull request by `author`, with a declaration (risk medium: a person must approve), delivered. */
async function open(
  author: string,
  options: {
    cost?: { estimatedTokens: number; estimatedUsd: number };
    files?: string[];
    type?: 'User' | 'Bot';
    labels?: string[];
  } = {},
) {
  const number = flow.nextNumber();
  const headSha = (number.toString(16) + 'd'.repeat(40)).slice(0, 40);
  const declaration = {
    risk: { level: 'medium', rationale: 'Touches two areas.' },
    rollbackPlan: 'Revert the merge commit.',
    ...(options.cost ? { cost: options.cost } : {}),
  };
  const pr = h.sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    user: { login: author, type: options.type ?? 'Bot' },
    headRef: `change-${number}`,
    headSha,
    baseRef: 'master',
    labels: options.labels ?? [],
    body: declarationBody(declaration),
    files: (options.files ?? [`docs/${number}.md`]).map(flow.file) as never,
  });
  await h.deliver('pull_request', flow.pullRequestPayload('opened', pr));
  return { number, headSha };
}

/** Approves (merge: auto merges it) and delivers the merge; the execution is then deploying. */
async function merge(number: number) {
  await h.deliver('issue_comment', flow.comment(number, 'wendy-writer', '/aaoe approve').payload);
  const pr = h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === number) as any;
  expect(pr.merged).toBe(true);
  await h.deliver('pull_request', flow.pullRequestPayload('closed', pr));
  return pr;
}

async function scrape(): Promise<Family[]> {
  const res = await fetch(`${h.url}/metrics`);
  expect(res.status).toBe(200);
  return parsePrometheusTextFormat(await res.text());
}

function samples(families: Family[], name: string): Record<string, number> {
  const family = families.find((f) => f.name === name);
  if (!family) throw new Error(`no metric ${name}`);
  expect(family.type).toBe('GAUGE');
  return Object.fromEntries(family.metrics.map((m) => [Object.values(m.labels ?? {}).join('/'), Number(m.value)]));
}

describe('per-agent figures', () => {
  it('/metrics and GET /api/v1/agents count what a scripted flow of several agents did', async () => {
    // Copilot: one left awaiting approval (declared $1.25), one refused (it touches a workflow)
    await open(COPILOT, { cost: { estimatedTokens: 5000, estimatedUsd: 1.25 } });
    const refused = await open(COPILOT, { files: ['.github/workflows/ci.yml'] });
    expect(flow.latestCheck(refused.headSha).conclusion).toBe('failure');
    // Claude: one merged and rolled back, then one merged (deploying: it holds the environment's lock), $0.5 declared each
    const rolled = await open(CLAUDE, { cost: { estimatedTokens: 2000, estimatedUsd: 0.5 } });
    const pr = await merge(rolled.number);
    const x = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.pullRequest === rolled.number)!;
    const report = await flow.post(
      flow.report({
        executionId: x.id,
        sha: pr.merge_commit_sha,
        verdict: 'rollback',
        outcome: 'failure',
        title: 'Canary regressed',
        reason: 'errors',
        commands: [{ name: 'rollback', exitCode: 0, durationMs: 1 }],
      }),
    );
    expect(report.status).toBe(200);
    await h.runtime.idle();
    const deployed = await open(CLAUDE, { cost: { estimatedTokens: 2000, estimatedUsd: 0.5 } });
    await merge(deployed.number);
    // a person's pull request, governed by the label
    await open('octocat', { type: 'User', labels: ['aaoe'] });
    // AAOE's own agent: a task through the API, two model calls of 1200 + 400 tokens each
    fake.script(MODEL.id, answer({ classification: 'feature', rationale: 'A new endpoint.' }), answer(proposal()));
    expect(
      (
        await callApi(h.url, 'POST', '/api/v1/executions', {
          token: tokens['wendy-writer']!,
          body: { repo: `${OWNER}/${REPO}`, task: 'Add a health check module.' },
        })
      ).status,
    ).toBe(202);
    await h.runtime.idle();

    const recorded = await listExecutions(h.runtime.db, `${OWNER}/${REPO}`);
    const states = recorded.map((e) => [e.subject?.author.login ?? 'aaoe', e.state]);
    expect(states).toEqual(
      expect.arrayContaining([
        [COPILOT, 'awaiting_approval'],
        [COPILOT, 'blocked'],
        [CLAUDE, 'deploying'],
        [CLAUDE, 'rolled_back'],
        ['octocat', 'awaiting_approval'],
      ]),
    );
    // which agent governance recorded: the catalogue's name when it recognises the account, else the Bot's login
    const agentOf = (login: string, catalogued: string) => {
      const names = new Set(
        recorded.filter((e) => e.subject?.author.login === login).map((e) => e.subject?.agent ?? login),
      );
      expect(names.size).toBe(1);
      const [name] = names;
      expect([login, catalogued]).toContain(name);
      return name!;
    };
    const copilot = agentOf(COPILOT, 'copilot');
    const claude = agentOf(CLAUDE, 'claude');

    const families = await scrape();
    const executions = samples(families, 'aaoe_agent_executions');
    const want = {
      [copilot]: { open: 1, merged: 0, refused: 1, rolled_back: 0, failed: 0 },
      [claude]: { open: 0, merged: 1, refused: 0, rolled_back: 1, failed: 0 },
      '(people)': { open: 1, merged: 0, refused: 0, rolled_back: 0, failed: 0 },
      aaoe: { open: 1, merged: 0, refused: 0, rolled_back: 0, failed: 0 },
    };
    for (const [agent, outcomes] of Object.entries(want))
      for (const [outcome, n] of Object.entries(outcomes))
        expect(executions[`${agent}/${outcome}`], `${agent} ${outcome}`).toBe(n);
    expect(Object.keys(executions)).toHaveLength(4 * 5);
    const usd = samples(families, 'aaoe_agent_spend_usd');
    expect(usd).toMatchObject({
      [`${copilot}/declared`]: 1.25,
      [`${copilot}/measured`]: 0,
      [`${claude}/declared`]: 1,
      [`${claude}/measured`]: 0,
      'aaoe/declared': 0,
    });
    expect(usd['aaoe/measured']).toBeCloseTo(0.0024, 10); // 2 x (1200 x $0.5 + 400 x $1.5) per million
    expect(samples(families, 'aaoe_agent_spend_tokens')).toMatchObject({
      [`${copilot}/declared`]: 5000,
      [`${claude}/declared`]: 4000,
      'aaoe/measured': 3200,
      'aaoe/declared': 0,
    });

    // the API says the same, for a reader of the repository
    const api = await callApi(h.url, 'GET', `/api/v1/agents?repo=${OWNER}/${REPO}`, { token: tokens['rita-reader']! });
    expect(api.status).toBe(200);
    expect(api.body.repo).toBe(`${OWNER}/${REPO}`);
    const byAgent = Object.fromEntries(api.body.agents.map((a: any) => [a.agent, a]));
    expect(api.body.agents.map((a: any) => a.agent).sort()).toEqual(Object.keys(want).sort());
    for (const [agent, outcomes] of Object.entries(want)) expect(byAgent[agent].outcomes, agent).toEqual(outcomes);
    expect(byAgent[copilot]).toMatchObject({
      executions: 2,
      spend: { measured: { usd: 0, tokens: 0 }, declared: { usd: 1.25, tokens: 5000, executions: 1 } },
    });
    expect(byAgent[claude]).toMatchObject({
      executions: 2,
      spend: { declared: { usd: 1, tokens: 4000, executions: 2 } },
    });
    expect(byAgent.aaoe.spend.measured.tokens).toBe(3200);
    expect(byAgent.aaoe.spend.declared).toEqual({ usd: 0, tokens: 0, executions: 0 }); // AAOE's own estimate is never counted as declared
  });

  it('GET /api/v1/agents shows a private repository only to who can read it, and names the repository', async () => {
    expect(
      (await callApi(h.url, 'GET', `/api/v1/agents?repo=${OWNER}/${PRIVATE}`, { token: tokens['sam-stranger']! }))
        .status,
    ).toBe(404);
    expect((await callApi(h.url, 'GET', '/api/v1/agents', { token: tokens['rita-reader']! })).status).toBe(400);
    expect((await callApi(h.url, 'GET', `/api/v1/agents?repo=${OWNER}/${REPO}`)).status).toBe(401);
    const empty = await callApi(h.url, 'GET', `/api/v1/agents?repo=${OWNER}/${REPO}`, {
      token: tokens['sam-stranger']!,
    }); // public: readable
    expect(empty.status).toBe(200);
  });
});

function answer(value: unknown) {
  return { content: JSON.stringify(value), usage: { prompt_tokens: 1200, completion_tokens: 400 } };
}
