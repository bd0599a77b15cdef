import { z } from 'zod';
import { ApprovalsPolicy, MergeMode, RepositoryPermission } from './approvals-schema.js';
import { SchedulePolicy } from './schedule-schema.js';
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

export const RiskPolicy = z.strictObject({
  /** A change whose computed risk is above this level is refused, approved or not. */
  maxLevel: RiskLevel.default('high'),
  /** A change whose computed risk is above this level needs a human approval. */
  requireHumanApprovalAbove: RiskLevel.default('low'),
});

export const CostPolicy = z.strictObject({
  /** Tokens an execution may spend (spent so far plus the proposal's estimate). */
  maxTokens: z.int().positive().optional(),
  /** US dollars an execution may spend (spent so far plus the proposal's estimate). */
  maxUsd: z.number().nonnegative().optional(),
  /** true: a breach fails the check; false: a breach needs a human approval. */
  hardFailOnBreach: z.boolean().default(true),
  /** US dollars the repository's agent work may spend on models in a calendar month (UTC); no model is called past it. */
  monthlyUsd: z.number().nonnegative().optional(),
});

export const AutoRollback = z.strictObject({
  /** Roll back when the canary's error rate is this many times the baseline's. */
  errorRateIncrease: z.number().positive(),
  /** Roll back when the canary's latency is this many milliseconds above the baseline's. */
  latencyIncreaseMs: z.number().nonnegative(),
  /** The analysis window. */
  windowSeconds: z.int().positive(),
});

export const DeploymentPolicy = z.strictObject({
  strategy: z.enum(['canary', 'direct']).default('canary'),
  canaryPercent: z.number().gt(0).max(100).default(10),
  autoRollback: AutoRollback.default({ errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 300 }),
});

export const CircuitBreakerPolicy = z.strictObject({
  maxFailures: z.int().positive().default(3),
  freezeMinutes: z.int().positive().default(30),
});

export const ProtectedPathsPolicy = z.strictObject({
  /** Globs a governed change may not touch, in addition to the built-in ones. */
  paths: z.array(Glob).default([]),
  /**
   * Built-in protected globs this policy releases (`.github/workflows/**`, `policies/**`).
   * The AAOE config itself can never be released.
   */
  allow: z.array(Glob).default([]),
});

export const SecretsPolicy = z.strictObject({
  enabled: z.boolean().default(true),
  /** Globs of files whose added lines are not scanned (test fixtures, say). */
  ignorePaths: z.array(Glob).default([]),
});

export const TriggerPolicy = z.strictObject({
  /** The label that starts agent work on an issue and puts a pull request under governance. */
  label: z.string().min(1).max(50).default('aaoe'),
  /**
   * On an issue, the label starts agent work (and spends money) only when the person who applied it has one of
   * these permissions on the repository, checked through the API; a bot's label is never consent.
   */
  permissions: z.array(RepositoryPermission).min(1).default(['write', 'maintain', 'admin']),
});

export const Policy = z.strictObject({
  /** A name for this policy, shown in the check run. */
  id: z.string().min(1).optional(),
  /**
   * Probot's org defaults: another config file this one builds on (`.github`, `repo`, `owner/repo` or
   * `owner/repo:path`). Read and removed by Probot's `context.config` before validation.
   */
  _extends: z.string().min(1).optional(),
  /** A shipped preset (`policies/<name>.yml`) this policy builds on. */
  extends: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a preset name: lowercase letters, digits and dashes').optional(),
  description: z.string().optional(),
  /** Logins whose pull requests are agent work (for example `renovate[bot]`, `my-agent[bot]`). */
  agents: z.array(z.string().min(1)).default([]),
  trigger: TriggerPolicy.default({ label: 'aaoe', permissions: ['write', 'maintain', 'admin'] }),
  risk: RiskPolicy.default({ maxLevel: 'high', requireHumanApprovalAbove: 'low' }),
  cost: CostPolicy.default({ hardFailOnBreach: true }),
  deployment: DeploymentPolicy.default({
    strategy: 'canary',
    canaryPercent: 10,
    autoRollback: { errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 300 },
  }),
  circuitBreaker: CircuitBreakerPolicy.default({ maxFailures: 3, freezeMinutes: 30 }),
  protectedPaths: ProtectedPathsPolicy.default({ paths: [], allow: [] }),
  secrets: SecretsPolicy.default({ enabled: true, ignorePaths: [] }),
  /** Who may approve a governed change, and how many must. */
  approvals: ApprovalsPolicy.default({ minimum: 1, permissions: ['write', 'maintain', 'admin'], invalidateOnPush: true, owners: 'none', teams: [], countReviews: false }),
  /** `auto`: AAOE merges a change once every gate passes and its approvals hold (never the agent); `manual`: a person merges it. */
  merge: MergeMode.default('manual'),
  /** When an approved change may be deployed: change windows and freezes in a time zone (default: any time). */
  schedule: SchedulePolicy.default({ timezone: 'UTC', windows: [], freezes: [] }),
  /** Routes of execution events to the operator's destinations (by name) or to GitHub comments (docs/notifications.md). */
  notifications: NotificationsPolicy,
  /** `propose-fix`: a debug issue also carries the trigger label, so the agent proposes a fix through the governed path. */
  selfHeal: SelfHealPolicy,
});
export type Policy = z.infer<typeof Policy>;
/** A policy as written, before defaults. */
export type PolicyInput = z.input<typeof Policy>;

export function compareRisk(a: RiskLevel, b: RiskLevel): number {
  return RISK_LEVELS.indexOf(a) - RISK_LEVELS.indexOf(b);
}

export function maxRisk(...levels: RiskLevel[]): RiskLevel {
  return levels.reduce((acc, l) => (compareRisk(l, acc) > 0 ? l : acc), 'low' as RiskLevel);
}
