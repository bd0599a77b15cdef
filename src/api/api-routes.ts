import type { ApiUser, TokenIssuer } from '../adapters/github/github-access.js';
import { apiError, type Answer } from '../workflows/control-plane-access.js';
import { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, type ControlPlane } from '../workflows/control-plane.js';
import {
  ApproveRequest,
  EXECUTION_VERBS,
  ExecuteRequest,
  GeneratePackagesRequest,
  RepoName,
  ScheduleRequest,
  type ExecutionVerb,
} from '../contracts/api.js';
import { PolicyReplayRequest } from '../contracts/policy-replay.js';

/** The routes of `/api/v1` and how each is answered from its parsed request (`api-handler.ts` does the rest). */

const EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type Route =
  | { kind: 'list' }
  | { kind: 'agents' }
  | { kind: 'execute' }
  | { kind: 'status'; id: string }
  | { kind: 'verb'; id: string; verb: ExecutionVerb }
  | { kind: 'schedule'; id: string }
  | { kind: 'packages' }
  | { kind: 'replay' }
  | { kind: 'method'; allow: string }
  | { kind: 'none' };

/** The route of a path under `/api/v1`. */
export function routeOf(method: string, path: string): Route {
  const parts = path.split('/').slice(1);
  const only = (allowed: string, route: Route): Route =>
    method === allowed ? route : { kind: 'method', allow: allowed };
  if (parts.length === 1 && parts[0] === 'packages') return only('POST', { kind: 'packages' });
  if (parts.length === 1 && parts[0] === 'agents') return only('GET', { kind: 'agents' });
  if (parts.length === 2 && parts[0] === 'policy' && parts[1] === 'replay') return only('POST', { kind: 'replay' });
  if (parts.length === 1 && parts[0] === 'executions')
    return method === 'GET'
      ? { kind: 'list' }
      : method === 'POST'
        ? { kind: 'execute' }
        : { kind: 'method', allow: 'GET, POST' };
  const [first, second = '', third] = parts;
  if (first !== 'executions' || !EXECUTION_ID.test(second)) return { kind: 'none' };
  const id = second.toLowerCase();
  if (parts.length === 2) return only('GET', { kind: 'status', id });
  const verb = EXECUTION_VERBS.find((v) => v === third);
  if (parts.length === 3 && verb) return only('POST', { kind: 'verb', id, verb });
  if (parts.length === 3 && third === 'schedule') return only('POST', { kind: 'schedule', id });
  return { kind: 'none' };
}

export async function answerRoute(
  plane: ControlPlane,
  route: Exclude<Route, { kind: 'method' | 'none' }>,
  user: ApiUser,
  url: URL,
  json: unknown,
): Promise<Answer<unknown>> {
  switch (route.kind) {
    case 'list':
      return answerList(plane, user, url);
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
        if (!parsed.success) return invalidBody(parsed.error.issues);
        return plane.verb(user, route.id, route.verb, { sha: parsed.data.sha });
      }
      if (json !== undefined && !(isObject(json) && Object.keys(json).length === 0))
        return apiError(400, 'invalid_request', `${route.verb} takes no body (or {})`);
      return plane.verb(user, route.id, route.verb);
    }
    case 'schedule': {
      const parsed = ScheduleRequest.safeParse(json ?? {});
      if (!parsed.success) return invalidBody(parsed.error.issues);
      return plane.schedule(user, route.id, parsed.data);
    }
    case 'packages': {
      const parsed = GeneratePackagesRequest.safeParse(json ?? {});
      if (!parsed.success) return invalidBody(parsed.error.issues);
      return plane.generatePackages(user, parsed.data);
    }
    case 'replay': {
      const parsed = PolicyReplayRequest.safeParse(json ?? {});
      if (!parsed.success) return invalidBody(parsed.error.issues);
      return plane.replayPolicy(user, parsed.data);
    }
    case 'execute': {
      const parsed = ExecuteRequest.safeParse(json ?? {});
      if (!parsed.success) return invalidBody(parsed.error.issues);
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

/** A body that does not validate: each issue, where it is. */
function invalidBody(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>): Answer<never> {
  return apiError(
    400,
    'invalid_request',
    issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`).join('; '),
  );
}

async function answerList(plane: ControlPlane, user: ApiUser, url: URL): Promise<Answer<unknown>> {
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
