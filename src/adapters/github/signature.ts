import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * GitHub's webhook signature scheme (`X-Hub-Signature-256`), which AAOE also uses for what it signs itself: the
 * action's reports to the app (`X-AAOE-Signature-256`) and the generic webhook notifications.
 */

/** `sha256=<hex HMAC-SHA256 of the body>`. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Whether `header` is the body's signature under `secret` (compared in constant time). */
export function verifySignature(body: string, header: string, secret: string): boolean {
  const expected = Buffer.from(signBody(body, secret));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
