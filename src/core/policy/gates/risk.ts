import picomatch from 'picomatch';
import { BINARY_PATH } from '../binary-path.js';
import type { Change } from '../change.js';
import type { GateResult, RiskAssessment, RiskSignal } from '../evaluation.js';
import { DEFAULT_PACKAGE_RISK, compareRisk, maxRisk, type Policy, type RiskLevel } from '../schema.js';

/**
 * AAOE's own risk assessment of a change, and the risk gate. The level the gate judges is the higher
 * of this assessment and the agent's declaration: a proposal can raise risk, never lower it.
 */

type Area = {
  signal: string;
  level: RiskLevel;
  globs: string[];
  what: string;
  /** Paths another area weighs. */ except?: string[];
};

/** Areas of a repository where a change is risky in itself. Globs match anywhere in the tree. */
export const RISK_AREAS: Area[] = [
  {
    signal: 'migrations',
    level: 'high',
    what: 'database migrations',
    globs: [
      '**/migrations/**',
      '**/migrate/**',
      '**/*.sql',
      '**/db/schema.rb',
      '**/alembic/versions/**',
      '**/flyway/**',
      '**/liquibase/**',
    ],
  },
  {
    signal: 'infrastructure',
    level: 'high',
    what: 'infrastructure as code (Terraform, Helm, Kubernetes)',
    globs: [
      '**/*.tf',
      '**/*.tfvars',
      '**/*.tf.json',
      '**/terragrunt.hcl',
      '**/Chart.yaml',
      '**/Chart.lock',
      '**/charts/**',
      '**/helm/**',
      '**/values*.yaml',
      '**/k8s/**',
      '**/kubernetes/**',
      '**/kustomization.yaml',
      '**/kustomization.yml',
      '**/manifests/**',
    ],
  },
  {
    signal: 'ci',
    level: 'high',
    what: 'CI/CD workflows and repository automation (anything under .github/)',
    // all of .github/: workflows, actions, dependabot, issue forms and the config the app reads there
    globs: ['.github/**', '.gitlab-ci.yml', '**/Jenkinsfile', '.circleci/**', 'azure-pipelines.yml'],
    except: ['.github/CODEOWNERS'],
  },
  {
    signal: 'code-owners',
    level: 'high',
    what: 'who approves (CODEOWNERS)',
    // the three places GitHub reads it from
    globs: ['CODEOWNERS', '.github/CODEOWNERS', 'docs/CODEOWNERS'],
  },
  {
    signal: 'deploy-scripts',
    level: 'high',
    what: 'deploy scripts (what the deploy workflow runs)',
    globs: ['deploy/**', 'scripts/deploy*', 'scripts/deploy*/**'],
  },
  {
    signal: 'submodules',
    level: 'high',
    what: 'submodules (what code is pulled in)',
    globs: ['.gitmodules', '**/.gitmodules'],
  },
  {
    signal: 'dependency-manifests',
    level: 'medium',
    what: 'dependency manifests',
    globs: [
      '**/package.json',
      '**/requirements*.txt',
      '**/pyproject.toml',
      '**/setup.py',
      '**/setup.cfg',
      '**/Pipfile',
      '**/go.mod',
      '**/Cargo.toml',
      '**/pom.xml',
      '**/build.gradle',
      '**/build.gradle.kts',
      '**/Gemfile',
      '**/composer.json',
      '**/*.csproj',
      '**/packages.config',
      '**/mix.exs',
    ],
  },
  {
    signal: 'lock-files',
    level: 'medium',
    what: 'lock files',
    globs: [
      '**/package-lock.json',
      '**/npm-shrinkwrap.json',
      '**/yarn.lock',
      '**/pnpm-lock.yaml',
      '**/bun.lockb',
      '**/go.sum',
      '**/Cargo.lock',
      '**/poetry.lock',
      '**/Pipfile.lock',
      '**/uv.lock',
      '**/Gemfile.lock',
      '**/composer.lock',
      '**/packages.lock.json',
      '**/mix.lock',
    ],
  },
  {
    signal: 'container',
    level: 'medium',
    what: 'container images',
    globs: [
      '**/Dockerfile',
      '**/Dockerfile.*',
      '**/*.dockerfile',
      '**/docker-compose*.yml',
      '**/docker-compose*.yaml',
      '**/compose.yaml',
    ],
  },
  {
    signal: 'security-code',
    level: 'medium',
    what: 'authentication, authorisation or cryptography code',
    globs: ['**/auth/**', '**/authn/**', '**/authz/**', '**/security/**', '**/crypto/**', '**/permissions/**'],
  },
];

/** Thresholds on the size of a change (lines added plus deleted, files touched). */
export const SIZE_THRESHOLDS = {
  medium: { lines: 300, files: 30 },
  high: { lines: 1000, files: 100 },
} as const;

/** Thresholds on deletions (files removed, lines deleted). */
export const DELETION_THRESHOLDS = { high: { files: 10, lines: 500 } } as const;

const compiledAreas = RISK_AREAS.map((area) => ({
  area,
  match: picomatch(area.globs, { dot: true, ...(area.except ? { ignore: area.except } : {}) }),
}));

/** A patch whose changed lines are all `Subproject commit <sha>`: a submodule moved to another commit. */
export function isSubmoduleBump(patch: string | undefined): boolean {
  if (patch === undefined) return false;
  let changed = 0;
  for (const line of patch.split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) continue;
    if (line.startsWith('+') || line.startsWith('-')) {
      if (!line.slice(1).startsWith('Subproject commit ')) return false;
      changed++;
    }
  }
  return changed > 0;
}

/**
 * Signals of what AAOE cannot read or what pulls code in from elsewhere: files GitHub gives no patch for (binary,
 * too large, a pure type or mode change), mode or type changes (`changed`: a file made executable or a symlink),
 * and submodule bumps.
 */
function blindSpotSignals(files: Change['files']): RiskSignal[] {
  const signals: RiskSignal[] = [];
  const modes = files.filter((f) => f.status === 'changed' && !isSubmoduleBump(f.patch));
  if (modes.length > 0)
    signals.push({
      signal: 'mode-change',
      level: 'high',
      detail: `mode or type changed (made executable, a symlink, a submodule): ${listPaths(modes.map((f) => f.path))}`,
    });
  const bumps = files.filter((f) => isSubmoduleBump(f.patch));
  if (bumps.length > 0)
    signals.push({
      signal: 'submodule-bump',
      level: 'high',
      detail: `a submodule moved to another commit (code pulled in unreviewed): ${listPaths(bumps.map((f) => f.path))}`,
    });
  const unread = files.filter((f) => f.patch === undefined && f.status !== 'removed' && !isPureRename(f));
  if (unread.length > 0) {
    signals.push({
      signal: 'no-patch',
      level: 'medium',
      detail: `GitHub gives no patch for these files (binary, too large or a mode change), so AAOE cannot read what changed: ${listPaths(unread.map((f) => f.path))}`,
    });
  }
  return signals;
}

/** A rename with no line changed of a file that is not binary: GitHub shows no patch because there is none. */
export function isPureRename(file: Change['files'][number]): boolean {
  return file.status === 'renamed' && file.additions === 0 && file.deletions === 0 && !BINARY_PATH(file.path);
}

/** A plan step's change packages weigh what the policy says their kind weighs. */
function packageSignals(change: Change, packageRisk: Policy['risk']['packages']): RiskSignal[] {
  const out: RiskSignal[] = [];
  // a plan step's change packages weigh what the policy says their kind weighs
  const changed = new Set(change.files.map((f) => f.path));
  for (const pkg of change.packages ?? []) {
    if (changed.has(pkg.path))
      out.push({
        signal: 'change-package',
        level: packageRisk[pkg.type],
        detail: `change package \`${pkg.path}\` (${pkg.type}, weighed ${packageRisk[pkg.type]} by risk.packages)`,
      });
  }
  return out;
}

/** How big the change is, and what it removes. */
function sizeSignals(files: Change['files']): RiskSignal[] {
  const out: RiskSignal[] = [];
  const lines = files.reduce((n, f) => n + f.additions + f.deletions, 0);
  const fileCount = files.length;
  const size = `${lines} lines changed in ${fileCount} file${fileCount === 1 ? '' : 's'}`;
  if (lines > SIZE_THRESHOLDS.high.lines || fileCount > SIZE_THRESHOLDS.high.files) {
    out.push({
      signal: 'size',
      level: 'high',
      detail: `${size} (high above ${SIZE_THRESHOLDS.high.lines} lines or ${SIZE_THRESHOLDS.high.files} files)`,
    });
  } else if (lines > SIZE_THRESHOLDS.medium.lines || fileCount > SIZE_THRESHOLDS.medium.files) {
    out.push({
      signal: 'size',
      level: 'medium',
      detail: `${size} (medium above ${SIZE_THRESHOLDS.medium.lines} lines or ${SIZE_THRESHOLDS.medium.files} files)`,
    });
  }

  const removed = files.filter((f) => f.status === 'removed');
  const deletedLines = files.reduce((n, f) => n + f.deletions, 0);
  if (removed.length > DELETION_THRESHOLDS.high.files || deletedLines > DELETION_THRESHOLDS.high.lines) {
    out.push({
      signal: 'deletions',
      level: 'high',
      detail: `${removed.length} files removed, ${deletedLines} lines deleted`,
    });
  } else if (removed.length > 0) {
    out.push({
      signal: 'deletions',
      level: 'medium',
      detail: `files removed: ${listPaths(removed.map((f) => f.path))}`,
    });
  }
  return out;
}

export function assessRisk(
  change: Change,
  packageRisk: Policy['risk']['packages'] = DEFAULT_PACKAGE_RISK,
): RiskAssessment {
  const signals: RiskSignal[] = [];

  signals.push(...packageSignals(change, packageRisk));

  // a file in two high areas (a Helm chart under deploy/) counts once towards `combined`: for the first area that has it
  const claimed = new Set<string>();
  const ownHighAreas = new Set<string>();
  for (const { area, match } of compiledAreas) {
    const hits = change.files.filter((f) => match(f.path) || (f.previousPath !== undefined && match(f.previousPath)));
    if (hits.length > 0) {
      signals.push({
        signal: area.signal,
        level: area.level,
        detail: `${area.what}: ${listPaths(hits.map((f) => f.path))}`,
      });
    }
    if (area.level !== 'high') continue;
    for (const f of hits) {
      if (!claimed.has(f.path)) ownHighAreas.add(area.signal);
      claimed.add(f.path);
    }
  }

  signals.push(...blindSpotSignals(change.files));

  signals.push(...sizeSignals(change.files));

  const highAreas = signals.filter((s) => s.level === 'high' && ownHighAreas.has(s.signal));
  if (highAreas.length >= 2) {
    signals.push({
      signal: 'combined',
      level: 'critical',
      detail: `${highAreas.length} high-risk areas in one change (${highAreas.map((s) => s.signal).join(', ')})`,
    });
  }

  const own = maxRisk(...signals.map((s) => s.level));
  const declared = change.declared?.risk?.level;
  return {
    level: declared ? maxRisk(own, declared) : own,
    own,
    ...(declared ? { declared } : {}),
    signals,
  };
}

export function evaluateRiskGate(
  risk: RiskAssessment,
  policy: Pick<Policy['risk'], 'maxLevel' | 'requireHumanApprovalAbove'>,
): GateResult {
  const evidence = [
    `AAOE's assessment: ${risk.own}`,
    risk.declared ? `the agent declared: ${risk.declared}` : 'the agent declared no risk level',
    ...risk.signals.map((s) => `${s.level}: ${s.detail}`),
  ];
  if (risk.signals.length === 0) evidence.push('no risk signal: a small change outside sensitive areas');
  const base = { gate: 'risk' as const, title: 'Risk', evidence, findings: [] };

  if (compareRisk(risk.level, policy.maxLevel) > 0) {
    return {
      ...base,
      outcome: 'failed',
      reason: `Risk ${risk.level} is above the policy's maxLevel ${policy.maxLevel}: the change is refused, approved or not.`,
      hint: "Split the change into smaller ones outside the sensitive areas, or have a platform admin raise risk.maxLevel in the default branch's policy.",
    };
  }
  if (compareRisk(risk.level, policy.requireHumanApprovalAbove) > 0) {
    return {
      ...base,
      outcome: 'needs_approval',
      reason: `Risk ${risk.level} is above requireHumanApprovalAbove ${policy.requireHumanApprovalAbove}: a human approval is needed.`,
      hint: 'A person with write permission on the repository (not the author of the change) reviews it and comments `/aaoe approve`.',
    };
  }
  return {
    ...base,
    outcome: 'passed',
    reason: `Risk ${risk.level} is within the policy (approval needed above ${policy.requireHumanApprovalAbove}, refused above ${policy.maxLevel}).`,
  };
}

function listPaths(paths: string[], max = 5): string {
  const shown = paths
    .slice(0, max)
    .map((p) => `\`${p}\``)
    .join(', ');
  return paths.length > max ? `${shown} and ${paths.length - max} more` : shown;
}
