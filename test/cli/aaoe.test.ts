import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/aaoe.js';

const root = new URL('../../', import.meta.url).pathname;
const fixture = (p: string) => join(root, 'test/fixtures', p);

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('aaoe policy validate', () => {
  it('accepts the shipped presets', async () => {
    const r = await cli(
      'policy',
      'validate',
      join(root, 'policies/standard.yml'),
      join(root, 'policies/prod-policy.yml'),
    );
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('prod-policy.yml: valid');
  });

  const broken = readdirSync(fixture('policies/broken')).filter((f) => f.endsWith('.yml'));
  it('has at least 20 broken policy files to check', () => {
    expect(broken.length).toBeGreaterThanOrEqual(20);
  });

  it.each(broken)('prints every error of %s as file:line:col with the fix, exit 1', async (name) => {
    const file = fixture(`policies/broken/${name}`);
    const r = await cli('policy', 'validate', file);
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith(file));
    const located = errors.filter((l) => /:\d+:\d+: /.test(l));
    expect(located.length).toBeGreaterThan(0);
    for (const line of located) expect(line).toMatch(/Fix: \S/);
  });

  it('exits 2 on a missing file or no file', async () => {
    expect((await cli('policy', 'validate', '/nonexistent/aaoe.yml')).code).toBe(2);
    expect((await cli('policy', 'validate')).code).toBe(2);
    expect((await cli('policy', 'frobnicate')).code).toBe(2);
  });
});

describe('aaoe policy evaluate', () => {
  it('passes a docs change under prod-policy (exit 0)', async () => {
    const r = await cli(
      'policy',
      'evaluate',
      '--policy',
      join(root, 'policies/prod-policy.yml'),
      '--change',
      fixture('changes/docs-change.json'),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^success: All 4 gates passed/);
  });

  it('fails a high-risk change under prod-policy with the check run explanation (exit 1); the declared low risk does not lower it', async () => {
    const r = await cli(
      'policy',
      'evaluate',
      '--policy',
      join(root, 'policies/prod-policy.yml'),
      '--change',
      fixture('changes/high-risk-change.json'),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("| Risk | ❌ failed | Risk critical is above the policy's maxLevel medium");
    expect(r.stdout).toContain('declared by the agent: low');
  });

  it('prints the result tree as JSON', async () => {
    const r = await cli(
      'policy',
      'evaluate',
      '--format',
      'json',
      '--policy',
      join(root, 'policies/prod-policy.yml'),
      '--change',
      fixture('changes/docs-change.json'),
    );
    const tree = JSON.parse(r.stdout);
    expect(tree.gates.map((g: { gate: string }) => g.gate)).toEqual(['protected-paths', 'secrets', 'risk', 'cost']);
  });

  it('exits 2 on a change that does not validate, naming the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aaoe-cli-'));
    const bad = join(dir, 'change.json');
    writeFileSync(
      bad,
      JSON.stringify({
        files: [{ path: 'a', status: 'moved' }],
        author: { login: 'x', isAgent: true },
        at: 'yesterday',
      }),
    );
    const r = await cli('policy', 'evaluate', '--policy', join(root, 'policies/standard.yml'), '--change', bad);
    expect(r.code).toBe(2);
    // each error as policy validate prints it: file:line:col: what is wrong (at path). Fix: what to write
    expect(r.stderr).toContain(
      `${bad}:1:32: "moved" is not an allowed value (at files[0].status). Fix: did you mean "removed"? use one of: added,`,
    );
    expect(r.stderr).toMatch(/"yesterday" is not an ISO 8601 date-time \(at at\)\. Fix: write an ISO 8601 date-time/);
    expect(r.stderr).toContain('schemas/change.schema.json');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as a command (the package bin) with the same exit codes', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/aaoe.ts'), ...args], {
        encoding: 'utf8',
        cwd: root,
      });
    const ok = run(
      'policy',
      'evaluate',
      '--policy',
      join(root, 'policies/prod-policy.yml'),
      '--change',
      fixture('changes/docs-change.json'),
    );
    expect(ok.status).toBe(0);
    const fail = run(
      'policy',
      'evaluate',
      '--policy',
      join(root, 'policies/prod-policy.yml'),
      '--change',
      fixture('changes/high-risk-change.json'),
    );
    expect(fail.status).toBe(1);
    expect(run('policy', 'validate', join(root, 'nope.yml')).status).toBe(2);
  }, 120_000);
});
