import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Nodes, Parents, Root } from 'mdast';

/**
 * Markdown as GitHub renders it on its pages, for the simulator's pages for people (`html-pages.ts`): CommonMark
 * (parsed by `mdast-util-from-markdown`, already a dependency), GitHub's tables, literal URLs and `#123` references
 * made links, and the raw HTML GitHub keeps after sanitizing (`<details open>`, `<summary>`, `<sub>`, `<code>` ...:
 * without attributes, balanced); every other tag, every comment, every script is shown as text or dropped.
 *
 * The text is untrusted (anyone writes issues and comments; agents write pull requests): it is capped before it is
 * parsed, and every scan here is linear (no regular expression that can backtrack over it).
 */

/** GitHub refuses a body or a check run's summary over 65,536 characters: the pages render at most that. */
export const MAX_MARKDOWN_CHARS = 65_536;
const MAX_TABLE_LINE = 10_000;
/** Table cells parsed as Markdown per document; the ones after are shown as text (a parse per cell costs). */
const MAX_MARKDOWN_CELLS = 1_000;
/** A cell without these characters is text (and its links) without a parse. */
const MARKDOWN_CHARS = /[*_`[\]<>\\!&~]/;

/** Tags kept from raw HTML, without attributes (`details` keeps `open`); `br` and `hr` are void. */
const KEPT_TAGS = new Set([
  'details',
  'summary',
  'sub',
  'sup',
  'code',
  'b',
  'i',
  'em',
  'strong',
  'kbd',
  'br',
  'hr',
  'p',
]);
const VOID_TAGS = new Set(['br', 'hr']);

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A URL a page may link to: http(s), mailto or a path of this site; anything else (javascript:, data:) is none. */
export function safeHref(url: string, base: string): string | undefined {
  try {
    const parsed = new URL(url, base);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** Where `#123` points: the repository's web URL (`http://host/owner/repo`), or none. */
export type MarkdownContext = { repoUrl?: string; base: string };

/** The HTML of `source` (untrusted Markdown). */
export function renderMarkdown(source: string, ctx: MarkdownContext): string {
  const capped = source.length > MAX_MARKDOWN_CHARS;
  const text = capped ? source.slice(0, MAX_MARKDOWN_CHARS) : source;
  const tags = new TagBalance();
  const out: string[] = [];
  const cells = { left: MAX_MARKDOWN_CELLS };
  for (const block of splitTables(text)) {
    if (block.kind === 'table') out.push(renderTable(block.rows, ctx, cells));
    else out.push(renderNode(fromMarkdown(block.text), ctx, tags));
  }
  out.push(tags.closeAll());
  if (capped) out.push(`<p class="cut">(the rest, past ${MAX_MARKDOWN_CHARS} characters, is not shown)</p>`);
  return out.join('');
}

// ---- GitHub's tables: found line by line (outside fenced code), the rest is CommonMark ------------------------

type Block = { kind: 'text'; text: string } | { kind: 'table'; rows: string[][] };

/** The cells of a table row: split on `|` not escaped, outer pipes dropped, `\|` read as `|`. */
function cellsOf(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && line[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (c === '|') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  const trimmed = line.trim();
  if (trimmed.startsWith('|')) cells.shift();
  if (trimmed.endsWith('|') && !trimmed.endsWith('\\|')) cells.pop();
  return cells.map((c) => c.trim());
}

function isDelimiterRow(line: string): boolean {
  if (line.length > MAX_TABLE_LINE || !line.includes('-')) return false;
  const cells = cellsOf(line);
  return cells.length > 0 && cells.every((c) => /^:?-+:?$/.test(c));
}

const isRow = (line: string) => line.length <= MAX_TABLE_LINE && line.includes('|') && line.trim() !== '';
const fenceOf = (line: string) => /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];

function splitTables(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let pending: string[] = [];
  let fence: string | undefined;
  const flush = () => {
    if (pending.length > 0) blocks.push({ kind: 'text', text: pending.join('\n') });
    pending = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = fenceOf(line);
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    } else if (marker !== undefined) fence = marker;
    else if (isRow(line) && isDelimiterRow(lines[i + 1] ?? '')) {
      const header = cellsOf(line);
      if (cellsOf(lines[i + 1]!).length === header.length) {
        flush();
        const rows = [header];
        i += 2;
        while (i < lines.length && isRow(lines[i]!)) rows.push(cellsOf(lines[i++]!));
        i--;
        blocks.push({ kind: 'table', rows: rows.map((r) => header.map((_, k) => r[k] ?? '')) });
        continue;
      }
    }
    pending.push(line);
  }
  flush();
  return blocks;
}

function renderTable(rows: string[][], ctx: MarkdownContext, cells: { left: number }): string {
  const cell = (text: string, tag: 'th' | 'td') => {
    if (!MARKDOWN_CHARS.test(text) || cells.left <= 0) return `<${tag}>${linkify(text, ctx)}</${tag}>`;
    cells.left -= 1;
    // a cell's raw HTML is balanced within the cell
    const tags = new TagBalance();
    const root = fromMarkdown(text);
    const first = root.children[0];
    const inner = first?.type === 'paragraph' ? renderChildren(first, ctx, tags) : escapeHtml(text);
    return `<${tag}>${inner}${tags.closeAll()}</${tag}>`;
  };
  const [header = [], ...body] = rows;
  return `<table><thead><tr>${header.map((c) => cell(c, 'th')).join('')}</tr></thead><tbody>${body
    .map((r) => `<tr>${r.map((c) => cell(c, 'td')).join('')}</tr>`)
    .join('')}</tbody></table>\n`;
}

// ---- the CommonMark tree to HTML ------------------------------------------------------------------------------

function renderChildren(node: Parents, ctx: MarkdownContext, tags: TagBalance): string {
  return node.children.map((child) => renderNode(child, ctx, tags)).join('');
}

function renderNode(node: Nodes | Root, ctx: MarkdownContext, tags: TagBalance): string {
  const inner = () => renderChildren(node as Parents, ctx, tags);
  switch (node.type) {
    case 'root':
      return inner();
    case 'paragraph':
      return `<p>${inner()}</p>\n`;
    case 'heading':
      return `<h${node.depth}>${inner()}</h${node.depth}>\n`;
    case 'thematicBreak':
      return '<hr>\n';
    case 'blockquote':
      return `<blockquote>${inner()}</blockquote>\n`;
    case 'list': {
      const tag = node.ordered ? 'ol' : 'ul';
      const start = node.ordered && node.start !== null && node.start !== 1 ? ` start="${node.start}"` : '';
      return `<${tag}${start}>${inner()}</${tag}>\n`;
    }
    case 'listItem':
      return `<li>${node.spread ? inner() : node.children.map((c) => (c.type === 'paragraph' ? renderChildren(c, ctx, tags) : renderNode(c, ctx, tags))).join('')}</li>\n`;
    case 'code': {
      const lang = node.lang ? ` class="language-${escapeHtml(node.lang)}"` : '';
      return `<pre><code${lang}>${escapeHtml(node.value)}</code></pre>\n`;
    }
    case 'html':
      return tags.sanitize(node.value);
    case 'text':
      return linkify(node.value, ctx);
    case 'emphasis':
      return `<em>${inner()}</em>`;
    case 'strong':
      return `<strong>${inner()}</strong>`;
    case 'delete':
      return `<del>${inner()}</del>`;
    case 'inlineCode':
      return `<code>${escapeHtml(node.value)}</code>`;
    case 'break':
      return '<br>\n';
    case 'link': {
      const href = safeHref(node.url, ctx.base);
      return href ? `<a href="${escapeHtml(href)}" rel="nofollow">${inner()}</a>` : inner();
    }
    case 'image':
      // GitHub proxies images; the simulator links to them instead of loading anything
      return `<span class="image">[image: ${escapeHtml(node.alt ?? '')}]</span>`;
    case 'linkReference':
      return inner();
    case 'definition':
    case 'imageReference':
      return '';
    default:
      return 'children' in node ? inner() : 'value' in node ? escapeHtml(String(node.value)) : '';
  }
}

/** Text with literal URLs and `#123` as links (GitHub's autolinks), everything else escaped. */
function linkify(text: string, ctx: MarkdownContext): string {
  const out: string[] = [];
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"]+|(?<![\w&#])#\d{1,9}\b/g)) {
    let found = match[0];
    if (found.startsWith('#') && !ctx.repoUrl) continue;
    while (/[.,:;!?)]$/.test(found)) found = found.slice(0, -1);
    const href = found.startsWith('#') ? `${ctx.repoUrl}/issues/${found.slice(1)}` : safeHref(found, ctx.base);
    out.push(escapeHtml(text.slice(last, match.index)));
    out.push(href ? `<a href="${escapeHtml(href)}" rel="nofollow">${escapeHtml(found)}</a>` : escapeHtml(found));
    last = match.index + found.length;
  }
  out.push(escapeHtml(text.slice(last)));
  return out.join('');
}

/** Raw HTML as GitHub keeps it: the kept tags without attributes, opened and closed in order; the rest as text. */
class TagBalance {
  private readonly open: string[] = [];

  sanitize(raw: string): string {
    const out: string[] = [];
    let i = 0;
    while (i < raw.length) {
      const lt = raw.indexOf('<', i);
      if (lt < 0) break;
      out.push(escapeHtml(raw.slice(i, lt)));
      if (raw.startsWith('<!--', lt)) {
        // a comment is dropped (GitHub hides it), up to its end or the end of the block
        const end = raw.indexOf('-->', lt + 4);
        i = end < 0 ? raw.length : end + 3;
        continue;
      }
      const gt = raw.indexOf('>', lt + 1);
      const tag = gt < 0 ? undefined : this.tag(raw.slice(lt + 1, gt));
      if (tag === undefined) {
        out.push('&lt;');
        i = lt + 1;
      } else {
        out.push(tag);
        i = gt + 1;
      }
    }
    out.push(escapeHtml(raw.slice(i)));
    return out.join('');
  }

  /** The HTML of a kept tag (`inside` is between `<` and `>`), '' for a close with nothing to close, else undefined. */
  private tag(inside: string): string | undefined {
    if (inside.length > 40) return undefined;
    const match = /^(\/?)([a-z]+)( open)?\s*\/?$/i.exec(inside.trim());
    const name = match?.[2]?.toLowerCase();
    if (!match || !name || !KEPT_TAGS.has(name)) return undefined;
    if (VOID_TAGS.has(name)) return `<${name}>`;
    if (match[1] === '/') {
      const at = this.open.lastIndexOf(name);
      if (at < 0) return '';
      return this.open
        .splice(at)
        .reverse()
        .map((t) => `</${t}>`)
        .join('');
    }
    this.open.push(name);
    return name === 'details' && match[3] ? '<details open>' : `<${name}>`;
  }

  /** Closes every tag left open (at the end of a document or a table cell). */
  closeAll(): string {
    return this.open
      .splice(0)
      .reverse()
      .map((t) => `</${t}>`)
      .join('');
  }
}
