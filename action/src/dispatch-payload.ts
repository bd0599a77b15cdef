import { verifyDispatch, type DispatchCheck } from '../../src/adapters/github/dispatch-signature.js';
import {
  DEPLOY_EVENT_TYPE,
  DISPATCH_EVENT_TYPES,
  DispatchPayload,
  ROLLBACK_EVENT_TYPE,
} from '../../src/contracts/dispatch.js';

/**
 * Reads the dispatch payload (`src/contracts/dispatch.ts`, the one schema the app writes it by) from the event that
 * started the workflow, and checks it was signed for this run. Anyone who can dispatch can write it, so it is
 * validated, it runs only when its signature (`src/adapters/github/dispatch-signature.ts`, the repository's key)
 * holds for this repository, event and environment, its values reach commands only through environment variables,
 * and it can never carry thresholds: those come from the policy file on the checked-out branch.
 */

export { DispatchPayload };

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
      const read = parse({ ...payload, deploymentId: undefined }, 'deployment', DEPLOY_EVENT_TYPE);
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
        ? DEPLOY_EVENT_TYPE
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
