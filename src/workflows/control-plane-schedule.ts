import { randomUUID } from 'node:crypto';
import type { ApiUser } from '../adapters/github/github-access.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { decideDeployHold } from '../core/deploy/deploy-hold.js';
import { setDeployHold } from '../adapters/store/deploy-holds.js';
import type { ExecutionRecord } from '../core/execution/records.js';
import type { ScheduleRequest, VerbResult } from '../contracts/api.js';
import { agentIdentity } from '../core/policy/governance.js';
import {
  apiError,
  notFoundExecution,
  policyInvalid,
  policyOf,
  refuse,
  visibleExecution,
  type Answer,
  type ControlPlanePorts,
  type Refusal,
} from './control-plane-access.js';

/** How far a change has come: its state, or for a paused (or frozen) one, the state it resumes to. */
export function progressOf(execution: Pick<ExecutionRecord, 'state' | 'resumeTo'>): string {
  return (execution.state === 'paused' || execution.state === 'frozen') && execution.resumeTo
    ? execution.resumeTo
    : execution.state;
}

/** States of a change that is not dispatched yet (what `schedule` may hold). */
export const SCHEDULABLE: ReadonlySet<string> = new Set([
  'received',
  'classified',
  'proposing',
  'proposed',
  'blocked',
  'awaiting_approval',
  'approved',
  'scheduled',
  'merged',
]);

/**
 * `POST /api/v1/executions/{id}/schedule`: the change is not deployed before `notBefore` (and still only inside
 * the policy's change windows), at most a week ahead. It holds back an approved change, so a person who may start
 * agent work in the repository (`trigger.permissions`) may schedule it, never an agent; only before it is dispatched.
 */
export async function scheduleExecution(
  ports: ControlPlanePorts,
  user: ApiUser,
  id: string,
  request: ScheduleRequest,
): Promise<Answer<VerbResult>> {
  const traceId = randomUUID();
  const found = await visibleExecution(ports, user, id, traceId);
  if (!found) return notFoundExecution(id);
  const { execution, access } = found;
  const refused = (status: number, code: Refusal['code'], why: string) =>
    refuse(ports, { executionId: execution.id, traceId, user, verb: 'schedule', status, code, why });
  const repoPolicy = await policyOf(ports, access.conn.context);
  if (!repoPolicy.ok) return refused(409, 'policy_invalid', policyInvalid(repoPolicy));
  const trigger = repoPolicy.policy.trigger;
  if (!(trigger.permissions as string[]).includes(access.role)) {
    return refused(
      403,
      'refused',
      `scheduling needs ${trigger.permissions.join(', ')} permission on ${access.conn.repo}, and @${user.login} has ${access.role}`,
    );
  }
  const where = progressOf(execution);
  if (!SCHEDULABLE.has(where))
    return refused(
      409,
      'refused',
      `execution ${execution.id} is ${execution.state.replaceAll('_', ' ')}${where !== execution.state ? ` (from ${where.replaceAll('_', ' ')})` : ''}: only a change not yet dispatched can be scheduled`,
    );
  const now = ports.now();
  // agents never hold a deployment, and no hold is longer than MAX_HOLD_DAYS (`decideDeployHold`)
  const hold = decideDeployHold({
    login: user.login,
    agent: agentIdentity(user, repoPolicy.policy),
    notBefore: new Date(request.notBefore),
    now,
  });
  if (!hold.ok)
    return hold.status === 403 ? refused(403, 'refused', hold.message) : apiError(400, 'invalid_request', hold.message);
  await recordHold(ports, { execution, traceId, login: user.login, notBefore: hold.notBefore, now });
  return {
    status: 200,
    body: {
      executionId: execution.id,
      verb: 'schedule',
      state: execution.state,
      message: `Not deployed before ${hold.notBefore.toISOString()} (and only inside the policy's change windows), set by @${user.login}.`,
    },
  };
}

/** The hold and its audit entry, in one transaction. */
async function recordHold(
  ports: ControlPlanePorts,
  hold: { execution: ExecutionRecord; traceId: string; login: string; notBefore: Date; now: Date },
): Promise<void> {
  const { execution, traceId, login, notBefore, now } = hold;
  await ports.runtime.db.transaction(async (tx) => {
    await setDeployHold(tx, {
      executionId: execution.id,
      notBefore: notBefore.toISOString(),
      by: login,
      at: now.toISOString(),
    });
    await appendAudit(tx, {
      executionId: execution.id,
      traceId,
      actor: login,
      action: 'command:schedule',
      reason: `accepted: not deployed before ${notBefore.toISOString()}`,
      data: { source: 'api', notBefore: notBefore.toISOString() },
    });
  });
}
