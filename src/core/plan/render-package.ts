import { DEFAULT_PACKAGE_RISK, type RiskLevel } from '../policy/schema.js';
import type { PackageType, Plan, Step, TemplateValue } from './schema.js';

/**
 * Change packages: the artefacts a step generates from the plan's templates (a migration script, Terraform, Helm
 * values, a gateway route, a feature flag, an event schema), to put in the step's pull request.
 *
 * The template syntax is deliberately small and executes nothing: `{{ name }}` inserts a value, `\{{` writes a
 * literal `{{`. Names are the step's `values` plus `plan.id`, `step.id`, `step.repository`, `step.environment`
 * and `step.team`. An unknown name, an unclosed `{{`, or a value with a line break or control character is an
 * error (a value cannot add lines to a migration or keys to a values file); nothing is rendered half.
 */

/** How risky each kind of artefact is in itself (the policy's `risk.packages` defaults), and what it is. */
export const PACKAGE_RISK: Readonly<Record<PackageType, { level: RiskLevel; what: string }>> = {
  migration: { level: DEFAULT_PACKAGE_RISK.migration, what: 'a database migration' },
  terraform: { level: DEFAULT_PACKAGE_RISK.terraform, what: 'Terraform (infrastructure)' },
  'helm-values': { level: DEFAULT_PACKAGE_RISK['helm-values'], what: 'Helm values (deployment configuration)' },
  'gateway-route': { level: DEFAULT_PACKAGE_RISK['gateway-route'], what: 'a gateway route (traffic)' },
  'event-schema': {
    level: DEFAULT_PACKAGE_RISK['event-schema'],
    what: 'an event schema (a contract other services read)',
  },
  'feature-flag': { level: DEFAULT_PACKAGE_RISK['feature-flag'], what: 'a feature flag (off until switched on)' },
};

export type RenderedPackage = { path: string; type: PackageType; template: string; content: string };

export type TemplateError = {
  /** Index of the package in the step's `packages`. */
  package: number;
  template: string;
  /** 1-based line and column inside the template text. */
  line: number;
  column: number;
  message: string;
  hint: string;
};

export type PackageRender =
  | { ok: true; packages: RenderedPackage[] }
  | {
      ok: false;
      errors: TemplateError[];
      /** Errors not listed, and packages not rendered, past RENDER_LIMITS.errors. */ more?: number;
    };

/**
 * Bounds on the work of rendering one step, checked before anything is rendered: a plan is text anyone may send
 * (`POST /api/v1/packages`), and one template can be named by every package of a step.
 */
export const RENDER_LIMITS = {
  /** Packages one step renders. */
  packages: 50,
  /** Characters of template text one step renders, summed over its packages (a template named twice counts twice). */
  templateChars: 256 * 1024,
  /** Characters one step's rendered packages hold together. */
  renderedChars: 1024 * 1024,
  /** Errors reported for one step; the rest are counted. */
  errors: 20,
} as const;

/** Renders every package of a step; all or nothing. */
export function renderStepPackages(plan: Plan, step: Step): PackageRender {
  const refused = checkRenderBounds(plan, step);
  if (refused) return { ok: false, errors: [refused] };
  const packages: RenderedPackage[] = [];
  const errors: TemplateError[] = [];
  let more = 0;
  let rendered = 0;
  step.packages.forEach((pkg, index) => {
    const template = Object.hasOwn(plan.templates, pkg.template) ? plan.templates[pkg.template] : undefined;
    if (!template) {
      errors.push({
        package: index,
        template: pkg.template,
        line: 1,
        column: 1,
        message: `unknown template "${pkg.template}"`,
        hint: `define it under \`templates\`, or name one of: ${Object.keys(plan.templates).join(', ') || '(none defined)'}`,
      });
      return;
    }
    const values: Record<string, TemplateValue> = {
      ...pkg.values,
      'plan.id': plan.id,
      'step.id': step.id,
      'step.repository': step.repository,
      'step.environment': step.environment,
      'step.team': step.team,
    };
    if (errors.length >= RENDER_LIMITS.errors) return void (more += 1);
    const result = renderTemplate(template.text, values, {
      maxErrors: RENDER_LIMITS.errors - errors.length,
      maxChars: RENDER_LIMITS.renderedChars - rendered,
    });
    if (!result.ok) {
      errors.push(...result.errors.map((e) => ({ package: index, template: pkg.template, ...e })));
      more += result.more ?? 0;
    } else {
      rendered += result.text.length;
      packages.push({ path: pkg.path, type: template.type, template: pkg.template, content: result.text });
    }
  });
  if (errors.length > 0) return more > 0 ? { ok: false, errors, more } : { ok: false, errors };
  return { ok: true, packages };
}

/** The step's package count and template text against {@link RENDER_LIMITS}; an error when over. */
function checkRenderBounds(plan: Plan, step: Step): TemplateError | undefined {
  const at = { package: 0, template: step.packages[0]?.template ?? '', line: 1, column: 1 };
  if (step.packages.length > RENDER_LIMITS.packages) {
    return {
      ...at,
      message: `step ${step.id} has ${step.packages.length} packages, more than the ${RENDER_LIMITS.packages} a step renders`,
      hint: 'split the step, or generate fewer packages per step',
    };
  }
  let chars = 0;
  for (const pkg of step.packages)
    chars += Object.hasOwn(plan.templates, pkg.template) ? (plan.templates[pkg.template]?.text.length ?? 0) : 0;
  if (chars > RENDER_LIMITS.templateChars) {
    return {
      ...at,
      message: `step ${step.id} renders ${chars} characters of template text, more than the ${RENDER_LIMITS.templateChars} a step renders`,
      hint: 'use smaller templates, or fewer packages per step',
    };
  }
  return undefined;
}

type Issue = { line: number; column: number; message: string; hint: string };

/**
 * Renders one template with the given values. Linear in the template: positions come from the line starts (found
 * once, searched by bisection), the next `}}` and line end are found by pointers that only move forward, at most
 * `maxErrors` errors are kept (`more` counts the rest), and output over `maxChars` is an error.
 */
export function renderTemplate(
  text: string,
  values: Readonly<Record<string, TemplateValue>>,
  limits: { maxErrors?: number; maxChars?: number } = {},
): { ok: true; text: string } | { ok: false; errors: Issue[]; more?: number } {
  const maxErrors = limits.maxErrors ?? RENDER_LIMITS.errors;
  const maxChars = limits.maxChars ?? RENDER_LIMITS.renderedChars;
  const errors: Issue[] = [];
  let more = 0;
  const position = positionsOf(text);
  const fail = (offset: number, message: string, hint: string) => {
    if (errors.length < maxErrors) errors.push({ ...position(offset), message, hint });
    else more++;
  };
  const out: string[] = [];
  let size = 0;
  const emit = (piece: string) => {
    size += piece.length;
    if (size <= maxChars) out.push(piece);
  };
  const close = forwardSearch(text, '}}');
  const newline = forwardSearch(text, '\n');
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open === -1) {
      emit(text.slice(i));
      break;
    }
    if (open > i && text[open - 1] === '\\') {
      // `\{{` writes a literal `{{`
      emit(text.slice(i, open - 1));
      emit('{{');
      i = open + 2;
      continue;
    }
    emit(text.slice(i, open));
    const end = close(open + 2);
    const lineEnd = newline(open + 2);
    if (end === -1 || (lineEnd !== -1 && lineEnd < end)) {
      fail(open, 'a `{{` is not closed on its line', 'close it with `}}`, or write `\\{{` for a literal `{{`');
      i = open + 2;
      continue;
    }
    const value = placeholder(text.slice(open + 2, end).trim(), values);
    if (typeof value === 'string') emit(value);
    else fail(open, value.message, value.hint);
    i = end + 2;
  }
  if (size > maxChars && errors.length === 0 && more === 0) {
    fail(
      0,
      `the rendered text is ${size} characters, more than the ${maxChars} a step renders`,
      'use shorter values or fewer placeholders, or split the step',
    );
  }
  if (errors.length > 0) return more > 0 ? { ok: false, errors, more } : { ok: false, errors };
  return { ok: true, text: out.join('') };
}

/** The value a `{{ name }}` stands for, or why it stands for none (not a name, unknown, not one line). */
function placeholder(
  name: string,
  values: Readonly<Record<string, TemplateValue>>,
): string | { message: string; hint: string } {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name))
    return {
      message: `"${name.length > 60 ? `${name.slice(0, 60)}…` : name}" is not a value name`,
      hint: 'write `{{ name }}` with a value name: letters, digits, underscores (and `plan.` or `step.` for the built-in ones); templates run no code',
    };
  if (!Object.hasOwn(values, name))
    return {
      message: `unknown value "${name}"`,
      hint: `set it in the step's package \`values\`, or use one of: ${Object.keys(values).sort().join(', ')}`,
    };
  const value = String(values[name]);
  // eslint-disable-next-line no-control-regex -- a value must be one line: this matches the control characters on purpose
  if (/[\u0000-\u0008\u000a-\u001f\u007f\u2028\u2029]/.test(value))
    return {
      message: `the value of "${name}" contains a line break or control character`,
      hint: 'values are one line of text: write multi-line content in the template itself',
    };
  return value;
}

/** The 1-based line and column of an offset of `text`: line starts found once, then a bisection per call. */
function positionsOf(text: string): (offset: number) => { line: number; column: number } {
  let starts: number[] | undefined;
  return (offset) => {
    if (!starts) {
      starts = [0];
      for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) starts.push(k + 1);
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
  };
}

/**
 * The first index of `needle` at or after a position, for positions that never go back: the last answer is kept
 * and only searched past when a later position needs it, so all calls together read the text once.
 */
function forwardSearch(text: string, needle: string): (from: number) => number {
  let found = -2;
  return (from) => {
    if (found === -1 || (found >= from && found !== -2)) return found;
    found = text.indexOf(needle, from);
    return found;
  };
}
