import { describe, expect, it } from 'vitest';
import { evaluateCostGate } from '../../../src/core/policy/gates/cost.js';
import { evaluateProtectedPathsGate } from '../../../src/core/policy/gates/protected-paths.js';
import { assessRisk, evaluateRiskGate } from '../../../src/core/policy/gates/risk.js';
import type { ChangedFile } from '../../../src/core/policy/change.js';
import type { RiskLevel } from '../../../src/core/policy/schema.js';
import { change, file, policy } from '../../support/changes.js';

describe('assessRisk', () => {
  it("weighs a plan step's change packages as risk.packages says, and only those the change carries", () => {
    const flag = file('flags/checkout.json');
    const carried = change([flag], {
      packages: [
        { path: 'flags/checkout.json', type: 'feature-flag' },
        { path: 'absent.tf', type: 'terraform' },
      ],
    });
    expect(assessRisk(carried).signals.filter((s) => s.signal === 'change-package')).toEqual([
      {
        signal: 'change-package',
        level: 'low',
        detail: 'change package `flags/checkout.json` (feature-flag, weighed low by risk.packages)',
      },
    ]);
    const weighty = assessRisk(carried, { ...policy().risk.packages, 'feature-flag': 'critical' });
    expect(weighty.level).toBe('critical');
  });

  it.each([
    ['a docs change', [file('docs/guide.md')], 'low', []],
    ['a small code change', [file('src/a.ts', { lines: ['x', 'y'] })], 'low', []],
    ['a dependency manifest', [file('package.json')], 'medium', ['dependency-manifests']],
    ['a lock file', [file('web/yarn.lock')], 'medium', ['lock-files']],
    ['a removed file', [file('src/old.ts', { status: 'removed' })], 'medium', ['deletions']],
    ['a migration', [file('db/migrations/0042_add_users.sql')], 'high', ['migrations']],
    ['Terraform', [file('infra/main.tf')], 'high', ['infrastructure']],
    // deploy/ is also where the deploy workflow's scripts live; one file in two high areas is not a combination
    ['a Helm chart', [file('deploy/charts/api/values.yaml')], 'high', ['infrastructure', 'deploy-scripts']],
    ['a Kubernetes manifest', [file('k8s/deployment.yaml')], 'high', ['infrastructure']],
    ['a workflow', [file('.github/workflows/ci.yml')], 'high', ['ci']],
    [
      'a rename out of migrations',
      [file('src/x.sql.bak', { status: 'renamed', previousPath: 'migrations/1.sql' })],
      'high',
      ['migrations'],
    ],
    [
      'migration + Terraform + lock file',
      [file('db/migrations/1.sql'), file('infra/main.tf'), file('package-lock.json')],
      'critical',
      ['migrations', 'infrastructure', 'lock-files', 'combined'],
    ],
  ] as const)('%s is %s', (_name, files, level, signals) => {
    const risk = assessRisk(change([...files]));
    expect(risk.level).toBe(level);
    expect(risk.signals.map((s) => s.signal)).toEqual(signals);
  });

  it('grades size', () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`);
    expect(assessRisk(change([file('src/a.ts', { lines: lines(301) })])).level).toBe('medium');
    expect(assessRisk(change([file('src/a.ts', { lines: lines(1001) })])).level).toBe('high');
    expect(assessRisk(change(Array.from({ length: 31 }, (_, i) => file(`src/f${i}.ts`)))).level).toBe('medium');
  });

  it.each([
    ['low', 'low', 'low'],
    ['critical', 'low', 'critical'],
    ['low', 'high', 'high'],
  ] as const)('a declared %s never lowers an own assessment of %s', (declared, _own, expected) => {
    const files = _own === 'high' ? [file('infra/main.tf')] : [file('README.md')];
    const risk = assessRisk(change(files, { declared: { risk: { level: declared } } }));
    expect(risk.level).toBe(expected);
    expect(risk.declared).toBe(declared);
  });
});

describe('assessRisk: blind spots (issue 19, hole 19)', () => {
  const noPatch = (path: string, over: Partial<ChangedFile> = {}) =>
    file(path, { patch: undefined, additions: 0, ...over });
  const bump =
    '@@ -1 +1 @@\n-Subproject commit 1111111111111111111111111111111111111111\n+Subproject commit 2222222222222222222222222222222222222222';
  it.each([
    ['CODEOWNERS at the root', [file('CODEOWNERS')], 'high', ['code-owners']],
    ['CODEOWNERS under .github/ (not also counted as CI)', [file('.github/CODEOWNERS')], 'high', ['code-owners']],
    ['CODEOWNERS under docs/', [file('docs/CODEOWNERS')], 'high', ['code-owners']],
    ['a deploy script', [file('deploy/canary.sh')], 'high', ['deploy-scripts']],
    ['scripts/deploy.sh', [file('scripts/deploy.sh')], 'high', ['deploy-scripts']],
    ['scripts/deploy/promote.sh', [file('scripts/deploy/promote.sh')], 'high', ['deploy-scripts']],
    ['a script that is not a deploy script', [file('scripts/lint.sh')], 'low', []],
    ['anything under .github/', [file('.github/dependabot.yml')], 'high', ['ci']],
    ['an issue form', [file('.github/ISSUE_TEMPLATE/bug.yml')], 'high', ['ci']],
    ['.gitmodules', [file('.gitmodules')], 'high', ['submodules']],
    ['a submodule bump', [file('vendor/lib', { patch: bump })], 'high', ['submodule-bump']],
    [
      'a submodule bump GitHub lists as changed',
      [file('vendor/lib', { status: 'changed', patch: bump })],
      'high',
      ['submodule-bump'],
    ],
    ['a mode or type change', [noPatch('bin/run', { status: 'changed' })], 'high', ['mode-change', 'no-patch']],
    ['a binary file', [noPatch('assets/logo.png', { status: 'added' })], 'medium', ['no-patch']],
    ['a file too large to diff', [noPatch('data/huge.json', { additions: 90_000 })], 'high', ['no-patch', 'size']],
    ['a pure rename', [noPatch('src/b.ts', { status: 'renamed', previousPath: 'src/a.ts' })], 'low', []],
    [
      'a renamed binary (its content may have changed)',
      [noPatch('img/b.png', { status: 'renamed', previousPath: 'img/a.png' })],
      'medium',
      ['no-patch'],
    ],
    ['a removed binary', [noPatch('assets/old.png', { status: 'removed', deletions: 0 })], 'medium', ['deletions']],
    [
      'a code change whose patch merely mentions Subproject',
      [file('src/a.ts', { lines: ['// Subproject commit x'] })],
      'low',
      [],
    ],
    [
      'CODEOWNERS and a deploy script: two areas',
      [file('CODEOWNERS'), file('deploy/canary.sh')],
      'critical',
      ['code-owners', 'deploy-scripts', 'combined'],
    ],
  ] as Array<[string, ChangedFile[], RiskLevel, string[]]>)('%s is %s', (_name, files, level, signals) => {
    const risk = assessRisk(change(files));
    expect(risk.signals.map((s) => s.signal)).toEqual(signals);
    expect(risk.level).toBe(level);
  });
});

describe('evaluateRiskGate', () => {
  const at = (level: RiskLevel) => ({ level, own: level, signals: [] });
  it.each([
    // DESIGN.md: under maxLevel medium / requireHumanApprovalAbove medium, low and medium pass, high and critical are refused
    ['low', 'medium', 'medium', 'passed'],
    ['medium', 'medium', 'medium', 'passed'],
    ['high', 'medium', 'medium', 'failed'],
    ['critical', 'medium', 'medium', 'failed'],
    // a policy that wants approvals for medium says requireHumanApprovalAbove: low
    ['medium', 'high', 'low', 'needs_approval'],
    ['low', 'high', 'low', 'passed'],
    ['high', 'critical', 'medium', 'needs_approval'],
    ['critical', 'critical', 'medium', 'needs_approval'],
  ] as const)(
    'risk %s under maxLevel %s, approval above %s: %s',
    (level, maxLevel, requireHumanApprovalAbove, outcome) => {
      const gate = evaluateRiskGate(at(level), { maxLevel, requireHumanApprovalAbove });
      expect(gate.outcome).toBe(outcome);
      expect(gate.reason).toContain(level);
      if (outcome !== 'passed') expect(gate.hint).toBeTruthy();
    },
  );
});

describe('evaluateProtectedPathsGate', () => {
  it.each([
    ['.github/workflows/ci.yml', {}, 'failed'],
    ['.github/aaoe.yml', {}, 'failed'],
    ['.github/aaoe.yaml', { allow: ['.github/**'] }, 'failed'],
    ['policies/prod.yml', {}, 'failed'],
    ['.github/workflows/ci.yml', { allow: ['.github/workflows/**'] }, 'passed'],
    ['src/payments/charge.ts', { paths: ['src/payments/**'] }, 'failed'],
    ['src/app.ts', {}, 'passed'],
    ['docs/policies.md', {}, 'passed'],
  ] as const)('%s with %o: %s', (path, protectedPaths, outcome) => {
    const gate = evaluateProtectedPathsGate(
      change([file(path)]),
      policy({ protectedPaths: structuredClone(protectedPaths) as { paths?: string[]; allow?: string[] } })
        .protectedPaths,
    );
    expect(gate.outcome).toBe(outcome);
    if (outcome === 'failed') {
      expect(gate.findings).toEqual([
        expect.objectContaining({ path, startLine: 1, level: 'failure', rule: 'protected-path' }),
      ]);
    }
  });

  it('catches a file renamed out of a protected folder', () => {
    const gate = evaluateProtectedPathsGate(
      change([file('ci.yml', { status: 'renamed', previousPath: '.github/workflows/ci.yml' })]),
      policy().protectedPaths,
    );
    expect(gate.outcome).toBe('failed');
    expect(gate.findings[0]?.message).toContain('.github/workflows/ci.yml');
  });

  it('annotates the first changed line', () => {
    const f = { ...file('.github/workflows/ci.yml'), patch: '@@ -10,2 +12,3 @@ jobs:\n   a\n+b\n   c' };
    const gate = evaluateProtectedPathsGate(change([f]), policy().protectedPaths);
    expect(gate.findings[0]).toMatchObject({ startLine: 12, endLine: 12 });
  });
});

describe('evaluateCostGate', () => {
  it.each([
    [{}, { tokens: 10, usd: 1 }, undefined, 'passed'],
    [{ maxTokens: 100 }, { tokens: 60, usd: 0 }, { tokens: 40, usd: 0 }, 'passed'],
    [{ maxTokens: 100 }, { tokens: 60, usd: 0 }, { tokens: 41, usd: 0 }, 'failed'],
    [{ maxUsd: 25 }, { tokens: 0, usd: 20 }, { tokens: 0, usd: 5.01 }, 'failed'],
    [{ maxUsd: 25, hardFailOnBreach: false }, { tokens: 0, usd: 30 }, undefined, 'needs_approval'],
  ] as const)('caps %o, spent %o, estimate %o: %s', (cost, spent, estimate, outcome) => {
    const c = change([file('src/a.ts')], { spent, ...(estimate ? { declared: { cost: estimate } } : {}) });
    expect(evaluateCostGate(c, policy({ cost }).cost).outcome).toBe(outcome);
  });
});
