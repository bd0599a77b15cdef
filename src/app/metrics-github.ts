import type { Probot } from 'probot';
import type { Octokit } from '../adapters/github/github-facts.js';

/**
 * What only this process sees of GitHub: its API responses by status, and the rate limits GitHub reported to it.
 * `/metrics` exposes them beside what the store holds (`metrics.ts`).
 */

type RateLimit = { limit?: number; remaining?: number; reset?: number };
export const github = {
  responses: new Map<string, number>(),
  rateLimits: new Map<string, RateLimit>(),
};

type HeaderValue = string | number | readonly string[] | undefined | null;

/**
 * Records one GitHub API response this process received: its status, and the rate limit GitHub reported in its
 * `x-ratelimit-*` headers (by `x-ratelimit-resource`, default `core`). Call it from an Octokit hook
 * (`instrumentOctokit` does). A response without a status (a network error) counts as status `error`.
 */
export function recordGitHubResponse(
  status: number | undefined,
  headers: Readonly<Record<string, HeaderValue>> | undefined = {},
): void {
  const key = typeof status === 'number' && Number.isInteger(status) ? String(status) : 'error';
  github.responses.set(key, (github.responses.get(key) ?? 0) + 1);
  const header = (name: string): string | undefined => {
    const value = headers[name];
    const first: string | number | null | undefined = typeof value === 'object' && value !== null ? value[0] : value;
    return first === undefined || first === null ? undefined : String(first);
  };
  const number = (name: string): number | undefined => {
    const text = header(name);
    const value = text === undefined ? Number.NaN : Number(text);
    return Number.isFinite(value) ? value : undefined;
  };
  const remaining = number('x-ratelimit-remaining');
  if (remaining === undefined) return;
  const resource = header('x-ratelimit-resource') ?? 'core';
  const limit = number('x-ratelimit-limit');
  const reset = number('x-ratelimit-reset');
  github.rateLimits.set(resource, {
    remaining,
    ...(limit !== undefined ? { limit } : {}),
    ...(reset !== undefined ? { reset } : {}),
  });
}

const instrumented = new WeakSet();

/**
 * Adds hooks to `octokit` that record every response (and error response) with `recordGitHubResponse`. The hooks
 * wrap Octokit's own retry and throttling, so a request counts once, with the status its caller got. Idempotent.
 */
export function instrumentOctokit<T extends Pick<Octokit, 'hook'>>(octokit: T): T {
  if (instrumented.has(octokit)) return octokit;
  instrumented.add(octokit);
  octokit.hook.after('request', (response) => {
    recordGitHubResponse(response.status, response.headers);
  });
  octokit.hook.error('request', (error) => {
    const failed = error as { status?: number; response?: { headers?: Record<string, HeaderValue> } };
    recordGitHubResponse(failed.status, failed.response?.headers);
    throw error;
  });
  return octokit;
}

/** An Octokit plugin (`ProbotOctokit.plugin(githubMetricsPlugin)`): every instance of that class is instrumented. */
export function githubMetricsPlugin(octokit: Pick<Octokit, 'hook'>): void {
  instrumentOctokit(octokit);
}

/**
 * Instruments every Octokit the app gets from `app.auth()` (all of AAOE's GitHub calls go through it: the job
 * runner authenticates per installation), and the app's own client at once, which also creates the installation
 * tokens. Call it once, first thing in the app function.
 */
export async function observeGitHubCalls(app: Pick<Probot, 'auth'>): Promise<void> {
  const auth = app.auth.bind(app);
  app.auth = async (installationId?: number) => instrumentOctokit(await auth(installationId));
  await app.auth();
}
