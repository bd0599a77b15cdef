import { describe, expect, it } from 'vitest';
import {
  AGENTS_END,
  AGENTS_START,
  MAX_INSTRUCTIONS_BYTES,
  placeAgentSection,
  renderAgentSection,
} from '../../../src/core/onboarding/agent-instructions.js';
import { Policy } from '../../../src/core/policy/schema.js';

const policy = Policy.parse({ id: 'standard', protectedPaths: { paths: ['src/payments/**'], allow: ['policies/**'] } });
const section = renderAgentSection(policy);

/** Places the section, as a file's new text (the old one when nothing is to be written). */
function place(existing: string | undefined): string | undefined {
  const update = placeAgentSection(existing, section);
  return 'text' in update ? update.text : existing;
}

describe('renderAgentSection', () => {
  it('says what the policy protects, that agents never approve or merge, and how to declare risk and a rollback plan', () => {
    expect(section.startsWith(`${AGENTS_START}\n`)).toBe(true);
    expect(section.endsWith(`\n${AGENTS_END}`)).toBe(true);
    expect(section).toContain('`.github/aaoe.yml`, `.github/aaoe.yaml`, `.github/workflows/**`, `src/payments/**`');
    expect(section).not.toContain('`policies/**`'); // released by this policy
    expect(section).toContain('**Never approve or merge**');
    expect(section).toContain("a change above low risk waits for a person's approval; one above high is refused");
    expect(section).toContain('```aaoe-proposal\n{"risk": {"level": "medium"');
    expect(section).toContain('no `edits`');
    expect(section).toContain('policy `standard`');
  });

  it('the example declaration is one JSON object with only the optional fields it names', () => {
    const block = /```aaoe-proposal\n(.*)\n```/.exec(section)![1]!;
    expect(Object.keys(JSON.parse(block))).toEqual(['risk', 'rollbackPlan']);
  });

  it.each([
    ['always', 'asks every pull request for one'],
    ['never', 'asks for none'],
    ['irreversible', 'where a revert of the merge commit cannot undo the change'],
    [{ above: 'medium' }, 'above medium'],
  ] as const)('says when a declaration is required: %j', (requireDeclaration, text) => {
    expect(renderAgentSection(Policy.parse({ resilience: { requireDeclaration } }))).toContain(text);
  });
});

describe('placeAgentSection', () => {
  it('creates AGENTS.md when there is none', () => {
    expect(placeAgentSection(undefined, section)).toEqual({ outcome: 'created', text: `${section}\n` });
  });

  it.each([
    ['ends with a newline', '# Agents\n\nRun `npm test`.\n', '# Agents\n\nRun `npm test`.\n\n'],
    ['ends without one', '# Agents\n\nRun `npm test`.', '# Agents\n\nRun `npm test`.\n\n'],
    ['ends with a blank line', '# Agents\n\n', '# Agents\n\n'],
    ['is empty', '', ''],
  ])('appends the section to a file that %s, once, and keeps every byte before it', (_, existing, before) => {
    const first = placeAgentSection(existing, section);
    expect(first).toEqual({ outcome: 'appended', text: `${before}${section}\n` });
    // a second run finds the section as it would write it: nothing to write
    expect(placeAgentSection((first as { text: string }).text, section)).toEqual({ outcome: 'unchanged' });
  });

  it('replaces an older section in place and leaves the bytes around it as they were', () => {
    const head = '\uFEFF# Agents\n\nUse pnpm.\n\n';
    const tail = '\n\n## Style\n\nTabs, not spaces.   \n';
    const old = `${AGENTS_START}\nold text that an older policy wrote\n${AGENTS_END}`;
    const update = placeAgentSection(`${head}${old}${tail}`, section);
    expect(update).toEqual({ outcome: 'replaced', text: `${head}${section}${tail}` });
    expect(place(place(`${head}${old}${tail}`))).toBe(`${head}${section}${tail}`);
  });

  it('keeps the CRLF line ends of a Windows file, in the section too, and is idempotent there', () => {
    const existing = '# Agents\r\n\r\nRun the tests.\r\n';
    const once = place(existing)!;
    expect(once).toBe(`${existing}\r\n${section.split('\n').join('\r\n')}\r\n`);
    expect(once.replace(/\r\n/g, '')).not.toContain('\n'); // no bare LF
    expect(placeAgentSection(once, section)).toEqual({ outcome: 'unchanged' });
  });

  it.each([
    ['a start marker without an end', `# Agents\n${AGENTS_START}\nmine, keep it\n`],
    ['an end marker before the start', `${AGENTS_END}\nmine\n${AGENTS_START}\n`],
    ['two sections', `${AGENTS_START}\n${AGENTS_END}\n${AGENTS_START}\n${AGENTS_END}\n`],
    ['an end marker alone', `# Agents\n${AGENTS_END}\n`],
  ])('leaves a file with %s as it is, and says how to fix it', (_, existing) => {
    const update = placeAgentSection(existing, section, 'CLAUDE.md');
    expect(update).toMatchObject({
      outcome: 'skipped',
      message: expect.stringMatching(/^CLAUDE\.md has \d .* Fix: keep one start marker followed by one end marker/),
    });
  });

  it('leaves a file larger than the cap alone', () => {
    expect(placeAgentSection('x'.repeat(MAX_INSTRUCTIONS_BYTES + 1), section)).toMatchObject({
      outcome: 'skipped',
      message: expect.stringContaining('larger than'),
    });
  });

  it('takes linear time on a file full of almost-markers (no backtracking)', () => {
    const hostile = '<!-- aaoe:agents:star'.repeat(45_000); // just under the cap
    const started = performance.now();
    expect(placeAgentSection(hostile, section).outcome).toBe('appended');
    const many = `${AGENTS_START}`.repeat(30_000);
    expect(placeAgentSection(many, section).outcome).toBe('skipped');
    expect(performance.now() - started).toBeLessThan(500);
  });
});
