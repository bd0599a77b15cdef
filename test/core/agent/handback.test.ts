import { describe, expect, it } from 'vitest';
import type { AgentResult } from '../../../src/contracts/agent-result.js';
import { applyFilePatch, parsePatch, type FilePatch } from '../../../src/core/agent/handback-patch.js';
import {
  checkHandback,
  chooseAgent,
  overrunOf,
  refuseChange,
  type AgentRun,
} from '../../../src/core/agent/handback.js';
import { Policy } from '../../../src/core/policy/schema.js';

const BASE = 'b'.repeat(40);
const run: AgentRun = {
  agent: 'claude',
  eventType: 'aaoe-agent-claude',
  workflowPath: '.github/workflows/aaoe-agent-claude.yml',
  baseSha: BASE,
  dispatchedAt: '2026-12-01T10:00:00.000Z',
};
const result = (over: Partial<AgentResult> = {}): AgentResult => ({
  version: 1,
  executionId: 'x1',
  agent: 'claude',
  baseSha: BASE,
  run: { runId: '11', runAttempt: '1', workflowRef: null },
  exitCode: 0,
  timedOut: false,
  diff: '',
  files: [],
  usage: null,
  summary: '',
  transcript: '',
  at: '2026-12-01T10:05:00Z',
  ...over,
});
const facts = {
  id: 11,
  event: 'repository_dispatch',
  headSha: BASE,
  path: run.workflowPath,
  createdAt: '2026-12-01T10:00:01Z',
};

describe('checkHandback: only the result of the run AAOE dispatched', () => {
  it.each([
    ['the dispatched run', {}, true, ''],
    ['no dispatch', { dispatched: undefined }, false, 'dispatched no agent job'],
    ['an execution moved on', { state: 'failed' }, false, 'is failed'],
    ['another agent', { result: result({ agent: 'codex' }) }, false, 'the result is from codex'],
    ['another base', { result: result({ baseSha: 'c'.repeat(40) }) }, false, 'AAOE dispatched base'],
    ['no such run', { run: undefined }, false, 'is not a workflow run'],
    [
      'another workflow',
      { run: { ...facts, path: '.github/workflows/ci.yml' } },
      false,
      'is of .github/workflows/ci.yml',
    ],
    ['another event', { run: { ...facts, event: 'push' } }, false, 'started by push'],
    ['another head', { run: { ...facts, headSha: 'c'.repeat(40) } }, false, 'ran at c'],
    ['a run from before the dispatch', { run: { ...facts, createdAt: '2026-12-01T09:00:00Z' } }, false, 'before AAOE'],
    ['another run once one was taken', { dispatched: { ...run, runId: '10' } }, false, 'was taken already'],
  ])('%s', (_what, over, ok, reason) => {
    const checked = checkHandback({ result: result(), state: 'proposing', dispatched: run, run: facts, ...over });
    expect(checked.ok).toBe(ok);
    if (!checked.ok) expect(checked.reason).toContain(reason);
  });
});

describe('the diff, read and applied exactly', () => {
  const diff = [
    'diff --git a/a.txt b/a.txt',
    'index 1..2 100644',
    '--- a/a.txt',
    '+++ b/a.txt',
    '@@ -1,3 +1,3 @@',
    ' one',
    '-two',
    '+2',
    ' three',
    'diff --git a/new.txt b/new.txt',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/new.txt',
    '@@ -0,0 +1 @@',
    '+hello',
    '\\ No newline at end of file',
    'diff --git a/gone.txt b/gone.txt',
    'deleted file mode 100644',
    '--- a/gone.txt',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-bye',
    '',
  ].join('\n');

  it('reads files, statuses and counts, and applies each to its base text', () => {
    const files = parsePatch(diff);
    if (!files.ok) throw new Error(files.problem.message);
    expect(files.value.map((f) => [f.path, f.status, f.additions, f.deletions])).toEqual([
      ['a.txt', 'modified', 1, 1],
      ['new.txt', 'added', 1, 0],
      ['gone.txt', 'removed', 0, 1],
    ]);
    const [a, added, gone] = files.value;
    expect(applyFilePatch('one\ntwo\nthree\nfour\n', a!)).toEqual({ ok: true, value: 'one\n2\nthree\nfour\n' });
    expect(applyFilePatch(undefined, added!)).toEqual({ ok: true, value: 'hello' });
    expect(applyFilePatch('bye\n', gone!)).toEqual({ ok: true, value: null });
  });

  it.each([
    ['a context line that differs', 'one\nTWO\nthree\n', /line 2 of the base is not the line the diff expects/],
    ['a file the base does not have', undefined, /is not in the base commit/],
  ])('fails with the reason on %s', (_what, base, reason) => {
    const files = parsePatch(diff);
    if (!files.ok) throw new Error(files.problem.message);
    const applied = applyFilePatch(base, files.value[0]!);
    expect(applied.ok).toBe(false);
    if (!applied.ok) expect(applied.problem.message).toMatch(reason);
  });

  it.each([
    ['a binary change', 'diff --git a/x.png b/x.png\nBinary files a/x.png and b/x.png differ\n', /binary/],
    ['a rename', 'diff --git a/x b/y\nsimilarity index 90%\nrename from x\n', /rename/],
    ['a path out of the tree', 'diff --git a/../x b/../x\n--- a/../x\n+++ b/../x\n@@ -1 +1 @@\n-a\n+b\n', /path/],
    ['a hunk cut short', 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n', /cut short/],
    ['text outside a file', 'hello\n', /outside a file/],
    [
      'a symbolic link',
      'diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+/etc\n',
      /link/,
    ],
  ])('refuses %s', (_what, text, reason) => {
    const parsed = parsePatch(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem.message).toMatch(reason);
  });

  it('reads a diff of 200,000 lines', () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `+line ${i}`);
    const big = `diff --git a/x b/x\n--- /dev/null\n+++ b/x\n@@ -0,0 +1,${lines.length} @@\n${lines.join('\n')}\n`;
    const parsed = parsePatch(big);
    expect(parsed.ok && parsed.value[0]!.additions).toBe(200_000);
  });
});

describe('what is refused before any commit, and the caps', () => {
  const policy = Policy.parse({
    cost: { maxUsd: 1, maxTokens: 1000 },
    protectedPaths: { allow: ['.github/workflows/**'] },
  });
  const file = (path: string, patch = '@@ -0,0 +1 @@\n+x'): FilePatch => ({
    path,
    status: 'added',
    hunks: [],
    additions: 1,
    deletions: 0,
    patch,
  });

  it('refuses workflow files even where the policy releases them, the config, and secrets', async () => {
    expect(await refuseChange([file('src/a.ts')], policy, new Date())).toEqual([]);
    expect(await refuseChange([file('.github/workflows/x.yml')], policy, new Date())).toEqual([
      'it changes workflow files (.github/workflows/x.yml)',
    ]);
    expect((await refuseChange([file('.github/aaoe.yml')], policy, new Date())).join()).toMatch(/aaoe\.yml/);
    const key = `@@ -0,0 +1 @@\n+export const awsKey = "${['AKIA', 'Z7XQ', 'M2PL', 'R4TB', 'V9WK'].join('')}";`;
    expect(await refuseChange([file('src/config.ts', key)], policy, new Date())).toHaveLength(1);
  });

  it('chooses the agent: the asked one, else the class, else the default', () => {
    const p = Policy.parse({ agent: { default: 'codex', tasks: { docs: 'claude' } } });
    expect(chooseAgent(p, 'docs')).toBe('claude');
    expect(chooseAgent(p, 'bug')).toBe('codex');
    expect(chooseAgent(p, 'docs', 'aider')).toBe('aider');
    expect(chooseAgent(Policy.parse({}), 'bug')).toBe('aaoe');
  });

  it('finds an overrun of the per-execution caps in the reported usage', () => {
    const usage = { inputTokens: 100, outputTokens: 50, costUsd: 0.5, source: 'claude-json' };
    expect(overrunOf(result({ usage }), policy, { usd: 0, tokens: 0 })).toBeUndefined();
    expect(overrunOf(result({ usage }), policy, { usd: 0.6, tokens: 0 })).toMatch(/over cost\.maxUsd \$1/);
    expect(overrunOf(result({ usage }), policy, { usd: 0, tokens: 900 })).toMatch(/over cost\.maxTokens 1000/);
  });
});
