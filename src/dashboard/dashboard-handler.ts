import { readConfig } from '../adapters/config/config.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Probot } from 'probot';
import { ControlPlane } from '../workflows/control-plane.js';
import { GitHubUnavailable, probotAccess, type GitHubAccess } from '../adapters/github/github-access.js';
import { REPORT_PATH } from '../contracts/report.js';
import type { Runtime } from '../adapters/store/runtime.js';
import type { Presets } from '../core/policy/policy-source.js';
import { sessionOf, type DashboardSetup, type RequestScope } from './dashboard-scope.js';
import { answerSignedIn } from './execution-routes.js';
import { exchangeOf, originOf, type Exchange } from './exchange.js';
import { githubWebUrl, type OAuthClient } from './github-oauth.js';
import { ICON_SVG, STYLESHEET } from './layout.js';
import { messagePage, signInPage } from './pages.js';
import { type PageContext } from './layout.js';
import { dashboardRoute, type Route } from './routes.js';
import { finishSignIn, signOut, startSignIn } from './sign-in.js';
import { MIN_SECRET_LENGTH, parseCookies, sessionKeys, type SessionKeys } from './session-cookie.js';
import { DASHBOARD_TEXT as T, type Message } from './text.js';

/**
 * The execution dashboard, `/aaoe`, served by Probot's own server (`addHandler`): server-rendered pages, no script,
 * a strict Content-Security-Policy. Sign-in is GitHub's OAuth web application flow with the app's OAuth client
 * (`GITHUB_CLIENT_ID`, `GITHUB_CLIENT_SECRET`); the session is a signed, HttpOnly, SameSite=Lax cookie
 * (`AAOE_SESSION_SECRET`) naming a row of `dashboard_sessions`, where the user's token is kept sealed. What a user
 * sees and may do is the control plane's decision (`ControlPlane`, the same as `/api/v1` and the comment commands);
 * actions are POST forms with the session's CSRF token, and a rollback is confirmed on a preview page first.
 * The routes are in routes.ts; signing in and out in sign-in.ts; the signed-in pages in execution-routes.ts.
 */

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

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** The dashboard's handler for Probot's `addHandler`: true when it answered. */
export function dashboardHandler(app: Probot, options: DashboardOptions): Handler {
  const config = readConfig(options.env ?? process.env);
  const secret = config.dashboard.sessionSecret ?? '';
  const keys: SessionKeys | undefined = secret.length >= MIN_SECRET_LENGTH ? sessionKeys(secret) : undefined;
  const publicUrl = config.dashboard.publicUrl ? new URL(config.dashboard.publicUrl).origin : undefined;
  const setup = keys && setupOf(app, options, keys, config.github.oauthClient);
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === REPORT_PATH) return false;
    const route = dashboardRoute(req.method ?? 'GET', url.pathname);
    if (!route) return false;
    const x = exchangeOf(req, res, url);
    if (route.kind === 'method') return sendMessage(x, 405, T.methodNotAllowed(req.method, route.allow), route.allow);
    if (route.kind === 'style' || route.kind === 'icon') {
      const [type, body] =
        route.kind === 'style' ? ['text/css; charset=utf-8', STYLESHEET] : ['image/svg+xml', ICON_SVG];
      return x.answer(200, { 'content-type': type, 'cache-control': 'public, max-age=300' }, body);
    }
    if (!setup) return sendMessage(x, 503, secret ? T.secretTooShort(MIN_SECRET_LENGTH) : T.secretMissing);
    const base = publicUrl ?? originOf(req);
    if (!base) return sendMessage(x, 400, T.badHost);
    const scope: RequestScope = {
      x,
      base,
      secure: base.startsWith('https:'),
      cookies: parseCookies(req.headers.cookie),
    };
    try {
      return await answer(setup, scope, route);
    } catch (error) {
      if (error instanceof GitHubUnavailable) {
        setup.log.warn({ err: error, path: url.pathname }, 'dashboard request: GitHub did not answer');
        return sendMessage(x, 502, T.githubDown(error.message));
      }
      setup.log.error({ err: error, path: url.pathname }, 'dashboard request failed');
      return sendMessage(x, 500, T.failed);
    }
  };
}

function sendMessage(x: Exchange, status: number, message: Message, allow?: string): true {
  return x.send(status, messagePage(message.title, message.text), allow ? { allow } : {});
}

/** What every request works with, made once: GitHub's web host is asked of the app once (again after a failure). */
function setupOf(
  app: Probot,
  options: DashboardOptions,
  keys: SessionKeys,
  client: OAuthClient | undefined,
): DashboardSetup {
  const access = options.access ?? probotAccess(app);
  const plane = new ControlPlane({ runtime: options.runtime, now: options.now, presets: options.presets, access });
  let apiUrl: Promise<string> | undefined = options.githubApiUrl ? Promise.resolve(options.githubApiUrl) : undefined;
  const githubApi = () =>
    (apiUrl ??= (app.auth() as Promise<{ request: { endpoint: { DEFAULTS: { baseUrl: string } } } }>)
      .then((o) => o.request.endpoint.DEFAULTS.baseUrl)
      .catch((error: unknown) => {
        apiUrl = undefined;
        throw error;
      }));
  return {
    log: app.log,
    keys,
    client,
    access,
    plane,
    ports: { runtime: options.runtime, now: options.now, presets: options.presets, access, plane },
    db: options.runtime.db,
    now: options.now,
    ttlMs: options.sessionTtlMs ?? 8 * 60 * 60_000,
    fetch: options.fetch,
    githubWeb: async () => githubWebUrl(await githubApi()),
  };
}

type AnswerableRoute = Exclude<Route, { kind: 'method' | 'style' | 'icon' }>;

async function answer(setup: DashboardSetup, scope: RequestScope, route: AnswerableRoute): Promise<true> {
  switch (route.kind) {
    case 'login':
      return startSignIn(setup, scope);
    case 'callback':
      return finishSignIn(setup, scope);
    case 'logout':
      return signOut(setup, scope);
    default:
      break;
  }
  const session = await sessionOf(setup, scope);
  if (!session)
    return scope.x.send(
      route.kind === 'overview' ? 200 : 401,
      signInPage(route.kind === 'overview' ? undefined : T.signInToSee),
    );
  const ctx: PageContext = { login: session.user.login, csrf: session.record.csrf, githubWeb: await setup.githubWeb() };
  return answerSignedIn(route, { setup, scope, session, ctx });
}
