import { describe, expect, it } from 'vitest';
import { fromMarkdown } from 'mdast-util-from-markdown';
import {
  COMMAND_VERBS,
  MAX_COMMENT_CHARS,
  closestVerb,
  parseCommands,
  type ParsedCommand,
} from '../../../src/core/commands/commands.js';

const approve = (line: number): ParsedCommand => ({ type: 'command', line, command: { verb: 'approve' } });

describe('parseCommands: lines that count', () => {
  it.each([
    ['a command alone', '/aaoe approve', [approve(1)]],
    ['after a paragraph and a blank line', 'Looks good to me.\n\n/aaoe approve', [approve(3)]],
    [
      'on the line after a sentence (same paragraph, still its own line)',
      'Looks good to me.\n/aaoe approve',
      [approve(2)],
    ],
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
      [
        approve(1),
        { type: 'command', line: 2, command: { verb: 'status' } },
        { type: 'command', line: 4, command: { verb: 'reject', reason: 'too risky on a Friday' } },
      ],
    ],
    ['reject without a reason', '/aaoe reject', [{ type: 'command', line: 1, command: { verb: 'reject' } }]],
    [
      'reject: a hidden HTML comment is not part of the reason',
      '/aaoe reject breaks the API <!-- ping @someone -->',
      [{ type: 'command', line: 1, command: { verb: 'reject', reason: 'breaks the API' } }],
    ],
  ] as const)('%s', (_name, body, expected) => {
    expect(parseCommands(body)).toEqual(expected);
  });

  // freeze and unfreeze need a scope (--org, --agent <name>): test/core/decisions/org-freeze.test.ts
  it.each(COMMAND_VERBS.filter((v) => v !== 'freeze' && v !== 'unfreeze').map((v) => [v]))('knows %s', (verb) => {
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

/**
 * The old reading, by a full CommonMark parse (mdast-util-from-markdown): the oracle the linear scan must never be
 * more generous than. A line counts when its first character sits in a text node whose ancestors are all plain
 * blocks (root, paragraph, heading, list, list item).
 */
type MarkdownNode = {
  type: string;
  position?: { start: { offset?: number }; end: { offset?: number } };
  children?: MarkdownNode[];
};
function oracleOwnLines(body: string): number[] {
  const ranges: Array<{ start: number; end: number }> = [];
  const visit = (node: MarkdownNode): void => {
    if (node.type === 'text')
      return void ranges.push({ start: node.position!.start.offset!, end: node.position!.end.offset! });
    if (!['root', 'paragraph', 'heading', 'list', 'listItem'].includes(node.type)) return;
    for (const child of node.children ?? []) visit(child);
  };
  visit(fromMarkdown(body) as MarkdownNode);
  const own: number[] = [];
  let offset = 0;
  body.split(/\r\n|\r|\n/).forEach((text, index) => {
    const indent = /^[ \t]*/.exec(text)![0].length;
    const at = offset + indent;
    if (/^\/aaoe(\s|$)/i.test(text.slice(indent)) && ranges.some((r) => r.start <= at && at < r.end))
      own.push(index + 1);
    offset += text.length + (body.startsWith('\r\n', offset + text.length) ? 2 : 1);
  });
  return own;
}

describe('parseCommands: bounded work on untrusted text', () => {
  /** A pseudo-random generator with a seed, so a failing case can be replayed. */
  const random = (seed: number) => () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const PIECES = [
    '/aaoe approve',
    '/aaoe status',
    'text',
    ' ',
    '  ',
    '    ',
    '\t',
    '\n',
    '\n',
    '\n\n',
    '> ',
    '- ',
    '* ',
    '1. ',
    '```',
    '~~~',
    '`',
    '*',
    '_',
    '[',
    ']',
    '(',
    ')',
    ']: /u',
    '<',
    '>',
    '<!--',
    '-->',
    '<div>',
    '<pre>',
    '</pre>',
    '---',
    '===',
    '\\',
    '$',
    '~',
    '<![cdata[',
    '<![CDATA[',
    ']]>',
    '<?',
    '?>',
    '<!X',
    '<a',
  ];

  it('never counts a line that a full CommonMark parse would not (8,000 random comments)', () => {
    const next = random(19);
    for (let n = 0; n < 8_000; n++) {
      const pieces = Array.from(
        { length: 2 + Math.floor(next() * 14) },
        () => PIECES[Math.floor(next() * PIECES.length)]!,
      );
      const body = pieces.join('');
      const ours = parseCommands(body)
        .filter((p) => p.type !== 'unread')
        .map((p) => p.line);
      const oracle = oracleOwnLines(body);
      const extra = ours.filter((line) => !oracle.includes(line));
      if (extra.length > 0)
        throw new Error(
          `counted line(s) ${extra.join(', ')} of ${JSON.stringify(body)}; a full parse counts ${JSON.stringify(oracle)}`,
        );
    }
  });

  /** `unit` repeated after a command line, to about `size` characters (under {@link MAX_COMMENT_CHARS}). */
  const fill = (unit: string, size: number) =>
    '/aaoe status\n' + unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

  it.each([
    ['nested lists on one line', '- '],
    ['stacked setext headings', 'a\n-\n'],
    ['a tight list of nested items', '- a\n  - b\n'],
    ['nested emphasis', '*_'],
    ['unclosed brackets', '[x]('],
    ['many command lines', '/aaoe status\n'],
    ['fences that never close', '- ```\n'],
    ['HTML comments that never close', '<!--\n'],
    ['quotes and lazy lines', '> a\n/aaoe approve\n'],
  ])('%s: time grows linearly with the size', (_name, unit) => {
    const time = (size: number) => {
      const body = fill(unit, size);
      let best = Infinity;
      for (let r = 0; r < 7; r++) {
        const started = performance.now();
        parseCommands(body);
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    time(6_000);
    const small = Math.max(time(6_000), 0.2);
    const large = time(48_000);
    // 8 times the input: a linear scan takes about 8 times as long (noise allowed for), a quadratic one 64 times
    expect(large / small).toBeLessThan(32);
  });

  it('refuses a comment longer than GitHub allows, with a reply, without reading it', () => {
    const [result, ...rest] = parseCommands('/aaoe approve\n' + 'x'.repeat(MAX_COMMENT_CHARS));
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ type: 'unread', line: 1 });
    expect(result?.type === 'unread' && result.reply).toContain('Write the command in a short comment of its own');
  });

  it.each([
    ['a code span around lines that look like a CDATA block in lower case', '`a\n<![cdata[\n]]>\n/aaoe approve` b'],
  ])('never counts %s (a full parse reads it as code)', (_name, body) => {
    expect(oracleOwnLines(body)).toEqual([]);
    expect(parseCommands(body).filter((p) => p.type !== 'unread')).toEqual([]);
  });

  it.each([
    ['a fence inside a list item', '- item\n\n  ```\n  code\n  ```\n\n/aaoe approve', 7],
    ['HTML inside a quote', '> <details>\n\n/aaoe approve', 3],
  ])('says so when it cannot place a line: %s', (_name, body, line) => {
    expect(parseCommands(body)).toEqual([
      { type: 'unread', line, reply: expect.stringContaining(`Line ${line} was not read as a command`) },
    ]);
  });
});
