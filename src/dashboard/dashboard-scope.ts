import type { ControlPlane } from '../workflows/control-plane.js';
import type { ApiUser, GitHubAccess } from '../adapters/github/github-access.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import { getSession, type SessionRecord } from '../adapters/store/sessions.js';
import type { DashboardPorts } from './dashboard-data.js';
import type { Exchange } from './exchange.js';
import type { OAuthClient } from './github-oauth.js';
import { hashId, SESSION_COOKIE, unsealToken, verifySigned, type SessionKeys } from './session-cookie.js';

/**
 * What the dashboard's routes work with: the setup made once when the handler is made (keys, OAuth client, GitHub,
 * the control plane), and per request the exchange, the dashboard's own origin and the cookies sent.
 */

export type DashboardLog = {
  warn(meta: object, msg: string): void;
  error(meta: object, msg: string): void;
  info(meta: object, msg: string): void;
};

export type DashboardSetup = {
  log: DashboardLog;
  keys: SessionKeys;
  client: OAuthClient | undefined;
  access: GitHubAccess;
  plane: ControlPlane;
  ports: DashboardPorts;
  db: SqlExecutor;
  now: () => Date;
  /** How long a sign-in lasts at most. */
  ttlMs: number;
  fetch: typeof fetch | undefined;
  /** GitHub's web host (github.com, or the GHES host). */
  githubWeb: () => Promise<string>;
};

export type RequestScope = {
  x: Exchange;
  /** The dashboard's origin (`AAOE_PUBLIC_URL`, or the request's Host). */
  base: string;
  /** Whether cookies are set `Secure` (the origin is https). */
  secure: boolean;
  cookies: Record<string, string>;
};

/** A signed-in user: their session row, their GitHub token (unsealed) and who GitHub said they are. */
export type Session = { record: SessionRecord; token: string; user: ApiUser };

/** The session the request's signed cookie names, when it exists, has not expired and its token unseals. */
export async function sessionOf(setup: DashboardSetup, scope: RequestScope): Promise<Session | undefined> {
  const id = verifySigned(setup.keys, scope.cookies[SESSION_COOKIE]);
  if (!id) return undefined;
  const record = await getSession(setup.db, hashId(id), setup.now());
  if (!record) return undefined;
  const token = unsealToken(setup.keys, record.tokenSealed, record.idHash);
  return token ? { record, token, user: { login: record.login, type: record.userType } } : undefined;
}
