import { isMap, isScalar, isSeq, type Document, type Node, type YAMLError } from 'yaml';
import { knownPrefix } from './schema-lookup.js';
import { dotted, firstLine, keyName, type Position } from './yaml-nodes.js';

/** YAML nodes of a policy file: their paths and positions, duplicate keys, and syntax errors in words. */

/** A node, its path in the policy, and the span it covers (for a mapping's value: from its key on). */
export type Walked = { node: Node; path: PropertyKey[]; span: readonly [number, number] };

/** Every node of the document with its path (not following aliases: an anchored node is walked where it is written). */
export function collectNodes(doc: Document): Walked[] {
  const out: Walked[] = [];
  const rangeOf = (node: unknown): readonly [number, number] | undefined => {
    const r = node && typeof node === 'object' ? (node as Node).range : undefined;
    return r ? [r[0], r[1]] : undefined;
  };
  const walk = (node: unknown, path: PropertyKey[], from?: number): void => {
    const range = rangeOf(node);
    if (!node || typeof node !== 'object' || !range) return;
    out.push({ node: node as Node, path, span: [from ?? range[0], range[1]] });
    if (isMap(node)) {
      for (const pair of node.items) {
        const name = keyName(pair.key);
        const at = name === undefined ? path : [...path, name];
        const keyRange = rangeOf(pair.key);
        if (isScalar(pair.key) && keyRange) out.push({ node: pair.key, path: at, span: keyRange });
        walk(pair.value, at, keyRange?.[0]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        walk(item, [...path, i]);
      });
    }
  };
  walk(doc.contents, []);
  return out;
}

/** The path of the innermost node (or key-and-value) at an offset. */
export function pathAt(nodes: Walked[], offset: number): PropertyKey[] {
  let best: Walked | undefined;
  for (const w of nodes) {
    const [from, to] = w.span;
    if (from <= offset && offset <= to && (!best || from >= best.span[0])) best = w;
  }
  return best?.path ?? [];
}

export type Found = { offset: number; path: PropertyKey[]; message: string; hint: string };

export function duplicateKeys(nodes: Walked[], at: (offset: number) => Position): Found[] {
  const out: Found[] = [];
  for (const { node, path } of nodes) {
    if (!isMap(node)) continue;
    const seen = new Map<string, Node>();
    for (const pair of node.items) {
      const name = keyName(pair.key);
      if (name === undefined || !isScalar(pair.key)) continue;
      const first = seen.get(name);
      if (!first) {
        seen.set(name, pair.key);
        continue;
      }
      out.push({
        offset: pair.key.range?.[0] ?? 0,
        path: [...path, name],
        message: `duplicate key "${name}"${path.length ? ` in ${dotted(path)}` : ''}`,
        hint: `keep one "${name}" (the first is at ${position(at, first)}): YAML would silently keep only the last one`,
      });
    }
  }
  return out;
}

export function describeSyntaxError(e: YAMLError, nodes: Walked[], at: (offset: number) => Position): Found {
  const offset = e.pos[0];
  const text = firstLine(e.message);
  const stopped = at(offset);
  const innermost = (test: (n: Node) => boolean): Walked | undefined => {
    let best: Walked | undefined;
    for (const w of nodes) {
      const r = w.node.range;
      if (r && test(w.node) && r[0] < offset && offset <= r[1] && (!best || r[0] > (best.node.range?.[0] ?? 0)))
        best = w;
    }
    return best;
  };

  if (e.code === 'MISSING_CHAR' && /closing .?quote/i.test(text)) {
    const quoted = innermost((n) => isScalar(n) && (n.type === 'QUOTE_DOUBLE' || n.type === 'QUOTE_SINGLE'));
    if (quoted && isScalar(quoted.node)) {
      const q = quoted.node.type === 'QUOTE_DOUBLE' ? '"' : "'";
      return {
        offset: quoted.node.range?.[0] ?? offset,
        path: quoted.path,
        message: `YAML syntax error: the string opened here with ${q} is never closed (YAML reached ${stopped.line}:${stopped.column} looking for it)`,
        hint: `add the closing ${q} at the end of the value`,
      };
    }
  }
  const flow = /^Flow (map|sequence)/.exec(text);
  if (flow) {
    const isFlowMap = flow[1] === 'map';
    const opened = innermost((n) => (isFlowMap ? isMap(n) : isSeq(n)) && (n as { flow?: boolean }).flow === true);
    const [open, close] = isFlowMap ? ['{', '}'] : ['[', ']'];
    if (opened) {
      return {
        offset: opened.node.range?.[0] ?? offset,
        path: opened.path,
        message: `YAML syntax error: the \`${open}\` opened here is not closed before ${stopped.line}:${stopped.column}`,
        hint: `close it with \`${close}\` on the same line, or indent its continuation lines deeper than the key`,
      };
    }
  }
  if (e.code === 'DUPLICATE_KEY') {
    return {
      offset,
      path: pathAt(nodes, offset),
      message: 'duplicate key',
      hint: 'keep one of the two entries: YAML would silently keep only the last one',
    };
  }
  return {
    offset,
    path: knownPrefix(pathAt(nodes, offset)),
    message: `YAML syntax error: ${text}`,
    hint: syntaxHint(e.code, text),
  };
}

function syntaxHint(code: string, text: string): string {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces: YAML does not allow tabs for indentation';
    case 'BLOCK_AS_IMPLICIT_KEY':
      if (/Nested mappings/.test(text)) {
        return 'keys of one mapping start in the same column, and a nested mapping starts on the line after its key; quote a value that contains `: `';
      }
      return 'check the indentation: list entries (`- `) are indented under their key, deeper than the key';
    case 'MULTILINE_IMPLICIT_KEY':
      return 'write each key and its colon on one line; check the indentation of this line and the one before';
    case 'MISSING_CHAR':
      if (/map values/.test(text)) return 'write `key: value`, with a colon and a space after the key';
      if (/flow (sequence|map) items/.test(text)) {
        return "separate entries with `, `, and quote an entry that contains `[`, `]`, `{`, `}` or `,` (for example 'renovate[bot]')";
      }
      return 'add the missing character YAML names';
    case 'BAD_INDENT':
      return 'indent nested keys by the same number of spaces, deeper than their parent key';
    case 'BAD_DQ_ESCAPE':
      return 'in double quotes a backslash starts an escape: write `\\\\`, or use single quotes';
    case 'BAD_SCALAR_START':
      return 'quote the value: a plain value cannot start with `@`, `` ` ``, `%`, `|` or `>` in this position';
    case 'BAD_ALIAS':
    case 'ALIAS_PROPS':
      return 'write an alias as `*name` alone, after an anchor `&name` set earlier in the file';
    case 'MULTIPLE_ANCHORS':
    case 'MULTIPLE_TAGS':
    case 'BAD_PROP_ORDER':
      return 'put at most one anchor (`&name`) on a value, before it';
    case 'BAD_DIRECTIVE':
      return 'remove the `%` directive line';
    case 'UNEXPECTED_TOKEN':
      return 'remove the unexpected character, or quote the value that contains it';
    default:
      return 'fix the YAML at this position; quote values that contain `: `, ` #`, `{` or `[`';
  }
}

function position(at: (offset: number) => Position, node: Node): string {
  const { line, column } = at(node.range?.[0] ?? 0);
  return `${line}:${column}`;
}
