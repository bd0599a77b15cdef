// Writes the published JSON Schemas from the zod schemas: `npm run schemas`.
import { writeFileSync } from 'node:fs';
import { renderPolicyJsonSchema } from '../src/policy/policy-json-schema.js';

writeFileSync(new URL('../schemas/aaoe.schema.json', import.meta.url), renderPolicyJsonSchema());
console.log('wrote schemas/aaoe.schema.json');
