import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listApprovals } from '../../src/adapters/store/approvals.js';
import { readAudit } from '../../src/adapters/store/audit-log.js';
import { type AuditEntry } from '../../src/core/execution/records.js';
import { getExecution, listExecutions } from '../../src/adapters/store/executions.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { EXTERNAL_PROPOSAL, proposalBody } from '../support/proposal-body.js';
import { callApi } from './api-client.js';

/**
 * The control-plane API over HTTP, against the real app and the loopback GitHub: tokens are the simulator's user
 * tokens, whose user the app reads back with `GET /user`; permissions come from the collaborator API. Every answer
 * is checked against openapi/aaoe-api.yaml (`callApi`), every request to GitHub against GitHub's description.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const PRIVATE = 'Secret-Plans';
const AGENT = 'my-agent[bot]';
const LISTED_AGENT = 'agent-smith';

let h: Harness;
let nextPr = 700;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness();
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
  for (const repo of [REPO, PRIVATE]) {
    for (const [username, permission] of [
      ['wendy-writer', 'write'],
      ['rita-reader', 'read'],
      ['dave', 'write'],
      ['helper-bot[bot]', 'write'],
      [AGENT, 'write'],
      [LISTED_AGENT, 'write'],
      ['ada-admin', 'admin'],
    ] as const) {
      h.sim.setPermission({ owner: OWNER, repo, username, permission });
    }
  }
  // the people sign in as AAOE's dashboard does (tokens of AAOE's own OAuth client): approve, resume and rollback
  // take no other token (test/security/api-token-authority.test.ts)
  process.env.GITHUB_CLIENT_ID = h.sim.oauth.clientId;
  process.env.GITHUB_CLIENT_SECRET = h.sim.oauth.clientSecret;
  for (const login of [
    'wendy-writer',
    'rita-reader',
    'dave',
    'sam-stranger',
    'helper-bot[bot]',
    AGENT,
    LISTED_AGENT,
    'ada-admin',
  ])
    tokens[login] = h.sim.createUserToken({ login }, { oauthClient: true });
});
afterAll(async () => {
  delete process.env.GITHUB_CLIENT_ID;
  delete process.env.GITHUB_CLIENT_SECRET;
  await h?.close();
});
beforeEach(async () => {
  await setConfig(PRIVATE, `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
  await setConfig(
    REPO,
    `agents: ['${AGENT}', '${LISTED_AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`,
  );
  h.sim.rejections.length = 0;
});

async function setConfig(repo: string, content: string) {
  h.sim.setFile({ owner: OWNER, repo, branch: 'master', path: '.github/aaoe.yml', content });
  const push = examplePayload('push', undefined, (e: any) => e.ref === 'refs/heads/master' && !!e.installation);
  push.installation = { id: INSTALLATION_ID };
  push.repository = { ...push.repository, name: repo, full_name: `${OWNER}/${repo}` };
  expect((await h.deliver('push', push)).status).toBe(200);
}

const mediumBody = proposalBody({ ...EXTERNAL_PROPOSAL, risk: { level: 'medium', rationale: 'Touches two areas.' } });
const file = (filename: string) => ({
  filename,
  status: 'added',
  additions: 1,
  deletions: 0,
  patch: '@@ -0,0 +1 @@\n+x',
});

/** A governed pull request (an agent's) that needs an approval, delivered; returns it with its execution. */
async function openPullRequest(
  options: { repo?: string; author?: string; authorType?: 'User' | 'Bot'; labels?: string[] } = {},
) {
  const repo = options.repo ?? REPO;
  const number = nextPr++;
  const headSha = (number.toString(16) + 'a'.repeat(40)).slice(0, 40);
  const pr = h.sim.addPullRequest({
    owner: OWNER,
    repo,
    number,
    user: { login: options.author ?? AGENT, type: options.authorType ?? 'Bot' },
    headRef: `change-${number}`,
    headSha,
    baseRef: 'master',
    labels: options.labels ?? [],
    body: mediumBody,
    files: [file(`docs/${number}.md`)] as never,
  });
  const payload = examplePayload('pull_request', 'opened');
  payload.number = number;
  payload.pull_request = { ...payload.pull_request, ...pr };
  payload.repository = { ...payload.repository, name: repo, full_name: `${OWNER}/${repo}`, private: repo === PRIVATE };
  payload.installation = { id: INSTALLATION_ID };
  await h.deliver('pull_request', payload);
  expect(latestCheck(headSha, repo).conclusion).toBe('action_required');
  const execution = (await listExecutions(h.runtime.db, `${OWNER}/${repo}`)).find((x) => x.pullRequest === number)!;
  return { number, headSha, id: execution.id, pr };
}

function latestCheck(headSha: string, repo = REPO) {
  const runs = h.sim
    .checkRuns({ owner: OWNER, repo })
    .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy');
  expect(runs.length).toBeGreaterThan(0);
  return runs.at(-1) as any;
}

const api = (method: string, path: string, as?: string, body?: unknown) =>
  callApi(h.url, method, path, { ...(as ? { token: tokens[as]! } : {}), ...(body !== undefined ? { body } : {}) });

async function auditOf(executionId: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for await (const e of readAudit(h.runtime.db)) if (e.executionId === executionId) entries.push(e);
  return entries;
}

async function stateOf(id: string) {
  return (await getExecution(h.runtime.db, id))!.state;
}

describe('authentication', () => {
  it('refuses a request without a token, and a token GitHub does not know, with 401', async () => {
    const none = await callApi(h.url, 'GET', `/api/v1/executions?repo=${OWNER}/${REPO}`);
    expect(none).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized', message: expect.stringMatching(/Authorization: Bearer/) } },
    });
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const bad = await callApi(h.url, 'GET', `/api/v1/executions?repo=${OWNER}/${REPO}`, { token: 'ghu_not-a-token' });
    expect(bad).toMatchObject({
      status: 401,
      body: { error: { message: expect.stringMatching(/GitHub did not accept the token/) } },
    });
    // the app asked GitHub, with the token, on the simulator's host
    expect(h.sim.requests.some((r) => r.method === 'GET' && r.path === '/user' && r.status === 401)).toBe(true);
  });

  it('answers JSON errors for bad bodies, unknown routes and wrong methods', async () => {
    const invalid = await callApi(h.url, 'POST', '/api/v1/executions', {
      token: tokens['wendy-writer']!,
      body: { repo: `${OWNER}/${REPO}`, task: '', extra: 1 },
    });
    expect(invalid).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          message: expect.stringMatching(/task: say what to do.*Unrecognized key.*extra/),
        },
      },
    });
    const notJson = await callApi(h.url, 'POST', '/api/v1/executions', {
      token: tokens['wendy-writer']!,
      rawBody: 'repo=x',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(notJson).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
    const big = await callApi(h.url, 'POST', '/api/v1/executions', {
      token: tokens['wendy-writer']!,
      body: { repo: `${OWNER}/${REPO}`, task: 'x'.repeat(70_000) },
    });
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    const missing = await callApi(h.url, 'GET', '/api/v1/executions', { token: tokens['wendy-writer']! });
    expect(missing).toMatchObject({
      status: 400,
      body: { error: { message: 'name the repository: ?repo=owner/name' } },
    });
    // not in the description: answered as JSON all the same
    const route = await fetch(`${h.url}/api/v1/nothing`);
    expect([route.status, (await route.json()).error.code]).toEqual([404, 'not_found']);
    const method = await fetch(`${h.url}/api/v1/executions/00000000-0000-4000-8000-000000000000`, { method: 'DELETE' });
    expect([method.status, method.headers.get('allow')]).toEqual([405, 'GET']);
  });
});

describe('reading executions: only repositories the user can read', () => {
  it("lists a repository's executions and shows one with its policy, approvals, cost and timeline", async () => {
    const { id, headSha } = await openPullRequest();
    const list = await api('GET', `/api/v1/executions?repo=${OWNER}/${REPO}`, 'rita-reader');
    expect(list.status).toBe(200);
    expect(list.body.executions.find((x: any) => x.id === id)).toMatchObject({
      state: 'awaiting_approval',
      headSha,
      repo: `${OWNER}/${REPO}`,
    });
    // GitHub's names are case-insensitive: the repository is read back as GitHub spells it
    const lower = await api(
      'GET',
      `/api/v1/executions?repo=${OWNER.toLowerCase()}/${REPO.toLowerCase()}`,
      'rita-reader',
    );
    expect(lower.body.repo).toBe(`${OWNER}/${REPO}`);
    expect(lower.body.executions.map((x: any) => x.id)).toContain(id);
    const status = await api('GET', `/api/v1/executions/${id}`, 'rita-reader');
    expect(status.status).toBe(200);
    expect(status.body.policy).toMatchObject({
      conclusion: 'action_required',
      headSha,
      risk: 'medium',
      gates: expect.arrayContaining([{ gate: 'risk', outcome: 'needs_approval' }]),
    });
    expect(status.body.timeline.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['received', 'policy_evaluated']),
    );
    expect(status.body.cost).toEqual({ usd: '0', tokens: 0 });
  });

  it('lists the newest first, at most ?limit=', async () => {
    await openPullRequest();
    const { id: newest } = await openPullRequest();
    const all = await api('GET', `/api/v1/executions?repo=${OWNER}/${REPO}`, 'rita-reader');
    expect(all.body.executions.length).toBeGreaterThanOrEqual(2);
    expect(all.body.executions[0].id).toBe(newest);
    const one = await api('GET', `/api/v1/executions?repo=${OWNER}/${REPO}&limit=1`, 'rita-reader');
    expect([one.status, one.body.executions.map((x: any) => x.id)]).toEqual([200, [newest]]);
    for (const limit of ['0', '501', 'ten', '1.5']) {
      const bad = await api('GET', `/api/v1/executions?repo=${OWNER}/${REPO}&limit=${limit}`, 'rita-reader');
      expect([bad.status, bad.body.error.code, bad.body.error.message]).toEqual([
        400,
        'invalid_request',
        'limit is a whole number from 1 to 500 (default 100)',
      ]);
    }
  });

  it("a stranger gets 404 for a private repository's execution and list; a reader of it sees them", async () => {
    const { id, headSha } = await openPullRequest({ repo: PRIVATE });
    const stranger = await api('GET', `/api/v1/executions/${id}`, 'sam-stranger');
    expect(stranger).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found', message: `no execution ${id} in a repository you can read` } },
    });
    // the same answer as an execution that does not exist
    const nothing = await api('GET', '/api/v1/executions/00000000-0000-4000-8000-000000000000', 'sam-stranger');
    expect(nothing.body.error.message).toBe(
      'no execution 00000000-0000-4000-8000-000000000000 in a repository you can read',
    );
    expect((await api('GET', `/api/v1/executions?repo=${OWNER}/${PRIVATE}`, 'sam-stranger')).status).toBe(404);
    expect((await api('POST', `/api/v1/executions/${id}/approve`, 'sam-stranger', { sha: headSha })).status).toBe(404);
    const reader = await api('GET', `/api/v1/executions/${id}`, 'rita-reader');
    expect(reader).toMatchObject({ status: 200, body: { id, repo: `${OWNER}/${PRIVATE}` } });
    expect(
      (await api('GET', `/api/v1/executions?repo=${OWNER}/${PRIVATE}`, 'rita-reader')).body.executions.map(
        (x: any) => x.id,
      ),
    ).toContain(id);
    // a stranger may read a public repository's executions (anyone can read the repository itself)
    expect((await api('GET', `/api/v1/executions?repo=${OWNER}/${REPO}`, 'sam-stranger')).status).toBe(200);
    expect(h.sim.rejections).toEqual([]);
  });
});

describe("approve: the comment command's rules", () => {
  it('a writer approves: recorded as an api approval bound to the head, and the aaoe/policy check turns green', async () => {
    const { id, number, headSha } = await openPullRequest();
    const res = await api('POST', `/api/v1/executions/${id}/approve`, 'wendy-writer', { sha: headSha });
    expect(res).toMatchObject({ status: 200, body: { executionId: id, verb: 'approve' } });
    await h.runtime.idle();
    expect(latestCheck(headSha).conclusion).toBe('success');
    expect(latestCheck(headSha).output.summary).toMatch(/@wendy-writer \(write\)/);
    expect(await listApprovals(h.runtime.db, id)).toEqual([
      expect.objectContaining({
        pullRequest: number,
        headSha,
        actor: { login: 'wendy-writer', type: 'User' },
        source: 'api',
      }),
    ]);
    const status = await api('GET', `/api/v1/executions/${id}`, 'wendy-writer');
    expect(status.body).toMatchObject({
      state: 'approved',
      policy: { conclusion: 'success' },
      approvals: [{ login: 'wendy-writer', source: 'api', headSha }],
    });
    expect((await auditOf(id)).find((e) => e.action === 'command:approve')).toMatchObject({
      actor: 'wendy-writer',
      data: { source: 'api' },
      reason: expect.stringMatching(/^approval recorded on/),
    });
    expect(h.sim.rejections).toEqual([]);
  });

  it.each([
    ["the pull request's author", 'dave', /@dave opened this pull request and cannot approve it/],
    [
      'a reader',
      'rita-reader',
      /@rita-reader has read permission on the repository; approvals need write, maintain or admin/,
    ],
    [
      'a bot',
      'helper-bot[bot]',
      /@helper-bot\[bot\] is an agent identity \(a Bot account\): agents may propose and read, never approve/,
    ],
    ['an agent the policy lists', LISTED_AGENT, /@agent-smith is an agent identity \(listed in the policy's agents\)/],
  ])('%s is refused, with the reason, and the refusal is audited', async (_name, login, why) => {
    const { id, headSha } = await openPullRequest({ author: 'dave', authorType: 'User', labels: ['aaoe'] });
    const res = await api('POST', `/api/v1/executions/${id}/approve`, login, { sha: headSha });
    expect(res).toMatchObject({
      status: 403,
      body: { error: { code: 'refused', message: expect.stringMatching(why) } },
    });
    await h.runtime.idle();
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    expect(await stateOf(id)).toBe('awaiting_approval');
    expect((await auditOf(id)).find((e) => e.action === 'command:approve' && e.actor === login)).toMatchObject({
      reason: expect.stringMatching(/^refused: /),
    });
  });
});

describe("pause, resume, rollback: the comment commands' rules", () => {
  it('a reader may not pause; a writer pauses and resumes; an agent may not resume', async () => {
    const { id } = await openPullRequest();
    const reader = await api('POST', `/api/v1/executions/${id}/pause`, 'rita-reader');
    expect(reader).toMatchObject({
      status: 403,
      body: { error: { message: '@rita-reader has read permission; `/aaoe pause` needs write, maintain, admin' } },
    });
    const bot = await api('POST', `/api/v1/executions/${id}/pause`, 'helper-bot[bot]');
    expect(bot).toMatchObject({ status: 403, body: { error: { message: expect.stringMatching(/no say \(Bot\)/) } } });
    const paused = await api('POST', `/api/v1/executions/${id}/pause`, 'wendy-writer');
    expect(paused).toMatchObject({ status: 200, body: { verb: 'pause', state: 'paused' } });
    const agent = await api('POST', `/api/v1/executions/${id}/resume`, AGENT);
    expect(agent).toMatchObject({
      status: 403,
      body: { error: { message: expect.stringMatching(/agent identity.*never resume \(bounded autonomy\)/) } },
    });
    expect(await stateOf(id)).toBe('paused');
    const resumed = await api('POST', `/api/v1/executions/${id}/resume`, 'wendy-writer');
    expect(resumed).toMatchObject({ status: 200, body: { verb: 'resume', state: 'awaiting_approval' } });
    const actions = (await auditOf(id))
      .filter((e) => e.action.startsWith('command:'))
      .map((e) => [e.actor, e.action, e.reason?.startsWith('refused') ? 'refused' : 'accepted']);
    expect(actions).toEqual([
      ['rita-reader', 'command:pause', 'refused'],
      ['helper-bot[bot]', 'command:pause', 'refused'],
      ['wendy-writer', 'command:pause', 'accepted'],
      [AGENT, 'command:resume', 'refused'],
      ['wendy-writer', 'command:resume', 'accepted'],
    ]);
  });

  it('rollback: refused before a deployment (the state machine says why), refused for an agent, and dispatched for a writer once deploying', async () => {
    const { id } = await openPullRequest();
    const early = await api('POST', `/api/v1/executions/${id}/rollback`, 'wendy-writer');
    expect(early).toMatchObject({
      status: 403,
      body: { error: { message: expect.stringMatching(/^nothing deployed to roll back in awaiting_approval$/) } },
    });

    await setConfig(
      REPO,
      `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\nmerge: auto\n`,
    );
    const deployed = await openPullRequest();
    expect(
      (await api('POST', `/api/v1/executions/${deployed.id}/approve`, 'wendy-writer', { sha: deployed.headSha }))
        .status,
    ).toBe(200);
    await h.runtime.idle();
    const merged = h.sim
      .pullRequests({ owner: OWNER, repo: REPO })
      .find((p: any) => p.number === deployed.number) as any;
    expect(merged.merged).toBe(true);
    const closed = examplePayload('pull_request', 'closed');
    closed.number = deployed.number;
    closed.pull_request = { ...closed.pull_request, ...merged };
    closed.installation = { id: INSTALLATION_ID };
    await h.deliver('pull_request', closed);
    expect(await stateOf(deployed.id)).toBe('deploying');

    const agent = await api('POST', `/api/v1/executions/${deployed.id}/rollback`, AGENT);
    expect(agent).toMatchObject({
      status: 403,
      body: { error: { message: expect.stringMatching(/never rollback \(bounded autonomy\)/) } },
    });
    const dispatched = h.sim.dispatches({ owner: OWNER, repo: REPO }).length;
    const writer = await api('POST', `/api/v1/executions/${deployed.id}/rollback`, 'wendy-writer');
    expect(writer).toMatchObject({ status: 200, body: { verb: 'rollback', state: 'rolling_back' } });
    await h.runtime.idle();
    expect(
      h.sim
        .dispatches({ owner: OWNER, repo: REPO })
        .slice(dispatched)
        .map((d) => d.eventType),
    ).toEqual(['aaoe-rollback']);
    expect(h.sim.rejections).toEqual([]);
  });
});

describe('execute', () => {
  it('a reader may not start agent work (it spends money); the refusal is audited', async () => {
    const res = await api('POST', '/api/v1/executions', 'rita-reader', {
      repo: `${OWNER}/${REPO}`,
      task: 'Add a health endpoint',
    });
    expect(res).toMatchObject({
      status: 403,
      body: {
        error: {
          message: `starting agent work spends money: it needs write, maintain, admin permission on ${OWNER}/${REPO}, and @rita-reader has read`,
        },
      },
    });
    const entries: AuditEntry[] = [];
    for await (const e of readAudit(h.runtime.db))
      if (e.action === 'command:execute' && e.actor === 'rita-reader') entries.push(e);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.reason).toMatch(/^refused: /);
  });

  it('a stranger cannot execute in a private repository (404)', async () => {
    const res = await api('POST', '/api/v1/executions', 'sam-stranger', {
      repo: `${OWNER}/${PRIVATE}`,
      task: 'Leak the plans',
    });
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});

describe('a repository whose policy does not validate', () => {
  it('decides nothing: a verb answers 409 with where the policy is wrong, and is audited', async () => {
    const { id } = await openPullRequest();
    await setConfig(REPO, 'risk: { maxLevel: enormous }\n');
    const res = await api('POST', `/api/v1/executions/${id}/pause`, 'wendy-writer');
    expect(res).toMatchObject({
      status: 409,
      body: {
        error: {
          code: 'policy_invalid',
          message: expect.stringMatching(
            /^the repository's policy does not validate, so nothing is decided until it does \(\.github\/aaoe\.yml:1: /,
          ),
        },
      },
    });
    expect(await stateOf(id)).toBe('awaiting_approval');
    expect((await auditOf(id)).at(-1)).toMatchObject({
      action: 'command:pause',
      actor: 'wendy-writer',
      reason: expect.stringMatching(/^refused: /),
    });
  });
});
