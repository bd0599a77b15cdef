import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A cap on webhook bodies, in front of Probot's webhook middleware (which reads the whole body before it checks the
 * signature, with no limit). GitHub caps a delivery at 25 MB and always sends `Content-Length`, so a POST to the
 * webhook path is refused from its headers alone: 413 when it declares more than 25 MB, 411 when it declares no
 * length (a chunked body could be of any size). Node's HTTP parser never hands over more bytes than the declared
 * length, so the declared length bounds what is read.
 *
 * Probot's own middleware runs before every handler an app adds, so the refusal is taken where Node announces a
 * request (the `http.server.request.start` diagnostics channel, published just before the `request` event): the
 * request is routed away from the webhook path to {@link webhookBodyCapHandler}, which answers and closes the
 * connection without reading the body.
 */

/** The most GitHub sends in one delivery. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export type WebhookBodyDecision = { ok: true } | { ok: false; status: 411 | 413; message: string };

/** Pure: whether a POST to the webhook path may be read, from its headers. */
export function decideWebhookBody(
  headers: { contentLength?: string | undefined; transferEncoding?: string | undefined },
  limit = MAX_WEBHOOK_BYTES,
): WebhookBodyDecision {
  if (headers.transferEncoding !== undefined || headers.contentLength === undefined) {
    return {
      ok: false,
      status: 411,
      message:
        'A webhook delivery must declare its Content-Length (GitHub always does); this request declared none, so it was not read.',
    };
  }
  const length = Number(headers.contentLength);
  if (!Number.isSafeInteger(length) || length < 0)
    return {
      ok: false,
      status: 411,
      message: 'The Content-Length of this request is not a number, so it was not read.',
    };
  if (length > limit) {
    return {
      ok: false,
      status: 413,
      message: `This request declares ${length} bytes; GitHub sends at most ${limit} bytes in a delivery, so it was refused before reading it.`,
    };
  }
  return { ok: true };
}

/** Where a refused request is routed (no handler but {@link webhookBodyCapHandler} answers it). */
const REFUSED_PATH = '/aaoe/refused-webhook-body';
const refused = new WeakMap<IncomingMessage, Extract<WebhookBodyDecision, { ok: false }>>();
const webhookPaths = new Set<string>();
let subscribed = false;

/** Starts refusing oversized or unsized POSTs to `webhookPath` in this process (idempotent). */
export function capWebhookBodies(webhookPath: string): void {
  webhookPaths.add(trimSlashes(webhookPath));
  if (subscribed) return;
  subscribed = true;
  subscribe('http.server.request.start', (message) => {
    const { request } = message as { request: IncomingMessage };
    if (request.method !== 'POST' || request.url === undefined) return;
    const query = request.url.indexOf('?');
    const path = trimSlashes(query === -1 ? request.url : request.url.slice(0, query));
    if (!webhookPaths.has(path)) return;
    const decision = decideWebhookBody({
      contentLength: request.headers['content-length'],
      transferEncoding: request.headers['transfer-encoding'],
    });
    if (decision.ok) return;
    refused.set(request, decision);
    request.url = REFUSED_PATH;
  });
}

/** `path` without trailing slashes (`/` stays); a loop, not a regex (a URL is untrusted text). */
function trimSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === '/') end--;
  return path.slice(0, end);
}

/** Answers the requests {@link capWebhookBodies} refused; add it before any other handler of the app. */
export function webhookBodyCapHandler(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const decision = refused.get(req);
  if (!decision) return Promise.resolve(false);
  res.writeHead(decision.status, { 'content-type': 'application/json', connection: 'close' });
  // the body is never read: the connection closes once the answer is out
  res.end(JSON.stringify({ error: decision.message }), () => req.socket.destroy());
  return Promise.resolve(true);
}
