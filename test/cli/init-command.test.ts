import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/aaoe.js';
import { renderConfig, choosePreset, readShippedFiles } from '../../src/adapters/files/onboarding-files.js';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('aaoe init', () => {
  it('writes the onboarding files (the same the onboarding pull request adds), and the config validates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aaoe-init-'));
    const run = await cli(['init', '--dir', dir, '--preset', 'prod-policy']);
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toContain('wrote .github/aaoe.yml\nwrote .github/workflows/aaoe-deploy.yml');
    const preset = choosePreset(readShippedFiles(), 'prod-policy');
    expect(preset.ok && readFileSync(join(dir, '.github/aaoe.yml'), 'utf8')).toBe(preset.ok && renderConfig(preset));
    expect(readFileSync(join(dir, '.github/workflows/aaoe-deploy.yml'), 'utf8')).toBe(
      readFileSync(new URL('../../.github/workflows/aaoe-deploy.yml', import.meta.url), 'utf8'),
    );
    expect(await cli(['policy', 'validate', join(dir, '.github/aaoe.yml')])).toMatchObject({
      code: 0,
      out: expect.stringContaining('valid (policy prod-policy)'),
    });
  });

  it('never overwrites an existing file without --force: it keeps it and writes what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aaoe-init-'));
    mkdirSync(join(dir, '.github'), { recursive: true });
    writeFileSync(join(dir, '.github/aaoe.yml'), 'extends: prod-policy\n');
    const kept = await cli(['init', '--dir', dir]);
    expect(kept.code).toBe(0);
    expect(kept.out).toContain(
      'kept .github/aaoe.yml (it exists; --force overwrites it)\nwrote .github/workflows/aaoe-deploy.yml',
    );
    expect(readFileSync(join(dir, '.github/aaoe.yml'), 'utf8')).toBe('extends: prod-policy\n');
    expect(existsSync(join(dir, '.github/workflows/aaoe-deploy.yml'))).toBe(true);

    const forced = await cli(['init', '--dir', dir, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('overwrote .github/aaoe.yml\noverwrote .github/workflows/aaoe-deploy.yml');
    expect(readFileSync(join(dir, '.github/aaoe.yml'), 'utf8')).toMatch(/^extends: standard$/m);
  });

  it.each([
    [['init', '--preset', 'nope'], /no preset "nope": choose one of prod-policy, standard/],
    [['init', '--dir', '/no/such/dir'], /\/no\/such\/dir does not exist/],
    [['init', '--colour'], /unknown option '--colour'[\s\S]*Usage: aaoe init/],
  ])('refuses %j with exit 2', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
  });
});
