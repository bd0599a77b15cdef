import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Probot } from 'probot';
import { ControlPlane } from '../workflows/control-plane.js';
import { GitHubUnavailable, probotAccess, type ApiUser, type GitHubAccess } from '../adapters/github/github-access.js';
import { REPORT_PATH } from '../workflows/deploy-work.js';
import { readBody } from '../adapters/http/http-body.js';
import type { Runtime } from '../adapters/store/runtime.js';
import type { Presets } from '../adapters/files/presets.js';
import { createSession, deleteSession, getSession, type SessionRecord } from '../adapters/store/sessions.js';
import { readDetail, readOverview, readRollbackPreview, type DashboardPorts, type Verb } from './dashboard-data.js';
import { authorizeUrl, exchangeCode, githubWebUrl, type OAuthClient } from './github-oauth.js';
import type { Html } from './html.js';
import {
  executionPage,
  executionPath,
  ICON_PATH,
  ICON_SVG,
  messagePage,
  overviewPage,
  rollbackPreviewPage,
  signInPage,
  STYLE_PATH,
  STYLESHEET,
  type Notice,
  type PageContext,
} from './pages.js';
import {
  cookieHeader,
  equalText,
  hashId,
  MIN_SECRET_LENGTH,
  parseCookies,
  pkceChallenge,
  pkceVerifier,
  randomToken,
  sealToken,
  sessionKeys,
  SESSION_COOKIE,
  signValue,
  STATE_COOKIE,
  unsealToken,
  verifySigned,
  type SessionKeys,
} from './session-cookie.js';

/**
 * The execution dashboard, `/aaoe`, served by Probot's own server (`addHandler`): server-rendered pages, no script,
 * a strict Content-Security-Policy. Sign-in is GitHub's OAuth web application flow with the app's OAuth client
 * (`GITHUB_CLIENT_ID`, `GITHUB_CLIENT_SECRET`); the session is a signed, HttpOnly, SameSite=Lax cookie
 * (`AAOE_SESSION_SECRET`) naming a row of `dashboard_sessions`, where the user's token is kept sealed. What a user
 * sees and may do is the control plane's decision (`ControlPlane`, the same as `/api/v1` and the comment commands);
 * actions are POST forms with the session's CSRF token, and a rollback is confirmed on a preview page first.
 *
 * Routes: `GET /aaoe` (the overview, or the sign-in page), `GET /aaoe/login`, `GET /aaoe/callback`,
 * `POST /aaoe/logout`, `GET /aaoe/executions/{id}`, `POST /aaoe/executions/{id}/{approve|pause|resume}`,
 * `GET|POST /aaoe/executions/{id}/rollback` (preview, confirm), `GET /aaoe/style.css`, `GET /aaoe/icon.svg`.
 */

export const DASHBOARD_PATH = '/aaoe';

export type DashboardOptions = {
  runtime: Runtime;
  now: () => Date;
  presets: Presets;
  /** GitHub as the app reaches it; default: the Probot app's own clients (as `/api/v1`). */
  access?: GitHubAccess;
  /** Where `AAOE_SESSION_SECRET`, `GITHUB_CLIENT_ID`, `GITHUB_CLIENT_SECRET`, `AAOE_PUBLIC_URL` are read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** GitHub's REST base URL; default: the app's own client's (github.com, or `GHE_PROTOCOL://GHE_HOST/api/v3`). */
  githubApiUrl?: string;
  /** How long a sign-in lasts at most (default 8 hours; less when GitHub's token expires sooner). */
  sessionTtlMs?: number;
  fetch?: typeof fetch;
};

type Log = {
  warn(meta: object, msg: string): void;
  error(meta: object, msg: string): void;
  info(meta: object, msg: string): void;
};

/** The Content-Security-Policy of every dashboard answer: our own stylesheet, forms to ourselves, nothing else. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const VERBS: readonly Verb[] = ['approve', 'pause', 'resume', 'rollback'];
const MAX_FORM_BYTES = 8 * 1024;
const STATE_TTL_SECONDS = 600;

type Route =
  | { kind: 'overview' }
  | { kind: 'login' }
  | { kind: 'callback' }
  | { kind: 'logout' }
  | { kind: 'style' }
  | { kind: 'icon' }
  | { kind: 'execution'; id: string }
  | { kind: 'preview'; id: string }
  | { kind: 'verb'; id: string; verb: Verb }
  | { kind: 'method'; allow: string };

/** The dashboard route of a path, or undefined for a path that is not the dashboard's (the next handler's). */
export function dashboardRoute(method: string, path: string): Route | undefined {
  const get = (route: Route): Route =>
    method === 'GET' || method === 'HEAD' ? route : { kind: 'method', allow: 'GET' };
  const post = (route: Route): Route => (method === 'POST' ? route : { kind: 'method', allow: 'POST' });
  if (path === DASHBOARD_PATH || path === `${DASHBOARD_PATH}/`) return get({ kind: 'overview' });
  if (path === `${DASHBOARD_PATH}/login`) return get({ kind: 'login' });
  if (path === `${DASHBOARD_PATH}/callback`) return get({ kind: 'callback' });
  if (path === `${DASHBOARD_PATH}/logout`) return post({ kind: 'logout' });
  if (path === STYLE_PATH) return get({ kind: 'style' });
  if (path === ICON_PATH) return get({ kind: 'icon' });
  const parts = path.slice(`${DASHBOARD_PATH}/`.length).split('/');
  if (parts[0] !== 'executions' || !EXECUTION_ID.test(parts[1] ?? '')) return undefined;
  const id = parts[1]!;
  if (parts.length === 2) return get({ kind: 'execution', id });
  const verb = VERBS.find((v) => v === parts[2]);
  if (parts.length !== 3 || !verb) return undefined;
  if (verb === 'rollback')
    return method === 'GET' || method === 'HEAD'
      ? { kind: 'preview', id }
      : method === 'POST'
        ? { kind: 'verb', id, verb }
        : { kind: 'method', allow: 'GET, POST' };
  return post({ kind: 'verb', id, verb });
}

type Session = { record: SessionRecord; token: string; user: ApiUser };

/** The dashboard's handler for Probot's `addHandler`: true when it answered. */
export function dashboardHandler(app: Probot, options: DashboardOptions) {
  const env = options.env ?? process.env;
  const log: Log = app.log;
  const secret = env.AAOE_SESSION_SECRET?.trim() ?? '';
  const keys: SessionKeys | undefined = secret.length >= MIN_SECRET_LENGTH ? sessionKeys(secret) : undefined;
  const client: OAuthClient | undefined =
    env.GITHUB_CLIENT_ID?.trim() && env.GITHUB_CLIENT_SECRET?.trim()
      ? { clientId: env.GITHUB_CLIENT_ID.trim(), clientSecret: env.GITHUB_CLIENT_SECRET.trim() }
      : undefined;
  const publicUrl = env.AAOE_PUBLIC_URL?.trim() ? new URL(env.AAOE_PUBLIC_URL.trim()).origin : undefined;
  const access = options.access ?? probotAccess(app);
  const plane = new ControlPlane({ runtime: options.runtime, now: options.now, presets: options.presets, access });
  const ports: DashboardPorts = { runtime: options.runtime, now: options.now, presets: options.presets, access, plane };
  const db = options.runtime.db;
  const ttlMs = options.sessionTtlMs ?? 8 * 60 * 60_000;
  let apiUrl: Promise<string> | undefined = options.githubApiUrl ? Promise.resolve(options.githubApiUrl) : undefined;
  const githubApi = () =>
    (apiUrl ??= (app.auth() as Promise<{ request: { endpoint: { DEFAULTS: { baseUrl: string } } } }>)
      .then((o) => String(o.request.endpoint.DEFAULTS.baseUrl))
      .catch((error: unknown) => {
        apiUrl = undefined;
        throw error;
      }));
  const githubWeb = async () => githubWebUrl(await githubApi());

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === REPORT_PATH) return false;
    const route = dashboardRoute(req.method ?? 'GET', url.pathname);
    if (!route) return false;
    const send = (status: number, page: Html, headers: Record<string, string | string[]> = {}) => {
      res
        .writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', ...headers })
        .end(req.method === 'HEAD' ? undefined : page.text);
      return true;
    };
    const redirect = (location: string, cookies: string[] = []) => {
      res
        .writeHead(303, { ...SECURITY_HEADERS, location, ...(cookies.length > 0 ? { 'set-cookie': cookies } : {}) })
        .end();
      return true;
    };

    if (route.kind === 'method')
      return send(405, messagePage('Method not allowed', `${req.method} is not allowed here; use ${route.allow}.`), {
        allow: route.allow,
      });
    if (route.kind === 'style' || route.kind === 'icon') {
      const [type, body] =
        route.kind === 'style' ? ['text/css; charset=utf-8', STYLESHEET] : ['image/svg+xml', ICON_SVG];
      res
        .writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'public, max-age=300' })
        .end(req.method === 'HEAD' ? undefined : body);
      return true;
    }
    if (!keys) {
      return send(
        503,
        messagePage(
          'The dashboard is not configured',
          secret
            ? `AAOE_SESSION_SECRET is too short: use at least ${MIN_SECRET_LENGTH} random characters (for example the output of \`openssl rand -hex 32\`), then restart the app.`
            : 'Set AAOE_SESSION_SECRET (at least 32 random characters, for example the output of `openssl rand -hex 32`) to sign dashboard sessions, then restart the app.',
        ),
      );
    }
    const base = publicUrl ?? originOf(req);
    if (!base)
      return send(
        400,
        messagePage(
          'Bad request',
          'The Host header is not a host name; set AAOE_PUBLIC_URL to the address the dashboard is served at.',
        ),
      );
    const secure = base.startsWith('https:');
    const cookies = parseCookies(req.headers.cookie);

    const sessionOf = async (): Promise<Session | undefined> => {
      const id = verifySigned(keys, cookies[SESSION_COOKIE]);
      if (!id) return undefined;
      const record = await getSession(db, hashId(id), options.now());
      if (!record) return undefined;
      const token = unsealToken(keys, record.tokenSealed, record.idHash);
      return token ? { record, token, user: { login: record.login, type: record.userType } } : undefined;
    };

    try {
      switch (route.kind) {
        case 'login': {
          if (!client)
            return send(
              503,
              messagePage(
                'Sign-in is not configured',
                `Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the GitHub App's client ID and a client secret, from the app's settings page), add ${base}/aaoe/callback to the app's callback URLs, then restart the app.`,
              ),
            );
          const state = randomToken();
          res
            .writeHead(302, {
              ...SECURITY_HEADERS,
              location: authorizeUrl(
                await githubWeb(),
                client,
                `${base}/aaoe/callback`,
                state,
                pkceChallenge(pkceVerifier(keys, state)),
              ),
              'set-cookie': cookieHeader(STATE_COOKIE, signValue(keys, state), {
                maxAgeSeconds: STATE_TTL_SECONDS,
                secure,
              }),
            })
            .end();
          return true;
        }
        case 'callback': {
          const clearState = cookieHeader(STATE_COOKIE, '', { maxAgeSeconds: 0, secure });
          const expected = verifySigned(keys, cookies[STATE_COOKIE]);
          const state = url.searchParams.get('state') ?? '';
          if (!expected || !state || !equalText(expected, state)) {
            log.warn({ path: url.pathname, hadState: !!expected }, 'dashboard sign-in refused: state does not match');
            return send(
              400,
              signInPage(
                'The sign-in could not be verified: it did not start in this browser, or it took longer than 10 minutes. Sign in again.',
              ),
              { 'set-cookie': clearState },
            );
          }
          const error = url.searchParams.get('error');
          if (error)
            return send(
              400,
              signInPage(`GitHub did not sign you in: ${url.searchParams.get('error_description') ?? error}`),
              { 'set-cookie': clearState },
            );
          const code = url.searchParams.get('code');
          if (!client || !code)
            return send(
              400,
              signInPage(
                client
                  ? 'GitHub sent no code back: sign in again.'
                  : 'Sign-in is not configured: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.',
              ),
              { 'set-cookie': clearState },
            );
          const exchanged = await exchangeCode(
            await githubWeb(),
            client,
            code,
            `${base}/aaoe/callback`,
            pkceVerifier(keys, state),
            options.fetch,
          );
          if (!exchanged.ok) {
            log.warn({ reason: exchanged.reason }, 'dashboard sign-in failed');
            return send(502, signInPage(exchanged.reason), { 'set-cookie': clearState });
          }
          const user = await access.userOf(exchanged.token);
          if (!user)
            return send(502, signInPage('GitHub did not accept the token it just gave (GET /user): sign in again.'), {
              'set-cookie': clearState,
            });
          const id = randomToken();
          const idHash = hashId(id);
          const now = options.now();
          const lifetimeMs = Math.min(ttlMs, exchanged.expiresIn ? exchanged.expiresIn * 1000 : ttlMs);
          await createSession(
            db,
            {
              idHash,
              login: user.login,
              userType: user.type,
              tokenSealed: sealToken(keys, exchanged.token, idHash),
              csrf: randomToken(),
              createdAt: now.toISOString(),
              expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
            },
            now,
          );
          log.info({ user: user.login }, 'dashboard sign-in');
          return redirect(DASHBOARD_PATH, [
            clearState,
            cookieHeader(SESSION_COOKIE, signValue(keys, id), { maxAgeSeconds: lifetimeMs / 1000, secure }),
          ]);
        }
        case 'logout': {
          const session = await sessionOf();
          if (session) {
            const form = await readForm(req);
            if (!form || !equalText(form.get('csrf') ?? '', session.record.csrf))
              return send(403, messagePage('Refused', CSRF_REFUSAL));
            await deleteSession(db, session.record.idHash);
          }
          return redirect(DASHBOARD_PATH, [cookieHeader(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure })]);
        }
        default:
          break;
      }

      const session = await sessionOf();
      if (!session)
        return send(
          route.kind === 'overview' ? 200 : 401,
          signInPage(route.kind === 'overview' ? undefined : 'Sign in to see this page.'),
        );
      const ctx: PageContext = { login: session.user.login, csrf: session.record.csrf, githubWeb: await githubWeb() };

      switch (route.kind) {
        case 'overview':
          return send(200, overviewPage(ctx, await readOverview(ports, session.user)));
        case 'execution': {
          const view = await readDetail(ports, session.user, route.id);
          if (!view)
            return send(404, messagePage('Not found', `No execution ${route.id} in a repository you can read.`, ctx));
          const done = VERBS.find((v) => v === url.searchParams.get('done'));
          return send(200, executionPage(ctx, view, done ? { kind: 'done', verb: done } : undefined));
        }
        case 'preview': {
          const preview = await readRollbackPreview(ports, session.user, route.id);
          if (!preview)
            return send(404, messagePage('Not found', `No execution ${route.id} in a repository you can read.`, ctx));
          return send(200, rollbackPreviewPage(ctx, preview));
        }
        case 'verb': {
          const form = await readForm(req);
          if (!form || !equalText(form.get('csrf') ?? '', session.record.csrf) || !sameOrigin(req, base)) {
            log.warn(
              { user: session.user.login, verb: route.verb, execution: route.id },
              'dashboard action refused: CSRF check failed',
            );
            return send(403, messagePage('Refused', CSRF_REFUSAL, ctx));
          }
          if (route.verb === 'rollback' && form.get('confirm') !== 'yes') {
            return send(
              400,
              messagePage(
                'Confirm the rollback',
                'A rollback is confirmed on its preview page: open "Roll back…" on the execution and confirm there.',
                ctx,
              ),
            );
          }
          // an action re-checks the sign-in with GitHub: a token revoked since does not act
          const user = await access.userOf(session.token);
          if (!user) {
            await deleteSession(db, session.record.idHash);
            return send(401, signInPage('GitHub no longer accepts your sign-in: sign in again.'), {
              'set-cookie': cookieHeader(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure }),
            });
          }
          // an approval names the head commit the page showed: refused when the head has moved since
          const sha = form.get('sha') ?? '';
          if (route.verb === 'approve' && !/^[0-9a-f]{7,40}$/i.test(sha)) {
            return send(
              400,
              messagePage(
                'Reload the page',
                'The approval did not say which commit it approves: reload the execution page and approve the head it shows.',
                ctx,
              ),
            );
          }
          const answer = await plane.verb(user, route.id, route.verb, route.verb === 'approve' ? { sha } : {});
          log.info(
            { user: user.login, verb: route.verb, execution: route.id, status: answer.status },
            'dashboard action',
          );
          if (answer.status === 200) return redirect(`${executionPath(route.id)}?done=${route.verb}`);
          const reason = 'error' in answer.body ? answer.body.error.message : `${route.verb} was refused`;
          if (answer.status === 404) return send(404, messagePage('Not found', reason, ctx));
          const view = await readDetail(ports, user, route.id);
          const notice: Notice = { kind: 'refused', verb: route.verb, reason };
          return send(answer.status, view ? executionPage(ctx, view, notice) : messagePage('Refused', reason, ctx));
        }
      }
    } catch (error) {
      if (error instanceof GitHubUnavailable) {
        log.warn({ err: error, path: url.pathname }, 'dashboard request: GitHub did not answer');
        return send(502, messagePage('GitHub did not answer', `${error.message}. Try again in a moment.`));
      }
      log.error({ err: error, path: url.pathname }, 'dashboard request failed');
      return send(500, messagePage('Something failed', 'The request failed inside AAOE; it is logged. Try again.'));
    }
  };
}

const CSRF_REFUSAL =
  'The form did not come from your dashboard session (its CSRF token is missing or wrong, or it was posted from another site). Reload the page and try again.';

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** `http://<Host>` when the Host header is a plain host[:port]; undefined otherwise. */
function originOf(req: IncomingMessage): string | undefined {
  const host = String(req.headers.host ?? '');
  if (!/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) return undefined;
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${encrypted ? 'https' : 'http'}://${host}`;
}

/**
 * A POST from a page of another origin is refused: `Origin` (when the browser sends it) must be the dashboard's.
 * (Pages are served with `Referrer-Policy: same-origin`: under `no-referrer` Chromium sends `Origin: null`.)
 */
function sameOrigin(req: IncomingMessage, base: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined)
    return req.headers['sec-fetch-site'] === undefined || req.headers['sec-fetch-site'] === 'same-origin';
  return origin === base;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const text = await readBody(req, MAX_FORM_BYTES);
  return text === undefined ? undefined : new URLSearchParams(text);
}
