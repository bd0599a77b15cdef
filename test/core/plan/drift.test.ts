import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkDrift,
  driftMarker,
  loadArchitectureModel,
  renderDriftIssue,
  type ArchitectureModel,
  type RepositoryFiles,
} from '../../../src/core/plan/drift.js';
import { formatPlanError } from '../../../src/core/plan/load-plan.js';

function model(): ArchitectureModel {
  const loaded = loadArchitectureModel(
    readFileSync(new URL('../../fixtures/plans/architecture.yml', import.meta.url), 'utf8'),
    'architecture.yml',
  );
  if (!loaded.ok) throw new Error(loaded.errors.map(formatPlanError).join('\n'));
  return loaded.model;
}

/** A repository's files at one commit. */
function files(tree: Record<string, Record<string, string>>): RepositoryFiles {
  return async (repository, path) => tree[repository]?.[path];
}

const monolithManifest = (deps: Record<string, string>) =>
  JSON.stringify({ name: '@acme/monolith', dependencies: { express: '^5.0.0', ...deps } }, null, 2);

const clean = {
  'acme/monolith': {
    'package.json': monolithManifest({ '@acme/invoicing-client': '^1.0.0' }),
    'README.md': '# monolith',
    '.github/CODEOWNERS': '* @acme/core\n',
  },
  'acme/invoicing': {
    'package.json': JSON.stringify({ name: '@acme/invoicing-client' }),
    'README.md': '# invoicing',
    'openapi.yaml': 'openapi: 3.1.0',
    CODEOWNERS: '* @acme/billing\n',
  },
};

describe('checkDrift', () => {
  it('finds nothing when the repository matches the model', async () => {
    expect(await checkDrift(model(), 'acme/monolith', files(clean))).toEqual([]);
    expect(await checkDrift(model(), 'acme/invoicing', files(clean))).toEqual([]);
  });

  it('finds a forbidden dependency with its evidence (file, line, section)', async () => {
    const pushed = {
      ...clean,
      'acme/invoicing': {
        ...clean['acme/invoicing'],
        'package.json': JSON.stringify(
          { name: '@acme/invoicing-client', dependencies: { '@acme/monolith-sdk': '2.1.0' } },
          null,
          2,
        ),
      },
    };
    const findings = await checkDrift(model(), 'acme/invoicing', files(pushed));
    expect(findings).toEqual([
      {
        kind: 'forbidden-dependency',
        service: 'invoicing',
        repository: 'acme/invoicing',
        dependsOn: 'monolith',
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        evidence: {
          path: 'package.json',
          line: 4,
          text: 'dependencies: "@acme/monolith-sdk": "2.1.0" (published by service monolith; invoicing may depend on no other service)',
        },
      },
    ]);
  });

  it('gives the same drift the same fingerprint on every push, so one issue is kept, not one per push', async () => {
    const push = (extra: Record<string, string>) => ({
      ...clean,
      'acme/invoicing': {
        ...clean['acme/invoicing'],
        'package.json': JSON.stringify(
          {
            name: '@acme/invoicing-client',
            version: extra.version,
            dependencies: { lodash: '^4', '@acme/monolith-sdk': extra.sdk },
          },
          null,
          2,
        ),
      },
    });
    const first = await checkDrift(model(), 'acme/invoicing', files(push({ version: '1.0.0', sdk: '2.1.0' })));
    const second = await checkDrift(model(), 'acme/invoicing', files(push({ version: '1.0.1', sdk: '2.2.0' }))); // another push: other lines, other versions
    expect(first).toHaveLength(1);
    expect(second.map((f) => f.fingerprint)).toEqual(first.map((f) => f.fingerprint));

    // the issue carries the fingerprint in its marker, which finds it again (the app's path: test/app/drift.e2e.test.ts)
    const issue = renderDriftIssue(first[0]!);
    expect(issue.title).toBe('Architecture drift: invoicing depends on monolith');
    expect(issue.body).toContain(driftMarker(second[0]!.fingerprint));
  });

  it("finds missing required files and an owner other than the model's team", async () => {
    const drifted = {
      'acme/monolith': {
        'package.json': monolithManifest({}),
        '.github/CODEOWNERS': '* @acme/core\n',
        CODEOWNERS: '* @acme/core\n',
      },
      'acme/invoicing': { 'package.json': '{}', CODEOWNERS: '* @acme/core\n/docs/ @acme/billing\n' },
    };
    const findings = await checkDrift(model(), 'acme/invoicing', files(drifted));
    expect(findings.map((f) => [f.kind, f.evidence.path, f.evidence.text])).toEqual([
      ['missing-file', 'README.md', 'required by the architecture model for service invoicing, not found'],
      ['missing-file', 'openapi.yaml', 'required by the architecture model for service invoicing, not found'],
      ['owner-mismatch', 'CODEOWNERS', 'package.json is owned by @acme/core; the model says @acme/billing'],
    ]);
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(3);
  });

  it('reports an unreadable manifest instead of passing it', async () => {
    const findings = await checkDrift(
      model(),
      'acme/invoicing',
      files({ 'acme/invoicing': { ...clean['acme/invoicing'], 'package.json': '{ not json' } }),
    );
    expect(findings.map((f) => f.kind)).toEqual(['unreadable-manifest']);
  });
});

describe('loadArchitectureModel', () => {
  it.each([
    [
      'an unknown dependency',
      'services:\n  a:\n    repository: acme/a\n    team: acme/core\n    dependsOn: [b]\n',
      'model.yml:5:17: unknown service "b" (at services.a.dependsOn[0]). Fix: name a service of the model: a',
    ],
    [
      'an unknown key',
      'services:\n  a:\n    repository: acme/a\n    team: acme/core\n    owner: acme/core\n',
      expect.stringMatching(
        /^model\.yml:5:5: unknown key "owner" in services\.a .*allowed keys: repository, team, path, packages, dependsOn, requiredFiles$/,
      ),
    ],
  ])('reports %s with file:line:col', (_, text, expected) => {
    const loaded = loadArchitectureModel(text, 'model.yml');
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.errors.map(formatPlanError)).toEqual([expected]);
  });
});
