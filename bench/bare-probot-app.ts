import { run } from 'probot';

/**
 * The baseline of the acknowledgement bench: a bare Probot app with the same environment and the same
 * webhook route as AAOE, whose handler does nothing. Probot verifies the signature and answers.
 */
await run((app) => {
  app.on('pull_request', async () => {});
});
