import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { agentEventType, type AgentDispatch } from '../../contracts/agent-result.js';
import { DISPATCH_MAX_AGE_MS, DISPATCH_MAX_SKEW_MS } from './dispatch-signature.js';

/**
 * The authentication of an agent dispatch (`src/contracts/agent-result.ts`), shared by the app (signs) and the
 * action's agent mode (verifies) with the repository's key (`repositoryKey`, as for deploys). The signature covers
 * every field, the task text and the budget included, so a dispatch cannot be re-aimed at another commit, task or
 * budget; the hand-back is signed like the deploy report (`signBody`).
 */

export type UnsignedAgentDispatch = Omit<AgentDispatch, 'signature'>;

/** The exact text signed: a JSON array in a fixed order, the task as its digest. */
export function agentDispatchSigningText(d: UnsignedAgentDispatch): string {
  const task = createHash('sha256')
    .update(JSON.stringify([d.task.issue, d.task.title, d.task.body]), 'utf8')
    .digest('hex');
  return JSON.stringify([
    'aaoe-agent-dispatch',
    d.version,
    agentEventType(d.agent),
    d.repository.toLowerCase(),
    d.executionId,
    d.agent,
    d.baseSha,
    d.issuedAt,
    task,
    d.budget.usd,
    d.budget.tokens,
    d.budget.timeLimitSeconds,
  ]);
}

export function signAgentDispatch(d: UnsignedAgentDispatch, key: string): string {
  return `v1=${createHmac('sha256', key).update(agentDispatchSigningText(d), 'utf8').digest('hex')}`;
}

export type AgentDispatchContext = { repository: string; eventType: string; now: Date };

/** Whether an agent dispatch is AAOE's, for this repository and event type, and recent. Every check is a refusal. */
export function verifyAgentDispatch(
  d: AgentDispatch,
  key: string,
  ctx: AgentDispatchContext,
): { ok: true } | { ok: false; reason: string } {
  if (!d.signature)
    return { ok: false, reason: 'the payload carries no signature: only dispatches the AAOE app signed are run' };
  const { signature, ...unsigned } = d;
  const expected = Buffer.from(signAgentDispatch(unsigned, key));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "the payload's signature does not match this repository's key (report-secret)" };
  if (d.repository.toLowerCase() !== ctx.repository.toLowerCase())
    return { ok: false, reason: `the payload was signed for ${d.repository}, this run is in ${ctx.repository}` };
  if (agentEventType(d.agent) !== ctx.eventType)
    return { ok: false, reason: `the payload was signed for ${agentEventType(d.agent)}, this run is ${ctx.eventType}` };
  const issued = Date.parse(d.issuedAt);
  if (!Number.isFinite(issued)) return { ok: false, reason: 'the issue time is not a time' };
  if (issued > ctx.now.getTime() + DISPATCH_MAX_SKEW_MS)
    return { ok: false, reason: `the payload was issued in the future (${d.issuedAt})` };
  if (ctx.now.getTime() - issued > DISPATCH_MAX_AGE_MS)
    return { ok: false, reason: `the payload was issued at ${d.issuedAt}, more than a day ago: a replay is not run` };
  return { ok: true };
}
