import { z } from 'zod';

/**
 * The repository's half of notifications, as policy keys (`notifications:`, `selfHeal:`): pure zod, so the policy
 * schema (and the action bundle, which carries it) can import it without the operator's loader. The operator's
 * destinations are in `../../adapters/notify/config.ts`, which re-exports everything here.
 */

// ------------------------------------------------------------------ events and the repository's routes

/** What can be notified: the execution ended badly or well, it is frozen or waits for a window, a debug issue was opened. */
export const NOTIFY_EVENTS = ['failed', 'rollback', 'completed', 'frozen', 'waiting', 'debug_issue'] as const;
export const NotifyEvent = z.enum(NOTIFY_EVENTS);
export type NotifyEvent = z.infer<typeof NotifyEvent>;

/** The destination name that means GitHub itself (a comment), reserved: the operator cannot define it. */
export const GITHUB_DESTINATION = 'github';

/** The name of an operator destination, as a route names it. */
export const DestinationName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'a destination name: letters, digits, "-" and "_", at most 64 (for example ops-slack)',
  );

/** `@user` or `@org/team-slug`, as GitHub mentions them. */
export const Mention = z
  .string()
  .regex(/^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\/[A-Za-z0-9._-]+)?$/, 'a mention: @user or @org/team-slug');

export const GITHUB_TARGETS = ['issue', 'pull_request'] as const;
export const GitHubTarget = z.enum(GITHUB_TARGETS);
export type GitHubTarget = z.infer<typeof GitHubTarget>;

const unique = (list: readonly unknown[]) => new Set(list).size === list.length;

export const NotificationRoute = z
  .strictObject({
    /** A destination the operator defined (`AAOE_NOTIFY_DESTINATIONS`), or `github`. */
    to: DestinationName.describe('A destination the operator defined (`AAOE_NOTIFY_DESTINATIONS`), or `github`.'),
    /** The events this route delivers. */
    on: z
      .array(NotifyEvent)
      .min(1, 'list at least one event')
      .refine(unique, 'list each event once')
      .describe('The events this route delivers.'),
    /** `to: github` only: who the comment mentions (trusted: the policy is read from the default branch). */
    mention: z
      .array(Mention)
      .max(10, 'at most 10 mentions')
      .refine(unique, 'list each mention once')
      .optional()
      .describe('`to: github` only: who the comment mentions (trusted: the policy is read from the default branch).'),
    /** `to: github` only: where the comment goes (default: both, whichever the execution has). */
    where: z
      .array(GitHubTarget)
      .min(1)
      .refine(unique, 'list each place once')
      .optional()
      .describe('`to: github` only: where the comment goes (default: both, whichever the execution has).'),
  })
  .superRefine((route, ctx) => {
    if (route.to === GITHUB_DESTINATION) return;
    for (const key of ['mention', 'where'] as const) {
      if (route[key] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `"${key}" is for "to: github" only; ${route.to} is an operator destination`,
        });
    }
  });
export type NotificationRoute = z.infer<typeof NotificationRoute>;

/** The `notifications` key of the policy: routes from events to destinations. Default: none. */
export const NotificationsPolicy = z.array(NotificationRoute).max(20, 'at most 20 routes').default([]);
export type NotificationsPolicy = z.infer<typeof NotificationsPolicy>;

/**
 * The `selfHeal` key of the policy: `propose-fix` labels a debug issue with the trigger label as well, so the agent
 * proposes a fix through the normal governed path; `off` (default) only opens the issue.
 */
export const SelfHealPolicy = z.enum(['off', 'propose-fix']).default('off');
export type SelfHealPolicy = z.infer<typeof SelfHealPolicy>;
