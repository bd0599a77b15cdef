import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { classifyGitHubError } from '../adapters/github/github-errors.js';
import {
  destinationServes,
  GITHUB_DESTINATION,
  type GitHubTarget,
  type NotificationsPolicy,
  type NotifyDestinations,
  type NotifyEvent,
  type SelfHealPolicy,
} from '../adapters/notify/config.js';
import { DEBUG_LABEL, debugIssueMarker, renderDebugIssue } from '../core/notify/debug-issue.js';
import { deliveryIdFor, safeUrl, type Notification } from '../core/notify/message.js';
import {
  sendGitHubComment,
  sendToDestination,
  type FetchLike,
  type SendOutcome,
  type SendTiming,
} from '../adapters/notify/senders.js';
import { appendAudit, showExecution } from '../adapters/store/audit-log.js';
import type { Database, SqlExecutor } from '../adapters/store/database.js';
import { latestDeployReport } from '../adapters/store/deploy-reports.js';
import { isDone, markDone, type EffectJob, type ExecutionRecord } from '../adapters/store/executions.js';
import type { Job } from '../adapters/store/job-queue.js';
import { getNotificationDeliveries, recordDeliveryAttempts } from '../adapters/store/notifications.js';

/**
 * The `notify` effect and the debug issue.
 *
 * `notify` sends one event of an execution along the repository's routes (`notifications:` in the policy): to the
 * operator's destinations (Slack, signed webhooks) and as comments on GitHub. Each destination is sent to on its
 * own, time-bounded and retried; what happened is recorded per destination (`notification_deliveries`). A failing
 * notifier never blocks the pipeline: `notify` does not throw because a destination failed; the job is marked done
 * with what was delivered and what failed, and failures go into the audit log. A job that runs again (a crash
 * before it was marked done) sends only to the destinations that do not have it yet.
 *
 * `openDebugIssue` opens one issue with the evidence of a rollback, found again by its hidden marker so a retry
 * never opens a second.
 */

export type NotifyPorts = {
  runtime: { db: Database };
  now: () => Date;
  /** The operator's destinations (`AAOE_NOTIFY_DESTINATIONS`). */
  destinations: NotifyDestinations;
  /** The latest verified report of the companion action for an execution (default: the stored one, src/adapters/store/deploy-reports.ts). */
  latestDeployReport?: (db: SqlExecutor, executionId: string) => Promise<Record<string, unknown> | undefined>;
  /** The app's own login (`slug[bot]`): its comments are updated, its debug issues found again. */
  botLogin: () => Promise<string>;
  /**
   * `selfHeal: propose-fix`: starts agent work on the debug issue, the consent being the policy's (a label the app
   * applies is never consent, so the issue's own webhooks start nothing). Absent: the debug issue is only labelled.
   */
  startFix?: (
    execution: ExecutionRecord,
    issue: { number: number; title: string; htmlUrl: string },
    key: string,
    traceId: string,
  ) => Promise<{ outcome: string; executionId?: string }>;
  /** Tests: another fetch, another way of waiting between attempts. */
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
};

/** What of the policy notifications read (`Policy` has it). Undefined: the policy does not validate (nothing routed). */
export type NotifyPolicy = {
  notifications: NotificationsPolicy;
  selfHeal?: SelfHealPolicy;
  trigger: { label: string };
};

/** The GitHub calls notifications make. */
export type NotifyGitHub = Pick<GitHubAdapter, 'upsertComment' | 'createIssue' | 'findOpenIssueWithMarker'>;

/** One destination's result, as the job's outcome records it. */
export type DeliveryResult = {
  destination: string;
  delivered: boolean;
  attempts: number;
  error?: string;
  already?: true;
};

export type NotifyResult = {
  event: string;
  delivered: string[];
  failed: Array<{ destination: string; error: string }>;
  skipped?: string;
};

/** The audit actions whose reason explains an event (the transition that emitted the effect appended them). */
const EXPLAINED_BY: Record<NotifyEvent, readonly string[]> = {
  failed: ['failed'],
  rollback: ['canary_verdict', 'rollback_requested'],
  completed: ['promotion_finished', 'canary_verdict'],
  frozen: ['breaker_tripped', 'frozen'],
  waiting: ['policy_evaluated'],
  debug_issue: ['canary_verdict', 'rollback_requested'],
};

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
  const result = await deliver(ports, job.key, execution, about, policy, github, null);
  await db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, execution.id, result))) return;
    if (result.delivered.length === 0 && result.failed.length === 0 && !result.skipped) return;
    await appendAudit(tx, {
      executionId: execution.id,
      traceId: job.data.traceId,
      actor: 'aaoe',
      // a notification the routes would have sent but could not even try is said, never dropped in silence
      action: result.skipped ? 'notification_skipped' : result.failed.length > 0 ? 'notification_failed' : 'notified',
      reason: (result.skipped ? `${result.event}: not sent: ${result.skipped}` : describe(result)).slice(0, 2000),
      data: { event: result.event, delivered: result.delivered, failed: result.failed.map((f) => f.destination) },
    });
  });
  return result;
}

/** `failed: delivered to github:pull_request#12; failed: pager (HTTP 500 after 4 attempts)`. */
function describe(r: NotifyResult): string {
  const parts = [];
  if (r.delivered.length > 0) parts.push(`delivered to ${r.delivered.join(', ')}`);
  if (r.failed.length > 0) parts.push(`failed: ${r.failed.map((f) => `${f.destination} (${f.error})`).join('; ')}`);
  return `${r.event}: ${parts.join('; ')}`;
}

/** Sends one notification along the routes that ask for its event; records every destination's outcome. */
async function deliver(
  ports: NotifyPorts,
  key: string,
  execution: ExecutionRecord,
  about: NotifyEvent,
  policy: NotifyPolicy | undefined,
  github: NotifyGitHub,
  debugIssue: Notification['debugIssue'],
): Promise<NotifyResult> {
  if (!policy)
    return {
      event: about,
      delivered: [],
      failed: [],
      skipped: 'the repository policy does not validate: its routes are unknown',
    };
  const routes = policy.notifications.filter((r) => r.on.includes(about));
  if (routes.length === 0) return { event: about, delivered: [], failed: [] };
  const db = ports.runtime.db;
  const report = await reportOf(ports, execution.id);
  const notification: Notification = {
    key,
    event: about,
    repository: execution.repo,
    execution: {
      id: execution.id,
      state: execution.state,
      traceId: execution.traceId,
      headSha: execution.headSha ?? null,
    },
    pullRequest:
      execution.pullRequest !== null
        ? { number: execution.pullRequest, url: execution.subject?.htmlUrl ?? null }
        : null,
    issue: execution.issue !== null ? { number: execution.issue, url: execution.work?.issue.htmlUrl ?? null } : null,
    reason: await reasonFor(db, execution, about, report),
    runUrl: safeUrl((report?.run as { url?: unknown } | undefined)?.url),
    debugIssue,
    at: ports.now().toISOString(),
  };
  const timing: SendTiming = { ...ports.destinations.delivery, ...(ports.sleep ? { sleep: ports.sleep } : {}) };
  const earlier = new Map((await getNotificationDeliveries(db, key)).map((d) => [d.destination, d]));

  // one send per destination, even when two routes name it (a comment then carries the mentions of both)
  const sends = new Map<string, () => Promise<SendOutcome>>();
  const comments = new Map<string, { number: number; mentions: Set<string> }>();
  for (const route of routes) {
    if (route.to === GITHUB_DESTINATION) {
      const where: readonly GitHubTarget[] = route.where ?? ['pull_request', 'issue'];
      const targets = where.flatMap((w) => {
        const number = w === 'pull_request' ? execution.pullRequest : execution.issue;
        return number === null ? [] : [{ name: `github:${w}#${number}`, number }];
      });
      if (targets.length === 0) {
        const error = `the execution has no ${where.map((w) => w.replace('_', ' ')).join(' or ')} to comment on`;
        sends.set(`github:${where.join('+')}`, async () => ({ ok: false, attempts: 0, status: null, error }));
      }
      for (const target of targets) {
        const entry = comments.get(target.name) ?? { number: target.number, mentions: new Set<string>() };
        for (const m of route.mention ?? []) entry.mentions.add(m);
        comments.set(target.name, entry);
      }
      continue;
    }
    // a destination scoped to other repositories is not this one's to use (and is not named to it)
    const open = Object.entries(ports.destinations.destinations).filter(([, d]) =>
      destinationServes(d, execution.repo),
    );
    const destination = ports.destinations.destinations[route.to];
    const error = destination
      ? `the operator's destination "${route.to}" is not open to ${execution.repo} (its \`repositories\` in AAOE_NOTIFY_DESTINATIONS do not list it)`
      : `no destination "${route.to}": the operator's AAOE_NOTIFY_DESTINATIONS does not define it (defined: ${open.map(([name]) => name).join(', ') || 'none'})`;
    const usable = destination && destinationServes(destination, execution.repo) ? destination : undefined;
    sends.set(
      route.to,
      usable
        ? () => sendToDestination(route.to, usable, notification, timing, ports.fetch)
        : async () => ({ ok: false, attempts: 0, status: null, error }),
    );
  }
  const comment = async (issueNumber: number, marker: string, body: string) =>
    github.upsertComment(issueNumber, marker, body, await ports.botLogin());
  for (const [name, target] of comments)
    sends.set(name, () => sendGitHubComment(comment, target.number, notification, [...target.mentions], timing));

  const results = await Promise.all(
    [...sends].map(async ([name, send]): Promise<DeliveryResult> => {
      const before = earlier.get(name);
      if (before?.status === 'delivered') return { destination: name, delivered: true, attempts: 0, already: true };
      let outcome: SendOutcome;
      try {
        outcome = await send();
      } catch (error) {
        outcome = {
          ok: false,
          attempts: 1,
          status: null,
          error: `the sender failed: ${(error as Error).message ?? String(error)}`.slice(0, 500),
        };
      }
      await recordDeliveryAttempts(db, {
        notificationKey: key,
        destination: name,
        deliveryId: deliveryIdFor(key, name),
        executionId: execution.id,
        event: about,
        delivered: outcome.ok,
        attempts: outcome.attempts,
        lastStatus: outcome.status,
        lastError: outcome.ok ? null : outcome.error,
        at: ports.now(),
      });
      return outcome.ok
        ? { destination: name, delivered: true, attempts: outcome.attempts }
        : {
            destination: name,
            delivered: false,
            attempts: outcome.attempts,
            error: outcome.attempts > 1 ? `${outcome.error} after ${outcome.attempts} attempts` : outcome.error,
          };
    }),
  );
  return {
    event: about,
    delivered: results.filter((r) => r.delivered).map((r) => r.destination),
    failed: results
      .filter((r) => !r.delivered)
      .map((r) => ({ destination: r.destination, error: r.error ?? 'not delivered' })),
  };
}

/** The evidence, if any (a store that cannot be read throws: the job is retried before anything was sent). */
function reportOf(ports: NotifyPorts, executionId: string): Promise<Record<string, unknown> | undefined> {
  return (ports.latestDeployReport ?? latestDeployReport)(ports.runtime.db, executionId);
}

/** Why, in words: the action's report for the deployment's events, else the audit entry of the transition behind the event. */
async function reasonFor(
  db: SqlExecutor,
  execution: ExecutionRecord,
  event: NotifyEvent,
  report: Record<string, unknown> | undefined,
): Promise<string> {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  if (report && ['rollback', 'completed', 'debug_issue'].includes(event)) {
    const said = [text(report.title), text(report.reason)].filter(Boolean).join(': ');
    if (said) return said.slice(0, 2000);
  }
  if (event === 'failed' && execution.work?.failure) return execution.work.failure.slice(0, 2000);
  const { entries } = await showExecution(db, execution.id);
  const explained = entries.filter((e) => EXPLAINED_BY[event].includes(e.action) && e.reason).at(-1);
  return (explained?.reason ?? `the execution is ${execution.state.replaceAll('_', ' ')}`).slice(0, 2000);
}

// ------------------------------------------------------------------ the debug issue

export type DebugIssueResult = { issue: { number: number; url: string } | null; created: boolean; reason?: string };

/** Who consents to a self-heal fix: the repository's policy, for the execution whose canary failed. */
export const SELF_HEAL_CONSENT = 'policy:selfHeal';

/** Whether an execution is a self-heal attempt (its issue's work was started by the policy's consent). */
export function isSelfHeal(execution: Pick<ExecutionRecord, 'work'>): boolean {
  return execution.work?.issue?.labelledBy.startsWith(SELF_HEAL_CONSENT) ?? false;
}

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
  const selfHeal = policy?.selfHeal === 'propose-fix';
  const rendered = renderDebugIssue({
    execution,
    report,
    reason: await reasonFor(db, execution, 'debug_issue', report),
    selfHealLabel: selfHeal ? policy!.trigger.label : undefined,
  });
  const marker = debugIssueMarker(execution.id);
  const labels = selfHeal ? [DEBUG_LABEL, policy!.trigger.label] : [DEBUG_LABEL];
  let found: { number: number; htmlUrl: string } | undefined;
  let created = false;
  try {
    found = await github.findOpenIssueWithMarker(marker, DEBUG_LABEL, await ports.botLogin());
    if (!found) {
      found = await github.createIssue({ title: rendered.title, body: rendered.body, labels });
      created = true;
    }
  } catch (error) {
    // an answer retrying cannot change (issues disabled, no permission, no repository, refused) is recorded; a rate
    // limit or an outage is thrown, and the job retried
    const failure = classifyGitHubError(error);
    if (failure.kind !== 'permanent') throw error;
    const status = failure.status;
    const reason = `GitHub refused the debug issue (${status}): ${(error as Error).message}`.slice(0, 500);
    await db.transaction(async (tx) => {
      if (!(await markDone(tx, key, execution.id, { issue: null, reason }))) return;
      await appendAudit(tx, {
        executionId: execution.id,
        traceId: job.data.traceId,
        actor: 'aaoe',
        action: 'debug_issue_failed',
        reason,
        data: { status },
      });
    });
    return { issue: null, created: false, reason };
  }
  const issue = { number: found.number, url: found.htmlUrl };
  // self-heal: the agent proposes a fix through the governed path, once: a fix that fails its own canary gets a
  // debug issue, never another automatic attempt
  let fix: { outcome: string; executionId?: string } | undefined;
  if (selfHeal && ports.startFix) {
    fix = isSelfHeal(execution)
      ? { outcome: `not started: execution ${execution.id} was itself a self-heal attempt (one automatic fix at most)` }
      : await ports.startFix(
          execution,
          { number: found.number, title: rendered.title, htmlUrl: found.htmlUrl },
          `${key}:self_heal`,
          job.data.traceId,
        );
  }
  const notified = await deliver(ports, `${key}:debug_issue`, execution, 'debug_issue', policy, github, issue);
  await db.transaction(async (tx) => {
    if (!(await markDone(tx, key, execution.id, { issue, created, labels, notified }))) return;
    await appendAudit(tx, {
      executionId: execution.id,
      traceId: job.data.traceId,
      actor: 'aaoe',
      action: 'debug_issue_opened',
      reason:
        `#${issue.number}${selfHeal ? ` labelled ${labels.join(', ')} (selfHeal: propose-fix)` : ''}${fix ? `; fix: ${fix.outcome}` : ''}${notified.failed.length > 0 ? `; ${describe(notified)}` : ''}`.slice(
          0,
          2000,
        ),
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
