import { createSession, deleteSession } from '../adapters/store/sessions.js';
import { sessionOf, type DashboardSetup, type RequestScope } from './dashboard-scope.js';
import { readForm } from './exchange.js';
import { authorizeUrl, exchangeCode, type OAuthClient } from './github-oauth.js';
import { messagePage, signInPage } from './pages.js';
import { DASHBOARD_PATH } from './routes.js';
import {
  cookieHeader,
  equalText,
  hashId,
  pkceChallenge,
  pkceVerifier,
  randomToken,
  sealToken,
  SESSION_COOKIE,
  signValue,
  STATE_COOKIE,
  verifySigned,
} from './session-cookie.js';
import { DASHBOARD_TEXT as T } from './text.js';

/**
 * Signing in and out: GitHub's OAuth web application flow with PKCE (the state in a signed cookie, the verifier
 * derived from it), a session row holding the user's token sealed, and sign-out with the session's CSRF token.
 */

const STATE_TTL_SECONDS = 600;

/** `GET /aaoe/login`: off to GitHub's authorize page, with a fresh state in a signed cookie. */
export async function startSignIn(setup: DashboardSetup, scope: RequestScope): Promise<true> {
  const { x, base, secure } = scope;
  if (!setup.client) {
    const message = T.signInNotConfigured(base);
    return x.send(503, messagePage(message.title, message.text));
  }
  const state = randomToken();
  const challenge = pkceChallenge(pkceVerifier(setup.keys, state));
  return x.answer(302, {
    location: authorizeUrl(await setup.githubWeb(), setup.client, `${base}/aaoe/callback`, state, challenge),
    'set-cookie': cookieHeader(STATE_COOKIE, signValue(setup.keys, state), {
      maxAgeSeconds: STATE_TTL_SECONDS,
      secure,
    }),
  });
}

/** `GET /aaoe/callback`: the state checked, the code exchanged, the user read, the session made. */
export async function finishSignIn(setup: DashboardSetup, scope: RequestScope): Promise<true> {
  const { x, base, secure } = scope;
  const clearState = cookieHeader(STATE_COOKIE, '', { maxAgeSeconds: 0, secure });
  const refuse = (status: number, message: string) => x.send(status, signInPage(message), { 'set-cookie': clearState });
  const checked = checkCallback(setup, scope);
  if (checked.kind === 'refused') return refuse(400, checked.message);
  const { client, code, state } = checked;
  const exchanged = await exchangeCode(
    await setup.githubWeb(),
    client,
    code,
    `${base}/aaoe/callback`,
    pkceVerifier(setup.keys, state),
    setup.fetch,
  );
  if (!exchanged.ok) {
    setup.log.warn({ reason: exchanged.reason }, 'dashboard sign-in failed');
    return refuse(502, exchanged.reason);
  }
  const user = await setup.access.userOf(exchanged.token);
  if (!user) return refuse(502, T.tokenNotAccepted);
  const id = randomToken();
  const idHash = hashId(id);
  const now = setup.now();
  const lifetimeMs = Math.min(setup.ttlMs, exchanged.expiresIn ? exchanged.expiresIn * 1000 : setup.ttlMs);
  await createSession(
    setup.db,
    {
      idHash,
      login: user.login,
      userType: user.type,
      tokenSealed: sealToken(setup.keys, exchanged.token, idHash),
      csrf: randomToken(),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
    },
    now,
  );
  setup.log.info({ user: user.login }, 'dashboard sign-in');
  return x.redirect(DASHBOARD_PATH, [
    clearState,
    cookieHeader(SESSION_COOKIE, signValue(setup.keys, id), { maxAgeSeconds: lifetimeMs / 1000, secure }),
  ]);
}

type CallbackCheck =
  { kind: 'refused'; message: string } | { kind: 'checked'; client: OAuthClient; code: string; state: string };

/** The callback's state matches the signed cookie, GitHub sent no error, and a code came back. */
function checkCallback(setup: DashboardSetup, scope: RequestScope): CallbackCheck {
  const { url } = scope.x;
  const expected = verifySigned(setup.keys, scope.cookies[STATE_COOKIE]);
  const state = url.searchParams.get('state') ?? '';
  if (!expected || !state || !equalText(expected, state)) {
    setup.log.warn({ path: url.pathname, hadState: !!expected }, 'dashboard sign-in refused: state does not match');
    return { kind: 'refused', message: T.stateMismatch };
  }
  const error = url.searchParams.get('error');
  if (error) return { kind: 'refused', message: T.githubRefused(url.searchParams.get('error_description') ?? error) };
  const code = url.searchParams.get('code');
  if (!setup.client || !code) return { kind: 'refused', message: setup.client ? T.noCode : T.noClient };
  return { kind: 'checked', client: setup.client, code, state };
}

/** `POST /aaoe/logout`: the session deleted (with its CSRF token) and its cookie cleared. */
export async function signOut(setup: DashboardSetup, scope: RequestScope): Promise<true> {
  const { x, secure } = scope;
  const session = await sessionOf(setup, scope);
  if (session) {
    const form = await readForm(x.req);
    if (!form || !equalText(form.get('csrf') ?? '', session.record.csrf))
      return x.send(403, messagePage(T.refusedTitle, T.csrfRefusal));
    await deleteSession(setup.db, session.record.idHash);
  }
  return x.redirect(DASHBOARD_PATH, [cookieHeader(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure })]);
}
