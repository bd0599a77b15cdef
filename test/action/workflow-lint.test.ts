import { readdirSync, readFileSync } from 'node:fs';
import { validateAction, validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';

/**
 * The example workflow a user copies and the action's metadata, checked against SchemaStore's GitHub workflow and
 * action schemas (action-validator, compiled to WASM), with a broken workflow to show the check can fail.
 */

const root = new URL('../../', import.meta.url);
const workflows = readdirSync(new URL('.github/workflows/', root)).filter((f) => /\.ya?ml$/.test(f));

describe('workflow and action lint', () => {
  it.each(workflows)('.github/workflows/%s is a valid workflow', (file) => {
    expect(validateWorkflow(readFileSync(new URL(`.github/workflows/${file}`, root), 'utf8')).errors).toEqual([]);
  });

  // The SchemaStore action schema that action-validator 0.6.0 (its latest) bundles predates `node24` and knows only
  // node12/16/20: the metadata is validated with the runtime named as node20, and the runtime itself is checked here.
  it('action/action.yml is valid action metadata, on node24', () => {
    const text = readFileSync(new URL('action/action.yml', root), 'utf8');
    expect(text).toMatch(/^ {2}using: node24$/m);
    expect(validateAction(text.replace(/^ {2}using: node24$/m, '  using: node20')).errors).toEqual([]);
  });

  it('finds the mistakes it is there to find', () => {
    expect(validateWorkflow('on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n').errors).not.toEqual(
      [],
    );
    expect(validateAction('name: x\nruns:\n  using: node20\n').errors).not.toEqual([]);
  });
});
