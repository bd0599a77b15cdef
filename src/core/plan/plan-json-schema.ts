import { z } from 'zod';
import { Plan } from './schema.js';

/**
 * The JSON Schema of plan files (`plans/*.yml`), generated from the zod schema so that editors validate what
 * `aaoe plan validate` validates. Committed as `schemas/plan.schema.json`; a test keeps it in step.
 */
export function planJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(Plan, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://github.com/aaoe/aaoe/schemas/plan.schema.json',
    title: 'AAOE architecture plan (plans/*.yml)',
  };
}

export function renderPlanJsonSchema(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}
