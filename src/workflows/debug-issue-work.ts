import { classifyGitHubError } from '../adapters/github/github-errors.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { isDone, markDone, type EffectJob } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import type { Job } from '../adapters/store/job-shapes.js';
import { DEBUG_LABEL, debugIssueMarker, renderDebugIssue } from '../core/notify/debug-issue.js';
import { describeNotifyResult } from '../core/text/notify.js';
import { deliver } from './notify-deliver.js';
import { reasonFor, reportOf, type NotifyGitHub, type NotifyPolicy, type NotifyPorts } from './notify-ports.js';

export type DebugIssueResult = { issue: { number: number; url: string } | null; created: boolean; reason?: string };

/** Who consents to a self-heal fix: the repository's policy, for the execution whose canary failed. */
export const SELF_HEAL_CONSENT = 'policy:selfHeal';

/** Whether an execution is a self-heal attempt (its issue's work was started by the policy's consent). */
export function isSelfHeal(execution: Pick<ExecutionRecord, 'work'>): boolean {
  return execution.work?.issue.labelledBy.startsWith(SELF_HEAL_CONSENT) ?? false;
}

type Rendered = { title: string; body: string };
type FoundIssue = { number: number; htmlUrl: string };

/**
 * The effect that opens the debug issue of a rolled-back execution (its own job: a GitHub outage retries it without
 * holding back the notifications), once: a retry, or a job that runs again, first looks for an open issue of the
 * app carrying the execution's hidden marker. Labelled `aaoe-debug`, and with the trigger label too when the policy
 * has `selfHeal: propose-fix`. Then notifies the routes that ask for `debug_issue` (that notification's key is
 * `<job key>:debug_issue`). A GitHub answer that retrying cannot change is recorded, not thrown; others throw, so
 * the job is retried. Marks the job done.
 */
export async function openDebugIssue(
  ports: NotifyPorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  github: NotifyGitHub,
  policy: NotifyPolicy | undefined,
): Promise<DebugIssueResult> {
  const db = ports.runtime.db;
  const key = job.key;
  if (await isDone(db, key)) return { issue: null, created: false, reason: 'done already' };
  const report = await reportOf(ports, execution.id);
  const selfHealLabel = policy?.selfHeal === 'propose-fix' ? policy.trigger.label : undefined;
  const rendered = renderDebugIssue({
    execution,
    report,
    reason: await reasonFor(db, execution, 'debug_issue', report),
    selfHealLabel,
  });
  const labels = selfHealLabel !== undefined ? [DEBUG_LABEL, selfHealLabel] : [DEBUG_LABEL];
  const opened = await findOrCreate(ports, github, execution, rendered, labels);
  if ('refused' in opened) {
    await recordRefusal(ports, job, execution, opened.refused);
    return { issue: null, created: false, reason: opened.refused.reason };
  }
  const { found, created } = opened;
  const issue = { number: found.number, url: found.htmlUrl };
  // self-heal: the agent proposes a fix through the governed path, once: a fix that fails its own canary gets a
  // debug issue, never another automatic attempt
  const fix =
    selfHealLabel !== undefined ? await startFix(ports, job, execution, { ...found, ...rendered }) : undefined;
  const about = { event: 'debug_issue', policy, github } as const;
  const notified = await deliver(ports, `${key}:debug_issue`, execution, about, issue);
  await db.transaction(async (tx) => {
    if (!(await markDone(tx, key, execution.id, { issue, created, labels, notified }))) return;
    const labelled = selfHealLabel !== undefined ? ` labelled ${labels.join(', ')} (selfHeal: propose-fix)` : '';
    const failed = notified.failed.length > 0 ? `; ${describeNotifyResult(notified)}` : '';
    await appendAudit(tx, {
      executionId: execution.id,
      traceId: job.data.traceId,
      actor: 'aaoe',
      action: 'debug_issue_opened',
      reason: `#${issue.number}${labelled}${fix ? `; fix: ${fix.outcome}` : ''}${failed}`.slice(0, 2000),
      data: {
        issue: issue.number,
        created,
        labels,
        delivered: notified.delivered,
        failed: notified.failed.map((f) => f.destination),
        fix: fix?.executionId ?? null,
      },
    });
  });
  return { issue, created };
}

/** The app's open issue with the execution's marker, or a new one; a GitHub answer retrying cannot change, refused. */
async function findOrCreate(
  ports: NotifyPorts,
  github: NotifyGitHub,
  execution: ExecutionRecord,
  rendered: Rendered,
  labels: string[],
): Promise<{ found: FoundIssue; created: boolean } | { refused: { reason: string; status: number | null } }> {
  const marker = debugIssueMarker(execution.id);
  try {
    const found = await github.findOpenIssueWithMarker(marker, DEBUG_LABEL, await ports.botLogin());
    if (found) return { found, created: false };
    return { found: await github.createIssue({ title: rendered.title, body: rendered.body, labels }), created: true };
  } catch (error) {
    // an answer retrying cannot change (issues disabled, no permission, no repository, refused) is recorded; a rate
    // limit or an outage is thrown, and the job retried
    const failure = classifyGitHubError(error);
    if (failure.kind !== 'permanent') throw error;
    const status = failure.status;
    const reason = `GitHub refused the debug issue (${status}): ${(error as Error).message}`.slice(0, 500);
    return { refused: { reason, status } };
  }
}

async function recordRefusal(
  ports: NotifyPorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  refused: { reason: string; status: number | null },
): Promise<void> {
  const { reason, status } = refused;
  await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, execution.id, { issue: null, reason }))) return;
    await appendAudit(tx, {
      executionId: execution.id,
      traceId: job.data.traceId,
      actor: 'aaoe',
      action: 'debug_issue_failed',
      reason,
      data: { status },
    });
  });
}

/** The agent's fix, started with the policy's consent, unless the execution was itself a fix (one at most). */
async function startFix(
  ports: NotifyPorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  issue: FoundIssue & Rendered,
): Promise<{ outcome: string; executionId?: string } | undefined> {
  if (!ports.startFix) return undefined;
  if (isSelfHeal(execution))
    return {
      outcome: `not started: execution ${execution.id} was itself a self-heal attempt (one automatic fix at most)`,
    };
  const on = { number: issue.number, title: issue.title, htmlUrl: issue.htmlUrl };
  return ports.startFix(execution, on, `${job.key}:self_heal`, job.data.traceId);
}
