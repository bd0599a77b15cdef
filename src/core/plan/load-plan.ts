import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { formatPolicyError, type PolicyError } from '../policy/policy-source.js';
import { isTimeZone } from '../policy/schedule-schema.js';
import {
  describe,
  dotted,
  firstLine,
  locator,
  sortErrors,
  valueAt,
  type Locate,
  type Position,
} from '../policy/yaml-nodes.js';
import { renderStepPackages } from './render-package.js';
import { Plan } from './schema.js';

/**
 * Plan files: YAML -> the schema -> the structural rules (ids unique, `dependsOn` known, acyclic, windows and
 * templates defined), every error with `file:line:col`, the path and the fix. Errors have the policy files'
 * shape, so they print with the same `formatPolicyError`.
 */

export type PlanError = PolicyError;
export const formatPlanError = formatPolicyError;

export type PlanLoad = { ok: true; plan: Plan; file: string; locate: Locate } | { ok: false; errors: PlanError[] };

export function loadPlan(text: string, file: string): PlanLoad {
  const loaded = loadYamlFile(Plan, text, file, 'plan');
  if (!loaded.ok) return loaded;
  const errors = checkPlan(loaded.value, file, loaded.locate);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, plan: loaded.value, file, locate: loaded.locate };
}

/**
 * A YAML file validated with a zod schema: syntax errors (one per line), duplicate keys and schema errors, each
 * with its `line:col`; unknown keys name the allowed ones (and the likely typo).
 */
export function loadYamlFile<S extends z.ZodType>(
  schema: S,
  text: string,
  file: string,
  what: string,
): { ok: true; value: z.infer<S>; locate: Locate } | { ok: false; errors: PlanError[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) return { ok: false, errors: yamlErrors(doc.errors, file, at) };
  const locate = locator(doc, at);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return rootError(
      file,
      `the document cannot be read: ${(error as Error).message}`,
      'write the values out instead of aliases',
    );
  }
  if (value === null || value === undefined)
    return rootError(
      file,
      `the file holds no ${what}`,
      `write a ${what} with the keys ${allowedKeys(schema, []).join(', ')}`,
    );
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    return {
      ok: false,
      errors: sortErrors(parsed.error.issues.map((issue) => issueToError(schema, issue, value, file, locate))),
    };
  return { ok: true, value: parsed.data, locate };
}

/** YAML that does not parse: one error per line (what follows on a line is usually a consequence). */
function yamlErrors(
  docErrors: ReadonlyArray<{ pos: [number, number]; code: string; message: string }>,
  file: string,
  at: (offset: number) => Position,
): PlanError[] {
  const seen = new Set<number>();
  const errors: PlanError[] = [];
  for (const e of docErrors) {
    const position = at(e.pos[0]);
    if (seen.has(position.line)) continue; // what follows on a line is usually a consequence
    seen.add(position.line);
    const duplicate = e.code === 'DUPLICATE_KEY';
    errors.push({
      file,
      ...position,
      path: '(yaml)',
      message: duplicate ? 'duplicate key' : `YAML syntax error: ${firstLine(e.message)}`,
      hint: duplicate
        ? 'keep one of the two entries: YAML would silently keep only the last one'
        : 'fix the YAML here; quote values that contain `: `, ` #`, `{` or `[`',
    });
  }
  return sortErrors(errors);
}

/** A file that cannot be read as a whole: one error at its start. */
function rootError(file: string, message: string, hint: string): { ok: false; errors: PlanError[] } {
  return { ok: false, errors: [{ file, line: 1, column: 1, path: '(root)', message, hint }] };
}

/**
 * The rules a schema cannot say: step ids unique, every `dependsOn` names a step, no cycle (reported with its
 * path, at the `dependsOn` entry that closes it), windows and templates named by steps are defined.
 */
export function checkPlan(plan: Plan, file: string, locate: Locate = () => ({ line: 1, column: 1 })): PlanError[] {
  const errors: PlanError[] = [];
  const error = (path: PropertyKey[], message: string, hint: string, key = false): void => {
    errors.push({ file, ...locate(path, { key }), path: dotted(path), message, hint });
  };
  const firstIndex = new Map<string, number>();
  plan.steps.forEach((step, i) => {
    const first = firstIndex.get(step.id);
    if (first === undefined) firstIndex.set(step.id, i);
    else {
      const { line, column } = locate(['steps', first, 'id']);
      error(
        ['steps', i, 'id'],
        `duplicate step id "${step.id}"`,
        `give each step its own id (the first "${step.id}" is at ${line}:${column})`,
      );
    }
  });
  const ids = [...firstIndex.keys()];
  plan.steps.forEach((step, i) => {
    checkStep(plan, step, i, { ids, known: firstIndex, error });
  });
  checkWindows(plan, error);
  if (errors.length === 0) {
    plan.steps.forEach((step, i) => {
      const rendered = renderStepPackages(plan, step);
      if (rendered.ok) return;
      for (const e of rendered.errors) {
        error(
          ['steps', i, 'packages', e.package, 'values'],
          `template "${e.template}" (line ${e.line}, column ${e.column} of its text), for step "${step.id}": ${e.message}`,
          e.hint,
          true,
        );
      }
    });
  }
  const cycle = findCycle(plan);
  if (cycle) {
    const closing = cycle.at(-2) ?? '';
    const opening = cycle.at(-1) ?? '';
    const closingIndex = firstIndex.get(closing) ?? 0;
    const entry = plan.steps[closingIndex]?.dependsOn.indexOf(opening) ?? -1;
    error(
      ['steps', closingIndex, 'dependsOn', entry],
      `dependency cycle: ${cycle.join(' -> ')}`,
      `a plan is acyclic: remove "${opening}" from the dependsOn of "${closing}", or another edge of the cycle`,
    );
  }
  return sortErrors(errors);
}

type Report = (path: PropertyKey[], message: string, hint: string, key?: boolean) => void;

/** One step's own rules: its dependencies name other steps, it has one thing to do, its window and templates exist. */
function checkStep(
  plan: Plan,
  step: Plan['steps'][number],
  i: number,
  at: { ids: readonly string[]; known: ReadonlyMap<string, number>; error: Report },
): void {
  const { ids, known, error } = at;
  step.dependsOn.forEach((dep, j) => {
    if (dep === step.id) error(['steps', i, 'dependsOn', j], `step "${step.id}" depends on itself`, 'remove the entry');
    else if (!known.has(dep))
      error(
        ['steps', i, 'dependsOn', j],
        `unknown step "${dep}" in dependsOn`,
        `name a step of this plan: ${ids.join(', ')}`,
      );
  });
  if (!step.task && !step.change && step.packages.length === 0) {
    error(
      ['steps', i],
      `step "${step.id}" has nothing to do`,
      'give it a `task` (for the agent), a ready `change`, or `packages`',
    );
  }
  if (step.task && step.change)
    error(
      ['steps', i, 'change'],
      `step "${step.id}" has both a task and a ready change`,
      'keep one: `task` asks the agent, `change` is proposed as written',
    );
  if (step.window !== undefined && !Object.hasOwn(plan.windows, step.window)) {
    const names = Object.keys(plan.windows);
    error(
      ['steps', i, 'window'],
      `unknown window "${step.window}"`,
      names.length
        ? `name a window under \`windows\`: ${names.join(', ')}`
        : 'define it under `windows` (days, from, to, timezone)',
    );
  }
  step.packages.forEach((p, j) => {
    if (!Object.hasOwn(plan.templates, p.template)) {
      const names = Object.keys(plan.templates);
      error(
        ['steps', i, 'packages', j, 'template'],
        `unknown template "${p.template}"`,
        names.length
          ? `name a template under \`templates\`: ${names.join(', ')}`
          : 'define it under `templates` (type, text)',
      );
    }
  });
}

/** Every window's time zone is known, and it is open for some time. */
function checkWindows(plan: Plan, error: Report): void {
  for (const [name, window] of Object.entries(plan.windows)) {
    if (!isTimeZone(window.timezone))
      error(
        ['windows', name, 'timezone'],
        `unknown time zone "${window.timezone}"`,
        'use an IANA time zone such as UTC, Europe/Berlin or America/New_York',
      );
    if (window.from === window.to)
      error(
        ['windows', name, 'to'],
        `window "${name}" opens and closes at ${window.from}`,
        'set `to` later than `from` (or earlier, to cross midnight)',
      );
  }
}

/**
 * A cycle of `dependsOn` edges as the list of step ids walked (`a -> b -> a`, reading "a depends on b"), or
 * undefined. Steps are visited in file order, so the same file gives the same cycle.
 */
export function findCycle(plan: Pick<Plan, 'steps'>): string[] | undefined {
  const deps = new Map(plan.steps.map((s) => [s.id, s.dependsOn] as const));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const s = state.get(id);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of deps.get(id) ?? []) {
      if (!deps.has(dep) || dep === id) continue; // reported as unknown / self-dependency
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const step of plan.steps) {
    const found = visit(step.id);
    if (found) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------

function issueToError(
  root: z.ZodType,
  issue: z.core.$ZodIssue,
  value: unknown,
  file: string,
  locate: Locate,
): PlanError {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(root, path);
    const keys = issue.keys;
    const [first = ''] = keys;
    return {
      file,
      ...locate([...path, first], { key: true }),
      path: dotted([...path, first]),
      message: `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}${path.length ? ` in ${dotted(path)}` : ''}`,
      hint: `${typoOf(first, allowed)}remove it, or use one of the allowed keys: ${allowed.join(', ')}`,
    };
  }
  const found = valueAt(value, path);
  if (found === undefined && issue.code === 'invalid_type') {
    const parent = path.slice(0, -1);
    return {
      file,
      ...locate(parent, { key: true }),
      path: dotted(path),
      message: `missing required key "${String(path.at(-1))}"${parent.length ? ` in ${dotted(parent)}` : ''}`,
      hint: `add \`${String(path.at(-1))}:\``,
    };
  }
  const hint =
    issue.code === 'invalid_value'
      ? `use one of: ${issue.values.map(String).join(', ')}`
      : issue.code === 'invalid_format' || issue.code === 'invalid_type'
        ? `write ${issue.message.replace(/^Invalid input: expected /, 'a value of type ')}`
        : 'see the JSON Schema under schemas/ for what this key takes';
  return { file, ...locate(path), path: dotted(path), message: `${describe(found)}: ${issue.message}`, hint };
}

/** The keys a schema allows at a path (for unknown-key errors). */
function allowedKeys(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType | undefined = root;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(segment)];
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType;
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** `depends_on` -> `did you mean "dependsOn"? ` (same letters, other case or separators). */
function typoOf(key: string, allowed: string[]): string {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const match = allowed.find((a) => norm(a) === norm(key));
  return match ? `did you mean "${match}"? ` : '';
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}
