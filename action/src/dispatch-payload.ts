import { z } from 'zod';
import {
  DISPATCH_EVENT_TYPES,
  verifyDispatch,
  type DispatchCheck,
} from '../../src/adapters/github/dispatch-signature.js';

/**
 * What the app sends to the companion workflow (version 1), as `repository_dispatch` (event type `aaoe-deploy` or
 * `aaoe-rollback`, in `client_payload`) or as a GitHub deployment (in `deployment.payload`, the deployment's own id
 * being the deployment to report on). Anyone who can dispatch can write it, so it is validated, it runs only when
 * its signature (`src/adapters/github/dispatch-signature.ts`, the repository's key) holds for this repository, event and
 * environment, its values reach commands only through environment variables, and it can never carry thresholds:
 * those come from the policy file on the checked-out branch.
 */

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
    .default('production'),
  canaryPercent: z.number().gt(0).max(100).optional(),
  /** The GitHub deployment to post statuses to. */
  deploymentId: z.int().positive().optional(),
  /** The pull request that was merged, for the report. */
  pullRequest: z.int().positive().optional(),
  /** The W3C trace context of the AAOE execution (its trace id is AAOE's trace id), echoed in the report and the summary. */
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
export type DispatchPayload = z.infer<typeof DispatchPayload>;

export const DISPATCH_EVENT_TYPE = 'aaoe-deploy';
export const ROLLBACK_EVENT_TYPE = 'aaoe-rollback';

export type PayloadSource = 'repository_dispatch' | 'deployment';

export type PayloadRead =
  | { ok: true; payload: DispatchPayload; source: PayloadSource; eventType: string }
  | { ok: true; payload: undefined; source: 'none' }
  | { ok: false; error: string };

const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * The dispatch payload from the event that started the workflow, if it carries one. Every `repository_dispatch`
 * must be AAOE's (anyone with write access can send one, of any type): another type is an error, never a run
 * without a payload.
 */
export function readDispatchPayload(eventName: string | undefined, event: unknown): PayloadRead {
  const e = record(event);
  if (eventName === 'repository_dispatch') {
    const type = typeof e?.action === 'string' ? e.action : '';
    if (!(DISPATCH_EVENT_TYPES as readonly string[]).includes(type)) {
      return {
        ok: false,
        error: `a repository_dispatch of type "${type.slice(0, 64)}" is not an AAOE dispatch (${DISPATCH_EVENT_TYPES.join(', ')}): nothing is run`,
      };
    }
    return parse(e?.client_payload, 'repository_dispatch', type);
  }
  if (eventName === 'deployment') {
    const deployment = record(e?.deployment);
    const payload = record(deployment?.payload);
    if (payload && 'executionId' in payload) {
      // the deployment's own id is where statuses go; it is not part of what the app signed
      const read = parse({ ...payload, deploymentId: undefined }, 'deployment', DISPATCH_EVENT_TYPE);
      return read.ok && read.payload && typeof deployment?.id === 'number'
        ? { ...read, payload: { ...read.payload, deploymentId: deployment.id } }
        : read;
    }
  }
  return { ok: true, payload: undefined, source: 'none' };
}

function parse(value: unknown, source: PayloadSource, eventType: string): PayloadRead {
  const parsed = DispatchPayload.safeParse(value);
  if (parsed.success) return { ok: true, payload: parsed.data, source, eventType };
  return {
    ok: false,
    error: `the ${source} payload is not a valid AAOE dispatch payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
  };
}

/** The facts of this run the payload must match. */
export type RunFacts = {
  key: string | undefined;
  repository: string | undefined;
  environment: string;
  mode: string;
  now: Date;
};

/**
 * Whether the action may act on this payload: signed by the app with this repository's key, for this repository,
 * this event, the job's environment and the mode the job runs in. Pure.
 */
export function authenticatePayload(
  read: Extract<PayloadRead, { payload: DispatchPayload }>,
  run: RunFacts,
): DispatchCheck {
  const p = read.payload;
  if (!run.key)
    return {
      ok: false,
      reason:
        "report-secret is not set: it is this repository's key (`aaoe report-key`), which authenticates AAOE's dispatches",
    };
  if (!run.repository)
    return { ok: false, reason: 'GITHUB_REPOSITORY is not set: the repository a dispatch is for cannot be checked' };
  if (!p.repository || !p.issuedAt || !p.signature)
    return {
      ok: false,
      reason:
        'the payload carries no signature (repository, issuedAt, signature): only dispatches the AAOE app signed are run',
    };
  const wanted =
    run.mode === 'rollback'
      ? ROLLBACK_EVENT_TYPE
      : run.mode === 'canary' || run.mode === 'health'
        ? DISPATCH_EVENT_TYPE
        : read.eventType;
  if (read.eventType !== wanted)
    return { ok: false, reason: `a ${read.eventType} dispatch does not run ${run.mode} mode (that takes ${wanted})` };
  // a deployment's own id comes from GitHub's event, not from what the app signed
  const deploymentId = read.source === 'deployment' ? undefined : p.deploymentId;
  const signed = {
    ...p,
    deploymentId,
    eventType: read.eventType,
    repository: p.repository,
    issuedAt: p.issuedAt,
    signature: p.signature,
  };
  return verifyDispatch(signed, run.key, {
    eventType: read.eventType,
    repository: run.repository,
    environment: run.environment,
    now: run.now,
  });
}
