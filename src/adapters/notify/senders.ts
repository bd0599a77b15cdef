import { signBody } from '../github/signature.js';
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import type { DeliveryOptions, ResolvedDestination } from './config.js';
import {
  deliveryIdFor,
  githubComment,
  commentMarker,
  slackMessage,
  webhookPayload,
  type Notification,
} from '../../core/notify/message.js';

/**
 * Sending one notification to one destination: Slack (the official `@slack/webhook` client), a signed JSON
 * webhook, or a GitHub comment through a port. Every attempt is time-bounded; failed attempts are retried with
 * exponential backoff and jitter, except a 4xx other than 408/429 (the request itself is wrong: sending it again
 * cannot help). A send never throws: the outcome says what happened.
 */

export type SendOutcome =
  | { ok: true; attempts: number; status: number | null }
  | { ok: false; attempts: number; status: number | null; error: string };

/** One attempt: delivered, or why not (with the HTTP status when there was an answer). */
export type AttemptResult = { ok: true; status: number | null } | { ok: false; status: number | null; error: string };

export type SendTiming = DeliveryOptions & {
  /** Waits between attempts (tests pass a fake or small delays). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether an answer is worth another attempt: no answer (network, timeout), 408, 429 or 5xx. */
export function isRetryable(status: number | null): boolean {
  return status === null || status === 408 || status === 429 || status >= 500;
}

/** The delay before attempt `n + 1` (n >= 1): initial * 2^(n-1), capped, with half of it jittered. */
export function backoffMs(
  n: number,
  timing: Pick<DeliveryOptions, 'initialDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const full = Math.min(timing.maxDelayMs, timing.initialDelayMs * 2 ** (n - 1));
  return Math.round(full / 2 + (full / 2) * random());
}

/** Runs `attempt` until it delivers, the answer is not retryable, or the attempts are used up. */
export async function sendWithRetries(
  timing: SendTiming,
  attempt: (signal: AbortSignal) => Promise<AttemptResult>,
): Promise<SendOutcome> {
  const sleep = timing.sleep ?? defaultSleep;
  let last: AttemptResult = { ok: false, status: null, error: 'not attempted' };
  for (let n = 1; n <= timing.attempts; n++) {
    try {
      last = await attempt(AbortSignal.timeout(timing.timeoutMs));
    } catch (error) {
      last = { ok: false, status: null, error: describeError(error, timing.timeoutMs) };
    }
    if (last.ok) return { ok: true, attempts: n, status: last.status };
    if (!isRetryable(last.status) || n === timing.attempts)
      return { ok: false, attempts: n, status: last.status, error: last.error };
    await sleep(backoffMs(n, timing, timing.random));
  }
  return { ok: false, attempts: timing.attempts, status: last.status, error: last.error };
}

function describeError(error: unknown, timeoutMs: number): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string } | null;
  };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e.cause?.code ?? e.cause?.message;
  return `${e.message ?? String(error)}${cause ? ` (${cause})` : ''}`.slice(0, 500);
}

export type FetchLike = typeof fetch;

/** A Slack incoming webhook, through the official client (its own retries off: ours count and record the attempts). */
export async function sendSlack(
  url: string,
  n: Notification,
  timing: SendTiming,
  fetchFn?: FetchLike,
): Promise<SendOutcome> {
  const message = slackMessage(n);
  return sendWithRetries(timing, async () => {
    const webhook = new IncomingWebhook(url, {
      timeout: timing.timeoutMs,
      retryConfig: { retries: 0 },
      ...(fetchFn ? { fetch: fetchFn } : {}),
    });
    try {
      await webhook.send({
        text: message.text,
        blocks: message.blocks as never,
        unfurl_links: false,
        unfurl_media: false,
      });
      return { ok: true, status: 200 };
    } catch (error) {
      if (error instanceof IncomingWebhookHTTPError)
        return {
          ok: false,
          status: error.statusCode,
          error: `HTTP ${error.statusCode}${error.body ? `: ${error.body.slice(0, 200)}` : ''}`,
        };
      if (error instanceof IncomingWebhookRequestError)
        return { ok: false, status: null, error: describeError(error.original, timing.timeoutMs) };
      throw error;
    }
  });
}

/**
 * A generic JSON webhook: `POST` of the version 1 payload with `X-AAOE-Event`, `X-AAOE-Delivery` (the same id on
 * every attempt: receivers de-duplicate on it) and `X-AAOE-Signature-256`.
 */
export async function sendWebhook(
  url: string,
  secret: string,
  destination: string,
  n: Notification,
  timing: SendTiming,
  fetchFn: FetchLike = fetch,
): Promise<SendOutcome> {
  const body = JSON.stringify(webhookPayload(n));
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'aaoe-notify',
    'x-aaoe-event': n.event,
    'x-aaoe-delivery': deliveryIdFor(n.key, destination),
    'x-aaoe-signature-256': signBody(body, secret),
  };
  return sendWithRetries(timing, async (signal) => {
    const response = await fetchFn(url, { method: 'POST', headers, body, signal, redirect: 'error' });
    await response.body?.cancel().catch(() => {});
    return response.ok
      ? { ok: true, status: response.status }
      : { ok: false, status: response.status, error: `HTTP ${response.status}` };
  });
}

/** What a GitHub comment needs: keep one comment carrying `marker` on an issue or pull request (update or create). */
export type CommentPort = (issueNumber: number, marker: string, body: string) => Promise<unknown>;

/**
 * A comment on an issue or pull request, upserted by the notification's marker. An attempt runs to its end (the
 * timeout does not apply): Octokit's request cannot be aborted from here, and an upsert is a list, then a create, so
 * an abandoned attempt still running beside a retry could post the comment twice. Attempts never overlap.
 */
export async function sendGitHubComment(
  comment: CommentPort,
  issueNumber: number,
  n: Notification,
  mentions: readonly string[],
  timing: SendTiming,
): Promise<SendOutcome> {
  const body = githubComment(n, mentions);
  return sendWithRetries(timing, async () => {
    try {
      await comment(issueNumber, commentMarker(n), body);
      return { ok: true, status: null };
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number')
        return { ok: false, status, error: `GitHub answered ${status}: ${(error as Error).message}`.slice(0, 500) };
      throw error;
    }
  });
}

/** Sends to an operator destination by its type. */
export function sendToDestination(
  name: string,
  destination: ResolvedDestination,
  n: Notification,
  timing: SendTiming,
  fetchFn?: FetchLike,
): Promise<SendOutcome> {
  return destination.type === 'slack'
    ? sendSlack(destination.url, n, timing, fetchFn)
    : sendWebhook(destination.url, destination.secret, name, n, timing, fetchFn);
}
