import type { AaoeConfig } from '../adapters/config/config.js';
import { DASHBOARD_CALLBACK_PATH, httpOrigin } from '../core/setup/app-manifest.js';
import type { Finding, Report } from './doctor-findings.js';

/** The dashboard's session key must be at least this long (src/dashboard/session-cookie.ts, MIN_SECRET_LENGTH). */
const MIN_SESSION_SECRET = 32;

/**
 * The dashboard's settings: the app's OAuth client (`GITHUB_CLIENT_ID` and `GITHUB_CLIENT_SECRET`, the id the same as
 * the registration's), the session key (`AAOE_SESSION_SECRET`), and the public origin (`AAOE_PUBLIC_URL`) the sign-in's
 * callback is built from. `registeredClientId` is the app's client id from `GET /app` (undefined when not read).
 */
export function checkDashboard(config: AaoeConfig, registeredClientId: string | undefined, report: Report): void {
  report(clientFinding(config, registeredClientId) ?? sessionFinding(config) ?? originFinding(config));
}

const fail = (message: string, fix: string): Finding => ({ level: 'fail', check: 'dashboard', message, fix });

/** The OAuth client: both set, and the registration's. */
function clientFinding(config: AaoeConfig, registeredClientId: string | undefined): Finding | undefined {
  const id = config.env.GITHUB_CLIENT_ID?.trim();
  const secret = config.env.GITHUB_CLIENT_SECRET?.trim();
  const fromSettings = 'the app\'s settings page ("Client ID", and "Client secrets" → "Generate a new client secret")';
  if (!id && !secret)
    return {
      level: 'warn',
      check: 'dashboard',
      message: 'GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are not set: nobody can sign in to the dashboard',
      fix: `set both from ${fromSettings}`,
    };
  if (!id || !secret)
    return fail(
      `${id ? 'GITHUB_CLIENT_SECRET' : 'GITHUB_CLIENT_ID'} is not set (the other is)`,
      `set it from ${fromSettings}`,
    );
  if (registeredClientId && registeredClientId !== id)
    return fail(
      `GITHUB_CLIENT_ID (${id}) is not this app's client id (${registeredClientId})`,
      `set GITHUB_CLIENT_ID=${registeredClientId} and a client secret of the same app`,
    );
  return undefined;
}

/** The session key: long enough for the dashboard to serve. */
function sessionFinding(config: AaoeConfig): Finding | undefined {
  const session = config.dashboard.sessionSecret ?? '';
  if (session.length >= MIN_SESSION_SECRET) return undefined;
  return fail(
    session ? `AAOE_SESSION_SECRET is shorter than ${MIN_SESSION_SECRET} characters` : 'AAOE_SESSION_SECRET is not set',
    `set AAOE_SESSION_SECRET to a random value of ${MIN_SESSION_SECRET} characters or more (openssl rand -hex 32): the dashboard answers 503 without it`,
  );
}

/** The public origin the sign-in's callback is built from. */
function originFinding(config: AaoeConfig): Finding {
  const publicUrl = config.dashboard.publicUrl;
  if (publicUrl === undefined)
    return {
      level: 'warn',
      check: 'dashboard',
      message: "AAOE_PUBLIC_URL is not set: the sign-in builds its callback from the request's Host header",
      fix: `set AAOE_PUBLIC_URL to the origin people open the dashboard at, and add <that origin>${DASHBOARD_CALLBACK_PATH} to the app's callback URLs`,
    };
  const origin = httpOrigin(publicUrl);
  if (!origin)
    return fail(
      `AAOE_PUBLIC_URL is not an http(s) URL: "${publicUrl}"`,
      'set it to an origin, for example https://aaoe.example.com',
    );
  const onlyOrigin =
    origin === publicUrl.replace(/\/+$/, '') ? '' : `; only the origin of AAOE_PUBLIC_URL is used, not "${publicUrl}"`;
  return {
    level: 'ok',
    check: 'dashboard',
    message: `sign-in with the app's OAuth client; the callback is ${origin}${DASHBOARD_CALLBACK_PATH} (it must be one of the app's callback URLs)${onlyOrigin}`,
  };
}
