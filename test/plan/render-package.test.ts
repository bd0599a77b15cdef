import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/plan/load-plan.js';
import { PACKAGE_RISK, renderStepPackages, renderTemplate } from '../../src/plan/render-package.js';
import { PACKAGE_TYPES } from '../../src/plan/schema.js';

function diamond() {
  const loaded = loadPlan(readFileSync(new URL('../fixtures/plans/diamond.yml', import.meta.url), 'utf8'), 'diamond.yml');
  if (!loaded.ok) throw new Error('fixture invalid');
  return loaded.plan;
}

describe('renderTemplate', () => {
  it('inserts values and the escaped literal, nothing else', () => {
    expect(renderTemplate('a {{ x }} b {{y}} \\{{ z }}', { x: 'one', y: 2 })).toEqual({ ok: true, text: 'a one b 2 {{ z }}' });
  });

  it.each([
    ['an unknown value', 'key: {{ nope }}', { x: 1 }, { line: 1, column: 6, message: 'unknown value "nope"' }],
    ['an expression', 'n: {{ x + 1 }}', { x: 1 }, { line: 1, column: 4, message: '"x + 1" is not a value name' }],
    ['code', 'n: {{ constructor.constructor("return 1")() }}', {}, { line: 1, column: 4 }],
    ['a prototype name', 'n: {{ toString }}', {}, { line: 1, column: 4, message: 'unknown value "toString"' }],
    ['an unclosed placeholder', 'a\nb {{ x\n}}', { x: 1 }, { line: 2, column: 3, message: 'a `{{` is not closed on its line' }],
    ['a value with a line break', 'name: {{ x }}', { x: 'a\nadmin: true' }, { line: 1, column: 7, message: 'the value of "x" contains a line break or control character' }],
  ])('rejects %s, with its position in the template', (_, text, values, expected) => {
    const result = renderTemplate(text, values);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject(expected);
  });
});

describe('renderStepPackages', () => {
  it('renders a step\'s artefacts with its values and the built-in names', () => {
    const plan = diamond();
    expect(renderStepPackages(plan, plan.steps[0]!)).toEqual({
      ok: true,
      packages: [
        {
          path: 'db/migrations/001_invoices.sql',
          type: 'migration',
          template: 'invoices-table',
          content: '-- schema of split-invoicing\nCREATE TABLE invoices (id bigint PRIMARY KEY, amount_cents bigint NOT NULL);\n',
        },
      ],
    });
    expect(renderStepPackages(plan, plan.steps[2]!)).toMatchObject({ ok: true, packages: [{ path: 'flags/invoicing.json', type: 'feature-flag', content: '{ "key": "use-invoicing-service", "enabled": false, "environment": "production" }\n' }] });
  });
});

describe('package risk', () => {
  it('gives every package type a weight', () => {
    expect(Object.keys(PACKAGE_RISK).sort()).toEqual([...PACKAGE_TYPES].sort());
  });
});
