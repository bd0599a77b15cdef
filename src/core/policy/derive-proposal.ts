import picomatch from 'picomatch';
import { ownersOf, type Codeowners } from '../agent/codeowners.js';
import type { ChangedFile, DerivedProposal, Irreversible, IrreversibleKind } from './change.js';

/**
 * What a proposal would say, derived from the change itself, so that no agent has to write one: the blast radius
 * (files, the packages or services touched, their owners in CODEOWNERS at the base) and what a revert of the merge
 * commit cannot undo, each named with its file. Pure; the patches are an agent's text, so every scan is one linear
 * pass over a bounded prefix, with fixed needles and no regular expression that can backtrack.
 *
 * It errs towards naming a file: a false "a revert cannot undo this" costs the author one line of declaration (a
 * rollback plan), a missed one costs a production database.
 */

export type DeriveInput = {
  files: readonly ChangedFile[];
  /** The CODEOWNERS file at the base commit, parsed, and where it was read; absent when there is none. */
  codeowners?: { path: string; parsed: Codeowners };
};

/** A patch longer than this is scanned only this far (GitHub's own patches stop well before). */
export const MAX_PATCH_SCAN_CHARS = 1_000_000;

/** Directories that hold one package or service per subdirectory (monorepo conventions): `packages/api/` is the area. */
const CONTAINER_DIRS = new Set([
  'packages',
  'services',
  'apps',
  'libs',
  'modules',
  'cmd',
  'crates',
  'components',
  'plugins',
  'functions',
  'lambdas',
]);

type PathRule = {
  kind: IrreversibleKind;
  why: string;
  globs: string[];
  /** Also when the file is removed. */ removal?: boolean;
};

/** Documentation beside migrations (a README in `migrations/`) is no migration. */
const NOT_CODE = ['**/*.md', '**/*.rst', '**/*.txt'];

/** What a revert cannot undo, recognised by path alone. The first rule that matches a file names it. */
const PATH_RULES: PathRule[] = [
  {
    kind: 'schema-migration',
    why: 'a migrations directory',
    // Rails db/migrate, Django/Knex/TypeORM/Sequelize/Laravel/Ecto/Prisma/golang-migrate migrations, EF Migrations,
    // Alembic versions, Flyway db/migration and V<n>__ files, Liquibase changelogs
    globs: [
      '**/migrations/**',
      '**/Migrations/**',
      '**/migrate/**',
      '**/db/migration/**',
      '**/alembic/versions/**',
      '**/flyway/**',
      '**/liquibase/**',
      '**/db.changelog*',
      '**/V[0-9]*__*.sql',
    ],
  },
  {
    kind: 'schema-migration',
    why: 'a database schema applied as a whole (Prisma `db push`, Rails `db:schema:load`)',
    globs: ['**/schema.prisma', '**/db/schema.rb', '**/db/structure.sql'],
  },
  {
    kind: 'infrastructure',
    why: 'infrastructure as code: a revert changes the files, not the infrastructure, and what was destroyed or replaced in between comes back empty',
    globs: [
      '**/*.tf',
      '**/*.tf.json',
      '**/*.tfvars',
      '**/*.tfvars.json',
      '**/terragrunt.hcl',
      '**/Pulumi.yaml',
      '**/Pulumi.*.yaml',
      '**/cloudformation/**',
      '**/*.cfn.yaml',
      '**/*.cfn.yml',
      '**/*.cfn.json',
      '**/cdk.json',
      '**/*.bicep',
      '**/serverless.yml',
      '**/serverless.yaml',
    ],
    removal: true,
  },
  {
    kind: 'data-change',
    why: 'a seed or backfill script: what it writes stays after a revert',
    globs: [
      '**/seeds/**',
      '**/seed/**',
      '**/seeders/**',
      '**/seeds.*',
      '**/seed.*',
      '**/*backfill*',
      '**/*backfill*/**',
      '**/data-migrations/**',
      '**/data_migrations/**',
      '**/datamigrations/**',
    ],
  },
  {
    kind: 'external-side-effect',
    why: 'DNS records: resolvers keep the old answers for their TTL after a revert',
    globs: ['**/*.zone', '**/dns/**', '**/octodns/**', '**/dnsconfig.js'],
  },
];

const compiledRules = PATH_RULES.map((rule) => ({
  rule,
  match: picomatch(rule.globs, { dot: true, ignore: NOT_CODE }),
}));

const SQL_DDL = new Set(['CREATE', 'ALTER', 'DROP', 'RENAME', 'TRUNCATE', 'GRANT', 'REVOKE']);
const SQL_DML = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'UPSERT', 'COPY', 'REPLACE']);

/** CI files whose added lines are read for commands that publish (see PUBLISH_NEEDLES). */
const isCiFile = picomatch(
  [
    '.github/workflows/*.yml',
    '.github/workflows/*.yaml',
    '.github/actions/**',
    '.gitlab-ci.yml',
    '.circleci/config.yml',
    '**/Jenkinsfile',
    'azure-pipelines.yml',
  ],
  { dot: true },
);

/** Commands and actions that publish, release or apply from CI: what they do stays after a revert. Lower case. */
const PUBLISH_NEEDLES = [
  'npm publish',
  'yarn publish',
  'yarn npm publish',
  'pnpm publish',
  'bun publish',
  'twine upload',
  'poetry publish',
  'uv publish',
  'gh-action-pypi-publish',
  'cargo publish',
  'gem push',
  'mvn deploy',
  'gradle publish',
  'gradlew publish',
  'nuget push',
  'docker push',
  'docker/build-push-action',
  'goreleaser',
  'gh release create',
  'action-gh-release',
  'semantic-release',
  'changesets/action',
  'helm push',
  'vsce publish',
  'ovsx publish',
  'terraform apply',
  'pulumi up',
  'kubectl apply',
];

/** Kubernetes kinds whose deletion deletes what they hold: a revert re-creates them empty. */
const STATEFUL_KINDS = new Set(['PersistentVolumeClaim', 'PersistentVolume', 'Namespace', 'CustomResourceDefinition']);

export function deriveProposal(input: DeriveInput): DerivedProposal {
  const areas = new Set<string>();
  const owners = new Set<string>();
  let unowned = 0;
  const irreversible: Irreversible[] = [];
  for (const file of input.files) {
    const paths = file.previousPath && file.previousPath !== file.path ? [file.path, file.previousPath] : [file.path];
    for (const path of paths) {
      areas.add(areaOf(path));
      if (!input.codeowners) continue;
      const found = ownersOf(input.codeowners.parsed, path);
      if (found.length === 0) unowned++;
      for (const owner of found) owners.add(owner);
    }
    const found = irreversibleOf(file);
    if (found) irreversible.push(found);
  }
  return {
    files: input.files.length,
    areas: [...areas].sort(),
    codeowners: input.codeowners?.path ?? null,
    owners: [...owners].sort(),
    unowned,
    irreversible,
  };
}

/** The package, service or top-level directory a path belongs to. */
export function areaOf(path: string): string {
  const segments = path.split('/');
  if (segments.length === 1) return '(root)';
  const [first = '', second = ''] = segments;
  return CONTAINER_DIRS.has(first) && segments.length > 2 ? `${first}/${second}/` : `${first}/`;
}

/** Why a revert of the merge commit cannot undo this file's change, or undefined when it can (as far as AAOE sees). */
export function irreversibleOf(file: ChangedFile): Irreversible | undefined {
  const removed = file.status === 'removed';
  for (const { rule, match } of compiledRules) {
    if ((removed && !rule.removal) || !match(file.path)) continue;
    return { kind: rule.kind, path: file.path, why: rule.why };
  }
  if (file.path.toLowerCase().endsWith('.sql') && !removed) return sqlChange(file);
  if (isCiFile(file.path) && !removed) {
    const needle = firstAdded(file.patch, (line) => {
      const lower = line.toLowerCase();
      return PUBLISH_NEEDLES.find((n) => lower.includes(n));
    });
    if (needle)
      return {
        kind: 'external-side-effect',
        path: file.path,
        why: `CI that publishes or applies (\`${needle}\`): what it releases stays released after a revert`,
      };
  }
  if (/\.ya?ml$/i.test(file.path)) {
    const kind = firstChanged(file.patch, '-', (line) => {
      const text = line.trim();
      if (!text.startsWith('kind:')) return undefined;
      const value = text
        .slice('kind:'.length)
        .trim()
        .replace(/^["']|["']$/g, '');
      return STATEFUL_KINDS.has(value) ? value : undefined;
    });
    if (kind)
      return {
        kind: 'infrastructure',
        path: file.path,
        why: `a Kubernetes ${kind} removed: what it holds is deleted, and a revert re-creates it empty`,
      };
  }
  return undefined;
}

/** SQL outside a migrations directory: DDL is a schema change, DML a data change; unreadable SQL counts as both. */
function sqlChange(file: ChangedFile): Irreversible | undefined {
  if (file.patch === undefined) {
    return {
      kind: 'schema-migration',
      path: file.path,
      why: 'SQL that GitHub shows no patch for: AAOE cannot tell whether it changes the schema or the data',
    };
  }
  const found = firstAdded(file.patch, (line) => {
    const word = firstWord(line);
    if (SQL_DDL.has(word)) return { kind: 'schema-migration' as const, word };
    if (SQL_DML.has(word)) return { kind: 'data-change' as const, word };
    return undefined;
  });
  if (!found) return undefined;
  return {
    kind: found.kind,
    path: file.path,
    why: `${found.kind === 'schema-migration' ? 'DDL' : 'DML'} in SQL (\`${found.word}\`)`,
  };
}

/** The upper-cased first word of a line (letters only, at most 16): a keyword test that reads a bounded prefix. */
function firstWord(line: string): string {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  let word = '';
  for (; i < line.length && word.length <= 16; i++) {
    const c = line.charAt(i);
    if (!/[A-Za-z]/.test(c)) break;
    word += c;
  }
  return word.toUpperCase();
}

function firstAdded<T>(patch: string | undefined, test: (line: string) => T | undefined): T | undefined {
  return firstChanged(patch, '+', test);
}

/** The first added (`+`) or removed (`-`) line of a patch that `test` recognises, reading at most MAX_PATCH_SCAN_CHARS. */
function firstChanged<T>(
  patch: string | undefined,
  sign: '+' | '-',
  test: (line: string) => T | undefined,
): T | undefined {
  if (patch === undefined) return undefined;
  const text = patch.length > MAX_PATCH_SCAN_CHARS ? patch.slice(0, MAX_PATCH_SCAN_CHARS) : patch;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (text[start] === sign && !text.startsWith(sign.repeat(3), start)) {
      const found = test(text.slice(start + 1, end));
      if (found !== undefined) return found;
    }
    start = end + 1;
  }
  return undefined;
}
