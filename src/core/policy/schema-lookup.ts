import { z } from 'zod';
import { Policy } from './schema.js';

/**
 * The policy schema read as a map: the schema as written (every key optional, no defaults, every object strict),
 * the schema at a path, the keys allowed there, and what a schema takes, in words (for error messages).
 */

export function asWritten(schema: z.ZodType): z.ZodType {
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

export const PolicyAsWrittenSchema = asWritten(Policy);

/** The schema at a path of the policy (through defaults, optionals and list entries). */
export function schemaAt(path: readonly PropertyKey[]): z.ZodType | undefined {
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
export function knownPrefix(path: readonly PropertyKey[]): PropertyKey[] {
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
export function homesOf(key: string, schema: z.ZodType = Policy, path: string[] = []): string[] {
  const s = unwrap(schema);
  if (!(s instanceof z.ZodObject)) return [];
  const shape = s.shape as Record<string, z.ZodType>;
  const here = Object.hasOwn(shape, key) ? [path.length ? path.join('.') : '(top level)'] : [];
  return [...here, ...Object.entries(shape).flatMap(([k, child]) => homesOf(key, child, [...path, k]))];
}

export function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
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

/** Whether a number schema takes integers only (`.int()`: zod's format `safeint`, `int32`...). */
export function isInteger(schema: z.ZodNumber): boolean {
  return schema.format?.includes('int') ?? false;
}

/** A check's own message: zod keeps it as a function of the issue. */
function messageOf(error: unknown): string | undefined {
  if (typeof error !== 'function') return undefined;
  try {
    const out: unknown = (error as (issue: object) => unknown)({});
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
export function expectedText(schema: z.ZodType | undefined): string {
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
    return `${isInteger(schema) ? 'an integer' : 'a number'}${text ? ` ${text.startsWith('at ') ? 'of ' : ''}${text}` : ''}`;
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
