import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Probot } from 'probot';
import type { Presets } from '../adapters/files/presets.js';
import type { Runtime } from '../adapters/store/runtime.js';
import { apiError, ControlPlane, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, type Answer } from '../workflows/control-plane.js';
import {
  GitHubUnavailable,
  probotAccess,
  type ApiUser,
  type GitHubAccess,
  type TokenIssuer,
} from '../adapters/github/github-access.js';
import { readBody } from '../adapters/http/http-body.js';
import { ExpiringMap, RateLimiter } from './rate-limit.js';
import {
  API_PREFIX,
  ApproveRequest,
  AUTHORITY_VERBS,
  EXECUTION_VERBS,
  ExecuteRequest,
  GeneratePackagesRequest,
  RepoName,
  ScheduleRequest,
  type ExecutionVerb,
} from '../contracts/api.js';

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

const EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The API's handler for Probot's `addHandler`: true when it answered (every path under `/api/v1`). */
export function apiHandler(app: Probot, options: ApiHandlerOptions) {
  const access = options.access ?? probotAccess(app);
  const plane = new ControlPlane({ runtime: options.runtime, now: options.now, presets: options.presets, access });
  const limiter = new RateLimiter({
    limit: options.rateLimit?.limit ?? 120,
    windowMs: options.rateLimit?.windowMs ?? 60_000,
  });
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  // who a token belongs to, for a minute (GET /user once a minute per token, not once per request)
  const users = new ExpiringMap<ApiUser>(60_000, 10_000);
  // refused actions per user: a stranger cannot fill the audit log with refusals (each is audited until the limit)
  const refusals = new RateLimiter({
    limit: options.refusalLimit?.limit ?? 20,
    windowMs: options.refusalLimit?.windowMs ?? 3_600_000,
  });
  // whether a token is one AAOE's own OAuth client issued (checked with GitHub once a minute per token)
  const issuers = new ExpiringMap<TokenIssuer>(60_000, 10_000);
  const log: Log = app.log;

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) return false;
    const send = (answer: Answer<unknown>, headers: Record<string, string> = {}) => {
      res
        .writeHead(answer.status, {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
          ...headers,
        })
        .end(JSON.stringify(answer.body));
      return true;
    };
    try {
      const token = bearerToken(req.headers.authorization);
      const tokenHash = token ? createHash('sha256').update(token).digest('hex') : undefined;
      // a token counts as its own caller once GitHub has accepted it; until then (any made-up token) the address does,
      // so random tokens cannot get past the limit, nor make a GET /user each
      const known = tokenHash ? users.get(tokenHash, Date.now()) : undefined;
      const rate = limiter.take(known ? `token:${tokenHash}` : `address:${req.socket.remoteAddress ?? 'unknown'}`);
      if (!rate.ok)
        return send(apiError(429, 'rate_limited', `too many requests: try again in ${rate.retryAfterSeconds} s`), {
          'retry-after': String(rate.retryAfterSeconds),
        });

      const route = routeOf(req.method ?? 'GET', url.pathname.slice(API_PREFIX.length));
      if (route.kind === 'none')
        return send(apiError(404, 'not_found', `no route ${req.method} ${url.pathname}; see openapi/aaoe-api.yaml`));
      if (route.kind === 'method')
        return send(
          apiError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}; use ${route.allow}`),
          { allow: route.allow },
        );

      const text = await readBody(req, maxBodyBytes);
      if (text === undefined)
        return send(apiError(413, 'payload_too_large', `a request body is at most ${maxBodyBytes} bytes`));
      let json: unknown = undefined;
      if (text.trim() !== '') {
        if (!/^application\/json\s*(;|$)/i.test(String(req.headers['content-type'] ?? '')))
          return send(
            apiError(415, 'unsupported_media_type', 'send the body as JSON (content-type: application/json)'),
          );
        try {
          json = JSON.parse(text);
        } catch {
          return send(apiError(400, 'invalid_request', 'the body is not JSON'));
        }
      }

      if (!token)
        return send(apiError(401, 'unauthorized', 'send a GitHub token: Authorization: Bearer <token>'), {
          'www-authenticate': 'Bearer realm="aaoe"',
        });
      const user = known ?? (await access.userOf(token));
      if (user && !known) users.set(tokenHash!, user, Date.now());
      if (!user)
        return send(
          apiError(401, 'unauthorized', 'GitHub did not accept the token (GET /user); send a valid GitHub token'),
          { 'www-authenticate': 'Bearer realm="aaoe", error="invalid_token"' },
        );

      const acting = route.kind === 'verb' || route.kind === 'schedule' || route.kind === 'execute';
      const refusalKey = `refusals:${user.login.toLowerCase()}`;
      const spent = acting ? refusals.peek(refusalKey) : undefined;
      if (spent && !spent.ok) {
        return send(
          apiError(
            429,
            'rate_limited',
            `too many refused actions by @${user.login}: try again in ${spent.retryAfterSeconds} s`,
          ),
          { 'retry-after': String(spent.retryAfterSeconds) },
        );
      }
      if (route.kind === 'verb' && AUTHORITY_VERBS.has(route.verb)) {
        // authority is wielded only with a token AAOE's own OAuth client issued to this person: never a token an agent
        // platform, another app or a script holds for them
        const issuer = issuers.get(tokenHash!, Date.now()) ?? (await access.tokenIssuer(token, user.login));
        issuers.set(tokenHash!, issuer, Date.now());
        if (issuer !== 'own') {
          refusals.take(refusalKey);
          log.info(
            { user: user.login, route: route.kind, verb: route.verb, issuer },
            'control-plane API: authority refused for a token AAOE did not issue',
          );
          return send(apiError(403, 'refused', authorityRefusal(route.verb, issuer)));
        }
      }
      const answer = await answerRoute(plane, route, user, url, json);
      if (acting && (answer.status === 403 || answer.status === 409)) refusals.take(refusalKey);
      if (route.kind !== 'list' && route.kind !== 'status' && route.kind !== 'agents')
        log.info({ user: user.login, route: route.kind, status: answer.status }, 'control-plane API request');
      return send(answer);
    } catch (error) {
      if (error instanceof GitHubUnavailable) {
        log.warn({ err: error, path: url.pathname }, 'control-plane API request: GitHub did not answer');
        return send(apiError(502, 'github_unavailable', error.message));
      }
      log.error({ err: error, path: url.pathname }, 'control-plane API request failed');
      return send(apiError(500, 'internal', 'the request failed inside AAOE; it is logged, try again'));
    }
  };
}

type Route =
  | { kind: 'list' }
  | { kind: 'agents' }
  | { kind: 'execute' }
  | { kind: 'status'; id: string }
  | { kind: 'verb'; id: string; verb: ExecutionVerb }
  | { kind: 'schedule'; id: string }
  | { kind: 'packages' }
  | { kind: 'method'; allow: string }
  | { kind: 'none' };

/** The route of a path under `/api/v1`. */
export function routeOf(method: string, path: string): Route {
  const parts = path.split('/').slice(1);
  const only = (allowed: string, route: Route): Route =>
    method === allowed ? route : { kind: 'method', allow: allowed };
  if (parts.length === 1 && parts[0] === 'packages') return only('POST', { kind: 'packages' });
  if (parts.length === 1 && parts[0] === 'agents') return only('GET', { kind: 'agents' });
  if (parts.length === 1 && parts[0] === 'executions')
    return method === 'GET'
      ? { kind: 'list' }
      : method === 'POST'
        ? { kind: 'execute' }
        : { kind: 'method', allow: 'GET, POST' };
  if (parts[0] !== 'executions' || !EXECUTION_ID.test(parts[1] ?? '')) return { kind: 'none' };
  const id = parts[1]!.toLowerCase();
  if (parts.length === 2) return only('GET', { kind: 'status', id });
  const verb = EXECUTION_VERBS.find((v) => v === parts[2]);
  if (parts.length === 3 && verb) return only('POST', { kind: 'verb', id, verb });
  if (parts.length === 3 && parts[2] === 'schedule') return only('POST', { kind: 'schedule', id });
  return { kind: 'none' };
}

async function answerRoute(
  plane: ControlPlane,
  route: Exclude<Route, { kind: 'method' | 'none' }>,
  user: ApiUser,
  url: URL,
  json: unknown,
): Promise<Answer<unknown>> {
  switch (route.kind) {
    case 'list': {
      const repo = RepoName.safeParse(url.searchParams.get('repo') ?? '');
      if (!repo.success) return apiError(400, 'invalid_request', 'name the repository: ?repo=owner/name');
      const limitText = url.searchParams.get('limit');
      const limit = limitText === null ? LIST_LIMIT_DEFAULT : Number(limitText);
      if (!/^\d+$/.test(limitText ?? '0') || limit < 1 || limit > LIST_LIMIT_MAX)
        return apiError(
          400,
          'invalid_request',
          `limit is a whole number from 1 to ${LIST_LIMIT_MAX} (default ${LIST_LIMIT_DEFAULT})`,
        );
      return plane.list(user, repo.data, limit);
    }
    case 'agents': {
      const repo = RepoName.safeParse(url.searchParams.get('repo') ?? '');
      if (!repo.success) return apiError(400, 'invalid_request', 'name the repository: ?repo=owner/name');
      return plane.agents(user, repo.data);
    }
    case 'status':
      return plane.status(user, route.id);
    case 'verb': {
      if (route.verb === 'approve') {
        const parsed = ApproveRequest.safeParse(json ?? {});
        if (!parsed.success)
          return apiError(
            400,
            'invalid_request',
            parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
          );
        return plane.verb(user, route.id, route.verb, { sha: parsed.data.sha });
      }
      if (json !== undefined && !(isObject(json) && Object.keys(json).length === 0))
        return apiError(400, 'invalid_request', `${route.verb} takes no body (or {})`);
      return plane.verb(user, route.id, route.verb);
    }
    case 'schedule': {
      const parsed = ScheduleRequest.safeParse(json ?? {});
      if (!parsed.success)
        return apiError(
          400,
          'invalid_request',
          parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
        );
      return plane.schedule(user, route.id, parsed.data);
    }
    case 'packages': {
      const parsed = GeneratePackagesRequest.safeParse(json ?? {});
      if (!parsed.success)
        return apiError(
          400,
          'invalid_request',
          parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
        );
      return plane.generatePackages(user, parsed.data);
    }
    case 'execute': {
      const parsed = ExecuteRequest.safeParse(json ?? {});
      if (!parsed.success)
        return apiError(
          400,
          'invalid_request',
          parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
        );
      return plane.execute(user, parsed.data);
    }
  }
}

/** Why an authority verb was refused for a token AAOE did not issue, and how to get one it did. */
export function authorityRefusal(verb: ExecutionVerb, issuer: Exclude<TokenIssuer, 'own'>): string {
  return issuer === 'unconfigured'
    ? `${verb} through the API needs a token AAOE's own GitHub App issued, and this AAOE has no OAuth client configured (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET) to tell its tokens from others: ${verb} with a /aaoe ${verb} comment on GitHub instead`
    : `${verb} carries authority, so it needs a user access token issued by AAOE's own GitHub App to you (not a personal access token, nor a token another app or an agent platform holds for you): sign in on AAOE's dashboard (/aaoe/login) and ${verb} there, or write /aaoe ${verb} on the pull request yourself`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The token of `Authorization: Bearer <token>` (or GitHub's own `token <token>`). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^(?:bearer|token)\s+([\w.~+/=-]{1,512})\s*$/i.exec(header ?? '');
  return match?.[1];
}
