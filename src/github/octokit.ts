import { ProbotOctokit } from 'probot';

/** Retries after a secondary rate limit (Probot's default only logs it), twice at most, as GitHub asks. */
export const AaoeOctokit = ProbotOctokit.defaults((options: ConstructorParameters<typeof ProbotOctokit>[0] = {}) => ({
  ...options,
  throttle: {
    ...options.throttle,
    onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string; request: { retryCount: number } }, octokit: { log: { warn: (msg: string) => void } }) => {
      octokit.log.warn(`Secondary rate limit on ${request.method} ${request.url}; retry ${request.request.retryCount + 1} in ${retryAfter}s`);
      return request.request.retryCount < 2;
    },
  },
}));
