import { closest } from './closest.js';
import { isPlainObject, type Presets, type PolicyResolve, type PolicySource } from './policy-source.js';
import { Policy } from './schema.js';
import { allowedKeys, PolicyAsWrittenSchema } from './schema-lookup.js';
import { issuesToErrors } from './schema-issues.js';
import { describe, type Locate } from './yaml-nodes.js';

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
      out[key] = [...new Set([...(prior as unknown[]), ...(value as unknown[])])];
    else if (isPlainObject(value) && isPlainObject(prior)) out[key] = mergePolicies(prior, value, path);
    else out[key] = value;
  }
  return out;
}
