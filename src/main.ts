import { run } from 'probot';
import { AaoeOctokit } from './adapters/github/octokit.js';
import { readConfig, type AaoeConfig } from './adapters/config/config.js';
import { loadEnvironment } from './adapters/config/env-file.js';
import type { Runtime } from './adapters/store/runtime.js';
import { startTracing } from './adapters/tracing/tracing.js';
import { aaoeServer } from './server.js';
import { startSetupFlow } from './app/setup-flow.js';

/**
 * `npm start`. The environment is `.env` under the real environment (`aaoe doctor` reads the same). Without
 * credentials (and not in production) it starts AAOE's setup flow (src/app/setup-flow.ts), which registers the app
 * from `app.yml` with its webhook at `AAOE_PUBLIC_URL` + the webhook path, or a smee.io channel (`WEBHOOK_PROXY_URL`);
 * with `APP_ID`, `PRIVATE_KEY` (or `PRIVATE_KEY_PATH`) and `WEBHOOK_SECRET` it runs the app (and, with
 * `WEBHOOK_PROXY_URL`, Probot forwards the channel's deliveries to it). `GHE_HOST` / `GHE_PROTOCOL` point it at GitHub
 * Enterprise Server.
 */

// OpenTelemetry traces when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set; flushed on the way out
const config = readConfig(loadEnvironment());
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
let server: { stop: () => Promise<unknown> } | undefined = undefined;
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

/** Credentials to run as the app (else the setup flow registers one); production never runs the setup flow. */
function registered(config: AaoeConfig): boolean {
  // in production Probot's run() refuses to start without credentials, and names the missing one
  if (config.env.NODE_ENV === 'production') return true;
  if (!config.github.appId) return false;
  try {
    return Boolean(config.github.privateKey());
  } catch {
    return false;
  }
}

server = registered(config)
  ? await run(
      aaoeServer({
        config,
        onReady: (r) => {
          runtime = r;
        },
      }),
      { Octokit: AaoeOctokit, env: { ...config.env } },
    )
  : await startSetupFlow({ config, port: Number(config.env.PORT) || 3000, host: config.env.HOST?.trim() || undefined });
for (const listener of process.listeners('SIGINT')) if (listener !== onSignal) process.off('SIGINT', listener);
