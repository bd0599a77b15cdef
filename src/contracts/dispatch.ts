import { z } from 'zod';

/**
 * The dispatch payload (version 1): what the app sends to the companion workflow, as `repository_dispatch` (event
 * type `aaoe-deploy` or `aaoe-rollback`, in `client_payload`) or as a GitHub deployment (in `deployment.payload`).
 * Written once, here: the app builds it as this type (`src/workflows/deploy-payload.ts`), the action parses it with
 * this schema (`action/src/dispatch-payload.ts`). Anyone who can dispatch can write it, so it is validated, it runs
 * only when its signature (`src/adapters/github/dispatch-signature.ts`) holds, and it never carries thresholds.
 */

export const DEPLOY_EVENT_TYPE = 'aaoe-deploy';
export const ROLLBACK_EVENT_TYPE = 'aaoe-rollback';
/** Dispatch event types the companion workflow listens to. */
export const DISPATCH_EVENT_TYPES = [DEPLOY_EVENT_TYPE, ROLLBACK_EVENT_TYPE] as const;
export type DispatchEventType = (typeof DISPATCH_EVENT_TYPES)[number];

/** The one environment this release deploys to (the dispatch payload's, the breaker's and the freeze's). */
export const DEFAULT_ENVIRONMENT = 'production';

/** Ids that are safe in a log line, a URL path and a PromQL string. */
const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, `.`, `_`, `:`, `-` (at most 128)');

export const DispatchPayload = z.object({
  version: z.literal(1),
  /** The AAOE execution this deployment belongs to. */
  executionId: Id,
  /** The commit to deploy. */
  sha: z.string().regex(/^[0-9a-f]{40}$/, 'a full commit SHA'),
  environment: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'an environment name')
    .default(DEFAULT_ENVIRONMENT),
  canaryPercent: z.number().gt(0).max(100).optional(),
  /** The GitHub deployment to post statuses to. */
  deploymentId: z.int().positive().optional(),
  /** The pull request that was merged, for the report. */
  pullRequest: z.int().positive().optional(),
  /** The W3C trace context of the AAOE execution (its trace id is AAOE's), echoed in the report and the summary. */
  traceparent: z
    .string()
    .regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'a W3C traceparent (00-<trace id>-<span id>-<flags>)')
    .optional(),
  /** `owner/name` the app signed it for. */
  repository: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'owner/name')
    .optional(),
  /** When the app signed it (ISO 8601). */
  issuedAt: z.string().max(40).optional(),
  /** `v1=<hex HMAC-SHA256>` of the signed fields under the repository's key. */
  signature: z
    .string()
    .regex(/^v1=[0-9a-f]{64}$/, 'v1=<64 hex digits>')
    .optional(),
});
/** The payload as the action reads it (defaults applied). */
export type DispatchPayload = z.infer<typeof DispatchPayload>;
/** The payload as the app writes it (what the schema accepts). */
export type DispatchPayloadInput = z.input<typeof DispatchPayload>;
