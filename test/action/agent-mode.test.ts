import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAgentDispatch, type UnsignedAgentDispatch } from '../../src/adapters/github/agent-signature.js';
import { repositoryKey } from '../../src/adapters/github/dispatch-signature.js';
import { verifySignature } from '../../src/adapters/github/signature.js';
import { AgentResult } from '../../src/contracts/agent-result.js';
import { readAgentOutput } from '../../action/src/agent-usage.js';
import { runBundle, startServer, type BundleRun } from './run-bundle.js';

/**
 * Issue 26, the agent job: the committed bundle in `mode: agent`, run as GitHub runs it. It runs no agent unless AAOE
 * signed the dispatch for this repository and event and the checkout is the base AAOE named; the agent never sees
 * the action's key or the runner's tokens, and is stopped at its time limit; the result goes back signed. The example
 * workflows give the job's token read access only.
 */

const REPOSITORY = 'octo-org/shop';
const KEY = repositoryKey('master', 4242, REPOSITORY);
const dirs: string[] = [];
let server: Awaited<ReturnType<typeof startServer>>;
let checkout: string;
let baseSha: string;

beforeAll(async () => {
  server = await startServer(() => ({ status: 200, body: {} }));
  checkout = mkdtempSync(join(tmpdir(), 'aaoe-agent-mode-'));
  dirs.push(checkout);
  writeFileSync(join(checkout, 'a.txt'), 'one\ntwo\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: checkout,
      encoding: 'utf8',
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  baseSha = git('rev-parse', 'HEAD').trim();
});
afterAll(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dispatch(over: Partial<UnsignedAgentDispatch> = {}, key = KEY) {
  const unsigned: UnsignedAgentDispatch = {
    version: 1,
    executionId: 'exe_1',
    agent: 'scripted',
    repository: REPOSITORY,
    baseSha,
    issuedAt: new Date().toISOString(),
    task: { issue: 7, title: 'Fix it', body: 'The body.' },
    budget: { usd: 1.5, tokens: null, timeLimitSeconds: 20 },
    ...over,
  };
  return { ...unsigned, signature: signAgentDispatch(unsigned, key) };
}

async function agentJob(payload: unknown, command: string, eventType = 'aaoe-agent-scripted'): Promise<BundleRun> {
  server.requests.length = 0;
  execFileSync('git', ['checkout', '-q', '--', '.'], { cwd: checkout });
  execFileSync('git', ['clean', '-qfd'], { cwd: checkout });
  const run = await runBundle(
    {
      mode: 'agent',
      'agent-command': command,
      'usage-format': 'aaoe-json',
      'report-url': `${server.url}/aaoe/agent-result`,
      'report-secret': KEY,
    },
    {
      event: { name: 'repository_dispatch', payload: { action: eventType, client_payload: payload } },
      env: {
        GITHUB_WORKSPACE: checkout,
        GITHUB_REPOSITORY: REPOSITORY,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-token',
        ACTIONS_RUNTIME_TOKEN: 'runtime-token',
      },
    },
  );
  dirs.push(run.dir);
  return run;
}

const ran = (r: BundleRun) => existsSync(join(r.dir, 'ran'));
const RAN = 'touch "$HOME/ran"';

describe('the agent job runs only what AAOE signed, on the base AAOE named', () => {
  it.each([
    ['unsigned', () => ({ ...dispatch(), signature: undefined }), 'aaoe-agent-scripted', /carries no signature/],
    [
      'signed with another key',
      () => dispatch({}, repositoryKey('master', 4242, 'octo-org/other')),
      'aaoe-agent-scripted',
      /does not match/,
    ],
    ['for another repository', () => dispatch({ repository: 'octo-org/other' }), 'aaoe-agent-scripted', /signed for/],
    ['for another agent', () => dispatch(), 'aaoe-agent-other', /signed for aaoe-agent-scripted/],
    ['on another base', () => dispatch({ baseSha: 'a'.repeat(40) }), 'aaoe-agent-scripted', /check out that commit/],
  ])('refuses a dispatch %s: no agent runs, nothing is sent', async (_what, payload, eventType, reason) => {
    const r = await agentJob(payload(), RAN, eventType);
    expect(r.exitCode).toBe(1);
    expect(ran(r)).toBe(false);
    expect(server.requests).toEqual([]);
    expect(r.stdout).toMatch(reason);
  });

  it('hands back the diff, the files and the usage, signed; the agent sees its task and budget, not the key or tokens', async () => {
    const command = [
      RAN,
      'printf "one\\n2\\n" > a.txt && printf "new\\n" > b.txt',
      'env > "$HOME/agent-env"',
      'cat "$AAOE_TASK_FILE" > "$HOME/task"',
      `echo '{"aaoe_usage":{"input_tokens":10,"output_tokens":5,"cost_usd":0.01},"summary":"done"}'`,
    ].join('\n');
    const r = await agentJob(dispatch(), command);
    expect(r.exitCode, r.stdout).toBe(0);
    const env = readFileSync(join(r.dir, 'agent-env'), 'utf8');
    expect(env).toContain('AAOE_BUDGET_USD=1.5000');
    expect(env).toContain('AAOE_TIME_LIMIT_SECONDS=20');
    for (const secret of [KEY, 'oidc-token', 'runtime-token', 'INPUT_']) expect(env).not.toContain(secret);
    expect(readFileSync(join(r.dir, 'task'), 'utf8')).toBe('# Fix it\n\nThe body.\n');
    expect(server.requests).toHaveLength(1);
    const sent = server.requests[0]!;
    expect(verifySignature(sent.body, String(sent.headers['x-aaoe-signature-256']), KEY)).toBe(true);
    const result = AgentResult.parse(JSON.parse(sent.body));
    expect(result.files).toEqual([
      { path: 'a.txt', status: 'modified' },
      { path: 'b.txt', status: 'added' },
    ]);
    expect(result.diff).toContain('-two\n+2\n');
    expect(result).toMatchObject({ baseSha, exitCode: 0, timedOut: false, summary: 'done', run: { runId: '4242' } });
    expect(result.usage).toEqual({ inputTokens: 10, outputTokens: 5, costUsd: 0.01, source: 'aaoe-json' });
  });

  it('stops the agent at its time limit and says so in the result', async () => {
    const r = await agentJob(dispatch({ budget: { usd: null, tokens: null, timeLimitSeconds: 1 } }), 'sleep 30');
    expect(r.exitCode).toBe(1);
    const result = AgentResult.parse(JSON.parse(server.requests[0]!.body));
    expect(result.timedOut).toBe(true);
  }, 20_000);
});

describe('the agents’ documented usage reports', () => {
  it('reads Claude Code’s `--output-format json`', () => {
    const out = JSON.stringify({
      type: 'result',
      subtype: 'success',
      result: 'Fixed the bug.',
      total_cost_usd: 0.1234,
      usage: { input_tokens: 100, cache_creation_input_tokens: 20, cache_read_input_tokens: 30, output_tokens: 50 },
    });
    expect(readAgentOutput('claude-json', out)).toEqual({
      usage: { inputTokens: 150, outputTokens: 50, costUsd: 0.1234, source: 'claude-json' },
      summary: 'Fixed the bug.',
    });
  });

  it('reads Codex’s `exec --json` events and prices its tokens', () => {
    const events = [
      { type: 'thread.started', thread_id: 't' },
      { type: 'item.completed', item: { id: 'i', type: 'agent_message', text: 'Done: added the test.' } },
      { type: 'turn.completed', usage: { input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 100_000 } },
    ];
    const out = `not json\n${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
    expect(readAgentOutput('codex-jsonl', out, { input: 1.25, output: 10 })).toEqual({
      usage: { inputTokens: 1_000_000, outputTokens: 100_000, costUsd: 2.25, source: 'codex-jsonl' },
      summary: 'Done: added the test.',
    });
  });

  it('reports no usage when the output has none', () => {
    expect(readAgentOutput('claude-json', 'plain text')).toEqual({ usage: null, summary: '' });
    expect(readAgentOutput('none', '{"total_cost_usd": 3}')).toEqual({ usage: null, summary: '' });
  });
});

describe('the example agent workflows', () => {
  const dir = new URL('../../examples/workflows/', import.meta.url);
  const files = readdirSync(dir).filter((f) => /^aaoe-agent-[a-z0-9-]+\.yml$/.test(f));

  it('ship at least two agents', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  it.each(files)('%s: its token can only read, it runs on its own dispatch, on the base commit', (file) => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    expect(validateWorkflow(text).errors).toEqual([]);
    const wf = parse(text) as any;
    const agent = file.replace(/^aaoe-agent-|\.yml$/g, '');
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(wf.on).toEqual({ repository_dispatch: { types: [`aaoe-agent-${agent}`] } });
    for (const job of Object.values(wf.jobs) as any[]) {
      expect(job.permissions).toBeUndefined();
      const checkout = job.steps.find((s: any) => String(s.uses).startsWith('actions/checkout'));
      expect(checkout.with).toMatchObject({
        ref: '${{ github.event.client_payload.baseSha }}',
        'persist-credentials': false,
      });
      const action = job.steps.find((s: any) => s.with?.mode === 'agent');
      expect(action.with['agent-command']).toEqual(expect.any(String));
      expect(JSON.stringify(job)).not.toMatch(/github\.token|GITHUB_TOKEN/);
    }
  });
});
