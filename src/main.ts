import { run } from 'probot';
import { AaoeOctokit } from './github/octokit.js';
import { aaoeApp } from './app/aaoe-app.js';
import type { Runtime } from './app/runtime.js';
import { startTracing } from './app/tracing.js';

/**
 * `npm start`. Without credentials Probot starts its setup flow, which registers the app from
 * `app.yml` (the manifest); with `APP_ID`, `PRIVATE_KEY` (or `PRIVATE_KEY_PATH`) and `WEBHOOK_SECRET`
 * it runs the app. `GHE_HOST` / `GHE_PROTOCOL` point it at GitHub Enterprise Server.
 */

// OpenTelemetry traces when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set; flushed on the way out
const tracing = startTracing();
let runtime: Runtime | undefined;
const server = await run(aaoeApp({ onReady: (r) => (runtime = r) }), { Octokit: AaoeOctokit });

// Stop in order: no new deliveries, running jobs finish (or are retried later), then the store closes.
// (Probot's own SIGINT handler exits before the store is closed, so it is replaced.)
process.removeAllListeners('SIGINT');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void (async () => {
      try {
        await server.stop();
        await runtime?.close();
        await tracing?.shutdown();
        process.exit(0);
      } catch (error) {
        console.error(error);
        process.exit(1);
      }
    })();
  });
}
