import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair } from 'yaml';
import { z } from 'zod';
import type { Presets } from './presets.js';
import { Policy, type PolicyInput } from './schema.js';

/**
 * Policy files: YAML -> validated policy, with `line:col`, the path and the fix in every error.
 * Parse (YAML, with positions) -> validate (zod, strict) -> resolve (`extends: <preset>`, defaults).
 */

export type PolicyError = {
  file: string;
  line: number;
  column: number;
  /** Dotted path in the policy (`risk.maxLevel`), or `(root)`. */
  path: string;
  message: string;
  /** What to write instead. */
  hint: string;
};

type Position = { line: number; column: number };
/** Finds the position of a path in the file the policy came from (the closest existing node). */
export type Locate = (path: PropertyKey[], options?: { key?: boolean }) => Position;

export type PolicySource = { policy: PolicyInput; file?: string; locate?: Locate };
export type PolicyLoad = ({ ok: true } & Required<PolicySource>) | { ok: false; errors: PolicyError[] };
export type PolicyResolve = { ok: true; policy: Policy } | { ok: false; errors: PolicyError[] };

export function formatPolicyError(e: PolicyError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.message} (at ${e.path}). Fix: ${e.hint}`;
}

export function loadPolicy(text: string, file: string): PolicyLoad {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  if (!Array.isArray(docs)) {
    // an empty stream
    return { ok: false, errors: [{ file, line: 1, column: 1, path: '(root)', message: 'the file is empty', hint: 'write a policy, for example `extends: standard`' }] };
  }
  const errors: PolicyError[] = [];
  for (const extra of docs.slice(1)) {
    const pos = at(extra.range[0]);
    errors.push({ file, ...pos, path: '(root)', message: 'a second YAML document (after `---`)', hint: 'keep one policy per file: remove the `---` and what follows, or move it to its own file' });
  }
  const doc = docs[0];
  if (!doc) return { ok: false, errors: [{ file, line: 1, column: 1, path: '(root)', message: 'the file is empty', hint: 'write a policy, for example `extends: standard`' }] };
  for (const error of doc.errors) {
    const [start] = error.linePos ?? [];
    errors.push({
      file,
      line: start?.line ?? 1,
      column: start?.col ?? 1,
      path: '(root)',
      message: yamlMessage(error.code, error.message),
      hint: yamlHint(error.code, error.message),
    });
  }
  if (errors.length > 0) return { ok: false, errors };

  const locate = locator(doc, at);
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) {
    return { ok: false, errors: [{ file, line: 1, column: 1, path: '(root)', message: 'the file holds no policy', hint: 'write a policy, for example `extends: standard`' }] };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    const pos = doc.contents ? at(doc.contents.range?.[0] ?? 0) : { line: 1, column: 1 };
    return {
      ok: false,
      errors: [{ file, ...pos, path: '(root)', message: `a policy is a mapping of keys, found ${describe(value)}`, hint: `write keys such as ${allowedKeys([]).slice(0, 6).join(', ')}` }],
    };
  }

  const parsed = Policy.safeParse(value);
  if (!parsed.success) return { ok: false, errors: issuesToErrors(parsed.error.issues, value, file, locate) };
  // The policy as written: defaults are applied after `extends` is resolved.
  return { ok: true, policy: value as PolicyInput, file, locate };
}

/** Lists whose entries only ever add control are joined with the preset's; other lists replace it. */
const UNION_LISTS = new Set(['agents', 'protectedPaths.paths']);

/**
 * Applies `extends: <preset>` (the preset is the base, the file overrides it; `agents` and
 * `protectedPaths.paths` are joined) and validates the result with defaults applied.
 */
export function resolvePolicy(source: PolicySource, presets: Presets): PolicyResolve {
  const file = source.file ?? '(policy)';
  const locate: Locate = source.locate ?? (() => ({ line: 1, column: 1 }));
  let merged: Record<string, unknown> = { ...source.policy };
  const name = source.policy.extends;
  if (name !== undefined) {
    const preset = presets.get(name);
    if (!preset) {
      return {
        ok: false,
        errors: [{
          file, ...locate(['extends']), path: 'extends',
          message: `unknown preset "${name}"`,
          hint: `use one of the shipped presets: ${[...presets.keys()].sort().join(', ')}${suggest(name, [...presets.keys()])}`,
        }],
      };
    }
    merged = mergePolicies(preset as Record<string, unknown>, source.policy as Record<string, unknown>, '');
    merged.extends = name;
  }
  const parsed = Policy.safeParse(merged);
  if (!parsed.success) return { ok: false, errors: issuesToErrors(parsed.error.issues, merged, file, locate) };
  return { ok: true, policy: parsed.data };
}

function mergePolicies(base: Record<string, unknown>, over: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const prior = out[key];
    if (Array.isArray(value) && Array.isArray(prior) && UNION_LISTS.has(path)) out[key] = [...new Set([...prior, ...value])];
    else if (isPlainObject(value) && isPlainObject(prior)) out[key] = mergePolicies(prior, value, path);
    else out[key] = value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function locator(doc: Document, at: (offset: number) => Position): Locate {
  return (path, options = {}) => {
    let node: unknown = doc.contents;
    let last: Node | undefined = doc.contents ?? undefined;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      if (isMap(node)) {
        const pair = node.items.find((p: Pair) => (isScalar(p.key) ? p.key.value : p.key) === segment);
        if (!pair) break;
        if (options.key && i === path.length - 1 && isScalar(pair.key)) return at(pair.key.range?.[0] ?? 0);
        node = pair.value;
        if (node && (node as Node).range) last = node as Node;
        else if (isScalar(pair.key)) last = pair.key;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        if (!node) break;
        last = node as Node;
      } else break;
    }
    return last?.range ? at(last.range[0]) : { line: 1, column: 1 };
  };
}

function issuesToErrors(issues: z.core.$ZodIssue[], value: unknown, file: string, locate: Locate): PolicyError[] {
  const errors: PolicyError[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(path);
      for (const key of issue.keys) {
        errors.push({
          file, ...locate([...path, key], { key: true }), path: dotted([...path, key]),
          message: `unknown key "${key}"${path.length ? ` in ${dotted(path)}` : ''}`,
          hint: `allowed keys here: ${allowed.join(', ')}${suggest(key, allowed)}`,
        });
      }
      continue;
    }
    const found = valueAt(value, path);
    errors.push({ file, ...locate(path), path: dotted(path), ...describeIssue(issue, found, path) });
  }
  return errors.sort((a, b) => a.line - b.line || a.column - b.column);
}

function describeIssue(issue: z.core.$ZodIssue, found: unknown, path: PropertyKey[]): { message: string; hint: string } {
  switch (issue.code) {
    case 'invalid_value':
      return {
        message: `${describe(found)} is not allowed`,
        hint: `use one of: ${issue.values.map((v) => String(v)).join(', ')}${typeof found === 'string' ? suggest(found, issue.values.map(String)) : ''}`,
      };
    case 'invalid_type':
      if (found === undefined) return { message: `${dotted(path)} is missing`, hint: `add ${String(path.at(-1))}: a ${issue.expected}` };
      return { message: `expected ${article(issue.expected)}, found ${describe(found)}`, hint: `write ${article(issue.expected)}${issue.expected === 'array' ? ' (a YAML list: `[a, b]`)' : ''}` };
    case 'too_small':
      if (issue.origin === 'string') return { message: 'must not be empty', hint: 'write a non-empty value, or remove the key' };
      if (issue.origin === 'array') return { message: `needs at least ${issue.minimum} entries`, hint: 'add entries, or remove the key' };
      return { message: `${describe(found)} is too small`, hint: `use a number ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}` };
    case 'too_big':
      return { message: `${describe(found)} is too large`, hint: `use a number ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}` };
    case 'invalid_format':
      return { message: `${describe(found)} is not ${issue.format === 'regex' ? 'in the expected form' : `a valid ${issue.format}`}`, hint: issue.message };
    default:
      return { message: issue.message, hint: 'see schemas/aaoe.schema.json for what this key takes' };
  }
}

/** The keys the schema allows at a path (unknown-key errors name them). */
export function allowedKeys(path: PropertyKey[]): string[] {
  let schema: z.ZodType | undefined = Policy;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(segment)];
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let v = value;
  for (const segment of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[segment];
  }
  return v;
}

function dotted(path: PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value}"`;
  return `${typeof value} ${String(value)}`;
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', int: 'an integer', boolean: 'true or false' };
  return names[type] ?? `a ${type}`;
}

function suggest(word: string, options: string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const option of options) {
    const d = levenshtein(word.toLowerCase(), option.toLowerCase());
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  const text = first.replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') return `duplicate key: ${text}`;
  return `YAML syntax error: ${text}`;
}

function yamlHint(code: string, message: string): string {
  if (/quote/i.test(message)) return 'close the quoted string with the same quote it opened with';
  if (/Flow (map|sequence)/i.test(message)) return 'close the flow collection (`}` or `]`) on the line where it is opened, or write it as an indented block';
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'keep one of the two entries: a later key would silently replace the earlier one';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation: nested keys are indented by the same number of spaces';
    case 'MISSING_CHAR_INDICATOR':
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'a key is followed by a colon and a space (`key: value`)';
    case 'MULTILINE_IMPLICIT_KEY':
      return 'put the key on one line, followed by `: `';
    case 'UNEXPECTED_TOKEN':
      return 'remove or quote the unexpected character';
    default:
      return 'fix the YAML syntax at this position (quote values that contain `:`, `#`, `{` or `[`)';
  }
}
