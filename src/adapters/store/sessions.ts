import type { SqlExecutor } from './database.js';
import type { Migration } from './schema-migration.js';

/**
 * Dashboard sign-ins (`/aaoe`): one row per session, found by the SHA-256 of its id (the id itself is only in the
 * browser's signed cookie). The user's GitHub token is kept here, sealed (AES-256-GCM under a key derived from
 * `AAOE_SESSION_SECRET`, `src/dashboard/session-cookie.ts`), never in the cookie. A row lives until it expires or
 * the user signs out; expired rows are removed as new sessions start. Several replicas share it.
 */

export const SESSIONS_MIGRATION: Migration = {
  version: 10,
  name: 'dashboard sessions',
  sql: `
-- A signed-in dashboard user: their login, the sealed GitHub user token, the CSRF token of their forms.
CREATE TABLE dashboard_sessions (
  id_hash      text PRIMARY KEY,
  login        text NOT NULL,
  user_type    text NOT NULL,
  token_sealed text NOT NULL,
  csrf         text NOT NULL,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL
);
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at);
`,
};

export type SessionRecord = {
  idHash: string;
  login: string;
  userType: string;
  tokenSealed: string;
  csrf: string;
  createdAt: string;
  expiresAt: string;
};

type Row = {
  id_hash: string;
  login: string;
  user_type: string;
  token_sealed: string;
  csrf: string;
  created_at: Date;
  expires_at: Date;
};

/** Saves a new session and removes the ones expired at `now`. */
export async function createSession(db: SqlExecutor, session: SessionRecord, now: Date): Promise<void> {
  await db.query('DELETE FROM dashboard_sessions WHERE expires_at <= $1', [now.toISOString()]);
  await db.query(
    'INSERT INTO dashboard_sessions (id_hash, login, user_type, token_sealed, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [
      session.idHash,
      session.login,
      session.userType,
      session.tokenSealed,
      session.csrf,
      session.createdAt,
      session.expiresAt,
    ],
  );
}

/** The session, unless it does not exist or expired at `now`. */
export async function getSession(db: SqlExecutor, idHash: string, now: Date): Promise<SessionRecord | undefined> {
  const { rows } = await db.query<Row>(
    'SELECT id_hash, login, user_type, token_sealed, csrf, created_at, expires_at FROM dashboard_sessions WHERE id_hash = $1 AND expires_at > $2',
    [idHash, now.toISOString()],
  );
  const row = rows[0];
  return (
    row && {
      idHash: row.id_hash,
      login: row.login,
      userType: row.user_type,
      tokenSealed: row.token_sealed,
      csrf: row.csrf,
      createdAt: new Date(row.created_at).toISOString(),
      expiresAt: new Date(row.expires_at).toISOString(),
    }
  );
}

/** Signs out: the session is gone (true when there was one). */
export async function deleteSession(db: SqlExecutor, idHash: string): Promise<boolean> {
  const { rows } = await db.query('DELETE FROM dashboard_sessions WHERE id_hash = $1 RETURNING id_hash', [idHash]);
  return rows.length > 0;
}
