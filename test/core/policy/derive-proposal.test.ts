import { describe, expect, it } from 'vitest';
import { parseCodeowners } from '../../../src/core/agent/codeowners.js';
import type { ChangedFile, IrreversibleKind } from '../../../src/core/policy/change.js';
import {
  MAX_PATCH_SCAN_CHARS,
  areaOf,
  deriveProposal,
  irreversibleOf,
} from '../../../src/core/policy/derive-proposal.js';
import { file } from '../../support/changes.js';

const removed = (path: string, lines: string[]): ChangedFile => ({
  path,
  status: 'removed',
  additions: 0,
  deletions: lines.length,
  patch: `@@ -1,${lines.length} +0,0 @@\n${lines.map((l) => `-${l}`).join('\n')}`,
});

describe('irreversibleOf: what a revert of the merge commit cannot undo', () => {
  it.each<[string, ChangedFile, IrreversibleKind | undefined, RegExp?]>([
    // schema migrations, by the directories the frameworks use
    ['a Rails migration', file('db/migrate/20260101_add_note.rb'), 'schema-migration', /migrations directory/],
    ['a Django migration', file('shop/migrations/0007_order_note.py'), 'schema-migration'],
    ['a Prisma migration', file('prisma/migrations/20260101/migration.sql'), 'schema-migration'],
    ['an Alembic revision', file('alembic/versions/abc123_note.py'), 'schema-migration'],
    ['a Flyway migration', file('src/main/resources/db/migration/V3__note.sql'), 'schema-migration'],
    ['a Flyway file anywhere', file('sql/V12__orders.sql'), 'schema-migration'],
    ['a Liquibase changelog', file('src/main/resources/db/changelog/db.changelog-master.yaml'), 'schema-migration'],
    ['an EF Core migration', file('src/Data/Migrations/20260101_Note.cs'), 'schema-migration'],
    ['the Prisma schema', file('prisma/schema.prisma'), 'schema-migration', /Prisma/],
    [
      'DDL in a loose SQL file',
      file('sql/reporting.sql', { lines: ['-- views', 'create view totals as select 1;'] }),
      'schema-migration',
      /DDL in SQL \(`CREATE`\)/,
    ],
    [
      'DML in a loose SQL file',
      file('scripts/fix.sql', { lines: ['  UPDATE orders SET note = null;'] }),
      'data-change',
      /DML in SQL \(`UPDATE`\)/,
    ],
    [
      'SQL GitHub shows no patch for',
      { path: 'dump/big.sql', status: 'added', additions: 90000, deletions: 0 },
      'schema-migration',
      /cannot tell/,
    ],
    ['a SELECT-only SQL file', file('queries/report.sql', { lines: ['SELECT 1;'] }), undefined],
    // infrastructure as code, also when a file is removed (the resources go with it)
    ['Terraform', file('infra/main.tf'), 'infrastructure', /a revert changes the files, not the infrastructure/],
    ['a removed Terraform file', file('infra/old.tf', { status: 'removed' }), 'infrastructure'],
    ['Terraform variables', file('infra/prod.tfvars'), 'infrastructure'],
    ['a Pulumi stack', file('deploy/Pulumi.prod.yaml'), 'infrastructure'],
    ['a Bicep template', file('infra/main.bicep'), 'infrastructure'],
    [
      'a removed PersistentVolumeClaim',
      removed('k8s/db-pvc.yaml', ['apiVersion: v1', 'kind: PersistentVolumeClaim', 'metadata:', '  name: db']),
      'infrastructure',
      /PersistentVolumeClaim removed/,
    ],
    ['a Kubernetes Deployment changed', file('k8s/api.yaml', { lines: ['kind: Deployment'] }), undefined],
    ['a Helm values file', file('charts/api/values.yaml'), undefined],
    // data changes
    ['a seed', file('db/seeds/products.rb'), 'data-change', /seed or backfill/],
    ['a backfill script', file('scripts/backfill_order_notes.py'), 'data-change'],
    // external side effects
    [
      'a workflow that publishes',
      file('.github/workflows/release.yml', { lines: ['      - run: npm publish --access public'] }),
      'external-side-effect',
      /`npm publish`/,
    ],
    [
      'a workflow that pushes images',
      file('.github/workflows/image.yml', { lines: ['      - uses: docker/build-push-action@v6'] }),
      'external-side-effect',
    ],
    ['a workflow that only tests', file('.github/workflows/ci.yml', { lines: ['      - run: npm test'] }), undefined],
    ['a DNS zone', file('dns/example.com.zone'), 'external-side-effect', /TTL/],
    // what a revert undoes
    ['a docs page', file('docs/usage.md'), undefined],
    ['code', file('src/app.ts', { lines: ['export const x = "CREATE TABLE";'] }), undefined],
    ['a README in a migrations directory', file('db/migrations/README.md'), undefined],
    [
      'a removed migration (a revert restores the file; nothing ran)',
      file('db/migrations/1.sql', { status: 'removed' }),
      undefined,
    ],
  ])('%s', (_name, f, kind, why) => {
    const found = irreversibleOf(f);
    expect(found?.kind).toBe(kind);
    if (found) expect(found.path).toBe(f.path);
    if (why) expect(found?.why).toMatch(why);
  });

  it('reads a bounded prefix of a huge patch, in linear time', () => {
    const huge = `@@ -0,0 +1 @@\n${'+SELECT 1;\n'.repeat(MAX_PATCH_SCAN_CHARS / 10)}+DROP TABLE orders;`;
    const started = performance.now();
    expect(irreversibleOf({ path: 'x.sql', status: 'added', additions: 1, deletions: 0, patch: huge })).toBeUndefined();
    const oneLine = `@@ -0,0 +1 @@\n+${'a'.repeat(2_000_000)}`;
    expect(
      irreversibleOf({ path: '.github/workflows/x.yml', status: 'added', additions: 1, deletions: 0, patch: oneLine }),
    ).toBeUndefined();
    expect(
      irreversibleOf({
        path: 'k8s/x.yaml',
        status: 'removed',
        additions: 0,
        deletions: 1,
        patch: `-kind:${' '.repeat(2_000_000)}x`,
      }),
    ).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

describe('areaOf', () => {
  it.each([
    ['README.md', '(root)'],
    ['docs/usage.md', 'docs/'],
    ['packages/api/src/index.ts', 'packages/api/'],
    ['services/billing/main.go', 'services/billing/'],
    ['packages/README.md', 'packages/'],
  ])('%s is in %s', (path, area) => expect(areaOf(path)).toBe(area));
});

describe('deriveProposal', () => {
  const codeowners = {
    path: '.github/CODEOWNERS',
    parsed: parseCodeowners('* @octo-org/core\n/docs/ @octo-org/docs\n/db/ @dana\n/vendor/\n'),
  };

  it('names the files, areas and owners (CODEOWNERS at the base), and what a revert cannot undo', () => {
    const derived = deriveProposal({
      files: [
        file('docs/a.md'),
        file('db/migrations/2.sql'),
        file('vendor/x.js'),
        file('packages/api/src/a.ts', { status: 'renamed', previousPath: 'packages/web/src/a.ts' }),
      ],
      codeowners,
    });
    expect(derived).toEqual({
      files: 4,
      areas: ['db/', 'docs/', 'packages/api/', 'packages/web/', 'vendor/'],
      codeowners: '.github/CODEOWNERS',
      owners: ['@dana', '@octo-org/core', '@octo-org/docs'],
      unowned: 1,
      irreversible: [{ kind: 'schema-migration', path: 'db/migrations/2.sql', why: 'a migrations directory' }],
    });
  });

  it('says there is no CODEOWNERS file rather than no owner', () => {
    expect(deriveProposal({ files: [file('docs/a.md')] })).toMatchObject({
      codeowners: null,
      owners: [],
      unowned: 0,
      irreversible: [],
    });
  });
});
