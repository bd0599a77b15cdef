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
  'event-schema': { level: DEFAULT_PACKAGE_RISK['event-schema'], what: 'an event schema (a contract other services read)' },
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

export type PackageRender = { ok: true; packages: RenderedPackage[] } | { ok: false; errors: TemplateError[] };

/** Renders every package of a step; all or nothing. */
export function renderStepPackages(plan: Plan, step: Step): PackageRender {
  const packages: RenderedPackage[] = [];
  const errors: TemplateError[] = [];
  step.packages.forEach((pkg, index) => {
    const template = Object.hasOwn(plan.templates, pkg.template) ? plan.templates[pkg.template] : undefined;
    if (!template) {
      errors.push({ package: index, template: pkg.template, line: 1, column: 1, message: `unknown template "${pkg.template}"`, hint: `define it under \`templates\`, or name one of: ${Object.keys(plan.templates).join(', ') || '(none defined)'}` });
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
    const result = renderTemplate(template.text, values);
    if (!result.ok) errors.push(...result.errors.map((e) => ({ package: index, template: pkg.template, ...e })));
    else packages.push({ path: pkg.path, type: template.type, template: pkg.template, content: result.text });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, packages };
}

type Issue = { line: number; column: number; message: string; hint: string };

/** Renders one template with the given values. */
export function renderTemplate(text: string, values: Readonly<Record<string, TemplateValue>>): { ok: true; text: string } | { ok: false; errors: Issue[] } {
  const errors: Issue[] = [];
  let out = '';
  let i = 0;
  const position = (offset: number): { line: number; column: number } => {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    return { line, column: offset - before.lastIndexOf('\n') };
  };
  while (i < text.length) {
    if (text.startsWith('\\{{', i)) {
      out += '{{';
      i += 3;
      continue;
    }
    if (!text.startsWith('{{', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const close = text.indexOf('}}', i + 2);
    const newline = text.indexOf('\n', i + 2);
    if (close === -1 || (newline !== -1 && newline < close)) {
      errors.push({ ...position(i), message: 'a `{{` is not closed on its line', hint: 'close it with `}}`, or write `\\{{` for a literal `{{`' });
      i += 2;
      continue;
    }
    const name = text.slice(i + 2, close).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) {
      errors.push({ ...position(i), message: `"${name}" is not a value name`, hint: 'write `{{ name }}` with a value name: letters, digits, underscores (and `plan.` or `step.` for the built-in ones); templates run no code' });
    } else if (!Object.hasOwn(values, name)) {
      const known = Object.keys(values).sort();
      errors.push({ ...position(i), message: `unknown value "${name}"`, hint: `set it in the step's package \`values\`, or use one of: ${known.join(', ')}` });
    } else {
      const value = String(values[name]);
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u0008\u000a-\u001f\u007f\u2028\u2029]/.test(value)) {
        errors.push({ ...position(i), message: `the value of "${name}" contains a line break or control character`, hint: 'values are one line of text: write multi-line content in the template itself' });
      } else out += value;
    }
    i = close + 2;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, text: out };
}
