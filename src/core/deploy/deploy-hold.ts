/**
 * A hold on a merged change: it is not deployed before `notBefore` (someone scheduled it). Pure: who may set one,
 * and for how long.
 */

export type DeployHold = { executionId: string; notBefore: string; by: string; at: string };

/** The longest a merged change may be held: a week (a hold set for longer counts for a week, `deployDecision`). */
export const MAX_HOLD_DAYS = 7;
export const MAX_HOLD_MS = MAX_HOLD_DAYS * 86_400_000;

export type HoldDecision = { ok: true; notBefore: Date } | { ok: false; status: 400 | 403; message: string };

/**
 * Whether `user` may hold a merged change until `notBefore` (pure). A hold delays a deployment people approved:
 * an agent identity (`agentIdentity`, a Bot account or one the policy lists) never sets one, and none is longer
 * than a week.
 */
export function decideDeployHold(f: {
  login: string;
  agent: string | undefined;
  notBefore: Date;
  now: Date;
}): HoldDecision {
  if (f.agent)
    return {
      ok: false,
      status: 403,
      message: `@${f.login} is an agent identity (${f.agent}): agents may not schedule (hold) a deployment; a person with the trigger permission can`,
    };
  if (!Number.isFinite(f.notBefore.getTime()))
    return { ok: false, status: 400, message: 'notBefore: not a time (ISO 8601, e.g. 2026-03-02T09:00:00Z)' };
  if (f.notBefore.getTime() > f.now.getTime() + MAX_HOLD_MS) {
    return {
      ok: false,
      status: 400,
      message: `notBefore: at most ${MAX_HOLD_DAYS} days ahead (until ${new Date(f.now.getTime() + MAX_HOLD_MS).toISOString()}): a longer hold would keep an approved change undeployed; schedule it again later`,
    };
  }
  return { ok: true, notBefore: f.notBefore };
}
