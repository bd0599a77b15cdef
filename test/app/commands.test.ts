import { describe, expect, it } from 'vitest';
import { COMMAND_VERBS, closestVerb, parseCommands, type ParsedCommand } from '../../src/app/commands.js';

const approve = (line: number): ParsedCommand => ({ type: 'command', line, command: { verb: 'approve' } });

describe('parseCommands: lines that count', () => {
  it.each([
    ['a command alone', '/aaoe approve', [approve(1)]],
    ['after a paragraph and a blank line', 'Looks good to me.\n\n/aaoe approve', [approve(3)]],
    ['on the line after a sentence (same paragraph, still its own line)', 'Looks good to me.\n/aaoe approve', [approve(2)]],
    ['indented by up to three spaces', '   /aaoe approve', [approve(1)]],
    ['upper case', '/AAOE Approve', [approve(1)]],
    ['trailing spaces', '/aaoe approve   ', [approve(1)]],
    ['CRLF line endings', 'LGTM\r\n\r\n/aaoe approve\r\n', [approve(3)]],
    ['a lazy line of a list item is the author’s own text', '- checked the migration\n/aaoe approve', [approve(2)]],
    ['a trailing HTML comment is not part of the command', '/aaoe approve <!-- from the phone -->', [approve(1)]],
    ['after a hidden HTML comment on its own line', '<!-- aaoe:reply -->\n/aaoe approve', [approve(2)]],
    ['a setext heading is still the author’s line', '/aaoe approve\n---', [approve(1)]],
    ['after a closed code block', '```\ncode\n```\n/aaoe approve', [approve(4)]],
    ['after a quote, separated by a blank line', '> /aaoe approve\n\n/aaoe approve', [approve(3)]],
    [
      'several commands, one per line',
      '/aaoe approve\n/aaoe status\n\n/aaoe reject too risky on a Friday',
      [approve(1), { type: 'command', line: 2, command: { verb: 'status' } }, { type: 'command', line: 4, command: { verb: 'reject', reason: 'too risky on a Friday' } }],
    ],
    ['reject without a reason', '/aaoe reject', [{ type: 'command', line: 1, command: { verb: 'reject' } }]],
    ['reject: a hidden HTML comment is not part of the reason', '/aaoe reject breaks the API <!-- ping @someone -->', [{ type: 'command', line: 1, command: { verb: 'reject', reason: 'breaks the API' } }]],
  ] as const)('%s', (_name, body, expected) => {
    expect(parseCommands(body)).toEqual(expected);
  });

  it.each(COMMAND_VERBS.map((v) => [v]))('knows %s', (verb) => {
    expect(parseCommands(`/aaoe ${verb}`)).toEqual([{ type: 'command', line: 1, command: { verb } }]);
  });
});

describe('parseCommands: lines that never count', () => {
  it.each([
    ['a quoted reply', '> /aaoe approve'],
    ['a quoted reply with the author’s text around it', 'I agree with this:\n\n> /aaoe approve\n\nbut not yet.'],
    ['a nested quote', '> > /aaoe approve'],
    ['a lazy continuation line of a quote (GitHub shows it inside the quote)', '> @alice wrote:\n/aaoe approve'],
    ['a quote inside a list', '- > /aaoe approve'],
    ['a fenced code block (backticks)', 'Type this:\n\n```\n/aaoe approve\n```'],
    ['a fenced code block (tildes)', '~~~\n/aaoe approve\n~~~'],
    ['a fenced code block with an info string', '```sh\n/aaoe approve\n```'],
    ['an unclosed fence (code to the end)', '```\nexample\n/aaoe approve'],
    ['an indented code block', 'Example:\n\n    /aaoe approve'],
    ['inline code', '`/aaoe approve`'],
    ['inline code across lines', 'Run `the\n/aaoe approve` command'],
    ['an HTML comment', '<!-- /aaoe approve -->'],
    ['a multi-line HTML comment', '<!--\n/aaoe approve\n-->'],
    ['an inline HTML comment across lines', 'note <!-- hidden\n/aaoe approve\n--> end'],
    ['mid-line', 'please /aaoe approve'],
    ['a list item', '- /aaoe approve'],
    ['emphasis', '**/aaoe approve**'],
    ['an escaped slash', '\\/aaoe approve'],
    ['no space after the prefix', '/aaoeapprove'],
    ['another prefix', '/aaoe-bot approve'],
    ['empty', ''],
  ])('%s', (_name, body) => {
    expect(parseCommands(body)).toEqual([]);
  });
});

describe('parseCommands: unknown and invalid commands get a helpful reply', () => {
  it.each([
    ['a typo', '/aaoe aprove', 'aprove', 'approve'],
    ['a transposition', '/aaoe appoLve', 'appoLve', 'approve'],
    ['a prefix', '/aaoe roll', 'roll', 'rollback'],
    ['a near miss', '/aaoe stats', 'stats', 'status'],
    ['no match', '/aaoe deploy', 'deploy', undefined],
    ['no verb at all', '/aaoe', '', undefined],
  ] as const)('%s', (_name, body, verb, suggestion) => {
    const [result, ...rest] = parseCommands(body);
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ type: 'unknown', line: 1, verb });
    if (result?.type !== 'unknown') throw new Error('expected unknown');
    expect(result.suggestion).toBe(suggestion);
    if (suggestion) expect(result.reply).toContain(`Did you mean \`/aaoe ${suggestion}\`?`);
    else expect(result.reply).not.toContain('Did you mean');
    for (const v of COMMAND_VERBS) expect(result.reply).toContain(`/aaoe ${v}`);
  });

  it.each([
    ['approve with words after it does not approve', '/aaoe approve once CI is green', 'approve'],
    ['status with an argument', '/aaoe status now', 'status'],
    ['rollback with an argument', '/aaoe rollback please', 'rollback'],
  ] as const)('%s', (_name, body, verb) => {
    const results = parseCommands(body);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ type: 'invalid', line: 1, verb });
    expect(results[0]!.type === 'invalid' && results[0]!.reply).toContain('takes no arguments');
  });

  it('never lets the echoed verb break out of its code span (no mention, no markup)', () => {
    const [result] = parseCommands('/aaoe x`@everyone`');
    expect(result?.type).toBe('unknown');
    expect(result?.type === 'unknown' && result.reply).toContain('`/aaoe x@everyone`');
  });

  it('keeps the line numbers of good and bad lines', () => {
    expect(parseCommands('/aaoe aprove\n\n> /aaoe reject\n/aaoe approve').map((r) => [r.type, r.line])).toEqual([
      ['unknown', 1],
      // line 4 is a lazy continuation of the quote on line 3
    ]);
    expect(parseCommands('/aaoe aprove\n\n> /aaoe reject\n\n/aaoe approve').map((r) => [r.type, r.line])).toEqual([
      ['unknown', 1],
      ['command', 5],
    ]);
  });
});

describe('closestVerb', () => {
  it.each([
    ['aprove', 'approve'],
    ['APPROVE', 'approve'],
    ['rejct', 'reject'],
    ['pasue', 'pause'],
    ['retyr', 'retry'],
    ['explian', 'explain'],
    ['hlep', 'help'],
    ['res', 'resume'], // the only verb it begins
    ['re', undefined], // too short to be a prefix, too far from every verb
    ['merge', undefined],
  ] as const)('%s -> %s', (word, verb) => {
    expect(closestVerb(word)).toBe(verb);
  });
});
