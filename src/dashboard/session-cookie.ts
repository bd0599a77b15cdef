import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The dashboard's cookies and secrets, pure: values signed with HMAC-SHA256 under `AAOE_SESSION_SECRET` (a cookie
 * the server did not sign is ignored), the GitHub token sealed with AES-256-GCM under a key derived from the same
 * secret (it stays server side, in `dashboard_sessions`), and cookie headers with the attributes the dashboard
 * always sets (HttpOnly, SameSite=Lax, Path=/aaoe, Secure over https).
 */

export const SESSION_COOKIE = 'aaoe_session';
export const STATE_COOKIE = 'aaoe_oauth_state';
export const COOKIE_PATH = '/aaoe';

/** The shortest `AAOE_SESSION_SECRET` accepted. */
export const MIN_SECRET_LENGTH = 32;

export type SessionKeys = { sign: Buffer; seal: Buffer };

export function sessionKeys(secret: string): SessionKeys {
  return {
    sign: createHmac('sha256', secret).update('aaoe-dashboard:cookie-signature').digest(),
    seal: createHmac('sha256', secret).update('aaoe-dashboard:token-seal').digest(),
  };
}

/** A fresh random value (ids, CSRF tokens, OAuth state): 32 bytes, base64url. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * PKCE (RFC 7636, S256; GitHub accepts it for GitHub Apps' user sign-in): the code verifier of a sign-in is derived
 * from its state with the app's key, so it needs no storage and nobody without the key can compute it from the state
 * in the URL; only this app can exchange the code GitHub sends back.
 */
export function pkceVerifier(keys: SessionKeys, state: string): string {
  return createHmac('sha256', keys.sign).update(`aaoe-dashboard:pkce:${state}`).digest('base64url');
}

/** The S256 code challenge of a verifier: base64url(SHA-256(verifier)). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** How a session id is looked up in the store: its SHA-256, hex. */
export function hashId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** `value.signature` (the value must not contain a dot). */
export function signValue(keys: SessionKeys, value: string): string {
  return `${value}.${createHmac('sha256', keys.sign).update(value).digest('base64url')}`;
}

/** The value of a signed cookie, or undefined when the signature does not match. */
export function verifySigned(keys: SessionKeys, signed: string | undefined): string | undefined {
  if (!signed) return undefined;
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const value = signed.slice(0, dot);
  return equalText(signValue(keys, value), signed) ? value : undefined;
}

/** Constant-time comparison of two strings. */
export function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token sealed: `iv.tag.ciphertext`, base64url, bound to the session's id hash (as associated data). */
export function sealToken(keys: SessionKeys, token: string, idHash: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.seal, iv);
  cipher.setAAD(Buffer.from(idHash));
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

/** The token, or undefined when the seal does not open (another secret, another session, tampered). */
export function unsealToken(keys: SessionKeys, sealed: string, idHash: string): string | undefined {
  const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !tag || !body || iv.length !== 12 || tag.length !== 16) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.seal, iv);
    decipher.setAAD(Buffer.from(idHash));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** The cookies of a `Cookie` header (the first of a name wins). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!(name in cookies)) cookies[name] = part.slice(eq + 1).trim();
  }
  return cookies;
}

/** A `Set-Cookie` header value; `maxAgeSeconds: 0` removes the cookie. */
export function cookieHeader(name: string, value: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  return [
    `${name}=${value}`,
    `Path=${COOKIE_PATH}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}
