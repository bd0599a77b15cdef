import { z } from 'zod';
import { ApprovalsPolicy, MergeMode, RepositoryPermission } from './approvals-schema.js';
import { SchedulePolicy } from './schedule-schema.js';
import { AgentChoicePolicy } from './agent-choice-schema.js';
import { BUILT_IN_AGENT } from '../../contracts/agent-result.js';
import { NotificationsPolicy, SelfHealPolicy } from '../notify/notifications-schema.js';

/**
 * The policy DSL. One schema for both the shipped presets (`policies/*.yml`) and a repository's
 * `.github/aaoe.yml`: a repository config is a policy that may `extends:` a preset.
 *
 * Every object is strict: an unknown key is an error that names the allowed keys.
 */

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export const RiskLevel = z.enum(RISK_LEVELS);
export type RiskLevel = z.infer<typeof RiskLevel>;

const Glob = z.string().min(1, 'a glob must not be empty');

/** The kinds of change package a plan step can generate (src/plan), each with a risk weight in `risk.packages`. */
export const CHANGE_PACKAGE_TYPES = [
  'migration',
  'terraform',
  'helm-values',
  'gateway-route',
  'feature-flag',
  'event-schema',
] as const;
export const ChangePackageType = z.enum(CHANGE_PACKAGE_TYPES);
export type ChangePackageType = z.infer<typeof ChangePackageType>;

/** The default risk weight of each change-package type. */
export const DEFAULT_PACKAGE_RISK: Readonly<Record<ChangePackageType, RiskLevel>> = {
  migration: 'high',
  terraform: 'high',
  'helm-values': 'high',
  'gateway-route': 'medium',
  'event-schema': 'medium',
  'feature-flag': 'low',
};

export const PackageRiskPolicy = z.strictObject(
  Object.fromEntries(
    CHANGE_PACKAGE_TYPES.map((type) => [type, RiskLevel.default(DEFAULT_PACKAGE_RISK[type])]),
  ) as Record<ChangePackageType, z.ZodDefault<typeof RiskLevel>>,
);

export const RiskPolicy = z.strictObject({
  /** A change whose computed risk is above this level is refused, approved or not. */
  maxLevel: RiskLevel.default('high').describe(
    'A change whose computed risk is above this level is refused, approved or not.',
  ),
  /** A change whose computed risk is above this level needs a human approval. */
  requireHumanApprovalAbove: RiskLevel.default('low').describe(
    'A change whose computed risk is above this level needs a human approval.',
  ),
  packages: PackageRiskPolicy.default({ ...DEFAULT_PACKAGE_RISK }).describe(
    'The risk weight of each kind of change package a plan step adds (migration, terraform, helm-values, gateway-route, feature-flag, event-schema): a change carrying one is at least that risky.',
  ),
});

export const CostPolicy = z.strictObject({
  /** Tokens an execution may spend (spent so far plus the proposal's estimate). */
  maxTokens: z
    .int()
    .positive()
    .optional()
    .describe("Tokens an execution may spend (spent so far plus the proposal's estimate)."),
  /** US dollars an execution may spend (spent so far plus the proposal's estimate). */
  maxUsd: z
    .number()
    .nonnegative()
    .optional()
    .describe("US dollars an execution may spend (spent so far plus the proposal's estimate)."),
  /** true: a breach fails the check; false: a breach needs a human approval. */
  hardFailOnBreach: z
    .boolean()
    .default(true)
    .describe('true: a breach fails the check; false: a breach needs a human approval.'),
  /** US dollars the repository's agent work may spend on models in a calendar month (UTC); no model is called past it. */
  monthlyUsd: z
    .number()
    .nonnegative()
    .optional()
    .describe(
      "US dollars the repository's agent work may spend on models in a calendar month (UTC); no model is called past it.",
    ),
});

export const AutoRollback = z.strictObject({
  /** Roll back when the canary's error rate is this many times the baseline's. */
  errorRateIncrease: z
    .number()
    .positive()
    .describe("Roll back when the canary's error rate is this many times the baseline's."),
  /** Roll back when the canary's latency is this many milliseconds above the baseline's. */
  latencyIncreaseMs: z
    .number()
    .nonnegative()
    .describe("Roll back when the canary's latency is this many milliseconds above the baseline's."),
  /** The analysis window. */
  windowSeconds: z.int().positive().describe('The analysis window.'),
});

export const DeploymentPolicy = z.strictObject({
  strategy: z
    .enum(['canary', 'direct'])
    .default('canary')
    .describe(
      'canary: the companion action deploys a canary and judges it against the baseline; direct: deploys and checks health only.',
    ),
  canaryPercent: z.number().gt(0).max(100).default(10).describe('Share of traffic the canary gets, in percent.'),
  autoRollback: AutoRollback.default({ errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 300 }).describe(
    "When the companion action rolls a canary back (the analysis's limits).",
  ),
  branches: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Branches besides the default branch whose merged changes AAOE deploys (and merges with `merge: auto`); a change into any other base is judged, never merged or deployed by AAOE.',
    ),
});

export const CircuitBreakerPolicy = z.strictObject({
  maxFailures: z
    .int()
    .positive()
    .default(3)
    .describe(
      'Failed or inconclusive canaries within a day (counted since the last freeze ended) that freeze execution.',
    ),
  freezeMinutes: z
    .int()
    .positive()
    .default(30)
    .describe('How long a tripped circuit breaker freezes execution of the repository and environment.'),
});

export const ProtectedPathsPolicy = z.strictObject({
  /** Globs a governed change may not touch, in addition to the built-in ones. */
  paths: z.array(Glob).default([]).describe('Globs a governed change may not touch, in addition to the built-in ones.'),
  /**
   * Built-in protected globs this policy releases (`.github/workflows/**`, `policies/**`).
   * The AAOE config itself can never be released.
   */
  allow: z
    .array(Glob)
    .default([])
    .describe(
      'Built-in protected globs this policy releases (`.github/workflows/**`, `policies/**`). The AAOE config itself can never be released.',
    ),
});

export const SecretsPolicy = z.strictObject({
  enabled: z.boolean().default(true).describe('Scan the added lines of a governed change for secrets.'),
  /** Globs of files whose added lines are not scanned (test fixtures, say). */
  ignorePaths: z
    .array(Glob)
    .default([])
    .describe('Globs of files whose added lines are not scanned (test fixtures, say).'),
  /**
   * Findings this repository allows, each with its reason (a test fixture that holds a fake key): a finding in a
   * matching path (and of a listed rule, when `rules` is given) does not fail the gate; the check lists it with the reason.
   */
  allowlist: z
    .array(
      z.strictObject({
        paths: z.array(Glob).min(1).describe('Globs of the files the allowance covers.'),
        rules: z
          .array(z.string().min(1).max(100))
          .min(1)
          .optional()
          .describe('The rules allowed there (`aaoe/github-token`, ...); every rule when absent.'),
        reason: z.string().trim().min(3).max(200).describe('Why these findings are not secrets (shown in the check).'),
      }),
    )
    .max(50)
    .default([])
    .describe(
      'Findings this repository allows, each with its reason (a test fixture that holds a fake key): a finding in a matching path (and of a listed rule, when `rules` is given) does not fail the gate; the check lists it with the reason.',
    ),
});

export const TriggerPolicy = z.strictObject({
  /** The label that starts agent work on an issue and puts a pull request under governance. */
  label: z
    .string()
    .min(1)
    .max(50)
    .default('aaoe')
    .describe('The label that starts agent work on an issue and puts a pull request under governance.'),
  /**
   * On an issue, the label starts agent work (and spends money) only when the person who applied it has one of
   * these permissions on the repository, checked through the API; a bot's label is never consent.
   */
  permissions: z
    .array(RepositoryPermission)
    .min(1)
    .default(['write', 'maintain', 'admin'])
    .describe(
      "On an issue, the label starts agent work (and spends money) only when the person who applied it has one of these permissions on the repository, checked through the API; a bot's label is never consent.",
    ),
});

/**
 * When a pull request must carry a declaration (risk, rollback plan) in its body. `irreversible` (the default): only
 * where a revert of the merge commit cannot undo the change (schema migrations, infrastructure as code, data
 * changes, external side effects); `always`; `never`; or `{ above: <risk level> }`: when the computed risk is above it.
 */
export const RequireDeclaration = z.union([
  z.enum(['always', 'never', 'irreversible']),
  z.strictObject({
    above: RiskLevel.describe('A change whose computed risk is above this level must carry a declaration.'),
  }),
]);
export type RequireDeclaration = z.infer<typeof RequireDeclaration>;

export const ResiliencePolicy = z.strictObject({
  requireDeclaration: RequireDeclaration.default('irreversible').describe(
    'When a pull request must declare its risk and rollback plan (docs/proposal.md): `irreversible` (default: where a revert is not enough), `always`, `never`, or `{ above: <risk level> }`.',
  ),
});

/**
 * The organisation's own settings (stop the line, hotfixes: docs/freeze.md). AAOE reads them only from the policy of
 * the owner's `.github` repository (`.github/aaoe.yml` there), never from a repository's own file, so a repository
 * cannot name its own freeze team or lower the approvals a hotfix needs.
 */
export const OrganisationPolicy = z.strictObject({
  freezeTeams: z
    .array(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'a team slug of the organisation'))
    .max(20)
    .default([])
    .describe(
      'Team slugs of the organisation whose members may freeze and unfreeze it (`/aaoe freeze --org`), besides its owners.',
    ),
  hotfix: z
    .strictObject({
      label: z
        .string()
        .min(1)
        .max(50)
        .default('hotfix')
        .describe('The label that asks to let a change through a freeze.'),
      approvals: z
        .int()
        .min(1)
        .max(10)
        .default(2)
        .describe(
          'How many organisation owners must approve the head commit (`/aaoe approve`) before a hotfix passes an organisation freeze; never its author or an agent.',
        ),
    })
    .default({ label: 'hotfix', approvals: 2 })
    .describe(
      'A change labelled so passes an organisation freeze only with these approvals, pinned to its head commit.',
    ),
});
export type OrganisationPolicy = z.infer<typeof OrganisationPolicy>;

export const Policy = z.strictObject({
  /** A name for this policy, shown in the check run. */
  id: z.string().min(1).optional().describe('A name for this policy, shown in the check run.'),
  /**
   * Probot's org defaults: another config file this one builds on (`.github`, `repo`, `owner/repo` or
   * `owner/repo:path`). Read and removed by Probot's `context.config` before validation.
   */
  _extends: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Probot's org defaults: another config file this one builds on (`.github`, `repo`, `owner/repo` or `owner/repo:path`). Read and removed by Probot's `context.config` before validation.",
    ),
  /** A shipped preset (`policies/<name>.yml`) this policy builds on. */
  extends: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'a preset name: lowercase letters, digits and dashes')
    .optional()
    .describe('A shipped preset (`policies/<name>.yml`) this policy builds on.'),
  description: z.string().optional().describe('What this policy is for, in words.'),
  /**
   * Accounts whose pull requests and commits are agent work besides the known coding agents (src/core/policy/agent-catalogue.ts),
   * which are recognised in any case: logins, immutable account ids, catalogue names, or `all-known` (the catalogue,
   * spelled out). Written as `all-known` alone or as a list; read as a list.
   */
  agents: z
    // `all-known` alone is read as the list `[all-known]` (before the list's own checks, so their errors stay as they were)
    .preprocess(
      (value) => (value === 'all-known' ? [value] : value),
      z.array(z.union([z.string().min(1).max(100), z.int().positive().transform(String)])),
    )
    .default([])
    .describe(
      'Accounts whose pull requests and commits are agent work, besides the known coding agents (copilot, claude, codex, devin, jules, openhands, cursor: docs/agents.md), which AAOE recognises in any case by their accounts and `Co-authored-by:` trailers: logins (for example `my-agent`) or, better, immutable account ids (for example `41898282`), which survive a rename; catalogue names; or `all-known` (the catalogue, spelled out; `agents: all-known` alone is read as `[all-known]`). Every Bot author is an agent already.',
    ),
  governance: z
    .strictObject({
      exemptBots: z
        .array(z.string().min(1))
        .default([])
        .describe(
          'Bot logins (for example `dependabot[bot]`) whose pull requests are not governed unless labelled or written by an agent. Every other Bot author is governed. The shipped presets exempt `dependabot[bot]` and `renovate[bot]`.',
        ),
    })
    .default({ exemptBots: [] })
    .describe("Which pull requests AAOE governs beyond agents' and labelled ones."),
  trigger: TriggerPolicy.default({ label: 'aaoe', permissions: ['write', 'maintain', 'admin'] }).describe(
    'What starts agent work and puts a pull request under governance.',
  ),
  risk: RiskPolicy.default({
    maxLevel: 'high',
    requireHumanApprovalAbove: 'low',
    packages: { ...DEFAULT_PACKAGE_RISK },
  }).describe('How much computed risk a change may carry, and from which level a person must approve it.'),
  cost: CostPolicy.default({ hardFailOnBreach: true }).describe('Model spending caps per execution and per month.'),
  agent: AgentChoicePolicy.default({ default: BUILT_IN_AGENT, tasks: {}, timeLimitMinutes: 30 }).describe(
    'Which coding agent works on an issue, per task class (docs/agents.md). Its command is in its workflow, never here.',
  ),
  resilience: ResiliencePolicy.default({ requireDeclaration: 'irreversible' }).describe(
    'What the resilience gate asks a pull request to declare.',
  ),
  deployment: DeploymentPolicy.default({
    strategy: 'canary',
    canaryPercent: 10,
    autoRollback: { errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 300 },
    branches: [],
  }).describe('How the companion action deploys a merged change, and when it rolls back.'),
  circuitBreaker: CircuitBreakerPolicy.default({ maxFailures: 3, freezeMinutes: 30 }).describe(
    'Failed deployments that freeze execution, and for how long.',
  ),
  protectedPaths: ProtectedPathsPolicy.default({ paths: [], allow: [] }).describe(
    'Paths a governed change may not touch.',
  ),
  secrets: SecretsPolicy.default({ enabled: true, ignorePaths: [], allowlist: [] }).describe('The secrets gate.'),
  /** Who may approve a governed change, and how many must. */
  approvals: ApprovalsPolicy.default({
    minimum: 1,
    permissions: ['write', 'maintain', 'admin'],
    invalidateOnPush: true,
    owners: 'none',
    teams: [],
    countReviews: false,
    requesterMayApprove: false,
  }).describe('Who may approve a governed change, and how many must.'),
  /** `auto`: AAOE merges a change once every gate passes and its approvals hold (never the agent); `manual`: a person merges it. */
  merge: MergeMode.default('manual').describe(
    '`auto`: AAOE merges a change once every gate passes and its approvals hold (never the agent); `manual`: a person merges it.',
  ),
  /** When an approved change may be deployed: change windows and freezes in a time zone (default: any time). */
  schedule: SchedulePolicy.default({ timezone: 'UTC', windows: [], freezes: [] }).describe(
    'When an approved change may be deployed: change windows and freezes in a time zone (default: any time).',
  ),
  /** Routes of execution events to the operator's destinations (by name) or to GitHub comments (docs/notifications.md). */
  notifications: NotificationsPolicy.describe(
    "Routes of execution events to the operator's destinations (by name) or to GitHub comments (docs/notifications.md).",
  ),
  drift: z
    .strictObject({
      model: z
        .string()
        .regex(
          /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}:[^\0:]+$/,
          'owner/repo:path of an architecture model file, e.g. acme/architecture:architecture.yml',
        )
        .describe(
          "The architecture model file (owner/repo:path, read from that repository's default branch): services, owners, allowed dependencies, required files.",
        ),
    })
    .optional()
    .describe(
      'Check this repository against an architecture model on every push to its default branch; each drift becomes one issue.',
    ),
  organisation: OrganisationPolicy.default({ freezeTeams: [], hotfix: { label: 'hotfix', approvals: 2 } }).describe(
    "The organisation's freeze teams and hotfix rule: read only from the owner's `.github` repository (docs/freeze.md).",
  ),
  /** `propose-fix`: a debug issue also carries the trigger label, so the agent proposes a fix through the governed path. */
  selfHeal: SelfHealPolicy.describe(
    '`propose-fix`: a debug issue also carries the trigger label, so the agent proposes a fix through the governed path.',
  ),
});
export type Policy = z.infer<typeof Policy>;
/** A policy as written, before defaults. */
export type PolicyInput = z.input<typeof Policy>;

export function compareRisk(a: RiskLevel, b: RiskLevel): number {
  return RISK_LEVELS.indexOf(a) - RISK_LEVELS.indexOf(b);
}

export function maxRisk(...levels: RiskLevel[]): RiskLevel {
  return levels.reduce<RiskLevel>((acc, l) => (compareRisk(l, acc) > 0 ? l : acc), 'low');
}
