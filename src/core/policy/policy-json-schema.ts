import { z } from 'zod';
import { Policy } from './schema.js';

/**
 * The JSON Schema of `.github/aaoe.yml` and `policies/*.yml`, generated from the zod schema so that
 * editors validate what the app validates. Committed as `schemas/aaoe.schema.json`; a test keeps it in step.
 */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(Policy, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://github.com/aaoe/aaoe/schemas/aaoe.schema.json',
    title: 'AAOE policy (.github/aaoe.yml and policies/*.yml)',
  };
}

export function renderPolicyJsonSchema(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
