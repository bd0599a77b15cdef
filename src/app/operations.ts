import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApplicationFunctionOptions } from 'probot';
import type { SqlExecutor } from '../adapters/store/database.js';
import type { Migration } from '../adapters/store/schema-migration.js';
import { checkReadiness, errorMessage, within } from '../adapters/store/readiness.js';
import { createMetrics, type AaoeMetrics, type MetricsOptions } from './metrics.js';

/**
 * The operations endpoints, served by Probot's own HTTP server next to the webhook path:
 *
 * - `GET /healthz`: 200 while the process serves HTTP (liveness).
 * - `GET /readyz`: 200 when the database answers and every migration this build knows is applied, else 503
 *   naming the check that failed (or `shutting_down` while the process drains for a shutdown); it answers within `readyTimeoutMs` even when the database hangs (readiness).
 * - `GET /metrics`: Prometheus text format (see `metrics.ts`), read from the store at scrape time.
 */

export const OPERATIONS_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

export type OperationsOptions = MetricsOptions & {
  /** How long `/readyz` waits for the database before it answers 503 (default 2000 ms). */
  readyTimeoutMs?: number;
  /** How long `/metrics` waits for the store before it answers 503 (default 5000 ms). */
  scrapeTimeoutMs?: number;
  /** The migrations the database must have (default: every one this build knows). */
  migrations?: readonly Migration[];
  /** Where a failed readiness check or scrape is logged (the app's logger). */
  log?: { warn(meta: object, message: string): void };
};

/**
 * What the endpoints read: the store (a `Runtime` fits), and its job runner: a process that drains for a shutdown is
 * not ready (a load balancer stops sending it work while it finishes what it holds).
 */
export type OperationsStore = { db: SqlExecutor; queue?: { readonly draining: boolean } };

/** An HTTP handler in Probot's chain (`addHandler`): true when it answered the request. */
export type OperationsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

function send(res: ServerResponse, status: number, contentType: string, body: string): true {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
  return true;
}
const json = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

/** The HTTP handler for the operations paths; it returns false for every other path (Probot's handler chain). */
export function operationsHandler(
  store: OperationsStore,
  options: OperationsOptions = {},
): OperationsHandler & { metrics: AaoeMetrics } {
  const metrics = createMetrics(options);
  const handler: OperationsHandler = async (req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (!(OPERATIONS_PATHS as readonly string[]).includes(path ?? '')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json; charset=utf-8' })
        .end(JSON.stringify({ error: `${req.method} is not allowed on ${path}` }));
      return true;
    }
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      if (store.queue?.draining) return json(res, 503, { status: 'shutting_down', checks: {} });
      const readiness = await checkReadiness(store.db, {
        timeoutMs: options.readyTimeoutMs ?? 2000,
        ...(options.migrations ? { migrations: options.migrations } : {}),
      });
      if (!readiness.ready) options.log?.warn({ checks: readiness.checks }, 'not ready');
      return json(res, readiness.ready ? 200 : 503, {
        status: readiness.ready ? 'ready' : 'not_ready',
        checks: readiness.checks,
      });
    }
    try {
      const scrapeTimeoutMs = options.scrapeTimeoutMs ?? 5000;
      const text = await within(
        metrics.scrape(store.db),
        scrapeTimeoutMs,
        `the store did not answer within ${scrapeTimeoutMs} ms`,
      );
      return send(res, 200, metrics.contentType, text);
    } catch (error) {
      options.log?.warn({ err: error }, 'metrics scrape failed');
      return json(res, 503, { error: `metrics unavailable: ${errorMessage(error)}` });
    }
  };
  return Object.assign(handler, { metrics });
}

/**
 * Serves `/healthz`, `/readyz` and `/metrics` from Probot's server: call it once in the app function with the
 * options Probot passed it (`addHandler`) and the runtime.
 */
export function mountOperations(
  appOptions: Pick<ApplicationFunctionOptions, 'addHandler'>,
  store: OperationsStore,
  options: OperationsOptions = {},
): AaoeMetrics {
  const handler = operationsHandler(store, options);
  appOptions.addHandler(handler);
  return handler.metrics;
}
