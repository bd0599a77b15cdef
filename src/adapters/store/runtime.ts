import { databaseOptionsFromEnv, openDatabase, type Database, type DatabaseOptions } from './database.js';
import { unqueuedDeliveries } from './deliveries.js';
import { JobQueue } from './job-queue.js';
import { type JobQueueOptions } from './job-shapes.js';
import { migrate } from './migrations.js';

/** The store and the job runner the app runs on: opened, migrated and started before the server listens. */
export type Runtime = {
  db: Database;
  queue: JobQueue;
  /** Runs `fn` when the runtime closes, after the jobs drained and before the store closes (the app stops its loops there). */
  onClose(fn: () => Promise<void>): void;
  /** Resolves once every recorded delivery is queued and no job is left to run, in any process (tests wait on it). */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

export type RuntimeOptions = {
  database: DatabaseOptions;
  queue?: JobQueueOptions;
  /** How long running jobs may take to finish when the runtime closes before they are handed back (default 10 s). */
  drainMs?: number;
};

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const db = await openDatabase(options.database);
  try {
    await migrate(db);
    const queue = await JobQueue.open(db, options.queue);
    let closing: Promise<void> | undefined;
    const hooks: Array<() => Promise<void>> = [];
    // the order of a shutdown: jobs drain first (deliveries are still recorded meanwhile), then the app's loops and
    // its intake stop, then the store closes
    const stop = async () => {
      await queue.stop(options.drainMs);
      for (const hook of hooks) await hook().catch(() => {});
    };
    return {
      db,
      queue,
      onClose: (fn) => void hooks.push(fn),
      async idle(timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          if ((await unqueuedDeliveries(db)) === 0) {
            await queue.idle(Math.max(1, deadline - Date.now()));
            if ((await unqueuedDeliveries(db)) === 0) return;
          }
          if (Date.now() > deadline) throw new Error(`deliveries still waiting to be queued after ${timeoutMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      close: () => (closing ??= stop().finally(() => closeStore(db, queue))),
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Closes the store. Jobs handed back at the end of a drain may still run (nothing interrupts a promise) and hold
 * connections the store waits for: then it is given 2 s, and the rest is left to the process's exit (PostgreSQL
 * drops the sessions and their locks; the embedded store has committed every transaction already).
 */
async function closeStore(db: Database, queue: JobQueue): Promise<void> {
  if (queue.running === 0) return db.close();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([db.close(), new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]).finally(() => {
    clearTimeout(timer);
  });
}

/**
 * From the environment: `DATABASE_URL` (a PostgreSQL server) or `AAOE_DATA_DIR` (embedded, default `.aaoe`),
 * and the job runner's timings `AAOE_JOB_EXPIRE_SECONDS`, `AAOE_JOB_RETRY_LIMIT`, `AAOE_JOB_RETRY_DELAY_SECONDS`,
 * `AAOE_MAINTENANCE_INTERVAL_SECONDS`.
 */
export function runtimeOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): RuntimeOptions {
  const queue: JobQueueOptions = {};
  const number = (name: string): number | undefined => {
    const text = env[name]?.trim();
    if (!text) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not "${text}"`);
    return value;
  };
  const expire = number('AAOE_JOB_EXPIRE_SECONDS');
  const retryLimit = number('AAOE_JOB_RETRY_LIMIT');
  const retryDelay = number('AAOE_JOB_RETRY_DELAY_SECONDS');
  const maintenance = number('AAOE_MAINTENANCE_INTERVAL_SECONDS');
  if (expire !== undefined) queue.expireInSeconds = expire;
  if (retryLimit !== undefined) queue.retryLimit = retryLimit;
  if (retryDelay !== undefined) queue.retryDelaySeconds = retryDelay;
  if (maintenance !== undefined) queue.maintenanceIntervalSeconds = maintenance;
  return { database: databaseOptionsFromEnv(env), queue };
}
