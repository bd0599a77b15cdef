import { describe, expect, it } from 'vitest';
import type { DeclarationFacts, DerivedProposal } from '../../../../src/core/policy/change.js';
import { evaluatePolicy } from '../../../../src/core/policy/evaluate-policy.js';
import { explainEvaluation } from '../../../../src/core/policy/explain.js';
import { evaluateResilienceGate, quoted, requiredDeclaration } from '../../../../src/core/policy/gates/resilience.js';
import type { RequireDeclaration, RiskLevel } from '../../../../src/core/policy/schema.js';
import { change, file, policy } from '../../../support/changes.js';

const reversible: DerivedProposal = {
  files: 1,
  areas: ['docs/'],
  codeowners: null,
  owners: [],
  unowned: 0,
  irreversible: [],
};
const migration: DerivedProposal = {
  ...reversible,
  areas: ['db/'],
  irreversible: [{ kind: 'schema-migration', path: 'db/migrations/1.sql', why: 'a migrations directory' }],
};
const none: DeclarationFacts = { status: 'none' };
const plan: DeclarationFacts = { status: 'declared', source: 'pull-request-body', rollbackPlan: 'Run 1_down.sql.' };
const riskDeclared = { risk: { level: 'high' as const, rationale: 'Touches orders.' } };

function gate(options: {
  rule?: RequireDeclaration;
  derived?: DerivedProposal;
  declaration?: DeclarationFacts;
  declared?: typeof riskDeclared;
  risk?: RiskLevel;
}) {
  const p = policy({ resilience: { requireDeclaration: options.rule ?? 'irreversible' } });
  return evaluateResilienceGate({
    proposal: { declaration: options.declaration ?? none },
    derived: options.derived ?? reversible,
    declared: options.declared,
    risk: options.risk ?? 'low',
    policy: p,
  });
}

describe('requiredDeclaration', () => {
  it.each<[RequireDeclaration, DerivedProposal, RiskLevel, string[]]>([
    ['irreversible', reversible, 'critical', []],
    ['irreversible', migration, 'low', ['rollbackPlan']],
    ['never', migration, 'critical', []],
    ['always', reversible, 'low', ['rollbackPlan', 'risk']],
    ['always', migration, 'low', ['rollbackPlan', 'risk']],
    [{ above: 'medium' }, reversible, 'medium', []],
    [{ above: 'medium' }, reversible, 'high', ['rollbackPlan', 'risk']],
    // a revert that cannot undo the change needs a plan whatever the risk, unless `never`
    [{ above: 'high' }, migration, 'high', ['rollbackPlan']],
  ])('%o on %o at risk %s asks for %o', (rule, derived, risk, fields) => {
    expect(requiredDeclaration(rule, derived, risk).map((r) => r.field)).toEqual(fields);
  });
});

describe('evaluateResilienceGate', () => {
  it.each<[string, Parameters<typeof gate>[0], 'passed' | 'failed']>([
    ['a reversible change with no declaration', {}, 'passed'],
    ['a migration with no declaration', { derived: migration }, 'failed'],
    ['a migration with a rollback plan', { derived: migration, declaration: plan }, 'passed'],
    ['a migration under `never`', { derived: migration, rule: 'never' }, 'passed'],
    [
      'a declared risk but no plan for a migration',
      { derived: migration, declaration: { status: 'declared', source: 'pull-request-body' }, declared: riskDeclared },
      'failed',
    ],
    ['`always` with a plan but no risk', { rule: 'always', declaration: plan }, 'failed'],
    [
      '`always` with a plan and a risk with its rationale',
      { rule: 'always', declaration: plan, declared: riskDeclared },
      'passed',
    ],
    ['`above: medium` at high with nothing', { rule: { above: 'medium' }, risk: 'high' }, 'failed'],
    ['`above: medium` at medium with nothing', { rule: { above: 'medium' }, risk: 'medium' }, 'passed'],
    [
      'an invalid block, even under `never`',
      { rule: 'never', declaration: { status: 'invalid', message: 'the block is not valid JSON' } },
      'failed',
    ],
  ])('%s: %s', (_name, options, outcome) => {
    expect(gate(options).outcome).toBe(outcome);
  });

  it('says what a revert cannot undo and gives the block to copy', () => {
    const result = gate({ derived: migration });
    expect(result.reason).toBe(
      'A revert of the merge commit cannot undo a schema migration (`db/migrations/1.sql`) and the pull request declares no rollback plan.',
    );
    expect(result.hint).toContain(
      '\n\n  ```aaoe-proposal\n  {"rollbackPlan": "<how to undo the schema migration: a down migration, a restore, a manual step>"}\n  ```',
    );
    expect(result.evidence).toEqual([
      'deployment: canary at 10% (from the policy)',
      'rollback: a revert of the merge commit (derived)',
      'schema migration: `db/migrations/1.sql` (a migrations directory) (derived)',
      'blast radius: 1 file in `db/`; no CODEOWNERS file at the base (derived)',
      'declaration: none in the pull request body, one is required (resilience.requireDeclaration: irreversible)',
    ]);
  });

  it('passes a migration under `never` without claiming a plan was declared', () => {
    expect(gate({ derived: migration, rule: 'never' }).reason).toBe(
      'A revert cannot undo a schema migration (`db/migrations/1.sql`); the policy asks for no declaration (resilience.requireDeclaration: never).',
    );
  });

  it('asks for the risk at the level AAOE computed, with the rule that asks', () => {
    const result = gate({ rule: { above: 'medium' }, risk: 'high', declaration: plan });
    expect(result.reason).toContain(
      'The policy asks a change of risk high (above medium) to declare its risk and rollback plan (resilience.requireDeclaration: { above: medium }); this one declares no risk with a rationale.',
    );
    expect(result.hint).toContain('{"risk": {"level": "high", "rationale": "<why this risk>"}}');
  });

  it('shows which facts were derived and which declared', () => {
    const declaration: DeclarationFacts = {
      status: 'declared',
      source: 'pull-request-body',
      rollbackPlan: 'Run 1_down.sql.',
      blastRadius: 'Orders only.',
      strategy: 'direct',
    };
    const result = evaluateResilienceGate({
      proposal: { declaration },
      derived: migration,
      declared: { ...riskDeclared, cost: { tokens: 1200, usd: 0.5 } },
      risk: 'high',
      policy: policy(),
    });
    expect(result.evidence).toEqual(
      expect.arrayContaining([
        'rollback: a revert of the merge commit (derived)',
        "deployment strategy: direct (declared in the pull request body; the policy's strategy is the one used)",
        'rollback plan: Run 1_down.sql. (declared in the pull request body)',
        'blast radius: Orders only. (declared in the pull request body)',
        "risk: high, Touches orders. (declared in the pull request body; it only ever raises AAOE's)",
        'cost: 1200 tokens, $0.50 (declared in the pull request body; recorded as declared, not measured)',
      ]),
    );
  });

  it('names a long list of irreversible files once each, up to a bound', () => {
    const many: DerivedProposal = {
      ...migration,
      irreversible: Array.from({ length: 25 }, (_, i) => ({
        kind: 'infrastructure' as const,
        path: `infra/${i}.tf`,
        why: 'Terraform',
      })),
    };
    const result = gate({ derived: many });
    expect(result.reason).toContain('an infrastructure change (`infra/0.tf`) and 24 more files');
    expect(result.evidence.filter((e) => e.startsWith('infrastructure change:'))).toHaveLength(20);
    expect(result.evidence).toContain('… and 5 more files a revert cannot undo (derived)');
  });
});

describe('the gate shows agent text as data', () => {
  it('keeps a path with a line break or a backtick on its line, inside its code span', () => {
    const derived: DerivedProposal = {
      ...migration,
      irreversible: [{ kind: 'data-change', path: 'seeds/a`\n</details>\n# b.sql', why: 'a seed' }],
    };
    const result = gate({ derived });
    const line = result.evidence.find((e) => e.startsWith('data change:'));
    expect(line).toBe("data change: `seeds/a'\ufffd</details>\ufffd# b.sql` (a seed) (derived)");
  });

  it("quotes every line of an invalid block's message", () => {
    const result = gate({
      declaration: { status: 'invalid', message: 'the block does not match:\n- @admins: unknown key <b>' },
    });
    expect(result.evidence.slice(-2)).toEqual(['the block does not match:', '- @\u200dadmins: unknown key &lt;b&gt;']);
  });
});

describe("quoted: an author's words in the check", () => {
  it.each([
    ['mentions', 'ping @octo-org/admins', 'ping @\u200docto-org/admins'],
    ['HTML that would close the details', 'x</details><img src=x>', 'x&lt;/details&gt;&lt;img src=x&gt;'],
    ['links', '[click](https://evil.example)', '\\[click\\](https://evil.example)'],
    ['line breaks', 'a\n\n- b', 'a - b'],
  ])('neutralises %s', (_name, text, shown) => expect(quoted(text)).toBe(shown));

  it('is one bounded line', () => {
    expect(quoted('x'.repeat(10_000))).toHaveLength(200);
  });
});

describe('evaluatePolicy with proposal facts', () => {
  it('derives from the files when the facts carry no derivation (aaoe policy evaluate --change with "proposal": {})', async () => {
    const evaluation = await evaluatePolicy(change([file('db/migrations/3.sql')], { proposal: {} }), policy());
    const resilience = evaluation.gates.find((g) => g.gate === 'resilience');
    expect(resilience?.outcome).toBe('failed');
    expect(resilience?.reason).toContain('`db/migrations/3.sql`');
  });

  it('judges `above` against the computed risk: a declared risk raises it', async () => {
    const p = policy({ resilience: { requireDeclaration: { above: 'medium' } } });
    const docs = change([file('docs/a.md')], { proposal: {} });
    expect((await evaluatePolicy(docs, p)).gates.find((g) => g.gate === 'resilience')?.outcome).toBe('passed');
    const raised = change([file('docs/a.md')], {
      proposal: { declaration: { status: 'declared', source: 'pull-request-body' } },
      declared: { risk: { level: 'high' } },
    });
    expect((await evaluatePolicy(raised, p)).gates.find((g) => g.gate === 'resilience')?.outcome).toBe('failed');
  });

  it('renders the block to copy as a code block inside the "what to do next" item', async () => {
    const evaluation = await evaluatePolicy(change([file('db/migrations/3.sql')], { proposal: {} }), policy());
    const { summary } = explainEvaluation(evaluation);
    expect(summary).toMatch(
      /\n- \*\*Resilience\*\*: Declare how to undo it: add this block[^\n]*\n\n {2}```aaoe-proposal\n {2}\{"rollbackPlan": "[^"\n]+"\}\n {2}```\n/,
    );
  });
});
