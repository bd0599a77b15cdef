import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../src/core/plan/load-plan.js';
import {
  PACKAGE_RISK,
  RENDER_LIMITS,
  renderStepPackages,
  renderTemplate,
} from '../../../src/core/plan/render-package.js';
import { PACKAGE_TYPES } from '../../../src/core/plan/schema.js';

function diamond() {
  const loaded = loadPlan(
    readFileSync(new URL('../../fixtures/plans/diamond.yml', import.meta.url), 'utf8'),
    'diamond.yml',
  );
  if (!loaded.ok) throw new Error('fixture invalid');
  return loaded.plan;
}

describe('renderTemplate', () => {
  it('inserts values and the escaped literal, nothing else', () => {
    expect(renderTemplate('a {{ x }} b {{y}} \\{{ z }}', { x: 'one', y: 2 })).toEqual({
      ok: true,
      text: 'a one b 2 {{ z }}',
    });
  });

  it.each([
    ['an unknown value', 'key: {{ nope }}', { x: 1 }, { line: 1, column: 6, message: 'unknown value "nope"' }],
    ['an expression', 'n: {{ x + 1 }}', { x: 1 }, { line: 1, column: 4, message: '"x + 1" is not a value name' }],
    ['code', 'n: {{ constructor.constructor("return 1")() }}', {}, { line: 1, column: 4 }],
    ['a prototype name', 'n: {{ toString }}', {}, { line: 1, column: 4, message: 'unknown value "toString"' }],
    [
      'an unclosed placeholder',
      'a\nb {{ x\n}}',
      { x: 1 },
      { line: 2, column: 3, message: 'a `{{` is not closed on its line' },
    ],
    [
      'a value with a line break',
      'name: {{ x }}',
      { x: 'a\nadmin: true' },
      { line: 1, column: 7, message: 'the value of "x" contains a line break or control character' },
    ],
  ])('rejects %s, with its position in the template', (_, text, values, expected) => {
    const result = renderTemplate(text, values);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject(expected);
  });
});

describe('renderStepPackages', () => {
  it("renders a step's artefacts with its values and the built-in names", () => {
    const plan = diamond();
    expect(renderStepPackages(plan, plan.steps[0]!)).toEqual({
      ok: true,
      packages: [
        {
          path: 'db/migrations/001_invoices.sql',
          type: 'migration',
          template: 'invoices-table',
          content:
            '-- schema of split-invoicing\nCREATE TABLE invoices (id bigint PRIMARY KEY, amount_cents bigint NOT NULL);\n',
        },
      ],
    });
    expect(renderStepPackages(plan, plan.steps[2]!)).toMatchObject({
      ok: true,
      packages: [
        {
          path: 'flags/invoicing.json',
          type: 'feature-flag',
          content: '{ "key": "use-invoicing-service", "enabled": false, "environment": "production" }\n',
        },
      ],
    });
  });
});

describe('package risk', () => {
  it('gives every package type a weight', () => {
    expect(Object.keys(PACKAGE_RISK).sort()).toEqual([...PACKAGE_TYPES].sort());
  });
});

describe('bounded rendering (issue 19, hole 6)', () => {
  const fastest = (work: () => unknown) => {
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      const started = performance.now();
      work();
      best = Math.min(best, performance.now() - started);
    }
    return best;
  };

  it.each([
    ['unclosed `{{` on one line', (n: number) => '{{'.repeat(n)],
    ['an unclosed `{{` on every line', (n: number) => '{{\n'.repeat(n)],
    ['unknown names on every line', (n: number) => '{{ nope }}\n'.repeat(n)],
    ['placeholders and text', (n: number) => 'a {{ x }} b\n'.repeat(n)],
    ['escaped braces', (n: number) => '\\{{'.repeat(n)],
  ])('%s: time grows linearly with the template', (_name, build) => {
    const render = (n: number) => renderTemplate(build(n), { x: 'v' }, { maxChars: 1e9 });
    render(64_000);
    const small = Math.max(
      fastest(() => render(8_000)),
      0.5,
    );
    const large = fastest(() => render(64_000));
    // 8 times the template: about 8 times the time (noise allowed for); the old position computation took 64 times
    expect(large / small).toBeLessThan(32);
  });

  it('reports errors at their line and column, at most RENDER_LIMITS.errors of them, and counts the rest', () => {
    const result = renderTemplate('ok\n'.repeat(3) + 'x {{\n'.repeat(50), {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(RENDER_LIMITS.errors);
    expect(result.errors[0]).toMatchObject({ line: 4, column: 3 });
    expect(result.errors[1]).toMatchObject({ line: 5, column: 3 });
    expect(result.more).toBe(50 - RENDER_LIMITS.errors);
  });

  it('refuses output larger than its limit', () => {
    const result = renderTemplate('{{ x }}'.repeat(100), { x: 'y'.repeat(1_000) }, { maxChars: 50_000 });
    expect(result).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringContaining('the rendered text is 100000 characters') }],
    });
  });

  it('refuses a step with too many packages, or too much template text, before rendering', () => {
    const plan = diamond();
    const step = plan.steps[0]!;
    const many = { ...step, packages: Array.from({ length: RENDER_LIMITS.packages + 1 }, () => step.packages[0]!) };
    expect(renderStepPackages(plan, many)).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringContaining(`has ${RENDER_LIMITS.packages + 1} packages`) }],
    });
    const big = {
      ...plan,
      templates: {
        ...plan.templates,
        'invoices-table': {
          ...plan.templates['invoices-table']!,
          text: 'x'.repeat(RENDER_LIMITS.templateChars / 2 + 1),
        },
      },
    };
    const twice = { ...step, packages: [step.packages[0]!, step.packages[0]!] };
    expect(renderStepPackages(big, twice)).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringContaining('characters of template text') }],
    });
    expect(renderStepPackages(big, step).ok).toBe(true);
  });
});
