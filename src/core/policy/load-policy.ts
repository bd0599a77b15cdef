import { LineCounter, isAlias, isMap, isScalar, parseAllDocuments, type Document, type Node } from 'yaml';
import { isPlainObject, type PolicyError, type PolicyLoad } from './policy-source.js';
import { allowedKeys, PolicyAsWrittenSchema } from './schema-lookup.js';
import { colonWithoutSpace, issuesToErrors } from './schema-issues.js';
import { deref, describe, dotted, firstLine, locator, sortErrors, type Position } from './yaml-nodes.js';
import { collectNodes, describeSyntaxError, duplicateKeys, pathAt, type Walked } from './yaml-syntax.js';

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

const EMPTY_HINT = 'write a policy, for example `extends: standard`';

/** Makes an error of the file at an offset. */
type ErrorAt = (offset: number, path: readonly PropertyKey[], message: string, hint: string) => PolicyError;

/** What one parse of a file gives every check: the document, its nodes, and positions. */
type Parsed = { doc: Document.Parsed; nodes: Walked[]; at: (offset: number) => Position; error: ErrorAt };

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
  const error: ErrorAt = (offset, path, message, hint) => ({ file, ...at(offset), path: dotted(path), message, hint });

  const doc = docs[0];
  if (!doc)
    return {
      ok: false,
      errors: [{ file, line: 1, column: 1, path: '(root)', message: 'the file is empty', hint: EMPTY_HINT }],
    };

  const parsed: Parsed = { doc, nodes: collectNodes(doc), at, error };
  const errors: PolicyError[] = [];
  // A syntax error makes the rest of the document unreliable: report the syntax errors (one per line, as
  // what follows on a line is usually a consequence) and what is certain besides, but do not validate.
  const syntaxErrors = structuralErrors(parsed, docs.slice(1), errors);
  if (syntaxErrors > 0) return { ok: false, errors: sortErrors(errors) };
  errors.push(...tagErrors(parsed));
  if (unreadableErrors(parsed, errors)) return { ok: false, errors: sortErrors(errors) };
  return validateValue(parsed, file, errors);
}

/** Duplicate keys, extra documents and syntax errors, into `errors`; returns how many syntax errors there are. */
function structuralErrors({ doc, nodes, at, error }: Parsed, extras: Document.Parsed[], errors: PolicyError[]): number {
  const duplicates = duplicateKeys(nodes, at);
  const duplicateOffsets = new Set(duplicates.map((d) => d.offset));
  for (const d of duplicates) errors.push(error(d.offset, d.path, d.message, d.hint));
  for (const extra of extras) {
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
  return syntaxErrors;
}

/** Unknown YAML tags. */
function tagErrors({ doc, nodes, error }: Parsed): PolicyError[] {
  const errors: PolicyError[] = [];
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
  return errors;
}

/** Aliases to no anchor and keys that are not plain names, into `errors`; true when there was one. */
function unreadableErrors({ doc, nodes, error }: Parsed, errors: PolicyError[]): boolean {
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
  return unreadable;
}

/** The document's value, validated against the schema as written. */
function validateValue({ doc, at, error }: Parsed, file: string, errors: PolicyError[]): PolicyLoad {
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    errors.push(
      error(
        doc.contents?.range[0] ?? 0,
        [],
        `the document cannot be read: ${(e as Error).message}`,
        'use fewer aliases: write the values out',
      ),
    );
    return { ok: false, errors: sortErrors(errors) };
  }
  const rootOffset = doc.contents?.range[0] ?? 0;
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
  return { ok: true, policy: value, file, locate };
}
