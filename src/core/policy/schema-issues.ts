import { z } from 'zod';
import { closest } from './closest.js';
import type { PolicyError } from './policy-source.js';
import { allowedKeys, expectedText, homesOf, isInteger, schemaAt } from './schema-lookup.js';
import { describe, dotted, sortErrors, valueAt, type Locate } from './yaml-nodes.js';

/** Schema issues (zod's) -> policy errors, each with its position, its path and a fix in words. */

export function issuesToErrors(
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
      const kind = schema instanceof z.ZodNumber && isInteger(schema) ? 'an integer' : typeName(issue.expected);
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
    case 'too_big':
      return sizeIssue(issue, found, expected, removal);
    case 'invalid_format':
      return formatIssue(issue, found);
    default:
      return {
        message: issue.message,
        hint: `write ${expected} (the JSON Schema in schemas/aaoe.schema.json lists what each key takes)`,
      };
  }
}

/** A value, a string or a list out of its bounds. */
function sizeIssue(
  issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig,
  found: unknown,
  expected: string,
  removal: string,
): { message: string; hint: string } {
  if (issue.code === 'too_small') {
    if (issue.origin === 'string')
      return {
        message: issue.message.startsWith('Too small') ? 'an empty string is not allowed' : issue.message,
        hint: `write ${expected}, or ${removal}`,
      };
    if (issue.origin === 'array' || issue.origin === 'set')
      return { message: `needs at least ${String(issue.minimum)} entries`, hint: `add entries, or ${removal}` };
    return { message: `${describe(found)} is too small`, hint: `use ${expected}` };
  }
  if (issue.origin === 'string')
    return {
      message: `${describe(found)} is longer than ${String(issue.maximum)} characters`,
      hint: `use ${expected}`,
    };
  if (issue.origin === 'array' || issue.origin === 'set')
    return { message: `has more than ${String(issue.maximum)} entries`, hint: 'remove entries' };
  return { message: `${describe(found)} is too large`, hint: `use ${expected}` };
}

/** A string not in the form its pattern asks, with an example made from it when one fits. */
function formatIssue(issue: z.core.$ZodIssueInvalidStringFormat, found: unknown): { message: string; hint: string } {
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
export function colonWithoutSpace(value: unknown): string | undefined {
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
