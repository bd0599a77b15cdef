import { describe, expect, it } from 'vitest';
import { COMMAND_TEXT, parseCommands } from '../../src/core/commands/commands.js';

/** `/aaoe plan start plans/<file>.yml`: parsed with the other commands, as strictly (src/workflows/plan-work.ts acts on it). */
describe('parseCommands: /aaoe plan start', () => {
  it.each([
    ['a plan file', '/aaoe plan start plans/split.yml', 'plans/split.yml'],
    [
      'in a folder, .yaml, verbs in any case',
      '/AAOE Plan START plans/2026/split-invoicing.yaml',
      'plans/2026/split-invoicing.yaml',
    ],
  ])('%s', (_name, body, path) => {
    expect(parseCommands(body)).toEqual([
      { type: 'command', line: 1, command: { verb: 'plan', action: 'start', path } },
    ]);
  });

  it.each([
    ['no file', '/aaoe plan start'],
    ['no action', '/aaoe plan plans/split.yml'],
    ['outside plans/', '/aaoe plan start .github/aaoe.yml'],
    ['a parent directory', '/aaoe plan start plans/../secrets.yml'],
    ['not YAML', '/aaoe plan start plans/split.json'],
    ['more words', '/aaoe plan start plans/split.yml now'],
  ])('refuses %s, saying how to write it', (_name, body) => {
    const [result] = parseCommands(body);
    expect(result).toMatchObject({ type: 'invalid', line: 1, verb: 'plan' });
    expect(result?.type === 'invalid' && result.reply).toContain('/aaoe plan start plans/<file>.yml');
  });

  it("counts only as the author's own text (not quoted, not in code)", () => {
    expect(parseCommands('> /aaoe plan start plans/split.yml\n\n`/aaoe plan start plans/split.yml`')).toEqual([]);
  });

  it('is in the help', () => {
    expect(COMMAND_TEXT.help()).toContain('/aaoe plan start plans/<file>.yml');
  });
});
