import type { NotifyEvent } from '../core/notify/notifications-schema.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { isDone, markDone, type EffectJob } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import type { Job } from '../adapters/store/job-shapes.js';
import { describeNotifyResult } from '../core/text/notify.js';
import { deliver } from './notify-deliver.js';
import type { NotifyGitHub, NotifyPolicy, NotifyPorts, NotifyResult } from './notify-ports.js';

/**
 * The `notify` effect and the debug issue.
 *
 * `notify` sends one event of an execution along the repository's routes (`notifications:` in the policy): to the
 * operator's destinations (Slack, signed webhooks) and as comments on GitHub (`notify-deliver`). Each destination is
 * sent to on its own, time-bounded and retried; what happened is recorded per destination
 * (`notification_deliveries`). A failing notifier never blocks the pipeline: `notify` does not throw because a
 * destination failed; the job is marked done with what was delivered and what failed, and failures go into the
 * audit log. A job that runs again (a crash before it was marked done) sends only to the destinations that do not
 * have it yet.
 *
 * `openDebugIssue` (`debug-issue-work`) opens one issue with the evidence of a rollback, found again by its hidden
 * marker so a retry never opens a second.
 */

/** The `notify` effect: sends `about` along the policy's routes; marks the job done with what happened. Never throws for a notifier. */
export async function notify(
  ports: NotifyPorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  about: NotifyEvent,
  policy: NotifyPolicy | undefined,
  github: NotifyGitHub,
): Promise<NotifyResult> {
  const db = ports.runtime.db;
  if (await isDone(db, job.key)) return { event: about, delivered: [], failed: [], skipped: 'done already' };
  const result = await deliver(ports, job.key, execution, { event: about, policy, github }, null);
  await db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, execution.id, result))) return;
    if (result.delivered.length === 0 && result.failed.length === 0 && !result.skipped) return;
    await appendAudit(tx, {
      executionId: execution.id,
      traceId: job.data.traceId,
      actor: 'aaoe',
      // a notification the routes would have sent but could not even try is said, never dropped in silence
      action: result.skipped ? 'notification_skipped' : result.failed.length > 0 ? 'notification_failed' : 'notified',
      reason: (result.skipped ? `${result.event}: not sent: ${result.skipped}` : describeNotifyResult(result)).slice(
        0,
        2000,
      ),
      data: { event: result.event, delivered: result.delivered, failed: result.failed.map((f) => f.destination) },
    });
  });
  return result;
}
