import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';

/**
 * YAML files checked against a schema (the policy, plans, the architecture model): where a path stands in the
 * file, and the small pieces their error messages share.
 */

export type Position = { line: number; column: number };

/**
 * The position of a path in the file: the value's node; with `key`, the key's node (for an unknown key, or the
 * parent of a missing one). A path that does not exist in the file gives its closest existing parent.
 */
export type Locate = (path: readonly PropertyKey[], options?: { key?: boolean }) => Position;

export function keyName(key: unknown): string | undefined {
  if (!isScalar(key) || typeof key.value === 'symbol') return undefined; // `<<` merge keys have a symbol value
  return String(key.value);
}

function isMergePair(pair: Pair): boolean {
  return isScalar(pair.key) && typeof pair.key.value === 'symbol';
}

export function deref(doc: Document, node: unknown): Node | undefined {
  let n = node;
  for (let i = 0; i < 100 && isAlias(n); i++) n = n.resolve(doc);
  return n === null || n === undefined || isAlias(n) ? undefined : (n as Node);
}

/** The pair holding a key (the last one, as `toJS` does), looking into merged maps (`<<: *base`). */
function findPair(doc: Document, node: unknown, key: string, depth = 0): Pair | undefined {
  const map = deref(doc, node);
  if (!isMap(map) || depth > 20) return undefined;
  for (let i = map.items.length - 1; i >= 0; i--) {
    const pair = map.items[i];
    if (pair && keyName(pair.key) === key) return pair;
  }
  for (const pair of map.items) {
    if (!isMergePair(pair)) continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const found = findPair(doc, source, key, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Walks maps and lists of the document (through aliases and `<<` merge keys): the position of a path's value, or
 * with `key` of its key; a path that does not exist gives its closest existing parent.
 */
export function locator(doc: Document, at: (offset: number) => Position): Locate {
  const start = (node: unknown): number | undefined =>
    node && typeof node === 'object' ? (node as Node).range?.[0] : undefined;
  /** An empty value (`risk:` and nothing) has no position worth showing: use its key. */
  const valueOffset = (key: unknown, value: unknown): number | undefined => {
    const empty = isScalar(value) && value.value === null && !!value.range && value.range[0] === value.range[1];
    return (empty ? undefined : start(value)) ?? start(key);
  };
  return (path, options = {}) => {
    let node: unknown = doc.contents;
    let keyOffset: number | undefined;
    let valueAt: number | undefined = start(node) ?? 0;
    for (const segment of path) {
      let key: unknown;
      let next: unknown;
      const container = deref(doc, node);
      if (isMap(container)) {
        const pair = findPair(doc, container, String(segment));
        if (!pair) break;
        key = pair.key;
        next = pair.value;
      } else if (isSeq(container) && typeof segment === 'number' && container.items[segment] !== undefined) {
        next = container.items[segment];
      } else break;
      keyOffset = start(key) ?? valueOffset(key, next);
      valueAt = valueOffset(key, next) ?? valueAt;
      node = next;
    }
    const offset = options.key ? (keyOffset ?? valueAt) : valueAt;
    return at(offset);
  };
}

export function sortErrors<E extends { line: number; column: number; path: string }>(errors: E[]): E[] {
  return errors.sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}

export function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

export function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const segment of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[segment];
  }
  return v;
}

export function dotted(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
    ? String(value)
    : typeof value;
}
