import type { CallRecord, Caps } from '../adapters/model/model-router.js';
import { appendAudit, type AuditInput } from '../adapters/store/audit-log.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import { lockExecution, markDone, type EffectJob } from '../adapters/store/executions.js';
import { QUEUES, type Job } from '../adapters/store/job-shapes.js';
import { executionModelCost, monthlySpendUsd, recordModelCalls } from '../adapters/store/model-calls.js';
import type { ConsentDecision, IssueConsent } from '../core/agent/issue-consent.js';
import type { AgentWork as Work, ExecutionRecord } from '../core/execution/records.js';
import { transition } from '../core/execution/transition.js';
import { type ExecutionEvent } from '../core/execution/execution-model.js';
import type { Policy } from '../core/policy/schema.js';
import { consentAuditReason } from '../core/text/consent-comment.js';
import type { AgentWorkPorts } from './agent-ports.js';
import { commitTransition } from './commit-transition.js';

/** The steps every piece of the agent's work shares: caps, model calls recorded, transitions applied, a failure. */

/** The work of an issue's execution with the consent it was started on (kept in the execution's `work` JSON). */
export type ConsentedWork = Work & { consent?: IssueConsent; consentVoided?: true };

export function consentOf(work: Work): IssueConsent | undefined {
  return (work as ConsentedWork).consent;
}

type Ports = Pick<AgentWorkPorts, 'runtime' | 'now'>;

/** The caps of the next model call: the policy's per-execution caps and what the repository may spend this month. */
export async function modelCaps(ports: Ports, execution: ExecutionRecord, policy: Policy): Promise<Caps> {
  const db = ports.runtime.db;
  const spent = await executionModelCost(db, execution.id);
  const monthly = policy.cost.monthlyUsd;
  return {
    spent: { tokens: spent.tokens, usd: spent.usd },
    ...(policy.cost.maxTokens !== undefined ? { maxTokens: policy.cost.maxTokens } : {}),
    ...(policy.cost.maxUsd !== undefined ? { maxUsd: policy.cost.maxUsd } : {}),
    ...(monthly !== undefined
      ? { monthlyRemainingUsd: Math.max(0, monthly - (await monthlySpendUsd(db, execution.repo, ports.now()))) }
      : {}),
  };
}

/** Every model call is recorded with its cost, and an audit entry carries the total. */
export async function recordCalls(
  ports: Ports,
  tx: SqlExecutor,
  execution: ExecutionRecord,
  calls: readonly CallRecord[],
  what: string,
): Promise<void> {
  if (calls.length === 0) return;
  await recordModelCalls(tx, { repo: execution.repo, executionId: execution.id, at: ports.now() }, calls);
  const tokens = calls.reduce((n, c) => n + c.inputTokens + c.outputTokens, 0);
  const usd = calls.reduce((n, c) => n + c.costUsd, 0);
  await appendAudit(tx, {
    executionId: execution.id,
    traceId: execution.traceId,
    actor: 'aaoe',
    action: 'model_calls',
    reason: `${what}: ${calls.map((c) => `${c.model} ${c.outcome}`).join(', ')}`,
    costUsd: usd.toFixed(8),
    costTokens: tokens,
    data: {
      calls: calls.map((c) => ({
        model: c.model,
        outcome: c.outcome,
        inputTokens: c.inputTokens,
        outputTokens: c.outputTokens,
        costUsd: c.costUsd,
      })),
    },
  });
}

/** Applies events in order and commits each transition with its effects; `changes` go with the first. */
export async function applyEvents(
  ports: Ports,
  tx: SqlExecutor,
  before: ExecutionRecord,
  events: ExecutionEvent[],
  traceId: string,
  changes: Partial<ExecutionRecord> = {},
): Promise<ExecutionRecord> {
  let current = before;
  for (const [i, event] of events.entries()) {
    const result = transition(current, event, ports.now());
    const after: ExecutionRecord = { ...current, ...(i === 0 ? changes : {}), ...result.execution };
    await commitTransition(tx, ports.runtime.queue, current, after, result.effects, traceId);
    current = after;
  }
  return current;
}

/** How a failure is recorded: the calls it made, an audit entry, facts for the work (`consentVoided`). */
export type FailureRecord = { calls?: readonly CallRecord[]; audit?: AuditInput; workFacts?: Partial<ConsentedWork> };

/** Ends the execution as `failed` with a reason the status comment shows; the calls made are recorded. */
export async function failExecution(
  ports: Ports,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  reason: string,
  { calls = [], audit, workFacts = {} }: FailureRecord = {},
): Promise<void> {
  await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, execution.id, { failed: reason }))) return;
    const before = await lockExecution(tx, execution.id);
    if (!before) return;
    if (audit) await appendAudit(tx, audit);
    await recordCalls(ports, tx, before, calls, 'failed attempt');
    // an issue's execution has its work from the start (the one that fails here did when the step read it)
    const work = before.work ?? execution.work;
    await applyEvents(ports, tx, before, [{ type: 'failed', reason }], job.data.traceId, {
      work: work ? { ...work, ...workFacts, failure: reason } : null,
    });
  });
  ports.runtime.queue.wake(QUEUES.effect);
}

export async function skipEffect(ports: Ports, job: Job<EffectJob>, execution: ExecutionRecord, why: string) {
  await ports.runtime.db.transaction((tx) => markDone(tx, job.key, execution.id, { skipped: why }));
}

/** The issue read now is not the text consented to: the execution fails before any model call, and the audit log says why. */
export function voidConsent(
  ports: Ports,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  decided: Extract<ConsentDecision, { ok: false }>,
  consent: IssueConsent | undefined,
): Promise<void> {
  const audit = consentAudit(execution.id, job.data.traceId, decided, consent, execution.work?.issue.number ?? null);
  return failExecution(ports, job, execution, decided.reason, { audit, workFacts: { consentVoided: true } });
}

/** The audit entry of a consent voided by an edit: who consented to which text, and the digest of the text now. */
export function consentAudit(
  executionId: string | null,
  traceId: string,
  decided: { reason: string; current: string },
  consent: IssueConsent | undefined,
  issue: number | null,
): AuditInput {
  return {
    executionId,
    traceId,
    actor: 'aaoe',
    action: 'consent_voided',
    reason: consentAuditReason(issue, consent?.by, decided.reason),
    data: {
      issue,
      consentedBy: consent?.by ?? null,
      consentedSha256: consent?.sha256 ?? null,
      currentSha256: decided.current,
    },
  };
}
