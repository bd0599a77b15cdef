import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Probot } from 'probot';
import type { Presets } from '../core/policy/policy-source.js';
import type { Runtime } from '../adapters/store/runtime.js';
import { apiError, type Answer } from '../workflows/control-plane-access.js';
import { ControlPlane } from '../workflows/control-plane.js';
import {
  GitHubUnavailable,
  probotAccess,
  type ApiUser,
  type GitHubAccess,
  type TokenIssuer,
} from '../adapters/github/github-access.js';
import { readBody } from '../adapters/http/http-body.js';
import { ExpiringMap, RateLimiter } from './rate-limit.js';
import { API_PREFIX, AUTHORITY_VERBS } from '../contracts/api.js';
import { answerRoute, authorityRefusal, bearerToken, routeOf, type Route } from './api-routes.js';

/**
 * The control-plane HTTP API, `/api/v1`, served by Probot's own server (`addHandler`): JSON in and out, a GitHub
 * token in `Authorization: Bearer <token>` whose user GitHub reports (`GET /user`), a request limit per token and
 * a size limit on bodies. `openapi/aaoe-api.yaml` describes every route and answer; `ControlPlane` decides.
 */

export type ApiHandlerOptions = {
  runtime: Runtime;
  now: () => Date;
  presets: Presets;
  /** GitHub as the app reaches it; default: the Probot app's own clients. */
  access?: GitHubAccess;
  /** Requests per caller (a token, else an address) per window; default 120 a minute. */
  rateLimit?: { limit: number; windowMs: number };
  /** The largest body accepted, in bytes (default 64 KiB). */
  maxBodyBytes?: number;
  /** Refused actions per user per window before the user's actions are answered 429 unheard (default 20 an hour). */
  refusalLimit?: { limit: number; windowMs: number };
};

type Log = {
  info(meta: object, msg: string): void;
  warn(meta: object, msg: string): void;
  error(meta: object, msg: string): void;
};

/** What the handler keeps between requests: the control plane, and its limits and caches per caller. */
type ApiState = {
  plane: ControlPlane;
  access: GitHubAccess;
  limiter: RateLimiter;
  refusals: RateLimiter;
  users: ExpiringMap<ApiUser>;
  issuers: ExpiringMap<TokenIssuer>;
  maxBodyBytes: number;
  log: Log;
};

/** An answer with its extra headers. */
type Reply = { answer: Answer<unknown>; headers?: Record<string, string> };

/** The API's handler for Probot's `addHandler`: true when it answered (every path under `/api/v1`). */
export function apiHandler(app: Probot, options: ApiHandlerOptions) {
  const access = options.access ?? probotAccess(app);
  const state: ApiState = {
    plane: new ControlPlane({ runtime: options.runtime, now: options.now, presets: options.presets, access }),
    access,
    limiter: new RateLimiter({
      limit: options.rateLimit?.limit ?? 120,
      windowMs: options.rateLimit?.windowMs ?? 60_000,
    }),
    // refused actions per user: a stranger cannot fill the audit log with refusals (each is audited until the limit)
    refusals: new RateLimiter({
      limit: options.refusalLimit?.limit ?? 20,
      windowMs: options.refusalLimit?.windowMs ?? 3_600_000,
    }),
    // who a token belongs to, for a minute (GET /user once a minute per token, not once per request)
    users: new ExpiringMap<ApiUser>(60_000, 10_000),
    // whether a token is one AAOE's own OAuth client issued (checked with GitHub once a minute per token)
    issuers: new ExpiringMap<TokenIssuer>(60_000, 10_000),
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    log: app.log,
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) return false;
    const { answer, headers = {} } = await reply(state, req, url);
    res
      .writeHead(answer.status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        ...headers,
      })
      .end(JSON.stringify(answer.body));
    return true;
  };
}

/** The answer to one request; a failure inside is logged and answered 502 (GitHub did not answer) or 500. */
async function reply(state: ApiState, req: IncomingMessage, url: URL): Promise<Reply> {
  try {
    return await serve(state, req, url);
  } catch (error) {
    if (error instanceof GitHubUnavailable) {
      state.log.warn({ err: error, path: url.pathname }, 'control-plane API request: GitHub did not answer');
      return { answer: apiError(502, 'github_unavailable', error.message) };
    }
    state.log.error({ err: error, path: url.pathname }, 'control-plane API request failed');
    return { answer: apiError(500, 'internal', 'the request failed inside AAOE; it is logged, try again') };
  }
}

async function serve(state: ApiState, req: IncomingMessage, url: URL): Promise<Reply> {
  const token = bearerToken(req.headers.authorization);
  const tokenHash = token ? createHash('sha256').update(token).digest('hex') : undefined;
  // a token counts as its own caller once GitHub has accepted it; until then (any made-up token) the address does,
  // so random tokens cannot get past the limit, nor make a GET /user each
  const known = tokenHash ? state.users.get(tokenHash, Date.now()) : undefined;
  const rate = state.limiter.take(
    known ? `token:${tokenHash ?? ''}` : `address:${req.socket.remoteAddress ?? 'unknown'}`,
  );
  if (!rate.ok)
    return {
      answer: apiError(429, 'rate_limited', `too many requests: try again in ${rate.retryAfterSeconds} s`),
      headers: { 'retry-after': String(rate.retryAfterSeconds) },
    };
  const route = routeOf(req.method ?? 'GET', url.pathname.slice(API_PREFIX.length));
  if (route.kind === 'none')
    return {
      answer: apiError(404, 'not_found', `no route ${req.method ?? 'GET'} ${url.pathname}; see openapi/aaoe-api.yaml`),
    };
  if (route.kind === 'method')
    return {
      answer: apiError(
        405,
        'method_not_allowed',
        `${req.method ?? 'GET'} is not allowed on ${url.pathname}; use ${route.allow}`,
      ),
      headers: { allow: route.allow },
    };
  const body = await readJson(req, state.maxBodyBytes);
  if ('answer' in body) return body;
  if (!token || !tokenHash)
    return {
      answer: apiError(401, 'unauthorized', 'send a GitHub token: Authorization: Bearer <token>'),
      headers: { 'www-authenticate': 'Bearer realm="aaoe"' },
    };
  const user = known ?? (await state.access.userOf(token));
  if (user && !known) state.users.set(tokenHash, user, Date.now());
  if (!user)
    return {
      answer: apiError(401, 'unauthorized', 'GitHub did not accept the token (GET /user); send a valid GitHub token'),
      headers: { 'www-authenticate': 'Bearer realm="aaoe", error="invalid_token"' },
    };
  return act(state, { route, user, token, tokenHash, url, json: body.json });
}

/** The body as JSON (none: undefined), or the answer that refuses it: too large, not JSON, or not declared JSON. */
async function readJson(req: IncomingMessage, maxBodyBytes: number): Promise<{ json: unknown } | Reply> {
  const text = await readBody(req, maxBodyBytes);
  if (text === undefined)
    return { answer: apiError(413, 'payload_too_large', `a request body is at most ${maxBodyBytes} bytes`) };
  if (text.trim() === '') return { json: undefined };
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
    return {
      answer: apiError(415, 'unsupported_media_type', 'send the body as JSON (content-type: application/json)'),
    };
  try {
    return { json: JSON.parse(text) as unknown };
  } catch {
    return { answer: apiError(400, 'invalid_request', 'the body is not JSON') };
  }
}

/**
 * A request of a user GitHub vouched for: refused unheard while the user has spent their refused actions, an
 * authority verb refused for a token AAOE did not issue, else answered by the control plane.
 */
async function act(
  state: ApiState,
  request: {
    route: Exclude<Route, { kind: 'method' | 'none' }>;
    user: ApiUser;
    token: string;
    tokenHash: string;
    url: URL;
    json: unknown;
  },
): Promise<Reply> {
  const { route, user, token, tokenHash } = request;
  const acting = route.kind === 'verb' || route.kind === 'schedule' || route.kind === 'execute';
  const refusalKey = `refusals:${user.login.toLowerCase()}`;
  const spent = acting ? state.refusals.peek(refusalKey) : undefined;
  if (spent && !spent.ok)
    return {
      answer: apiError(
        429,
        'rate_limited',
        `too many refused actions by @${user.login}: try again in ${spent.retryAfterSeconds} s`,
      ),
      headers: { 'retry-after': String(spent.retryAfterSeconds) },
    };
  if (route.kind === 'verb' && AUTHORITY_VERBS.has(route.verb)) {
    // authority is wielded only with a token AAOE's own OAuth client issued to this person: never a token an agent
    // platform, another app or a script holds for them
    const issuer = state.issuers.get(tokenHash, Date.now()) ?? (await state.access.tokenIssuer(token, user.login));
    state.issuers.set(tokenHash, issuer, Date.now());
    if (issuer !== 'own') {
      state.refusals.take(refusalKey);
      state.log.info(
        { user: user.login, route: route.kind, verb: route.verb, issuer },
        'control-plane API: authority refused for a token AAOE did not issue',
      );
      return { answer: apiError(403, 'refused', authorityRefusal(route.verb, issuer)) };
    }
  }
  const answer = await answerRoute(state.plane, route, user, request.url, request.json);
  if (acting && (answer.status === 403 || answer.status === 409)) state.refusals.take(refusalKey);
  if (route.kind !== 'list' && route.kind !== 'status' && route.kind !== 'agents')
    state.log.info({ user: user.login, route: route.kind, status: answer.status }, 'control-plane API request');
  return { answer };
}
