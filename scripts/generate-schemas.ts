// Writes the published JSON Schemas from the zod schemas: `npm run schemas`.
import { writeFileSync } from 'node:fs';
import { renderDeclarationJsonSchema } from '../src/core/agent/proposal.js';
import { renderPolicyJsonSchema } from '../src/core/policy/policy-json-schema.js';

writeFileSync(new URL('../schemas/aaoe.schema.json', import.meta.url), renderPolicyJsonSchema());
console.log('wrote schemas/aaoe.schema.json');

// the format of the aaoe-proposal block: a declaration (AAOE's own full proposal is one too)
writeFileSync(new URL('../schemas/proposal.schema.json', import.meta.url), renderDeclarationJsonSchema());
console.log('wrote schemas/proposal.schema.json');
writeFileSync(
  new URL('../schemas/plan.schema.json', import.meta.url),
  (await import('../src/core/plan/plan-json-schema.js')).renderPlanJsonSchema(),
);
console.log('wrote schemas/plan.schema.json');
writeFileSync(
  new URL('../docs/configuration.md', import.meta.url),
  (await import('../src/core/policy/config-reference.js')).renderConfigReference(),
);
console.log('wrote docs/configuration.md');

// the JSON files the CLI reads: a change (aaoe policy evaluate), an issue and the models (aaoe propose, AAOE_MODELS)
const { renderInputJsonSchema } = await import('../src/cli/input-file.js');
const { CHANGE_FILE } = await import('../src/cli/policy-command.js');
const { ISSUE_FILE, MODELS_FILE } = await import('../src/cli/propose-command.js');
for (const format of [CHANGE_FILE, ISSUE_FILE, MODELS_FILE]) {
  writeFileSync(new URL(`../${format.schemaFile}`, import.meta.url), renderInputJsonSchema(format));
  console.log(`wrote ${format.schemaFile}`);
}
