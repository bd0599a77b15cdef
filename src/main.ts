import { ProbotOctokit, run } from 'probot';
import { aaoeApp } from './app/aaoe-app.js';

/**
 * `npm start`. Without credentials Probot starts its setup flow, which registers the app from
 * `app.yml` (the manifest); with `APP_ID`, `PRIVATE_KEY` (or `PRIVATE_KEY_PATH`) and `WEBHOOK_SECRET`
 * it runs the app. `GHE_HOST` / `GHE_PROTOCOL` point it at GitHub Enterprise Server.
 */

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

await run(aaoeApp(), { Octokit: AaoeOctokit });
