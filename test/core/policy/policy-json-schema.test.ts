import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigReference } from '../../../src/core/policy/config-reference.js';
import { renderPolicyJsonSchema } from '../../../src/core/policy/policy-json-schema.js';

describe('schemas/aaoe.schema.json', () => {
  it('is the schema generated from the zod schema (run `npm run schemas` after changing src/core/policy/schema.ts)', () => {
    const committed = readFileSync(new URL('../../../schemas/aaoe.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderPolicyJsonSchema());
  });

  it('docs/configuration.md is the reference generated from it, with a meaning for every top-level key', () => {
    const committed = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderConfigReference());
    const schema = JSON.parse(renderPolicyJsonSchema());
    const undocumented = Object.entries(schema.properties as Record<string, { description?: string }>)
      .filter(([key, s]) => !s.description && !['id', 'description'].includes(key))
      .map(([key]) => key);
    expect(undocumented).toEqual([]);
  });

  it('rejects unknown keys at every level, as the app does', () => {
    const schema = JSON.parse(renderPolicyJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.risk.additionalProperties).toBe(false);
    expect(schema.properties.deployment.properties.autoRollback.additionalProperties).toBe(false);
  });
});
