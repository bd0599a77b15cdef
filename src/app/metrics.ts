import { Registry, collectDefaultMetrics } from 'prom-client';
import type { SqlExecutor } from '../adapters/store/database.js';
import { applyGitHub, applySnapshot } from './metrics-apply.js';
import { githubMetrics, storeMetrics } from './metrics-registry.js';
import { readStoreSnapshot } from './metrics-snapshot.js';

/**
 * Prometheus metrics of AAOE, on a registry of their own (never prom-client's global one).
 *
 * What lives in the database (deliveries, jobs, executions, policy evaluations, model calls) is read when
 * Prometheus scrapes, in one statement, so every process on the same PostgreSQL reports the same truth and a
 * restart loses nothing. Only what this process alone sees is kept in memory: its GitHub API responses
 * (`recordGitHubResponse`) and Node's process metrics.
 */

export type MetricsOptions = {
  /** pg-boss's schema (default `pgboss`, as `JobQueue`). */
  jobSchema?: string;
  /** The jobs `aaoe_job_latency_seconds` is computed over: those completed in the last this-many seconds (default 300). */
  latencyWindowSeconds?: number;
  /** Node's process metrics (`process_*`, `nodejs_*`) too (default true). */
  processMetrics?: boolean;
};

// ---------------------------------------------------------------- the registry

export type AaoeMetrics = {
  readonly registry: Registry;
  /** Reads the store and returns the exposition text (Prometheus text format 0.0.4). */
  scrape(db: SqlExecutor): Promise<string>;
  readonly contentType: string;
};

export function createMetrics(options: MetricsOptions = {}): AaoeMetrics {
  const jobSchema = options.jobSchema ?? 'pgboss';
  const latencyWindowSeconds = options.latencyWindowSeconds ?? 300;
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const store = storeMetrics(registry, latencyWindowSeconds);
  const gh = githubMetrics(registry);
  return {
    registry,
    contentType: registry.contentType,
    async scrape(db) {
      const snapshot = await readStoreSnapshot(db, { jobSchema, latencyWindowSeconds });
      applySnapshot(store, snapshot);
      applyGitHub(gh);
      return registry.metrics();
    },
  };
}
