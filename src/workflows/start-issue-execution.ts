import { randomUUID } from 'node:crypto';
import { appendAudit } from '../adapters/store/audit-log.js';
import { insertExecution, lockIssueExecution, markDone } from '../adapters/store/executions.js';
import { activeOrgFreezes } from '../adapters/store/org-freezes.js';
import { agentWorkRefusal } from '../core/decisions/org-freeze.js';
import { QUEUES } from '../adapters/store/job-shapes.js';
import { issueTextDigest, type IssueConsent } from '../core/agent/issue-consent.js';
import type { AgentWork as Work, ExecutionRecord } from '../core/execution/records.js';
import { newExecution, transition } from '../core/execution/transition.js';
import type { AgentWorkPorts } from './agent-ports.js';
import type { ConsentedWork } from './agent-steps.js';
import { commitTransition } from './commit-transition.js';

export type IssueStart = {
  key: string;
  repo: string;
  installationId: number;
  /** The issue as consented to; with its body, the text is pinned here, else when triage first reads it. */
  issue: { number: number; title: string; htmlUrl: string; body?: string | null };
  consentBy: string;
  traceId: string;
  packages?: Work['packages'];
  /** The digest of the text consented to (the `labeled` delivery's), when the caller has it. */
  consent?: IssueConsent | undefined;
};

/** `refused`: the sentence saying why no agent work starts (an organisation freeze, the agent's kill switch). */
type Started = { outcome: string; executionId?: string; refused?: string };

/**
 * Starts the execution of an open issue whose trigger a person with the trigger permission consented to (applied the
 * label, or asked through the control-plane API): a new execution, or the same one over again after it failed. Done
 * once per `key`, in one transaction with the execution and its first effects. The caller checked the consent.
 */
export async function startIssueExecution(
  ports: Pick<AgentWorkPorts, 'runtime' | 'now'>,
  start: IssueStart,
): Promise<Started> {
  const { issue, consentBy: sender } = start;
  const now = ports.now();
  const consent =
    start.consent ??
    (typeof issue.body === 'string'
      ? { sha256: issueTextDigest({ title: issue.title, body: issue.body }), by: sender }
      : undefined);
  const work = {
    issue: { number: issue.number, title: issue.title, htmlUrl: issue.htmlUrl, labelledBy: sender },
    ...(start.packages?.length ? { packages: start.packages } : {}),
    ...(consent ? { consent } : {}),
  } satisfies ConsentedWork as Work;
  const result = await ports.runtime.db.transaction(async (tx): Promise<Started> => {
    if (!(await markDone(tx, start.key, null))) return { outcome: 'already acted on' };
    // stop the line: no new agent work while the organisation is frozen or AAOE's own agent is stopped
    const refused = agentWorkRefusal(await activeOrgFreezes(tx, start.installationId, now), 'aaoe');
    if (refused) {
      const audit = { executionId: null, traceId: start.traceId, actor: 'aaoe', action: 'agent_work_refused' };
      await appendAudit(tx, { ...audit, reason: refused, data: { repo: start.repo, issue: issue.number } });
      return { outcome: refused, refused };
    }
    const existing = await lockIssueExecution(tx, start.repo, issue.number);
    if (existing) {
      if (existing.state !== 'failed')
        return { outcome: `execution ${existing.id} is ${existing.state}`, executionId: existing.id };
      // the label applied again after a failure: the same execution starts over, with nothing kept
      const result = transition(existing, { type: 'retry', by: sender }, now);
      const after = { ...existing, ...result.execution, work };
      await commitTransition(tx, ports.runtime.queue, existing, after, result.effects, start.traceId);
      return { outcome: `execution ${existing.id} retried`, executionId: existing.id };
    }
    const started = newExecution(randomUUID(), now);
    const record: ExecutionRecord = {
      ...started.execution,
      repo: start.repo,
      installationId: start.installationId,
      pullRequest: null,
      traceId: start.traceId,
      subject: null,
      issue: issue.number,
      work,
    };
    if (!(await insertExecution(tx, record))) return { outcome: 'another delivery started it' };
    await commitTransition(tx, ports.runtime.queue, undefined, record, started.effects, start.traceId);
    return { outcome: `execution ${record.id} started`, executionId: record.id };
  });
  ports.runtime.queue.wake(QUEUES.effect);
  return result;
}
