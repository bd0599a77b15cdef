import { destinationServes } from '../adapters/notify/config.js';
import {
  GITHUB_DESTINATION,
  type GitHubTarget,
  type NotificationRoute,
  type NotifyEvent,
} from '../core/notify/notifications-schema.js';
import { sendGitHubComment, sendToDestination, type SendOutcome, type SendTiming } from '../adapters/notify/senders.js';
import type { ExecutionRecord } from '../core/execution/records.js';
import { getNotificationDeliveries, recordDeliveryAttempts } from '../adapters/store/notifications.js';
import { deliveryIdFor, safeUrl, type Notification } from '../core/notify/message.js';
import { destinationUnusable, noCommentTarget, POLICY_DOES_NOT_VALIDATE } from '../core/text/notify.js';
import {
  reasonFor,
  reportOf,
  type DeliveryResult,
  type NotifyGitHub,
  type NotifyPolicy,
  type NotifyPorts,
  type NotifyResult,
} from './notify-ports.js';

type Send = () => Promise<SendOutcome>;

/** Sends one notification along the routes that ask for its event; records every destination's outcome. */
export async function deliver(
  ports: NotifyPorts,
  key: string,
  execution: ExecutionRecord,
  about: { event: NotifyEvent; policy: NotifyPolicy | undefined; github: NotifyGitHub },
  debugIssue: Notification['debugIssue'],
): Promise<NotifyResult> {
  const { event, policy, github } = about;
  if (!policy) return { event, delivered: [], failed: [], skipped: POLICY_DOES_NOT_VALIDATE };
  const routes = policy.notifications.filter((r) => r.on.includes(event));
  if (routes.length === 0) return { event, delivered: [], failed: [] };
  const notification = await gatherNotification(ports, key, execution, event, debugIssue);
  const timing: SendTiming = { ...ports.destinations.delivery, ...(ports.sleep ? { sleep: ports.sleep } : {}) };
  const sends = planSends(ports, routes, execution, { notification, timing, github });
  const results = await sendAll(ports, { key, execution, event }, sends);
  return {
    event,
    delivered: results.filter((r) => r.delivered).map((r) => r.destination),
    failed: results
      .filter((r) => !r.delivered)
      .map((r) => ({ destination: r.destination, error: r.error ?? 'not delivered' })),
  };
}

/** The notification as every destination gets it: the execution, its subject, why, and the evidence's link. */
async function gatherNotification(
  ports: NotifyPorts,
  key: string,
  execution: ExecutionRecord,
  event: NotifyEvent,
  debugIssue: Notification['debugIssue'],
): Promise<Notification> {
  const report = await reportOf(ports, execution.id);
  return {
    key,
    event,
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
    reason: await reasonFor(ports.runtime.db, execution, event, report),
    runUrl: safeUrl((report?.run as { url?: unknown } | undefined)?.url),
    debugIssue,
    at: ports.now().toISOString(),
  };
}

/** One send per destination, even when two routes name it (a comment then carries the mentions of both). */
function planSends(
  ports: NotifyPorts,
  routes: readonly NotificationRoute[],
  execution: ExecutionRecord,
  at: { notification: Notification; timing: SendTiming; github: NotifyGitHub },
): Map<string, Send> {
  const { notification, timing, github } = at;
  const sends = new Map<string, Send>();
  const comments = new Map<string, { number: number; mentions: Set<string> }>();
  const refused =
    (error: string): Send =>
    () =>
      Promise.resolve({ ok: false, attempts: 0, status: null, error });
  for (const route of routes) {
    if (route.to === GITHUB_DESTINATION) {
      const where: readonly GitHubTarget[] = route.where ?? ['pull_request', 'issue'];
      const targets = where.flatMap((w) => {
        const number = w === 'pull_request' ? execution.pullRequest : execution.issue;
        return number === null ? [] : [{ name: `github:${w}#${number}`, number }];
      });
      if (targets.length === 0) sends.set(`github:${where.join('+')}`, refused(noCommentTarget(where)));
      for (const target of targets) {
        const entry = comments.get(target.name) ?? { number: target.number, mentions: new Set<string>() };
        for (const m of route.mention ?? []) entry.mentions.add(m);
        comments.set(target.name, entry);
      }
      continue;
    }
    // a destination scoped to other repositories is not this one's to use (and is not named to it)
    const open = Object.entries(ports.destinations.destinations)
      .filter(([, d]) => destinationServes(d, execution.repo))
      .map(([name]) => name);
    const destination = ports.destinations.destinations[route.to];
    const usable = destination && destinationServes(destination, execution.repo) ? destination : undefined;
    sends.set(
      route.to,
      usable
        ? () => sendToDestination(route.to, usable, notification, timing, ports.fetch)
        : refused(destinationUnusable(route.to, execution.repo, destination !== undefined, open)),
    );
  }
  const comment = async (issueNumber: number, marker: string, body: string) =>
    github.upsertComment(issueNumber, marker, body, await ports.botLogin());
  for (const [name, target] of comments)
    sends.set(name, () => sendGitHubComment(comment, target.number, notification, [...target.mentions], timing));
  return sends;
}

/** Every send at once; a destination that has the notification already (a job run again) is not sent to again. */
async function sendAll(
  ports: NotifyPorts,
  about: { key: string; execution: ExecutionRecord; event: NotifyEvent },
  sends: ReadonlyMap<string, Send>,
): Promise<DeliveryResult[]> {
  const { key, execution, event } = about;
  const db = ports.runtime.db;
  const earlier = new Map((await getNotificationDeliveries(db, key)).map((d) => [d.destination, d]));
  return Promise.all(
    [...sends].map(async ([name, send]): Promise<DeliveryResult> => {
      const before = earlier.get(name);
      if (before?.status === 'delivered') return { destination: name, delivered: true, attempts: 0, already: true };
      const outcome = await sendSafely(send);
      await recordDeliveryAttempts(db, {
        notificationKey: key,
        destination: name,
        deliveryId: deliveryIdFor(key, name),
        executionId: execution.id,
        event,
        delivered: outcome.ok,
        attempts: outcome.attempts,
        lastStatus: outcome.status,
        lastError: outcome.ok ? null : outcome.error,
        at: ports.now(),
      });
      if (outcome.ok) return { destination: name, delivered: true, attempts: outcome.attempts };
      const error = outcome.attempts > 1 ? `${outcome.error} after ${outcome.attempts} attempts` : outcome.error;
      return { destination: name, delivered: false, attempts: outcome.attempts, error };
    }),
  );
}

/** A sender that throws (a bug) is one failed attempt, never a failed job. */
async function sendSafely(send: Send): Promise<SendOutcome> {
  try {
    return await send();
  } catch (error) {
    const said = (error as { message?: unknown } | null)?.message;
    const message = typeof said === 'string' ? said : String(error);
    return { ok: false, attempts: 1, status: null, error: `the sender failed: ${message}`.slice(0, 500) };
  }
}
