import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPlanJsonSchema } from '../../../src/core/plan/plan-json-schema.js';

describe('schemas/plan.schema.json', () => {
  it('is the schema generated from the zod schema (run `npm run schemas` after changing src/core/plan/schema.ts)', () => {
    const committed = readFileSync(new URL('../../../schemas/plan.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderPlanJsonSchema());
  });

  it('rejects unknown keys at the top, in the policy and in steps, as `aaoe plan validate` does', () => {
    const schema = JSON.parse(renderPlanJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.policy.additionalProperties).toBe(false);
    expect(schema.properties.steps.items.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'goal', 'steps']));
    expect(schema.properties.steps.items.required).toEqual(expect.arrayContaining(['id', 'repository', 'team']));
  });
});
