import { z } from 'zod';

/**
 * What the app sends to the companion workflow (version 1), as `repository_dispatch` (event type
 * `aaoe-deploy`, in `client_payload`) or as a GitHub deployment (in `deployment.payload`, the deployment's
 * own id being the deployment to report on). Untrusted: anyone who can dispatch can write it, so it is
 * validated, its values reach commands only through environment variables, and it can never carry
 * thresholds: those come from the policy file on the checked-out branch.
 */

/** Ids that are safe in a log line, a URL path and a PromQL string. */
const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, `.`, `_`, `:`, `-` (at most 128)');

export const DispatchPayload = z.object({
  version: z.literal(1),
  /** The AAOE execution this deployment belongs to. */
  executionId: Id,
  /** The commit to deploy. */
  sha: z.string().regex(/^[0-9a-f]{40}$/, 'a full commit SHA'),
  environment: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'an environment name').default('production'),
  canaryPercent: z.number().gt(0).max(100).optional(),
  /** The GitHub deployment to post statuses to. */
  deploymentId: z.int().positive().optional(),
  /** The pull request that was merged, for the report. */
  pullRequest: z.int().positive().optional(),
  /** The W3C trace context of the AAOE execution (its trace id is AAOE's trace id), echoed in the report and the summary. */
  traceparent: z.string().regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'a W3C traceparent (00-<trace id>-<span id>-<flags>)').optional(),
});
export type DispatchPayload = z.infer<typeof DispatchPayload>;

export const DISPATCH_EVENT_TYPE = 'aaoe-deploy';

export type PayloadRead =
  | { ok: true; payload: DispatchPayload; source: 'repository_dispatch' | 'deployment' }
  | { ok: true; payload: undefined; source: 'none' }
  | { ok: false; error: string };

/** The dispatch payload from the event that started the workflow, if it carries one. */
export function readDispatchPayload(eventName: string | undefined, event: unknown): PayloadRead {
  const record = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const e = record(event);
  if (eventName === 'repository_dispatch' && e?.action === DISPATCH_EVENT_TYPE) return parse(e.client_payload, 'repository_dispatch');
  if (eventName === 'deployment') {
    const deployment = record(e?.deployment);
    const payload = record(deployment?.payload);
    if (payload && 'executionId' in payload) return parse({ ...payload, deploymentId: deployment?.id }, 'deployment');
  }
  return { ok: true, payload: undefined, source: 'none' };
}

function parse(value: unknown, source: 'repository_dispatch' | 'deployment'): PayloadRead {
  const parsed = DispatchPayload.safeParse(value);
  if (parsed.success) return { ok: true, payload: parsed.data, source };
  return { ok: false, error: `the ${source} payload is not a valid AAOE dispatch payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
}
