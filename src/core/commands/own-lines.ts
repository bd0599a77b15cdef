/**
 * Which lines of a comment are its author's own text, by one linear pass over the lines: no Markdown parser, no
 * regular expression that can backtrack. Pure.
 *
 * A full CommonMark parse is super-linear on untrusted text (nested lists and stacked setext headings made an 8 KB
 * comment take tens of seconds), so this scan reads only what decides whether a line that starts with a command is
 * the author's text as GitHub shows it, and it is conservative: whatever it cannot place for sure does not count.
 *
 * - Fenced code and HTML blocks that start at the root (no list or quote can hold them) are followed exactly, as
 *   CommonMark does; one that starts inside a list or quote, where only a full parse knows where it ends, leaves the
 *   rest of the comment `unsure` (the caller replies instead of acting).
 * - A line of a paragraph that follows a quoted line without a blank line between is the quote's (lazy continuation).
 * - An inline construct (code span, emphasis, link, inline HTML or comment, strikethrough, math) may span the lines of
 *   a paragraph: when an earlier line of the paragraph holds the character that opens one and this line or a later one
 *   holds the character that closes it, the line does not count. So does a line after a link definition (`[x]:`).
 * - A line indented by four columns or more never counts (it may be code).
 */

export type OwnLine =
  /** The line counts: `text` is the line without its indentation. */
  | { kind: 'own'; line: number; text: string }
  /** The line may be inside a code block or HTML that a list or quote holds: unknown without a full parse. */
  | { kind: 'unsure'; line: number };

type LineClass = 'text' | 'blank' | 'block' | 'unsure';

type Shape = {
  /** Columns of leading spaces and tabs (a tab moves to the next multiple of 4). */
  lead: number;
  blank: boolean;
  quote: boolean;
  list: boolean;
  /** The line after its container markers (`>`, list markers) and their spaces. */
  rest: string;
};

type Mode =
  | { kind: 'normal' }
  | { kind: 'fence'; char: string; length: number }
  /** `end`: the text that closes the block, or `blank` for a blank line. */
  | { kind: 'html'; end: string }
  | { kind: 'unsure' };

/** Characters that open an inline construct able to span lines, and the character that closes each. */
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['`', '`'],
  ['<', '>'],
  ['[', ']'],
  ['(', ')'],
  ['*', '*'],
  ['_', '_'],
  ['~', '~'],
  ['$', '$'],
];

/** The lines for which `isCandidate(text without indentation)` holds, each classified; in order. */
export function scanOwnLines(body: string, isCandidate: (text: string) => boolean): OwnLine[] {
  const lines = body.split(/\r\n|\r|\n/);
  const shapes = lines.map(shapeOf);
  const classes = classify(lines, shapes);
  const found: OwnLine[] = [];
  let runStart = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && classes[i] === 'text') continue;
    // lines runStart..i-1 are one run of paragraph-like text (no blank line, code or HTML between them)
    scanRun(lines, shapes, runStart, i, isCandidate, found);
    if (i < lines.length && classes[i] === 'unsure') {
      const shape = itemAt(shapes, i);
      if (!shape.quote && !shape.list && shape.lead <= 3 && isCandidate(shape.rest))
        found.push({ kind: 'unsure', line: i + 1 });
    }
    runStart = i + 1;
  }
  return found;
}

function scanRun(
  lines: string[],
  shapes: Shape[],
  from: number,
  to: number,
  isCandidate: (text: string) => boolean,
  found: OwnLine[],
): void {
  if (from >= to) return;
  // closers[k - from]: a bit per pair whose closing character is in lines k..to-1
  const closers = new Uint8Array(to - from + 1);
  for (let k = to - 1; k >= from; k--) closers[k - from] = (closers[k - from + 1] ?? 0) | charBits(itemAt(lines, k), 1);
  let opened = 0;
  let quoted = false;
  let definition = false;
  for (let k = from; k < to; k++) {
    const shape = itemAt(shapes, k);
    const candidate = !shape.quote && !shape.list && shape.lead <= 3 && isCandidate(shape.rest);
    if (candidate && !quoted && !definition && (opened & (closers[k - from] ?? 0)) === 0)
      found.push({ kind: 'own', line: k + 1, text: shape.rest });
    quoted ||= shape.quote;
    definition ||= itemAt(lines, k).includes(']:');
    opened |= charBits(itemAt(lines, k), 0);
  }
}

/** A bit per pair whose opening (`side` 0) or closing (`side` 1) character `line` holds. */
function charBits(line: string, side: 0 | 1): number {
  let bits = 0;
  PAIRS.forEach((pair, i) => {
    if (line.includes(pair[side])) bits |= 1 << i;
  });
  return bits;
}

/** Each line's class, following fenced code and HTML blocks that start at the root. */
function classify(lines: string[], shapes: Shape[]): LineClass[] {
  const classes: LineClass[] = [];
  let mode: Mode = { kind: 'normal' };
  let containers = false;
  for (let i = 0; i < lines.length; i++) {
    const line = itemAt(lines, i);
    const shape = itemAt(shapes, i);
    const containersBefore = containers;
    if (mode.kind !== 'fence' && (shape.quote || shape.list)) containers = true;
    if (mode.kind === 'unsure') {
      classes.push('unsure');
    } else if (mode.kind === 'fence') {
      if (isClosingFence(shape, mode.char, mode.length)) mode = { kind: 'normal' };
      classes.push('block');
    } else if (mode.kind === 'html') {
      if (mode.end === 'blank' ? shape.blank : line.toLowerCase().includes(mode.end)) mode = { kind: 'normal' };
      classes.push(shape.blank ? 'blank' : 'block');
    } else if (shape.blank) {
      classes.push('blank');
    } else {
      const fence = openingFence(shape.rest);
      const html = fence ? undefined : htmlStart(shape.rest);
      if (!fence && !html) {
        classes.push('text');
        continue;
      }
      const container = shape.quote || shape.list;
      if (!container && (shape.lead === 0 || (shape.lead <= 3 && !containersBefore))) {
        // a block at the root: nothing can hold it, so its end is known exactly
        if (fence) mode = { kind: 'fence', ...fence };
        else if (html && !(html.end !== 'blank' && shape.rest.toLowerCase().includes(html.end, html.from)))
          mode = { kind: 'html', end: html.end };
        classes.push('block');
      } else if (!container && !containersBefore) {
        // indented by four or more with no list or quote anywhere before: code or paragraph text, never a block start
        classes.push('text');
      } else {
        mode = { kind: 'unsure' };
        classes.push('unsure');
      }
    }
  }
  return classes;
}

function shapeOf(line: string): Shape {
  let i = 0;
  let lead = 0;
  for (; i < line.length && (line[i] === ' ' || line[i] === '\t'); i++)
    lead = line[i] === '\t' ? lead + 4 - (lead % 4) : lead + 1;
  if (i === line.length) return { lead, blank: true, quote: false, list: false, rest: '' };
  let quote = false;
  let list = false;
  for (;;) {
    const start = i;
    if (line[i] === '>') {
      quote = true;
      i++;
    } else {
      const marker = listMarkerLength(line, i);
      if (marker === 0) break;
      list = true;
      i += marker;
    }
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i === start) break;
  }
  return { lead, blank: false, quote, list, rest: line.slice(i) };
}

/** `-`, `+`, `*` or 1-9 digits and `.` or `)`, followed by a space, a tab or the end of the line; 0 when none. */
function listMarkerLength(line: string, at: number): number {
  const c = line[at];
  let end = at;
  if (c === '-' || c === '+' || c === '*') end = at + 1;
  else {
    while (end < line.length && end - at < 9 && line.charAt(end) >= '0' && line.charAt(end) <= '9') end++;
    if (end === at || (line[end] !== '.' && line[end] !== ')')) return 0;
    end++;
  }
  return end === line.length || line[end] === ' ' || line[end] === '\t' ? end - at : 0;
}

function openingFence(rest: string): { char: string; length: number } | undefined {
  const char = rest[0];
  if (char !== '`' && char !== '~') return undefined;
  let length = 0;
  while (rest[length] === char) length++;
  if (length < 3) return undefined;
  if (char === '`' && rest.includes('`', length)) return undefined;
  return { char, length };
}

function isClosingFence(shape: Shape, char: string, length: number): boolean {
  if (shape.blank || shape.quote || shape.list || shape.lead > 3) return false;
  const rest = shape.rest;
  let n = 0;
  while (rest[n] === char) n++;
  if (n < length) return false;
  for (let i = n; i < rest.length; i++) if (rest[i] !== ' ' && rest[i] !== '\t') return false;
  return true;
}

const RAW_TAGS = ['script', 'pre', 'style', 'textarea'];

/**
 * The HTML block `rest` starts, with the text that ends it (`blank`: a blank line) and where to look for that text;
 * a superset of CommonMark's kinds 6 and 7 (any tag), which only makes more lines not count.
 */
function htmlStart(rest: string): { end: string; from: number } | undefined {
  if (rest[0] !== '<') return undefined;
  const lower = rest.slice(0, 12).toLowerCase();
  for (const tag of RAW_TAGS) {
    if (lower.startsWith(`<${tag}`)) {
      const after = lower[tag.length + 1];
      if (after === undefined || after === '>' || after === ' ' || after === '\t') return { end: `</${tag}>`, from: 0 };
    }
  }
  if (lower.startsWith('<!--')) return { end: '-->', from: 4 };
  // CDATA is case-sensitive: `<![cdata[` is paragraph text, and ending a block where CommonMark goes on would count
  // lines an inline construct spans
  if (rest.startsWith('<![CDATA[')) return { end: ']]>', from: 9 };
  if (lower.startsWith('<?')) return { end: '?>', from: 2 };
  if (lower.startsWith('<!') && isLetter(lower[2])) return { end: '>', from: 2 };
  if (isLetter(lower[1]) || (lower[1] === '/' && isLetter(lower[2]))) return { end: 'blank', from: 0 };
  return undefined;
}

function isLetter(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

/** Element `i` of an array indexed within its bounds (a bug otherwise). */
function itemAt<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`bug: line ${i} is out of bounds`);
  return item;
}
