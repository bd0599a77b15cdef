import type { ApplicationFunction } from 'probot';
import { aaoeApp, type AaoeAppOptions, type AppServices, type HttpHandler } from './app/aaoe-app.js';
import { apiHandler } from './api/api-handler.js';
import { dashboardHandler } from './dashboard/dashboard-handler.js';

/**
 * The whole server on Probot's one HTTP server: the webhook app (`app/`, with `/healthz`, `/readyz`, `/metrics` and the
 * companion action's reports), the control-plane API (`api/`) and the dashboard (`dashboard/`). Entry points never
 * import one another: this module, imported by the launcher `main.ts` (and the tests' harness), composes them.
 */
export function aaoeServer(options: AaoeAppOptions = {}): ApplicationFunction {
  return aaoeApp({
    ...options,
    handlers: (services) => [...(options.handlers?.(services) ?? []), ...mounted(services)],
  });
}

/** The API, then the dashboard; both reach GitHub through the app's one access. */
function mounted({ app, runtime, now, presets, access, config }: AppServices): HttpHandler[] {
  return [
    apiHandler(app, { runtime, now, presets, access }),
    dashboardHandler(app, { runtime, now, presets, access, env: config.env }),
  ];
}
