import { data } from '../text/markdown.js';
import type { NotifyEvent } from './notifications-schema.js';
import { sha256Hex } from '../text/digest.js';

/**
 * One notification (an event of one execution) and how each kind of destination shows it. Pure: the sender
 * modules do the I/O. Text that came from outside (reasons, report titles) is data: Slack text escapes `& < >`
 * (so no `<!channel>` or `<@U…>` can be forged), GitHub text cannot mention anyone or forge a hidden marker.
 */

export type Notification = {
  /** What makes this notification one: the effect's key (a re-run of the job has the same key). */
  key: string;
  event: NotifyEvent;
  repository: string;
  execution: { id: string; state: string; traceId: string; headSha: string | null };
  pullRequest: { number: number; url: string | null } | null;
  issue: { number: number; url: string | null } | null;
  /** Why, in words (from the deploy report or the audit log); untrusted. */
  reason: string;
  /** The workflow run that deployed or rolled back, when the report named one. */
  runUrl: string | null;
  /** Set for `debug_issue`: the issue AAOE opened. */
  debugIssue: { number: number; url: string } | null;
  at: string;
};

/**
 * The id a receiver de-duplicates on (`X-AAOE-Delivery`): the same for every attempt and every re-run of the job
 * for one notification and one destination, different across destinations. A UUID in shape.
 */
export function deliveryIdFor(notificationKey: string, destination: string): string {
  const h = sha256Hex(`${notificationKey}\n${destination}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const HEADLINES: Record<NotifyEvent, string> = {
  failed: 'execution failed',
  rollback: 'deployment rolled back',
  completed: 'deployment completed',
  frozen: 'deployments frozen',
  waiting: 'waiting for a change window',
  debug_issue: 'debug issue opened',
};

/** `o/r#12: deployment rolled back`. */
export function headline(n: Notification): string {
  const subject = n.pullRequest
    ? `${n.repository}#${n.pullRequest.number}`
    : n.issue
      ? `${n.repository}#${n.issue.number}`
      : n.repository;
  return `${subject}: ${HEADLINES[n.event]}`;
}

/** The generic webhook's JSON body (version 1; `docs/notifications.md` is its contract). */
export function webhookPayload(n: Notification): Record<string, unknown> {
  return {
    version: 1,
    event: n.event,
    execution: n.execution,
    repository: n.repository,
    pullRequest: n.pullRequest,
    issue: n.issue,
    reason: n.reason,
    runUrl: n.runUrl,
    debugIssue: n.debugIssue,
    at: n.at,
  };
}

/** Text for Slack's mrkdwn: `&`, `<`, `>` escaped as Slack asks, so nothing in it is a link, a mention or a command. */
export function slackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A link in Slack's `<url|label>` form, for URLs AAOE built or checked; the label alone without a URL. */
function slackLink(url: string | null, label: string): string {
  return url ? `<${url.replace(/[<>|\s]/g, encodeURIComponent)}|${slackText(label)}>` : slackText(label);
}

const EMOJI: Record<NotifyEvent, string> = {
  failed: ':x:',
  rollback: ':rewind:',
  completed: ':white_check_mark:',
  frozen: ':ice_cube:',
  waiting: ':hourglass:',
  debug_issue: ':mag:',
};

/** The Slack message: a fallback `text` and Block Kit blocks (execution, repository, pull request, reason). */
export function slackMessage(n: Notification): { text: string; blocks: Array<Record<string, unknown>> } {
  const fields = [
    `*Repository*\n${slackText(n.repository)}`,
    `*Execution*\n\`${slackText(n.execution.id)}\` (${slackText(n.execution.state.replaceAll('_', ' '))})`,
  ];
  if (n.pullRequest) fields.push(`*Pull request*\n${slackLink(n.pullRequest.url, `#${n.pullRequest.number}`)}`);
  if (n.issue) fields.push(`*Issue*\n${slackLink(n.issue.url, `#${n.issue.number}`)}`);
  if (n.debugIssue) fields.push(`*Debug issue*\n${slackLink(n.debugIssue.url, `#${n.debugIssue.number}`)}`);
  if (n.runUrl) fields.push(`*Workflow run*\n${slackLink(n.runUrl, 'logs')}`);
  const reason = n.reason.length > 2900 ? `${n.reason.slice(0, 2900)}…` : n.reason;
  return {
    text: slackText(`AAOE: ${headline(n)}: ${n.reason}`.slice(0, 3000)),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${EMOJI[n.event]} *AAOE: ${slackText(headline(n))}*` } },
      { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
      { type: 'section', text: { type: 'mrkdwn', text: `*Why*\n${slackText(reason) || '_no reason recorded_'}` } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `trace \`${slackText(n.execution.traceId)}\` · ${slackText(n.at)}` }],
      },
    ],
  };
}

/** The hidden marker of a notification's comment: a job that runs again updates it instead of posting another. */
export function commentMarker(n: Notification): string {
  return `<!-- aaoe:notify ${n.key.replace(/[^\w:.-]/g, '_')} -->`;
}

/** The GitHub comment: the policy's mentions (trusted), then the event, the reason as data and the links. */
export function githubComment(n: Notification, mentions: readonly string[]): string {
  const lines = [commentMarker(n)];
  lines.push(
    `${mentions.length > 0 ? `${mentions.join(' ')} ` : ''}**AAOE: ${HEADLINES[n.event]}** (execution \`${n.execution.id}\`, now ${n.execution.state.replaceAll('_', ' ')})`,
    '',
  );
  if (n.reason) lines.push(`Why: ${data(n.reason).replace(/\r?\n/g, ' ')}`, '');
  const links: string[] = [];
  if (n.debugIssue) links.push(`debug issue #${n.debugIssue.number}`);
  if (n.pullRequest) links.push(`pull request #${n.pullRequest.number}`);
  if (n.runUrl) links.push(`[workflow run](${n.runUrl})`);
  if (links.length > 0) lines.push(`See: ${links.join(', ')}.`, '');
  lines.push(`<sub>trace \`${n.execution.traceId}\`</sub>`);
  return lines.join('\n');
}

/** A URL from a report, kept only when it is a plain http(s) URL (it is shown as a link). */
export function safeUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2000) return null;
  return /^https?:\/\/[^\s<>()[\]"'`|]+$/.test(value) ? value : null;
}
