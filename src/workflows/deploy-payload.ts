import { repositoryKey, signDispatch } from '../adapters/github/dispatch-signature.js';
import type { ExecutionRecord } from '../core/execution/records.js';
import type { Policy } from '../core/policy/schema.js';
import { DEFAULT_ENVIRONMENT, type DispatchEventType, type DispatchPayloadInput } from '../contracts/dispatch.js';
import { traceparent } from '../adapters/tracing/tracing.js';

/** The dispatch payload (version 1, `src/contracts/dispatch.ts`) the companion workflow reads, unsigned (what a preview shows). */
export function dispatchPayload(execution: ExecutionRecord, sha: string, policy: Policy): DispatchPayloadInput {
  return {
    version: 1,
    executionId: execution.id,
    sha,
    environment: DEFAULT_ENVIRONMENT,
    canaryPercent: policy.deployment.canaryPercent,
    ...(execution.pullRequest !== null ? { pullRequest: execution.pullRequest } : {}),
    // the workflow run continues the execution's trace
    traceparent: traceparent(execution.traceId),
  };
}

/**
 * The payload as dispatched: signed with the repository's key for this repository, event and time, so the action
 * runs it only there, for that event and environment (`action/src/dispatch-payload.ts`). Without a master secret
 * it goes unsigned, and the action refuses it.
 */
export function signedDispatchPayload(
  execution: ExecutionRecord,
  sha: string,
  policy: Policy,
  eventType: DispatchEventType,
  master: string | undefined,
  now: Date,
): DispatchPayloadInput {
  const payload = {
    ...dispatchPayload(execution, sha, policy),
    repository: execution.repo,
    issuedAt: now.toISOString(),
  };
  if (!master) return payload;
  const key = repositoryKey(master, execution.installationId, execution.repo);
  const signed = {
    ...payload,
    version: 1,
    executionId: execution.id,
    sha,
    environment: DEFAULT_ENVIRONMENT,
    eventType,
    canaryPercent: policy.deployment.canaryPercent,
    pullRequest: execution.pullRequest ?? undefined,
    traceparent: traceparent(execution.traceId),
  };
  return { ...payload, signature: signDispatch(signed, key) };
}
