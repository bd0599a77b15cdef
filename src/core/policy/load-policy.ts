import {
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  type Document,
  type Node,
  type YAMLError,
} from 'yaml';
import { z } from 'zod';
import type { Presets } from '../../adapters/files/presets.js';
import { Policy, type PolicyInput } from './schema.js';
import {
  deref,
  describe,
  dotted,
  firstLine,
  keyName,
  locator,
  sortErrors,
  valueAt,
  type Locate,
  type Position,
} from './yaml-nodes.js';

/**
 * Policy files: YAML -> the policy as written -> the resolved policy, with `line:col`, the path and the fix
 * in every error.
 *
 * 1. `loadPolicy` parses the YAML (with positions) and validates what is written: strict keys, types, enums
 *    and bounds at every level, but every key optional, since a file that `extends:` a preset overrides
 *    only what it names.
 * 2. `resolvePolicy` applies `extends: <preset>` and validates the result with the full schema, which
 *    also applies the defaults and reports required keys that neither the file nor its preset sets.
 */

export type PolicyError = {
  file: string;
  line: number;
  /** 1-based. */
  column: number;
  /** Dotted path in the policy (`risk.maxLevel`, `protectedPaths.paths[1]`), or `(root)`. */
  path: string;
  message: string;
  /** What to write instead. */
  hint: string;
};

export type { Locate, Position } from './yaml-nodes.js';

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** A policy as written in a file: every key optional at every level, no defaults applied. */
export type PolicyAsWritten = DeepPartial<PolicyInput>;

/** What `resolvePolicy` takes: a policy as written and, when it came from a file, where its parts are. */
export type PolicySource = { policy: PolicyAsWritten; file?: string; locate?: Locate };

export type PolicyLoad =
  { ok: true; policy: PolicyAsWritten; file: string; locate: Locate } | { ok: false; errors: PolicyError[] };
export type PolicyResolve = { ok: true; policy: Policy } | { ok: false; errors: PolicyError[] };

/** `file:line:col: message (at path). Fix: hint`, on one line. */
export function formatPolicyError(e: PolicyError): string {
  const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ');
  return `${e.file}:${e.line}:${e.column}: ${oneLine(e.message)} (at ${e.path}). Fix: ${oneLine(e.hint)}`;
}

const EMPTY_HINT = 'write a policy, for example `extends: standard`';

/**
 * Parses and validates a policy file as written. Every error is reported, each with its `line:col`:
 * YAML syntax (one per line: what follows on that line is usually a consequence), duplicate keys,
 * unresolved aliases, unknown tags, a second document, a file that is not a mapping, and every schema
 * violation. Anchors, aliases and merge keys (`<<: *base`) resolve as usual.
 */
export function loadPolicy(text: string, file: string): PolicyLoad {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: true,
    merge: true,
    logLevel: 'error',
  });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const error = (offset: number, path: readonly PropertyKey[], message: string, hint: string): PolicyError => ({
    file,
    ...at(offset),
    path: dotted(path),
    message,
    hint,
  });

  const doc = docs[0];
  if (!doc)
    return {
      ok: false,
      errors: [{ file, line: 1, column: 1, path: '(root)', message: 'the file is empty', hint: EMPTY_HINT }],
    };

  const nodes = collectNodes(doc);
  const errors: PolicyError[] = [];
  const duplicates = duplicateKeys(nodes, at);
  const duplicateOffsets = new Set(duplicates.map((d) => d.offset));
  for (const d of duplicates) errors.push(error(d.offset, d.path, d.message, d.hint));
  for (const extra of docs.slice(1)) {
    const c = extra.contents;
    if (extra.errors.length === 0 && (c === null || (isScalar(c) && c.value === null && c.source === ''))) continue; // a trailing `---`
    errors.push(
      error(
        extra.range[0],
        [],
        'a second YAML document (after `---`)',
        'keep one policy per file: remove the `---` and what follows',
      ),
    );
  }

  // A syntax error makes the rest of the document unreliable: report the syntax errors (one per line, as
  // what follows on a line is usually a consequence) and what is certain besides, but do not validate.
  const seenLines = new Set<number>();
  let syntaxErrors = 0;
  for (const e of doc.errors) {
    if (e.code === 'DUPLICATE_KEY' && duplicateOffsets.has(e.pos[0])) continue;
    if (e.code !== 'DUPLICATE_KEY') syntaxErrors++;
    const syntax = describeSyntaxError(e, nodes, at);
    const line = at(syntax.offset).line;
    if (seenLines.has(line)) continue;
    seenLines.add(line);
    errors.push(error(syntax.offset, syntax.path, syntax.message, syntax.hint));
  }
  if (syntaxErrors > 0) return { ok: false, errors: sortErrors(errors) };

  for (const w of doc.warnings) {
    if (w.code !== 'TAG_RESOLVE_FAILED') continue;
    const tag = /tag: (\S+)/.exec(firstLine(w.message))?.[1] ?? 'tag';
    errors.push(
      error(
        w.pos[0],
        pathAt(nodes, w.pos[0]),
        `unknown YAML tag ${tag}`,
        `remove \`${tag}\`: a policy holds plain values`,
      ),
    );
  }
  let unreadable = false;
  for (const { node, path } of nodes) {
    if (isAlias(node) && deref(doc, node) === undefined) {
      unreadable = true;
      errors.push(
        error(
          node.range?.[0] ?? 0,
          path,
          `the alias *${node.source} refers to no anchor`,
          `set the anchor (\`&${node.source}\`) on a value earlier in the file, or write the value here`,
        ),
      );
    }
    if (!isMap(node)) continue;
    for (const pair of node.items) {
      if (pair.key === null || isScalar(pair.key)) continue;
      unreadable = true;
      errors.push(
        error(
          (pair.key as Node).range?.[0] ?? 0,
          path,
          'a key must be a plain name, found a list or mapping',
          'write `name: value`, with a name the schema allows at this level',
        ),
      );
    }
  }
  if (unreadable) return { ok: false, errors: sortErrors(errors) };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    errors.push(
      error(
        doc.contents?.range?.[0] ?? 0,
        [],
        `the document cannot be read: ${(e as Error).message}`,
        'use fewer aliases: write the values out',
      ),
    );
    return { ok: false, errors: sortErrors(errors) };
  }
  const rootOffset = doc.contents?.range?.[0] ?? 0;
  if (value === null || value === undefined) {
    errors.push(error(rootOffset, [], 'the file holds no policy', EMPTY_HINT));
    return { ok: false, errors: sortErrors(errors) };
  }
  if (!isPlainObject(value)) {
    const hint = Array.isArray(value)
      ? `a policy is a mapping, not a list: remove the leading \`- \` and write keys such as ${allowedKeys([]).join(', ')}`
      : (colonWithoutSpace(value) ?? `a policy is a mapping of keys: ${allowedKeys([]).join(', ')}`);
    errors.push(error(rootOffset, [], `a policy is a mapping of keys, found ${describe(value)}`, hint));
    return { ok: false, errors: sortErrors(errors) };
  }

  const locate = locator(doc, at);
  const parsed = PolicyAsWrittenSchema.safeParse(value);
  if (!parsed.success) errors.push(...issuesToErrors(parsed.error.issues, value, file, locate));
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };
  // As written: `value`, not `parsed.data` (the lenient schema has no defaults, but keep the file's own shape).
  return { ok: true, policy: value as PolicyAsWritten, file, locate };
}

/**
 * Lists whose entries only add control are joined with the preset's (a file cannot drop a preset's
 * protected path or governed agent by writing its own list). Every other list replaces the preset's:
 * `protectedPaths.allow` and `secrets.ignorePaths` release control, so a file's own list is exactly
 * what it releases.
 */
export const UNION_LISTS: ReadonlySet<string> = new Set(['agents', 'protectedPaths.paths']);

/**
 * Applies `extends: <preset>` (a deep merge: the preset is the base, the file overrides it key by key;
 * see `UNION_LISTS` for lists) and validates the result with the full schema, which applies the defaults.
 * The input is validated too, so a value that did not come from `loadPolicy` is safe to pass.
 * Errors are located in the file through `source.locate` (without it, at 1:1).
 */
export function resolvePolicy(source: PolicySource, presets: Presets): PolicyResolve {
  const file = source.file ?? '(policy)';
  const locate: Locate = source.locate ?? (() => ({ line: 1, column: 1 }));
  const input: unknown = source.policy;
  if (!isPlainObject(input)) {
    return {
      ok: false,
      errors: [
        {
          file,
          line: 1,
          column: 1,
          path: '(root)',
          message: `a policy is a mapping of keys, found ${describe(input)}`,
          hint: `write keys such as ${allowedKeys([]).join(', ')}`,
        },
      ],
    };
  }
  const written = PolicyAsWrittenSchema.safeParse(input);
  if (!written.success) return { ok: false, errors: issuesToErrors(written.error.issues, input, file, locate) };

  let merged: Record<string, unknown> = input;
  const name = input.extends;
  if (typeof name === 'string') {
    const preset: unknown = presets.get(name);
    if (!isPlainObject(preset)) {
      const names = [...presets.keys()].sort();
      const typo = closest(name, names);
      return {
        ok: false,
        errors: [
          {
            file,
            ...locate(['extends']),
            path: 'extends',
            message: `unknown preset "${name}"`,
            hint:
              names.length === 0
                ? 'remove `extends`: no presets are available'
                : `${typo ? `did you mean "${typo}"? ` : ''}available presets: ${names.join(', ')}`,
          },
        ],
      };
    }
    merged = mergePolicies(preset, input, '');
  }
  const parsed = Policy.safeParse(merged);
  if (!parsed.success) return { ok: false, errors: issuesToErrors(parsed.error.issues, merged, file, locate) };
  return { ok: true, policy: parsed.data };
}

function mergePolicies(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
  prefix: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const prior = out[key];
    if (Array.isArray(value) && Array.isArray(prior) && UNION_LISTS.has(path))
      out[key] = [...new Set([...prior, ...value])];
    else if (isPlainObject(value) && isPlainObject(prior)) out[key] = mergePolicies(prior, value, path);
    else out[key] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The schema as written: the policy schema with every key optional, no defaults, every object strict.

function asWritten(schema: z.ZodType): z.ZodType {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    const shape = Object.fromEntries(
      Object.entries(inner.shape as Record<string, z.ZodType>).map(([key, s]) => [key, asWritten(s).optional()]),
    );
    return z.strictObject(shape);
  }
  if (inner instanceof z.ZodArray) return z.array(asWritten(inner.element as z.ZodType));
  return inner ?? schema;
}

const PolicyAsWrittenSchema = asWritten(Policy);

/** The schema at a path of the policy (through defaults, optionals and list entries). */
function schemaAt(path: readonly PropertyKey[]): z.ZodType | undefined {
  let schema: z.ZodType | undefined = Policy;
  // a preprocessed key (`agents`, which also takes the scalar `all-known`) is its output schema underneath
  const inner = (s: z.ZodType | undefined) => {
    const u = unwrap(s);
    return u instanceof z.ZodPipe ? unwrap(u.out as z.ZodType) : u;
  };
  for (const segment of path) {
    schema = inner(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(segment)];
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else return undefined;
  }
  return inner(schema);
}

/** The longest start of a path that the schema knows (a broken document can give nonsense keys). */
function knownPrefix(path: readonly PropertyKey[]): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (const segment of path) {
    const schema = schemaAt(out);
    const known =
      (schema instanceof z.ZodObject && Object.hasOwn(schema.shape, String(segment))) ||
      (schema instanceof z.ZodArray && typeof segment === 'number');
    if (!known) break;
    out.push(segment);
  }
  return out;
}

/** The keys the schema allows at a path (unknown-key errors name them). */
export function allowedKeys(path: readonly PropertyKey[]): string[] {
  const schema = schemaAt(path);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Where else in the schema a key is allowed (`maxLevel` -> `risk`), for a key written at the wrong level. */
function homesOf(key: string, schema: z.ZodType = Policy, path: string[] = []): string[] {
  const s = unwrap(schema);
  if (!(s instanceof z.ZodObject)) return [];
  const shape = s.shape as Record<string, z.ZodType>;
  const here = Object.hasOwn(shape, key) ? [path.length ? path.join('.') : '(top level)'] : [];
  return [...here, ...Object.entries(shape).flatMap(([k, child]) => homesOf(key, child, [...path, k]))];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

type Check = {
  check?: string;
  value?: unknown;
  inclusive?: boolean;
  minimum?: number;
  maximum?: number;
  error?: unknown;
};

/** A check's own message: zod keeps it as a function of the issue. */
function messageOf(error: unknown): string | undefined {
  if (typeof error !== 'function') return undefined;
  try {
    const out: unknown = error({});
    return typeof out === 'string' && out.length > 0 ? out : undefined;
  } catch {
    return undefined;
  }
}
function checksOf(schema: z.ZodType): Check[] {
  const checks = (schema.def as { checks?: Array<{ _zod: { def: Check } }> }).checks ?? [];
  return checks.map((c) => c._zod.def);
}

/** What a schema takes, in words: `an integer greater than 0`, `one of low, medium, high, critical`. */
function expectedText(schema: z.ZodType | undefined): string {
  if (!schema) return 'a value this key takes';
  if (schema instanceof z.ZodObject) return `a mapping with the keys ${Object.keys(schema.shape).join(', ')}`;
  if (schema instanceof z.ZodArray) return `a list, each entry ${expectedText(unwrap(schema.element as z.ZodType))}`;
  if (schema instanceof z.ZodEnum) return `one of ${(schema.options as unknown[]).map(String).join(', ')}`;
  if (schema instanceof z.ZodBoolean) return 'true or false';
  if (schema instanceof z.ZodNumber) {
    const bounds = checksOf(schema).flatMap((c) => {
      if (c.check === 'greater_than') return [`${c.inclusive ? 'at least' : 'greater than'} ${String(c.value)}`];
      if (c.check === 'less_than') return [`${c.inclusive ? 'at most' : 'less than'} ${String(c.value)}`];
      return [];
    });
    const text = bounds.join(' and ');
    return `${schema.isInt ? 'an integer' : 'a number'}${text ? ` ${text.startsWith('at ') ? 'of ' : ''}${text}` : ''}`;
  }
  if (schema instanceof z.ZodString) {
    let min = 0;
    let max: number | undefined;
    for (const c of checksOf(schema)) {
      if (c.check === 'min_length' && c.minimum !== undefined) min = c.minimum;
      if (c.check === 'max_length' && c.maximum !== undefined) max = c.maximum;
    }
    for (const c of checksOf(schema)) {
      // A pattern with its own message (`a preset name: lowercase letters, digits and dashes`) says it best.
      const own = c.check === 'string_format' ? messageOf(c.error) : undefined;
      if (own) return own;
    }
    if (max !== undefined) return `a string of ${Math.max(min, 1)} to ${max} characters`;
    return min > 0 ? 'a non-empty string' : 'a string';
  }
  return 'a value this key takes';
}

// ---------------------------------------------------------------------------------------------------
// Schema issues -> errors.

function issuesToErrors(
  issues: readonly z.core.$ZodIssue[],
  value: unknown,
  file: string,
  locate: Locate,
): PolicyError[] {
  const errors: PolicyError[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        errors.push({
          file,
          ...locate([...path, key], { key: true }),
          path: dotted([...path, key]),
          ...unknownKey(key, path),
        });
      continue;
    }
    const found = valueAt(value, path);
    // A missing key is reported at its parent's key; a wrong value at the value.
    const position = found === undefined ? locate(path.slice(0, -1), { key: true }) : locate(path);
    errors.push({ file, ...position, path: dotted(path), ...describeIssue(issue, found, path) });
  }
  return sortErrors(errors);
}

function unknownKey(key: string, parent: readonly PropertyKey[]): { message: string; hint: string } {
  const allowed = allowedKeys(parent);
  const where = parent.length ? ` in ${dotted(parent)}` : '';
  const typo = closest(key, allowed);
  const homes = homesOf(key).filter((h) => h !== (dotted(parent) === '(root)' ? '(top level)' : dotted(parent)));
  const list = `allowed keys${where || ' at the top level'}: ${allowed.join(', ')}`;
  if (typo) return { message: `unknown key "${key}"${where}`, hint: `did you mean "${typo}"? ${capitalize(list)}` };
  if (homes.length)
    return {
      message: `unknown key "${key}"${where}`,
      hint: `"${key}" belongs under ${homes.join(' or ')}: move it there. ${capitalize(list)}`,
    };
  return { message: `unknown key "${key}"${where}`, hint: `remove it, or use one of the ${list}` };
}

function describeIssue(
  issue: z.core.$ZodIssue,
  found: unknown,
  path: readonly PropertyKey[],
): { message: string; hint: string } {
  const schema = schemaAt(path);
  const expected = expectedText(schema);
  const last = path.at(-1);
  const name =
    last === undefined
      ? 'the policy'
      : typeof last === 'number'
        ? `entry ${last} of ${dotted(path.slice(0, -1))}`
        : String(last);
  const removal = typeof last === 'number' ? 'remove the entry' : 'remove the key';
  switch (issue.code) {
    case 'invalid_type': {
      if (found === undefined) {
        const parent = path.slice(0, -1);
        return {
          message: `missing required key "${String(last)}"${parent.length ? ` in ${dotted(parent)}` : ''}`,
          hint: `add \`${String(last)}:\` with ${expected}`,
        };
      }
      if (found === null) return { message: `${name} has no value`, hint: `write ${expected}, or ${removal}` };
      const kind = schema instanceof z.ZodNumber && schema.isInt ? 'an integer' : typeName(issue.expected);
      return {
        message: `expected ${kind}, found ${describe(found)}`,
        hint: typeHint(issue.expected, found, expected, last),
      };
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => String(v));
      const typo = typeof found === 'string' ? closest(found, allowed) : undefined;
      return {
        message: `${describe(found)} is not an allowed value`,
        hint: `${typo ? `did you mean "${typo}"? ` : ''}use one of: ${allowed.join(', ')}`,
      };
    }
    case 'too_small':
      if (issue.origin === 'string')
        return {
          message: issue.message.startsWith('Too small') ? 'an empty string is not allowed' : issue.message,
          hint: `write ${expected}, or ${removal}`,
        };
      if (issue.origin === 'array' || issue.origin === 'set')
        return { message: `needs at least ${String(issue.minimum)} entries`, hint: `add entries, or ${removal}` };
      return { message: `${describe(found)} is too small`, hint: `use ${expected}` };
    case 'too_big':
      if (issue.origin === 'string')
        return {
          message: `${describe(found)} is longer than ${String(issue.maximum)} characters`,
          hint: `use ${expected}`,
        };
      if (issue.origin === 'array' || issue.origin === 'set')
        return { message: `has more than ${String(issue.maximum)} entries`, hint: 'remove entries' };
      return { message: `${describe(found)} is too large`, hint: `use ${expected}` };
    case 'invalid_format': {
      const pattern =
        issue.format === 'regex' && 'pattern' in issue && typeof issue.pattern === 'string' ? issue.pattern : undefined;
      let example = '';
      if (typeof found === 'string' && pattern) {
        const candidate = found
          .trim()
          .toLowerCase()
          .replace(/[^a-z0-9-]+/g, '-')
          .replace(/^-+|-+$/g, '');
        if (candidate && safeTest(pattern, candidate)) example = ` (for example "${candidate}")`;
      }
      return { message: `${describe(found)} is not in the expected form`, hint: `write ${issue.message}${example}` };
    }
    default:
      return {
        message: issue.message,
        hint: `write ${expected} (the JSON Schema in schemas/aaoe.schema.json lists what each key takes)`,
      };
  }
}

function typeHint(type: string, found: unknown, expected: string, last: PropertyKey | undefined): string {
  if (typeof found === 'string') {
    const fixed = colonWithoutSpace(found);
    if (type === 'object' && fixed) return fixed;
    if (type === 'number' || type === 'int') {
      const n = Number(found.replace(/[%$€,_\s]/g, ''));
      if (found.trim() !== '' && Number.isFinite(n))
        return `write ${n} as a plain number, without quotes or units (${expected})`;
    }
    if (type === 'boolean' && /^(yes|no|y|n|on|off|true|false)$/i.test(found)) {
      return `write true or false without quotes: "${found}" is a string${/^(true|false)$/i.test(found) ? '' : ' in YAML 1.2'}`;
    }
  }
  if (type === 'array' && (typeof found === 'string' || typeof found === 'number' || typeof found === 'boolean')) {
    return `write a list, for example \`${typeof last === 'string' ? `${last}: ` : ''}${JSON.stringify([found])}\` (${expected})`;
  }
  return `write ${expected}`;
}

/** `maxLevel:high` reads as one string in YAML: say so. */
function colonWithoutSpace(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\s*([\w-]+):(\S.*)$/.exec(value);
  return m ? `put a space after the colon: \`${m[1]}: ${m[2]}\`` : undefined;
}

function typeName(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    int: 'an integer',
    boolean: 'true or false',
  };
  return names[type] ?? `a ${type}`;
}

// ---------------------------------------------------------------------------------------------------
// YAML nodes: positions, paths, structural checks.

/** A node, its path in the policy, and the span it covers (for a mapping's value: from its key on). */
type Walked = { node: Node; path: PropertyKey[]; span: readonly [number, number] };

/** Every node of the document with its path (not following aliases: an anchored node is walked where it is written). */
function collectNodes(doc: Document): Walked[] {
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
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(doc.contents, []);
  return out;
}

/** The path of the innermost node (or key-and-value) at an offset. */
function pathAt(nodes: Walked[], offset: number): PropertyKey[] {
  let best: Walked | undefined;
  for (const w of nodes) {
    const [from, to] = w.span;
    if (from <= offset && offset <= to && (!best || from >= best.span[0])) best = w;
  }
  return best?.path ?? [];
}

type Found = { offset: number; path: PropertyKey[]; message: string; hint: string };

function duplicateKeys(nodes: Walked[], at: (offset: number) => Position): Found[] {
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

function describeSyntaxError(e: YAMLError, nodes: Walked[], at: (offset: number) => Position): Found {
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

// ---------------------------------------------------------------------------------------------------
// Small helpers.

function position(at: (offset: number) => Position, node: Node): string {
  const { line, column } = at(node.range?.[0] ?? 0);
  return `${line}:${column}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Tests a pattern as zod reports it (`/^[a-z]+$/`, or the bare source). */
function safeTest(pattern: string, s: string): boolean {
  const literal = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  try {
    return (literal ? new RegExp(literal[1] ?? '', literal[2]) : new RegExp(pattern)).test(s);
  } catch {
    return false;
  }
}

/** The option a word is probably a typo of, if any. */
function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const option of options) {
    const d = levenshtein(word.toLowerCase(), option.toLowerCase());
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(1, Math.floor(Math.max(word.length, best.length) / 3)) ? best : undefined;
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
