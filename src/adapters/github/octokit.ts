import { ProbotOctokit } from 'probot';
import { classifyGitHubError } from './github-errors.js';

/**
 * The Octokit every GitHub call goes through (`npm start` passes it to Probot): Probot's, with its calls bounded in
 * time so that a GitHub outage never holds a job's worker for long, and with a small circuit per installation.
 *
 * - Each attempt gives up after `attemptTimeoutMs` (10 s); a request (its attempts and the waits between them) after
 *   `requestDeadlineMs` (25 s): nothing is sent after that (the attempts share an abort signal).
 * - Retries inside a request: `retries` (2, after 1 s and 4 s) for GET, PUT, PATCH and DELETE; none for POST, which
 *   creates things: the job retries it, and every write of a job is keyed (a check run carries the job's key as its
 *   `external_id` and a later attempt looks for it first), so an answer lost in an outage never doubles a write.
 * - Rate limits: waited for inside the request only when GitHub asks for `rateLimitWaitMaxS` (10 s) or less, once;
 *   otherwise the request fails (transient) and the installation's circuit opens until GitHub's reset (capped).
 * - The circuit: after `circuitThreshold` (3) failed attempts in a row for one installation (5xx, timeouts, network
 *   errors, rate limits), or one request that outlived its deadline, its calls fail at once, without a request, for
 *   `circuitBaseMs` (5 s); the first failure after that opens it again for twice as long, up to `circuitMaxMs` (5 min);
 *   any answer that is not such a failure closes it. The job that meets an open circuit fails at once and is retried
 *   by the queue with its backoff.
 *
 * So in an outage a job holds its worker for at most about 25 s (one request's deadline: the circuit is open by the
 * time that request gives up, and the job's next call fails at once); then the queue retries the job later.
 */

export type GitHubBounds = {
  attemptTimeoutMs: number;
  requestDeadlineMs: number;
  /** Retries inside a request (GET, PUT, PATCH, DELETE), after 1 s and 4 s (Octokit's retry plugin); set once, here. */
  retries: number;
  rateLimitWaitMaxS: number;
  circuitThreshold: number;
  circuitBaseMs: number;
  circuitMaxMs: number;
};

export const GITHUB_BOUNDS: GitHubBounds = {
  attemptTimeoutMs: 10_000,
  requestDeadlineMs: 25_000,
  retries: 2,
  rateLimitWaitMaxS: 10,
  circuitThreshold: 3,
  circuitBaseMs: 5_000,
  circuitMaxMs: 5 * 60_000,
};

/**
 * Thrown instead of a request while an installation's circuit is open (classified transient: the job retries). Named
 * `AbortError` because it is also thrown from inside an attempt (a request queued before the circuit opened): Octokit's
 * fetch wrapper passes that name on untouched, and neither its retry nor its throttling plugin retries it.
 */
export class GitHubCircuitOpen extends Error {
  readonly circuitOpen = true;
  constructor(
    readonly installation: string,
    readonly until: number,
  ) {
    super(
      `GitHub calls for installation ${installation} are held back until ${new Date(until).toISOString()} after repeated failures (an outage or a rate limit); the job is retried later`,
    );
    this.name = 'AbortError';
  }
}

/** Thrown when a request outlives its deadline (classified transient). */
export class GitHubDeadline extends Error {
  constructor(what: string, ms: number) {
    super(`GitHub did not answer ${what} within ${Math.round(ms / 1000)} s; the job is retried later`);
    this.name = 'TimeoutError';
  }
}

type Circuit = { failures: number; openUntil: number; opened: number };

/** The circuits of this process, one per installation (the app itself is `app`). In memory: a restart closes them. */
export class GitHubCircuits {
  private readonly circuits = new Map<string, Circuit>();
  constructor(
    private readonly bounds: Pick<GitHubBounds, 'circuitThreshold' | 'circuitBaseMs' | 'circuitMaxMs'> = GITHUB_BOUNDS,
  ) {}

  /** Until when the installation's calls are held back, or undefined when they may go. */
  heldUntil(key: string, now: number): number | undefined {
    const c = this.circuits.get(key);
    return c && c.openUntil > now ? c.openUntil : undefined;
  }

  succeeded(key: string): void {
    this.circuits.delete(key);
  }

  /**
   * A failed attempt. The circuit opens after `circuitThreshold` in a row; at once when GitHub asked to wait (`waitMs`,
   * a rate limit) or `open` is set (a request that outlived its deadline: GitHub is not answering); and at the first
   * failure after it was open (nothing succeeded since), for twice as long as the last time.
   */
  failed(key: string, now: number, waitMs?: number, open = false): void {
    const c = this.circuits.get(key) ?? { failures: 0, openUntil: 0, opened: 0 };
    c.failures += 1;
    if (open || waitMs !== undefined || c.opened > 0 || c.failures >= this.bounds.circuitThreshold) {
      const backoff = Math.min(this.bounds.circuitMaxMs, this.bounds.circuitBaseMs * 2 ** c.opened);
      c.openUntil = now + Math.min(this.bounds.circuitMaxMs, Math.max(backoff, waitMs ?? 0));
      c.opened += 1;
      c.failures = 0;
    }
    this.circuits.set(key, c);
  }

  reset(): void {
    this.circuits.clear();
  }
}

/** The process's circuits (tests reset them between cases). */
export const githubCircuits = new GitHubCircuits();

type Fetch = typeof globalThis.fetch;
type RequestOptions = {
  method: string;
  url: string;
  request?: { signal?: AbortSignal; fetch?: Fetch; retries?: number; [k: string]: unknown };
  [k: string]: unknown;
};
type OctokitLike = {
  hook: {
    wrap: (
      name: 'request',
      wrapper: (request: (o: RequestOptions) => Promise<unknown>, options: RequestOptions) => Promise<unknown>,
    ) => void;
  };
};
type PluginOptions = {
  auth?: { installationId?: unknown };
  aaoeBounds?: Partial<GitHubBounds> & { circuits?: GitHubCircuits };
};

/** The Octokit plugin that bounds every request of an instance (see above). */
export function boundedRequests(octokit: OctokitLike, options: PluginOptions): void {
  const bounds = { ...GITHUB_BOUNDS, ...options.aaoeBounds };
  const circuits = options.aaoeBounds?.circuits ?? githubCircuits;
  const installation = options.auth?.installationId;
  const key = typeof installation === 'number' || typeof installation === 'string' ? String(installation) : 'app';

  octokit.hook.wrap('request', async (request, requestOptions) => {
    const held = circuits.heldUntil(key, Date.now());
    if (held !== undefined) throw new GitHubCircuitOpen(key, held);
    const deadline = new AbortController();
    const caller = requestOptions.request?.signal;
    const signal = caller ? AbortSignal.any([caller, deadline.signal]) : deadline.signal;
    const creates = requestOptions.method.toUpperCase() === 'POST';
    const inner = requestOptions.request?.fetch ?? globalThis.fetch;
    // set on the options object itself: Octokit's inner hooks (retry, throttling) read that one, not what is passed on.
    // `retries` only ever 0 here: the retry plugin retries any failure of a request whose options carry a count
    requestOptions.request = {
      ...requestOptions.request,
      signal,
      fetch: timedFetch(inner, key, circuits, bounds),
      ...(creates ? { retries: 0 } : {}),
    };
    const pending = request(requestOptions);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        circuits.failed(key, Date.now(), undefined, true);
        deadline.abort();
        reject(new GitHubDeadline(`${requestOptions.method} ${pathOf(requestOptions.url)}`, bounds.requestDeadlineMs));
      }, bounds.requestDeadlineMs);
    });
    pending.catch(() => {}); // it may settle after the deadline: its outcome is no longer anyone's
    try {
      return await Promise.race([pending, expired]);
    } finally {
      clearTimeout(timer);
    }
  });
}

/** One attempt, bounded by `attemptTimeoutMs`; its outcome counts towards the installation's circuit. */
function timedFetch(inner: Fetch, key: string, circuits: GitHubCircuits, bounds: GitHubBounds): Fetch {
  return async (input, init) => {
    // requests queued (Octokit's throttling queues) before the circuit opened are held back too
    const held = circuits.heldUntil(key, Date.now());
    if (held !== undefined) throw new GitHubCircuitOpen(key, held);
    const timeout = AbortSignal.timeout(bounds.attemptTimeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await inner(input, { ...init, signal });
    } catch (error) {
      // the request's own deadline (or its caller) ended it: not GitHub's failure to count again
      if (!init?.signal?.aborted) circuits.failed(key, Date.now());
      throw error;
    }
    const failure =
      response.status >= 400
        ? classifyGitHubError({
            status: response.status,
            message: '',
            response: { headers: Object.fromEntries(response.headers) },
          })
        : undefined;
    if (failure?.kind === 'transient')
      circuits.failed(key, Date.now(), failure.status === 401 ? undefined : failure.retryAfterMs);
    else circuits.succeeded(key);
    return response;
  };
}

function pathOf(url: string): string {
  return url
    .replace(/^[a-z]+:\/\/[^/]+/i, '')
    .replace(/\?.*$/, '')
    .slice(0, 200);
}

type Throttled = { method: string; url: string; request: { retryCount: number } };
type Logged = { log: { warn: (msg: string) => void } };

/** Waits inside the request only for a short, first rate limit; a longer one fails the request (the circuit holds the installation back). */
function shortWaitOnly(kind: string) {
  return (retryAfter: number, request: Throttled, octokit: Logged): boolean => {
    const retry = retryAfter <= GITHUB_BOUNDS.rateLimitWaitMaxS && request.request.retryCount < 1;
    octokit.log.warn(
      `${kind} on ${request.method} ${request.url}; ${retry ? `retry in ${retryAfter}s` : `GitHub asks to wait ${retryAfter}s: the job is retried later`}`,
    );
    return retry;
  };
}

export const AaoeOctokit = ProbotOctokit.plugin(boundedRequests as never).defaults(
  (options: ConstructorParameters<typeof ProbotOctokit>[0] = {}) => ({
    ...options,
    retry: { ...options.retry, retries: GITHUB_BOUNDS.retries },
    throttle: {
      ...(options.throttle as Record<string, unknown> | undefined),
      onRateLimit: shortWaitOnly('Rate limit'),
      onSecondaryRateLimit: shortWaitOnly('Secondary rate limit'),
    },
  }),
);
