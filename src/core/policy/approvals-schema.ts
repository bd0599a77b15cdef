import { z } from 'zod';

/**
 * The `approvals` section of the policy DSL: who may approve a governed change and how many must. Strict like
 * every policy object (an unknown key is an error that names the allowed keys); every key has a default, so
 * `approvals: {}` is the default policy. `src/core/policy/approvals.ts` evaluates it.
 */

/** Repository permissions as the collaborator-permission API reports them (`role_name`), lowest first. */
export const REPOSITORY_PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export const RepositoryPermission = z.enum(REPOSITORY_PERMISSIONS);
export type RepositoryPermission = z.infer<typeof RepositoryPermission>;

/** A team as `org/team-slug`, the way the teams API names it (CODEOWNERS writes the same team `@org/team-slug`). */
export const TeamSlug = z
  .string()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\/[A-Za-z0-9._-]+$/,
    'a team as org/team-slug, without @ (for example my-org/platform)',
  );
export type TeamSlug = z.infer<typeof TeamSlug>;

export const ApprovalsPolicy = z.strictObject({
  /** Distinct people whose approvals must hold; the same person approving twice counts once. */
  minimum: z
    .int()
    .min(1, 'at least 1: an approval policy that needs nobody approves nothing')
    .default(1)
    .describe('Distinct people whose approvals must hold; the same person approving twice counts once.'),
  /** The repository permissions an approver may have, checked through the API when the approval is counted. */
  permissions: z
    .array(RepositoryPermission)
    .min(1, 'list at least one permission: with none, nobody could approve')
    .refine((list) => new Set(list).size === list.length, 'list each permission once')
    .default(['write', 'maintain', 'admin'])
    .describe('The repository permissions an approver may have, checked through the API when the approval is counted.'),
  /** A push to the pull request voids the approvals given on the previous head commit. */
  invalidateOnPush: z
    .boolean()
    .default(true)
    .describe('A push to the pull request voids the approvals given on the previous head commit.'),
  /** `codeowners`: every group of touched paths needs an approval from one of its CODEOWNERS (a user or a member of a team). */
  owners: z
    .enum(['codeowners', 'none'])
    .default('none')
    .describe(
      '`codeowners`: every group of touched paths needs an approval from one of its CODEOWNERS (a user or a member of a team).',
    ),
  /** Teams (`org/team-slug`) each of which must have an approving member. */
  teams: z
    .array(TeamSlug)
    .refine((list) => new Set(list.map((t) => t.toLowerCase())).size === list.length, 'list each team once')
    .default([])
    .describe('Teams (org/team-slug) each of which must have an approving member.'),
  /** GitHub pull-request reviews in the APPROVED state count as approvals (under the same rules as `/aaoe approve`). */
  countReviews: z
    .boolean()
    .default(false)
    .describe(
      'GitHub pull-request reviews in the APPROVED state count as approvals (under the same rules as `/aaoe approve`).',
    ),
  /** The person who asked for the change (applied the trigger label to its issue) may approve its pull request. */
  requesterMayApprove: z
    .boolean()
    .default(false)
    .describe(
      'The person who asked for the change (applied the trigger label to its issue) may approve its pull request. Off by default: who asked does not also approve.',
    ),
});
export type ApprovalsPolicy = z.infer<typeof ApprovalsPolicy>;
/** An approvals section as written, before defaults. */
export type ApprovalsPolicyInput = z.input<typeof ApprovalsPolicy>;

/**
 * How a change that passed every gate and holds its approvals is merged. A top-level policy key (`merge:`), not
 * part of `approvals`: it decides what happens once the whole policy passes. `auto`: AAOE merges it (never the agent);
 * `manual`: a person merges it.
 */
export const MergeMode = z.enum(['manual', 'auto']);
export type MergeMode = z.infer<typeof MergeMode>;
