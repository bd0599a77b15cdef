import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/aaoe.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/plans/${name}`, import.meta.url));

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, {});
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('aaoe plan validate', () => {
  it('passes a valid plan', async () => {
    const { code, stdout } = await cli('plan', 'validate', fixture('diamond.yml'));
    expect(code).toBe(0);
    expect(stdout).toBe(`${fixture('diamond.yml')}: valid (plan split-invoicing, 4 steps)`);
  });

  it('prints each error as file:line:col and exits 1', async () => {
    const { code, stdout } = await cli('plan', 'validate', fixture('cycle.yml'), fixture('bad-key.yml'));
    expect(code).toBe(1);
    expect(stdout).toContain(
      `${fixture('cycle.yml')}:13:17: dependency cycle: a -> c -> b -> a (at steps[1].dependsOn[0])`,
    );
    expect(stdout).toContain(`${fixture('bad-key.yml')}:10:5: unknown key "depends_on" in steps[0]`);
  });

  it('exits 2 for a file it cannot read, or no file', async () => {
    expect((await cli('plan', 'validate', fixture('missing.yml'))).code).toBe(2);
    expect((await cli('plan', 'validate')).code).toBe(2);
  });
});

describe('aaoe plan simulate', () => {
  it('prints the schedule as a table and a Mermaid gantt chart, and exits 0 when the plan finishes', async () => {
    const { code, stdout } = await cli(
      'plan',
      'simulate',
      fixture('diamond.yml'),
      '--start',
      '2026-11-23T08:00:00Z',
      '--durations',
      'schema=30,client=90',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('at most 2 steps in parallel (peak 2)');
    expect(stdout).toContain('cutover  acme/gateway    acme/platform  2026-11-23 10:00  2026-11-23 11:00  succeeded');
    expect(stdout).toContain('```mermaid\ngantt\n  title split-invoicing');
    expect(stdout).toContain('done at 2026-11-23T11:00:00.000Z');
  });

  it('with a failing step, shows the plan paused and the rollback order, and exits 1', async () => {
    const { code, stdout } = await cli(
      'plan',
      'simulate',
      fixture('diamond.yml'),
      '--start',
      '2026-11-23T08:00:00Z',
      '--fail',
      'client',
    );
    expect(code).toBe(1);
    expect(stdout).toContain('paused: step client failed: the plan is paused');
    expect(stdout).toContain('rollback order (last completed first): api, schema');
  });

  it.each([
    [['--durations', 'nope=5'], /--durations entry "nope=5": write step=minutes with a step of the plan/],
    [['--durations', 'schema=-1'], /--durations entry "schema=-1"/],
    [['--fail', 'nope'], /--fail "nope" is not a step of the plan/],
    [['--start', 'tomorrow'], /--start "tomorrow" is not an instant/],
  ])('refuses %j with exit 2', async (args, message) => {
    const { code, stderr } = await cli('plan', 'simulate', fixture('diamond.yml'), ...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('shows the usage for an unknown plan command', async () => {
    const { code, stderr } = await cli('plan', 'run');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'run'");
    expect(stderr).toMatch(/Usage: aaoe plan[\s\S]*simulate \[options\] <file>/);
  });
});
