import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Change } from '../../../src/core/policy/change.js';
import { evaluatePolicy } from '../../../src/core/policy/evaluate-policy.js';
import { SUMMARY_LIMIT, explainEvaluation, explainInvalidPolicy } from '../../../src/core/policy/explain.js';
import { change, file, policy, PROD_POLICY } from '../../support/changes.js';

const fixture = (name: string) =>
  Change.parse(JSON.parse(readFileSync(new URL(`../../fixtures/changes/${name}`, import.meta.url), 'utf8')));

describe('the aaoe/policy check text (golden files)', () => {
  it('explains a refused high-risk change', async () => {
    const text = explainEvaluation(await evaluatePolicy(fixture('high-risk-change.json'), policy(PROD_POLICY)), {
      policySource: '`.github/aaoe.yml` on the default branch',
    });
    await expect(`# ${text.title}\n\n${text.summary}\n`).toMatchFileSnapshot('../../golden/high-risk-prod-policy.md');
  });

  it('explains an invalid policy', async () => {
    const text = explainInvalidPolicy([
      {
        file: '.github/aaoe.yml',
        line: 3,
        column: 13,
        path: 'risk.maxLevel',
        message: '"huge" is not allowed',
        hint: 'use one of: low, medium, high, critical',
      },
    ]);
    await expect(`# ${text.title}\n\n${text.summary}\n`).toMatchFileSnapshot('../../golden/invalid-policy.md');
  });

  it('keeps the summary within what GitHub accepts', async () => {
    const files = Array.from({ length: 3000 }, (_, i) =>
      file(`db/migrations/${String(i).padStart(5, '0')}-a-rather-long-migration-name.sql`),
    );
    const text = explainEvaluation(await evaluatePolicy(change(files), policy()));
    expect(text.summary.length).toBeLessThanOrEqual(SUMMARY_LIMIT);
  });

  it('escapes table cells', async () => {
    const evaluation = await evaluatePolicy(change([file('docs/a.md')]), policy());
    evaluation.gates[0]!.reason = 'a | b\nc';
    expect(explainEvaluation(evaluation).summary).toContain('a \\| b c');
  });
});
