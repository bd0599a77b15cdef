import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The authentication of what AAOE sends to the companion workflow (the dispatch payload) and of what the action
 * sends back (its report), shared by the app and the action (`action/src` imports it).
 *
 * Keys are per installation and repository: the app holds one master secret (`AAOE_REPORT_SECRET`) and derives
 * each repository's key from it; a repository only ever holds its own key (the action's `report-secret`,
 * `aaoe report-key` prints it). So a reader of one repository's secret can neither start a deployment nor forge
 * a report for any other repository, and the master never leaves the app.
 */

/** Dispatch event types the companion workflow listens to (the contract's, `src/contracts/dispatch.ts`). */

/** How old a signed dispatch may be when the action runs it (a run queued for a runner waits, a replay does not). */
export const DISPATCH_MAX_AGE_MS = 24 * 60 * 60_000;
/** How far ahead of the runner's clock an issue time may be (clock skew). */
export const DISPATCH_MAX_SKEW_MS = 5 * 60_000;

/** The key of one repository of one installation: hex HMAC-SHA256 of the master over a labelled name. */
export function repositoryKey(master: string, installationId: number, repository: string): string {
  const label = `aaoe-repo-key:v1:${installationId}:${repository.toLowerCase()}`;
  return createHmac('sha256', master).update(label, 'utf8').digest('hex');
}

/** The fields a dispatch signature covers; `undefined` optional fields are signed as absent. */
export type SignedDispatch = {
  version: number;
  eventType: string;
  repository: string;
  executionId: string;
  sha: string;
  environment: string;
  issuedAt: string;
  canaryPercent?: number | undefined;
  deploymentId?: number | undefined;
  pullRequest?: number | undefined;
  traceparent?: string | undefined;
};

/**
 * The exact text signed: a JSON array in a fixed order (unambiguous whatever a value contains), the repository
 * lowercased (GitHub's names are case-insensitive).
 */
export function dispatchSigningText(d: SignedDispatch): string {
  return JSON.stringify([
    'aaoe-dispatch',
    d.version,
    d.eventType,
    d.repository.toLowerCase(),
    d.executionId,
    d.sha,
    d.environment,
    d.issuedAt,
    d.canaryPercent ?? null,
    d.deploymentId ?? null,
    d.pullRequest ?? null,
    d.traceparent ?? null,
  ]);
}

/** `v1=<hex HMAC-SHA256 of the signing text under the repository's key>`. */
export function signDispatch(d: SignedDispatch, key: string): string {
  return `v1=${createHmac('sha256', key).update(dispatchSigningText(d), 'utf8').digest('hex')}`;
}

/** What the action checks besides the signature: the facts of the run it is in. */
export type DispatchContext = { eventType: string; repository: string; environment: string; now: Date };

export type DispatchCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether a dispatch is AAOE's for this repository, event and environment, and recent. Pure: the key and the run's
 * facts are arguments. Every check is a reason to run nothing.
 */
export function verifyDispatch(
  d: SignedDispatch & { signature?: string | undefined },
  key: string,
  ctx: DispatchContext,
): DispatchCheck {
  if (!d.signature)
    return { ok: false, reason: 'the payload carries no signature: only dispatches the AAOE app signed are run' };
  const expected = Buffer.from(signDispatch(d, key));
  const given = Buffer.from(d.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return {
      ok: false,
      reason:
        "the payload's signature does not match this repository's key (report-secret): not a dispatch of the AAOE app for this repository",
    };
  }
  if (d.repository.toLowerCase() !== ctx.repository.toLowerCase())
    return { ok: false, reason: `the payload was signed for ${d.repository}, this run is in ${ctx.repository}` };
  if (d.eventType !== ctx.eventType)
    return {
      ok: false,
      reason: `the payload was signed for a ${d.eventType} dispatch, this run was started by ${ctx.eventType || 'another event'}`,
    };
  if (d.environment !== ctx.environment)
    return {
      ok: false,
      reason: `the payload was signed for environment ${d.environment}, this job deploys to ${ctx.environment} (the environment input)`,
    };
  const issued = Date.parse(d.issuedAt);
  if (!Number.isFinite(issued)) return { ok: false, reason: 'the issue time is not a time' };
  if (issued > ctx.now.getTime() + DISPATCH_MAX_SKEW_MS)
    return { ok: false, reason: `the payload was issued in the future (${d.issuedAt})` };
  if (ctx.now.getTime() - issued > DISPATCH_MAX_AGE_MS)
    return { ok: false, reason: `the payload was issued at ${d.issuedAt}, more than a day ago: a replay is not run` };
  return { ok: true };
}
