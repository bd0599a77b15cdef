import { describe, expect, it } from 'vitest';
import { routeOf, bearerToken } from '../../src/api/api-routes.js';
import { progressOf, SCHEDULABLE } from '../../src/workflows/control-plane-schedule.js';
import { agentIdentity } from '../../src/core/policy/governance.js';
import { policyView } from '../../src/core/views/execution-view.js';
import { RateLimiter } from '../../src/api/rate-limit.js';
import { apiClientConfigFromEnv } from '../../src/mcp/api-client.js';
import type { ApprovalFacts } from '../../src/core/policy/approval-facts.js';
import { evaluateApprovals } from '../../src/core/policy/approvals.js';
import { toCandidate } from '../../src/adapters/store/approvals.js';
import type { AuditEntry } from '../../src/core/execution/records.js';
import { ApiDescription } from './api-description.js';

/** The pure parts of the control-plane API: routes, tokens, the request limit, views, agents, api approvals. */

const ID = '3f2c1b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f';

describe('routeOf', () => {
  it.each([
    ['GET', '/executions', { kind: 'list' }],
    ['POST', '/executions', { kind: 'execute' }],
    ['PUT', '/executions', { kind: 'method', allow: 'GET, POST' }],
    ['GET', `/executions/${ID}`, { kind: 'status', id: ID }],
    ['POST', `/executions/${ID}`, { kind: 'method', allow: 'GET' }],
    ['POST', `/executions/${ID.toUpperCase()}/approve`, { kind: 'verb', id: ID, verb: 'approve' }],
    ['GET', `/executions/${ID}/rollback`, { kind: 'method', allow: 'POST' }],
    ['POST', `/executions/${ID}/merge`, { kind: 'none' }],
    ['GET', '/executions/not-a-uuid', { kind: 'none' }],
    ['GET', '/agents', { kind: 'agents' }],
    ['POST', '/agents', { kind: 'method', allow: 'GET' }],
    ['GET', '/agents/copilot', { kind: 'none' }],
    ['GET', '', { kind: 'none' }],
  ])('%s %s', (method, path, route) => {
    expect(routeOf(method, path)).toEqual(route);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer ghu_abc123', 'ghu_abc123'],
    ['token ghp_xyz', 'ghp_xyz'],
    ['bearer   ghu_abc  ', 'ghu_abc'],
    ['Basic dXNlcjpwYXNz', undefined],
    ['Bearer two words', undefined],
    [undefined, undefined],
  ])('%s', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('RateLimiter', () => {
  it('allows `limit` requests per window and key, then says when to come back', () => {
    let now = 0;
    const limiter = new RateLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    expect(limiter.take('a')).toEqual({ ok: true, remaining: 1 });
    expect(limiter.take('a')).toEqual({ ok: true, remaining: 0 });
    now = 15_000;
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 45 });
    expect(limiter.take('b')).toEqual({ ok: true, remaining: 1 });
    now = 60_000;
    expect(limiter.take('a')).toEqual({ ok: true, remaining: 1 });
  });
});

describe('policyView', () => {
  const entry = (action: string, reason: string, data: unknown = null): AuditEntry => ({
    seq: 1,
    at: new Date('2026-01-01T00:00:00Z'),
    executionId: 'x',
    traceId: 't',
    actor: 'aaoe',
    action,
    reason,
    costUsd: null,
    costTokens: null,
    data,
    prevHash: '',
    hash: '',
  });

  it('reads the latest policy evaluation: conclusion, gates, risk', () => {
    const view = policyView([
      entry(
        'policy_evaluated',
        'proposed -> awaiting_approval: action_required: secrets passed, risk needs_approval; risk medium',
        { headSha: 'a'.repeat(40) },
      ),
      entry('command:approve', 'approval recorded'),
      entry(
        'policy_evaluated',
        'awaiting_approval -> approved: success: secrets passed, risk needs_approval; risk medium; approved by wendy',
        { headSha: 'b'.repeat(40) },
      ),
    ]);
    expect(view).toEqual({
      conclusion: 'success',
      headSha: 'b'.repeat(40),
      at: '2026-01-01T00:00:00.000Z',
      risk: 'medium',
      gates: [
        { gate: 'secrets', outcome: 'passed' },
        { gate: 'risk', outcome: 'needs_approval' },
      ],
      text: 'awaiting_approval -> approved: success: secrets passed, risk needs_approval; risk medium; approved by wendy',
    });
  });

  it('reads a change waiting for its change window as waiting (the reason the pipeline writes)', () => {
    const reason =
      'approved -> scheduled: waiting: secrets passed, risk passed; risk low; approved by wendy; outside the change windows (Mon-Fri 09:00-17:00 UTC)';
    expect(policyView([entry('policy_evaluated', reason, { headSha: 'c'.repeat(40) })])).toMatchObject({
      conclusion: 'waiting',
      risk: 'low',
      gates: [
        { gate: 'secrets', outcome: 'passed' },
        { gate: 'risk', outcome: 'passed' },
      ],
    });
  });

  it('is null before any evaluation, and for an entry it cannot read', () => {
    expect(policyView([entry('received', 'execution created')])).toBeNull();
    expect(policyView([entry('policy_evaluated', 'something else')])).toBeNull();
  });
});

describe('schedule: only a change not dispatched yet', () => {
  it.each([
    [{ state: 'approved' }, true],
    [{ state: 'merged' }, true],
    [{ state: 'deploying' }, false],
    [{ state: 'paused', resumeTo: 'awaiting_approval' }, true],
    [{ state: 'paused', resumeTo: 'deploying' }, false],
    [{ state: 'frozen', resumeTo: 'verifying' }, false],
  ] as const)('%o -> %s', (execution, schedulable) => {
    expect(SCHEDULABLE.has(progressOf(execution as never))).toBe(schedulable);
  });
});

describe('agentIdentity', () => {
  it.each([
    [{ login: 'wendy', type: 'User' }, [], undefined],
    [{ login: 'helper[bot]', type: 'Bot' }, [], 'a Bot account'],
    [{ login: 'Agent-Smith', type: 'User' }, ['agent-smith'], "listed in the policy's agents"],
  ])('%o', (user, agents, why) => {
    expect(agentIdentity(user, { agents })).toBe(why);
  });
});

describe('approvals given through the API', () => {
  const facts = (login: string): ApprovalFacts => ({
    pullRequest: {
      number: 7,
      baseSha: 'b'.repeat(40),
      headSha: 'c'.repeat(40),
      previousHeadShas: [],
      author: { login: 'dave', type: 'User' },
    },
    proposer: { app: 'aaoe[bot]', agents: [] },
    candidates: [
      toCandidate({
        executionId: 'x',
        pullRequest: 7,
        baseSha: 'b'.repeat(40),
        headSha: 'c'.repeat(40),
        actor: { login, type: 'User' },
        source: 'api',
        sourceId: 99,
        at: '2026-01-01T00:00:00.000Z',
      }),
    ],
    permissions: { wendy: 'write', dave: 'write' },
    teams: {},
    changedPaths: ['docs/a.md'],
  });
  const policy = {
    minimum: 1,
    permissions: ['write', 'maintain', 'admin'],
    owners: 'none',
    teams: [],
    countReviews: false,
    invalidateOnPush: true,
    requesterMayApprove: false,
  } as never;

  it('count like any approval, bound to the PR and its head', () => {
    expect(evaluateApprovals(facts('wendy'), policy)).toMatchObject({
      status: 'satisfied',
      counted: [{ ref: { source: 'api', requestId: 99 }, login: 'wendy' }],
    });
  });

  it("never count for the pull request's author", () => {
    expect(evaluateApprovals(facts('dave'), policy)).toMatchObject({
      status: 'unsatisfied',
      rejected: [{ ref: { source: 'api', requestId: 99 }, reason: { rule: 'self_approval', as: 'author' } }],
    });
  });
});

describe('apiClientConfigFromEnv', () => {
  it('needs AAOE_URL and a token, and says which is missing', () => {
    expect(apiClientConfigFromEnv({ AAOE_URL: 'https://aaoe.example.com', GITHUB_TOKEN: 'ghp_x' })).toEqual({
      ok: true,
      config: { url: 'https://aaoe.example.com', token: 'ghp_x', tokenFrom: 'GITHUB_TOKEN' },
    });
    expect(apiClientConfigFromEnv({ AAOE_URL: 'https://a', AAOE_TOKEN: 'one', GITHUB_TOKEN: 'two' })).toMatchObject({
      config: { token: 'one', tokenFrom: 'AAOE_TOKEN' },
    });
    expect(apiClientConfigFromEnv({})).toEqual({
      ok: false,
      message:
        "set AAOE_URL (the app's address, e.g. https://aaoe.example.com) and AAOE_TOKEN or GITHUB_TOKEN (a GitHub token of the agent or person)",
    });
    expect(apiClientConfigFromEnv({ AAOE_URL: 'nope', AAOE_TOKEN: 't' })).toEqual({
      ok: false,
      message: 'AAOE_URL is not a URL: "nope"',
    });
  });
});

describe('openapi/aaoe-api.yaml', () => {
  const description = new ApiDescription();

  it('is OpenAPI 3.1 and every operation has an id and JSON answers', () => {
    expect(description.doc.openapi).toBe('3.1.0');
    const operations = Object.values(description.doc.paths).flatMap((item) =>
      Object.entries(item)
        .filter(([k]) => ['get', 'post'].includes(k))
        .map(([, op]) => op),
    );
    expect(operations.map((op: any) => op.operationId).sort()).toEqual([
      'approve',
      'execute',
      'generatePackages',
      'getExecution',
      'listAgents',
      'listExecutions',
      'pause',
      'replayPolicy',
      'resume',
      'rollback',
      'schedule',
    ]);
  });

  it('rejects an answer that does not match (the check can fail)', () => {
    expect(description.check('GET', `/api/v1/executions/${ID}`, 200, { id: ID })).not.toEqual([]);
    expect(description.check('GET', `/api/v1/executions/${ID}`, 418, {})).toEqual([
      `GET /executions/{id} does not describe status 418`,
    ]);
    expect(
      description.check('POST', `/api/v1/executions/${ID}/approve`, 403, { error: { code: 'refused', message: 'no' } }),
    ).toEqual([]);
    expect(
      description.check('POST', `/api/v1/executions/${ID}/approve`, 403, { error: { code: 'nope', message: 'no' } }),
    ).not.toEqual([]);
  });
});
