/**
 * What a failed GitHub call means for the work that made it (pure): `permanent` when asking again cannot change the
 * answer (GitHub refused the request as it is: bad input, no permission, gone, a rule it enforces), `transient` when
 * it can (an outage, a timeout, a rate limit, a conflict with a concurrent change, a token that is being renewed).
 *
 * A permanent answer ends the work that asked, with `reason` shown to people; a transient one is retried by the job
 * queue with its backoff. Anything that is not a GitHub answer (a bug, the store) is `transient`: the job retries it
 * as before, and a bug stays visible in the job's error.
 */

export type GitHubFailure =
  | { kind: 'permanent'; status: number; reason: string }
  | {
      kind: 'transient';
      status: number | null;
      reason: string;
      /** ms GitHub asked to wait, when it said. */ retryAfterMs?: number;
    };

/** The parts of an Octokit `RequestError` (or any error) this reads. */
type ErrorLike = {
  name?: unknown;
  message?: unknown;
  status?: unknown;
  request?: { method?: unknown; url?: unknown };
  response?: { headers?: Record<string, unknown>; data?: unknown };
  /** `GitHubCircuitOpen` (src/adapters/github/octokit.ts): the installation's calls are held back for a moment. */
  circuitOpen?: unknown;
};

/** Messages of 422 answers that a later attempt can get past (GitHub has not caught up with a write yet). */
const TRANSIENT_422 = [/no commit found for sha/i, /reference update failed/i, /head sha can't be blank/i];

/** How much of GitHub's message goes into a reason (messages echo input: they stay short). */
const MESSAGE_MAX = 300;

export function classifyGitHubError(error: unknown, now: number = Date.now()): GitHubFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const message = shortText(typeof e.message === 'string' ? e.message : String(error));
  if (e.circuitOpen === true) return { kind: 'transient', status: null, reason: message };
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'AbortError' || name === 'TimeoutError')
    return { kind: 'transient', status: null, reason: `GitHub did not answer in time: ${message}` };
  const status = typeof e.status === 'number' ? e.status : null;
  // not a GitHub answer at all, or no answer (Octokit reports a network error as a 500 without a response)
  if (status === null || (status === 500 && !e.response)) return { kind: 'transient', status, reason: message };
  const what = describeRequest(e.request);
  const said = `GitHub answered ${status} to ${what}: ${message}`;
  const headers = e.response?.headers ?? {};
  const retryAfterMs = waitAsked(headers, now);
  const wait = retryAfterMs !== undefined ? { retryAfterMs } : {};
  if (status >= 500 || status === 429 || status === 408) return { kind: 'transient', status, reason: said, ...wait };
  // the installation token expired or was revoked between requests: Probot fetches a new one on the next attempt
  if (status === 401) return { kind: 'transient', status, reason: said };
  if (status === 403) {
    const limited =
      header(headers, 'x-ratelimit-remaining') === '0' ||
      header(headers, 'retry-after') !== undefined ||
      /rate limit/i.test(message);
    return limited
      ? { kind: 'transient', status, reason: said, ...wait }
      : { kind: 'permanent', status, reason: `${said}${hintFor(status, message)}` };
  }
  // a conflict with a concurrent change (a branch moved, a merge in progress): the next attempt sees the new state
  if (status === 409) return { kind: 'transient', status, reason: said };
  if (status === 422 && TRANSIENT_422.some((re) => re.test(message)))
    return { kind: 'transient', status, reason: said };
  if (status >= 400) return { kind: 'permanent', status, reason: `${said}${hintFor(status, message)}` };
  return { kind: 'transient', status, reason: said };
}

/**
 * Whether the failure is GitHub being away (no answer, a timeout, an open circuit, a 5xx, a rate limit) rather than an
 * answer about the request or an error of AAOE's own: what a retry later is for, and what nothing needs to be told.
 */
export function isOutage(error: unknown, now: number = Date.now()): boolean {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  if (e.circuitOpen === true || e.name === 'AbortError' || e.name === 'TimeoutError') return true;
  const failure = classifyGitHubError(error, now);
  if (failure.kind !== 'transient' || typeof e.status !== 'number') return false;
  // Octokit's network errors: a status of 500 and a request, but no response
  if (!e.response && e.status === 500) return e.request !== undefined;
  return failure.status !== null && (failure.status >= 500 || failure.status === 429 || failure.status === 403);
}

/** GitHub's 422 for a ref that is there already (`POST /git/refs`): the one 422 that means "the branch exists". */
export function isReferenceExists(error: unknown): boolean {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  return e.status === 422 && typeof e.message === 'string' && /reference already exists/i.test(e.message);
}

/** What to do about a refusal people can act on. */
function hintFor(status: number, message: string): string {
  if (/without `?workflows`? permission/i.test(message)) {
    return '. The change edits a workflow under `.github/workflows/`, which GitHub lets an app write only with the `workflows` permission: grant it to the app (and accept it on the installation), or ask for a change that leaves the workflows alone';
  }
  if (status === 403)
    return ". The installation lacks a permission this needs: check the app's permissions and accept any new ones on the installation";
  if (status === 404) return '. The repository, branch or item is gone, or the installation cannot see it';
  return '';
}

function describeRequest(request: ErrorLike['request']): string {
  const method = typeof request?.method === 'string' ? request.method : 'a request';
  const url = typeof request?.url === 'string' ? request.url : '';
  // the path only (as GitHub's REST docs name it, without GitHub Enterprise Server's `/api/v3`): a query string may
  // carry input, and the host says nothing
  const path = url
    .replace(/^[a-z]+:\/\/[^/]+/i, '')
    .replace(/^\/api\/v3(?=\/)/, '')
    .replace(/\?.*$/, '')
    .slice(0, 200);
  return path ? `${method} ${path}` : method;
}

/** The wait GitHub asked for: `retry-after` seconds, or until `x-ratelimit-reset` when the quota is spent. */
function waitAsked(headers: Record<string, unknown>, now: number): number | undefined {
  const after = Number(header(headers, 'retry-after'));
  if (Number.isFinite(after) && after >= 0 && header(headers, 'retry-after') !== undefined) return after * 1000;
  if (header(headers, 'x-ratelimit-remaining') === '0') {
    const reset = Number(header(headers, 'x-ratelimit-reset'));
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  }
  return undefined;
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function shortText(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MESSAGE_MAX ? `${one.slice(0, MESSAGE_MAX - 1)}…` : one;
}
