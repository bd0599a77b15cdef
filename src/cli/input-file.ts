import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { closest } from '../core/policy/closest.js';
import { formatPolicyError, type PolicyError } from '../core/policy/policy-source.js';
import { describe, dotted, locator, sortErrors, valueAt, type Locate } from '../core/policy/yaml-nodes.js';
import type { CliIo } from './cli-io.js';

/**
 * The JSON files the CLI reads (a change for `aaoe policy evaluate`, an issue and a models file for `aaoe propose`),
 * checked against their zod schema. Every error is printed as `policy validate` prints its own:
 * `file:line:col: what is wrong (at path). Fix: what to write`, the fix read from the published JSON Schema
 * (`schemas/<name>.schema.json`, generated from the same zod schema by `npm run schemas`).
 */

/** A JSON input format: its schema, the JSON Schema file published for it, and names people write by mistake. */
export type InputFormat<T> = {
  schema: z.ZodType<T>;
  /** The published JSON Schema, e.g. `schemas/change.schema.json`, and its title. */
  schemaFile: string;
  title: string;
  /** A key people write instead of the right one (`time` for `at`), anywhere in the file. */
  aliases?: Readonly<Record<string, string>>;
};

/** The largest input file read (checked before parsing: the file may come from anywhere). */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
  minimum?: number;
  minLength?: number;
};

/** The JSON Schema of an input format, as published in `schemas/` (`npm run schemas`; a test keeps it in step). */
export function renderInputJsonSchema(format: Pick<InputFormat<unknown>, 'schema' | 'schemaFile' | 'title'>): string {
  const generated = z.toJSONSchema(format.schema, { io: 'input', target: 'draft-2020-12' }) as JsonSchema;
  const schema = {
    ...generated,
    $id: `https://github.com/aaoe/aaoe/${format.schemaFile}`,
    title: format.title,
    // a file may name its schema for editors (`"$schema": "./node_modules/@aaoe-dev/aaoe/schemas/..."`)
    properties: { $schema: { type: 'string' }, ...generated.properties },
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** The file read, parsed and validated; undefined after printing every error on stderr. */
export function readInputFile<T>(file: string, format: InputFormat<T>, io: CliIo): T | undefined {
  const read = readCapped(file);
  if (!read.ok) {
    io.stderr(`${file}: ${read.message}`);
    return undefined;
  }
  const checked = checkInput(read.text, file, format);
  if (checked.ok) return checked.value;
  for (const error of checked.errors) io.stderr(formatPolicyError(error));
  io.stderr(`${file}: ${checked.errors.length} error${checked.errors.length === 1 ? '' : 's'} (${format.schemaFile})`);
  return undefined;
}

/** Validates the text of a JSON input: the value, or every error with its position, path and fix. */
export function checkInput<T>(
  text: string,
  file: string,
  format: InputFormat<T>,
): { ok: true; value: T } | { ok: false; errors: PolicyError[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [syntaxError(text, file, (error as Error).message)] };
  }
  // `$schema` names the JSON Schema for editors: not part of the format
  if (isObject(json) && typeof json.$schema === 'string') delete json.$schema;
  const parsed = format.schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const locate = locator(doc, (offset) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  });
  const jsonSchema = z.toJSONSchema(format.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const errors = parsed.error.issues.flatMap((issue) => toErrors(issue, json, file, locate, jsonSchema, format));
  return { ok: false, errors: sortErrors(errors) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readCapped(file: string): { ok: true; text: string } | { ok: false; message: string } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return { ok: false, message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_INPUT_BYTES)
      return { ok: false, message: `${size} bytes: larger than the ${MAX_INPUT_BYTES} bytes an input file may have` };
    const buffer = Buffer.alloc(size);
    const read = readSync(fd, buffer, 0, size, 0);
    return { ok: true, text: buffer.subarray(0, read).toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

/** A JSON syntax error at the position the parser names (when it names one). */
function syntaxError(text: string, file: string, message: string): PolicyError {
  const at = /at position (\d+)/.exec(message);
  const offset = at ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : 0;
  const before = text.slice(0, offset).split('\n');
  return {
    file,
    line: before.length,
    column: (before.at(-1)?.length ?? 0) + 1,
    path: '(root)',
    message: `not JSON: ${message.replace(/ \(line \d+ column \d+\)$/, '')}`,
    hint: 'write JSON: keys and strings in double quotes, no trailing comma, no comments',
  };
}

function toErrors<T>(
  issue: z.core.$ZodIssue,
  value: unknown,
  file: string,
  locate: Locate,
  root: JsonSchema,
  format: InputFormat<T>,
): PolicyError[] {
  const see = ` (${format.schemaFile})`;
  if (issue.code === 'unrecognized_keys') {
    const allowed = Object.keys(schemaAt(root, issue.path)?.properties ?? {});
    return issue.keys.map((key) => ({
      file,
      ...locate([...issue.path, key], { key: true }),
      path: dotted([...issue.path, key]),
      message: `unknown key "${key}"${issue.path.length ? ` in ${dotted(issue.path)}` : ''}`,
      hint: `${renameHint(key, allowed, format.aliases)}allowed keys here: ${allowed.join(', ')}${see}`,
    }));
  }
  const found = valueAt(value, issue.path);
  const position = found === undefined ? locate(issue.path.slice(0, -1), { key: true }) : locate(issue.path);
  const schema = schemaAt(root, issue.path);
  return [{ file, ...position, path: dotted(issue.path), ...explain(issue, found, schema, see) }];
}

function renameHint(key: string, allowed: string[], aliases: Readonly<Record<string, string>> = {}): string {
  const meant = aliases[key] !== undefined && allowed.includes(aliases[key]) ? aliases[key] : closest(key, allowed);
  return meant ? `did you mean "${meant}"? ` : 'remove it; ';
}

function explain(
  issue: z.core.$ZodIssue,
  found: unknown,
  schema: JsonSchema | undefined,
  see: string,
): { message: string; hint: string } {
  const expected = expectedText(schema);
  const last = issue.path.at(-1);
  if (issue.code === 'invalid_type' && found === undefined) {
    const parent = issue.path.slice(0, -1);
    return {
      message: `missing required key "${String(last)}"${parent.length ? ` in ${dotted(parent)}` : ''}`,
      hint: `add "${String(last)}": ${expected}${see}`,
    };
  }
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map((v) => String(v));
    const typo = typeof found === 'string' ? closest(found, allowed) : undefined;
    return {
      message: `${describe(found)} is not an allowed value`,
      hint: `${typo ? `did you mean "${typo}"? ` : ''}use one of: ${allowed.join(', ')}${see}`,
    };
  }
  if (issue.code === 'invalid_format' && issue.format === 'datetime')
    return { message: `${describe(found)} is not an ISO 8601 date-time`, hint: `write ${expected}${see}` };
  const message =
    issue.code === 'invalid_type'
      ? `expected ${schema ? kindOf(schema) : issue.expected}, found ${describe(found)}`
      : issue.message;
  return { message, hint: `write ${expected}${see}` };
}

/** The JSON Schema of the value at a path (through objects, lists and unions), if the path is in the schema. */
function schemaAt(root: JsonSchema, path: readonly PropertyKey[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = root;
  for (const segment of path) {
    if (!node) return undefined;
    const options: JsonSchema[] = [node, ...(node.anyOf ?? []), ...(node.oneOf ?? [])];
    node =
      typeof segment === 'number'
        ? options.find((o) => o.items)?.items
        : options.map((o) => o.properties?.[String(segment)]).find((p) => p !== undefined);
  }
  return node;
}

/** What a schema takes, in words, with an example value. */
function expectedText(schema: JsonSchema | undefined): string {
  if (!schema) return 'a value the schema allows';
  if (schema.enum) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const variants = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].filter((v) => v.type !== 'null');
  if (variants.length > 0) return variants.map(expectedText).join(', or ');
  return `${kindOf(schema)}, for example ${JSON.stringify(exampleOf(schema))}`;
}

function kindOf(schema: JsonSchema): string {
  if (schema.format === 'date-time') return 'an ISO 8601 date-time with its offset';
  const names: Record<string, string> = {
    object: 'an object',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
  };
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const bound = schema.minimum !== undefined ? ` of at least ${schema.minimum}` : '';
  return `${names[type ?? ''] ?? 'a value'}${bound}`;
}

/** A value of the schema: its required keys only, the first allowed value of each choice. */
function exampleOf(schema: JsonSchema, depth = 0): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const variant = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (variant && depth < 6) return exampleOf(variant, depth + 1);
  if (schema.format === 'date-time') return '2026-11-23T10:00:00Z';
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'object' && depth < 6) {
    const required = schema.required ?? [];
    return Object.fromEntries(required.map((k) => [k, exampleOf(schema.properties?.[k] ?? {}, depth + 1)]));
  }
  if (type === 'array') return schema.items && depth < 6 ? [exampleOf(schema.items, depth + 1)] : [];
  if (type === 'integer' || type === 'number') return Math.max(schema.minimum ?? 0, type === 'integer' ? 1 : 0.5);
  if (type === 'boolean') return true;
  if (type === 'string') return (schema.minLength ?? 0) > 0 ? '…' : '';
  return null;
}
