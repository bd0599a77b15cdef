/**
 * The sentences of notifications that AAOE writes for people beyond the message itself (core/notify/message.ts):
 * what a notification's delivery came to, as the audit log says it.
 */

/** `failed: delivered to github:pull_request#12; failed: pager (HTTP 500 after 4 attempts)`. */
export function describeNotifyResult(r: {
  event: string;
  delivered: readonly string[];
  failed: ReadonlyArray<{ destination: string; error: string }>;
}): string {
  const parts = [];
  if (r.delivered.length > 0) parts.push(`delivered to ${r.delivered.join(', ')}`);
  if (r.failed.length > 0) parts.push(`failed: ${r.failed.map((f) => `${f.destination} (${f.error})`).join('; ')}`);
  return `${r.event}: ${parts.join('; ')}`;
}

/** Why a notification was due but could not even be tried: the policy's routes are unknown. */
export const POLICY_DOES_NOT_VALIDATE = 'the repository policy does not validate: its routes are unknown';

/** Why a send to a GitHub comment could not be tried: the execution has neither target. */
export function noCommentTarget(where: readonly string[]): string {
  return `the execution has no ${where.map((w) => w.replace('_', ' ')).join(' or ')} to comment on`;
}

/** Why a route's destination could not be used: not open to this repository, or not defined by the operator. */
export function destinationUnusable(to: string, repo: string, defined: boolean, open: readonly string[]): string {
  return defined
    ? `the operator's destination "${to}" is not open to ${repo} (its \`repositories\` in AAOE_NOTIFY_DESTINATIONS do not list it)`
    : `no destination "${to}": the operator's AAOE_NOTIFY_DESTINATIONS does not define it (defined: ${open.join(', ') || 'none'})`;
}
