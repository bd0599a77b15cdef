import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, runCli } from '../../src/cli/aaoe.js';

// Issue 23: every command and subcommand answers --help (with examples) and exit 0; --version; a wrong option or an
// unknown command prints the usage and exits 2. The tree is read from the program itself, so a command added later is
// checked too.

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, {});
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

const program = buildProgram({ io: { stdout: () => {}, stderr: () => {} }, env: {}, exit: () => {} });
const paths = commandPaths(program);

describe('aaoe --help', () => {
  it('knows every command the issue names', () => {
    const names = paths.map((p) => p.join(' '));
    for (const name of ['init', 'doctor', 'policy validate', 'policy evaluate', 'propose', 'audit show', 'mcp'])
      expect(names).toContain(name);
    expect(paths.length).toBeGreaterThanOrEqual(20);
  });

  it('answers on the program with the commands and examples, exit 0', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: aaoe \[options\] \[command\]/);
    expect(r.out).toContain('Examples:');
  });

  it.each(paths.map((p) => [p.join(' '), p]))('aaoe %s --help: usage and examples, exit 0', async (_, path) => {
    const r = await cli(...path, '--help');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(new RegExp(`^Usage: aaoe ${path.join(' ')}\\b`));
    expect(r.out).toMatch(/\nExamples:\n {2}\$ (\w+=\S+ )*(aaoe|npx) /);
  });

  it.each(paths.map((p) => [p.join(' '), p]))('aaoe help %s answers the same', async (_, path) => {
    const r = await cli('help', ...path.slice(0, 1));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Usage: aaoe ${path[0]}\\b`));
  });
});

describe('aaoe --version and usage errors', () => {
  it.each([['--version'], ['-V']])('%s prints the package version', async (flag) => {
    expect(await cli(flag)).toEqual({ code: 0, out: pkg.version, err: '' });
  });

  it.each([
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['policy', 'frobnicate'], "unknown command 'frobnicate'"],
    [['policy', 'validate', '--strict'], "unknown option '--strict'"],
    [['propose', '--issue', 'i.json', '--repo', '.', '--models', 'm.json', '--help-me'], "unknown option '--help-me'"],
    [['policy', 'evaluate', '--policy', 'p.yml'], "required option '--change <file.json>' not specified"],
    [['policy', 'evaluate', '--policy', 'p.yml', '--change', 'c.json', '--format', 'xml'], "'xml' is invalid"],
    [['jobs', 'list', '--limit', '0'], '"0" is not a number above 0'],
    [['jobs', 'list', '--limit', '1.5'], '"1.5" is not a whole number above 0'],
    [['report-key', 'o/r', '--installation', 'x'], '"x" is not a number above 0'],
    [['audit', 'show'], "missing required argument 'execution-id'"],
    [['doctor', 'extra'], 'too many arguments'],
    [['mcp', 'extra'], 'too many arguments'],
    [['policy'], 'Usage: aaoe policy'],
    [[], 'Usage: aaoe'],
  ])('aaoe %j: the error and the usage on stderr, exit 2', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).toMatch(/Usage: aaoe/);
  });
});
