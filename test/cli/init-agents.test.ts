import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/aaoe.js';
import { AGENTS_END, AGENTS_START } from '../../src/core/onboarding/agent-instructions.js';

/** `aaoe init` and the agent contract: the AAOE section of AGENTS.md (and CLAUDE.md, Copilot's file, where they exist). */

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const AGENTS = '# Contributing as an agent\r\n\r\nRun `npm test` before you push.\r\nNo trailing newline here →';
const section = (text: string) => text.slice(text.indexOf(AGENTS_START), text.indexOf(AGENTS_END) + AGENTS_END.length);

describe('aaoe init and AGENTS.md', () => {
  it('adds the AAOE section once to an existing AGENTS.md, leaving the rest of the file as it was; a second run changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aaoe-init-agents-'));
    writeFileSync(join(dir, 'AGENTS.md'), AGENTS);
    const first = await cli(['init', '--dir', dir, '--preset', 'prod-policy']);
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toContain('added the AAOE section to AGENTS.md');
    const once = readFileSync(join(dir, 'AGENTS.md'), 'utf8');
    expect(once.startsWith(`${AGENTS}\r\n\r\n${AGENTS_START}\r\n`)).toBe(true); // every byte before it kept
    expect(once.split(AGENTS_START)).toHaveLength(2);
    expect(section(once)).toContain('policy `prod-policy`');
    expect(section(once)).toContain('one above medium is refused'); // prod-policy's maxLevel, from the policy

    const second = await cli(['init', '--dir', dir]);
    expect(second).toMatchObject({ code: 0, err: '' });
    expect(second.out).toContain('kept .github/aaoe.yml (it exists; --force overwrites it)');
    expect(second.out).toContain('unchanged: AGENTS.md');
    expect(readFileSync(join(dir, 'AGENTS.md'), 'utf8')).toBe(once);
  });

  it('creates AGENTS.md where there is none, and updates CLAUDE.md and the Copilot instructions only where they exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aaoe-init-agents-'));
    writeFileSync(join(dir, 'CLAUDE.md'), '# Claude\n');
    const run = await cli(['init', '--dir', dir]);
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toContain('wrote AGENTS.md');
    expect(run.out).toContain('added the AAOE section to CLAUDE.md');
    expect(run.out).not.toContain('copilot-instructions');
    expect(readFileSync(join(dir, 'AGENTS.md'), 'utf8')).toMatch(
      new RegExp(`^${AGENTS_START}\\n[\\s\\S]*${AGENTS_END}\\n$`),
    );
    expect(readFileSync(join(dir, 'CLAUDE.md'), 'utf8').startsWith(`# Claude\n\n${AGENTS_START}\n`)).toBe(true);
  });

  it("generates the section from the repository's own kept config: its protected paths", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aaoe-init-agents-'));
    mkdirSync(join(dir, '.github'), { recursive: true });
    writeFileSync(join(dir, '.github/aaoe.yml'), "extends: standard\nprotectedPaths: { paths: ['src/billing/**'] }\n");
    writeFileSync(join(dir, '.github/copilot-instructions.md'), 'Be brief.\n');
    const run = await cli(['init', '--dir', dir]);
    expect(run.code).toBe(0);
    expect(readFileSync(join(dir, '.github/aaoe.yml'), 'utf8')).toContain('src/billing/**'); // kept
    expect(readFileSync(join(dir, 'AGENTS.md'), 'utf8')).toContain('`src/billing/**`');
    expect(readFileSync(join(dir, '.github/copilot-instructions.md'), 'utf8')).toContain('`src/billing/**`');
  });

  it('leaves a file with a start marker but no end marker as it is, says so, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aaoe-init-agents-'));
    const broken = `# Agents\n${AGENTS_START}\nsomebody's notes that must not be lost\n`;
    writeFileSync(join(dir, 'AGENTS.md'), broken);
    const run = await cli(['init', '--dir', dir]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      /AGENTS\.md has 1 <!-- aaoe:agents:start --> and 0 <!-- aaoe:agents:end --> marker\(s\).*Fix:/,
    );
    expect(readFileSync(join(dir, 'AGENTS.md'), 'utf8')).toBe(broken);
  });

  it('leaves a file that is not UTF-8 byte for byte as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aaoe-init-agents-'));
    const latin1 = Buffer.from('# Agents: caf\xe9\n', 'latin1');
    writeFileSync(join(dir, 'AGENTS.md'), latin1);
    const run = await cli(['init', '--dir', dir]);
    expect(run.code).toBe(1);
    expect(run.err).toContain('AGENTS.md is not UTF-8 text');
    expect(readFileSync(join(dir, 'AGENTS.md')).equals(latin1)).toBe(true);
  });

  it('refuses a kept config that does not validate, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aaoe-init-agents-'));
    mkdirSync(join(dir, '.github'), { recursive: true });
    writeFileSync(join(dir, '.github/aaoe.yml'), 'risk: { maxLevel: enormous }\n');
    const run = await cli(['init', '--dir', dir]);
    expect(run.code).toBe(1);
    expect(run.err).toContain('.github/aaoe.yml in');
    expect(run.err).toContain('does not validate');
    expect(() => readFileSync(join(dir, 'AGENTS.md'))).toThrow();
  });
});
