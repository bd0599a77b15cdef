import { describe, expect, it } from 'vitest';
import { classifyGitHubError, isOutage, isReferenceExists } from '../../../src/adapters/github/github-errors.js';
import { GitHubCircuitOpen, GitHubDeadline } from '../../../src/adapters/github/octokit.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');

/** The shape of Octokit's `RequestError` (name `HttpError`): status, the request and, for an answer, the response. */
class RequestError extends Error {
  override readonly name = 'HttpError';
  readonly request: unknown;
  readonly response?: unknown;
  constructor(
    message: string,
    readonly status: number,
    options: { request: unknown; response?: unknown },
  ) {
    super(message);
    this.request = options.request;
    if (options.response) this.response = options.response;
  }
}

/** An answer as Octokit reports it: a RequestError with the request and the response (status, headers, body). */
function answer(
  status: number,
  message: string,
  headers: Record<string, string> = {},
  method = 'POST',
  url = 'https://api.github.com/repos/o/r/git/refs',
): RequestError {
  return new RequestError(message, status, {
    request: { method: method as 'POST', url, headers: {} },
    response: { status, url, headers, data: { message } },
  });
}

const WORKFLOW_REFUSAL =
  'refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission';

describe('classifyGitHubError', () => {
  it.each([
    ['400 bad request', answer(400, 'Problems parsing JSON'), 'permanent'],
    ['401 (a token being renewed)', answer(401, 'Bad credentials'), 'transient'],
    [
      '403 without rate-limit headers (a missing permission)',
      answer(403, 'Resource not accessible by integration'),
      'permanent',
    ],
    [
      '403 with the quota spent',
      answer(403, 'API rate limit exceeded', {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(NOW / 1000 + 60),
      }),
      'transient',
    ],
    [
      '403 secondary rate limit',
      answer(403, 'You have exceeded a secondary rate limit', { 'retry-after': '30' }),
      'transient',
    ],
    ['404', answer(404, 'Not Found'), 'permanent'],
    ['409 (a concurrent change)', answer(409, 'Head branch was modified'), 'transient'],
    ['410', answer(410, 'Issues are disabled for this repo'), 'permanent'],
    ['422 workflow refusal', answer(422, WORKFLOW_REFUSAL), 'permanent'],
    ['422 no commit found yet', answer(422, 'No commit found for SHA: abc'), 'transient'],
    ['422 other validation', answer(422, 'Validation Failed'), 'permanent'],
    ['429', answer(429, 'Too Many Requests', { 'retry-after': '5' }), 'transient'],
    ['500', answer(500, 'Server Error'), 'transient'],
    ['502', answer(502, 'Bad Gateway'), 'transient'],
    ['503', answer(503, 'Service Unavailable'), 'transient'],
  ])('%s is %s', (_name, error, kind) => {
    expect(classifyGitHubError(error, NOW).kind).toBe(kind);
  });

  it('network errors, timeouts, an open circuit and errors that are not GitHub answers are transient', () => {
    const network = new RequestError('connect ECONNREFUSED 127.0.0.1:1', 500, {
      request: { method: 'GET', url: 'http://x/y', headers: {} },
    });
    const abort = Object.assign(new Error('This operation was aborted'), { name: 'AbortError', status: 500 });
    for (const error of [
      network,
      abort,
      new GitHubDeadline('GET /repos/o/r', 25_000),
      new GitHubCircuitOpen('42', NOW + 5000),
      new Error('the store is gone'),
      'a string',
    ]) {
      expect(classifyGitHubError(error, NOW).kind).toBe('transient');
    }
  });

  it('says what GitHub answered to which request, and what to do about a workflow refusal', () => {
    const failure = classifyGitHubError(answer(422, WORKFLOW_REFUSAL), NOW);
    expect(failure).toMatchObject({ kind: 'permanent', status: 422 });
    expect(failure.reason).toContain('GitHub answered 422 to POST /repos/o/r/git/refs');
    expect(failure.reason).toContain('without `workflows` permission');
    expect(failure.reason).toContain('grant it to the app');
  });

  it('keeps the query string and host out of the reason, and a long message short', () => {
    const failure = classifyGitHubError(
      answer(404, 'x'.repeat(5000), {}, 'GET', 'https://api.github.com/repos/o/r/contents/a?ref=secret-branch'),
      NOW,
    );
    expect(failure.reason).toContain('GET /repos/o/r/contents/a');
    expect(failure.reason).not.toContain('secret-branch');
    expect(failure.reason).not.toContain('api.github.com');
    expect(failure.reason.length).toBeLessThan(600);
  });

  it('gives the wait GitHub asked for: retry-after, or until the quota resets', () => {
    expect(classifyGitHubError(answer(429, 'slow down', { 'retry-after': '7' }), NOW)).toMatchObject({
      kind: 'transient',
      retryAfterMs: 7000,
    });
    const reset = String(NOW / 1000 + 90);
    expect(
      classifyGitHubError(
        answer(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }),
        NOW,
      ),
    ).toMatchObject({ retryAfterMs: 90_000 });
    expect(classifyGitHubError(answer(502, 'Bad Gateway'), NOW)).not.toHaveProperty('retryAfterMs');
  });

  it('costs linear time on a long hostile message', () => {
    const hostile = `${'without '.repeat(50_000)}\`workflows\``;
    const started = performance.now();
    classifyGitHubError(answer(422, hostile), NOW);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('isReferenceExists', () => {
  it('only GitHub\'s "Reference already exists" means the branch exists', () => {
    expect(isReferenceExists(answer(422, 'Reference already exists'))).toBe(true);
    expect(isReferenceExists(answer(422, WORKFLOW_REFUSAL))).toBe(false);
    expect(isReferenceExists(answer(422, 'Validation Failed'))).toBe(false);
    expect(isReferenceExists(answer(409, 'Reference already exists'))).toBe(false);
  });
});

describe('isOutage', () => {
  it('is GitHub being away, not an answer about the request nor an error of the app', () => {
    expect(isOutage(answer(502, 'Bad Gateway'))).toBe(true);
    expect(isOutage(answer(429, 'slow down'))).toBe(true);
    expect(isOutage(answer(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0' }))).toBe(true);
    expect(
      isOutage(new RequestError('socket hang up', 500, { request: { method: 'GET', url: 'http://x/y', headers: {} } })),
    ).toBe(true);
    expect(isOutage(new GitHubDeadline('GET /x', 1000))).toBe(true);
    expect(isOutage(new GitHubCircuitOpen('42', NOW))).toBe(true);
    expect(isOutage(answer(422, WORKFLOW_REFUSAL))).toBe(false);
    expect(isOutage(answer(403, 'Resource not accessible by integration'))).toBe(false);
    expect(isOutage(answer(409, 'Head branch was modified'))).toBe(false);
    expect(isOutage(new Error('the policy became invalid'))).toBe(false);
  });
});
