import { run } from 'probot';
import { AaoeOctokit } from './adapters/github/octokit.js';
import { readConfig } from './adapters/config/config.js';
import type { Runtime } from './adapters/store/runtime.js';
import { startTracing } from './adapters/tracing/tracing.js';
import { aaoeServer } from './server.js';

/**
 * `npm start`. Without credentials Probot starts its setup flow, which registers the app from
 * `app.yml` (the manifest); with `APP_ID`, `PRIVATE_KEY` (or `PRIVATE_KEY_PATH`) and `WEBHOOK_SECRET`
 * it runs the app. `GHE_HOST` / `GHE_PROTOCOL` point it at GitHub Enterprise Server.
 */

// OpenTelemetry traces when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set; flushed on the way out
const config = readConfig();
const tracing = startTracing({ endpoint: config.server.tracesEndpoint });
let runtime: Runtime | undefined;

/**
 * A rolling deploy's SIGTERM (or Ctrl-C): exit 0 within 15 s, nothing lost (docs/operations.md, "Shutdown").
 * 1. Jobs drain: none is taken any more, running ones get 10 s to finish, the rest are handed back for an
 *    immediate retry (by another replica, or the next start). Meanwhile the server still records deliveries:
 *    GitHub does not redeliver a failed delivery by itself, so one recorded now is one not lost.
 * 2. The server stops listening; a delivery still arriving on an open connection is answered 503 (not recorded,
 *    redeliverable), and the ones being recorded are committed and answered.
 * 3. The store closes, traces are flushed, exit 0. A step that hangs is cut off at 14 s (exit 1).
 * Probot's own SIGINT handler (it exits before the store is closed) is replaced.
 */
const EXIT_DEADLINE_MS = 14_000;
let server: Awaited<ReturnType<typeof run>> | undefined = undefined;
let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  const deadline = setTimeout(() => {
    console.error(
      `AAOE did not stop within ${EXIT_DEADLINE_MS / 1000} s of ${signal}; exiting (jobs not finished are retried)`,
    );
    process.exit(1);
  }, EXIT_DEADLINE_MS);
  deadline.unref();
  try {
    await runtime?.queue.stop();
    const closing = server?.stop();
    await runtime?.close();
    await closing;
    await tracing?.shutdown();
    process.exit(0);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}
const onSignal = (signal: NodeJS.Signals) => void shutdown(signal);
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

server = await run(
  aaoeServer({
    config,
    onReady: (r) => {
      runtime = r;
    },
  }),
  { Octokit: AaoeOctokit },
);
for (const listener of process.listeners('SIGINT')) if (listener !== onSignal) process.off('SIGINT', listener);
