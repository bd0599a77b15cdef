import { databaseOptionsFromEnv, openDatabase, type Database, type DatabaseOptions } from '../store/database.js';
import { unqueuedDeliveries } from '../store/deliveries.js';
import { JobQueue, type JobQueueOptions } from '../store/job-queue.js';
import { migrate } from '../store/migrations.js';

/** The store and the job runner the app runs on: opened, migrated and started before the server listens. */
export type Runtime = {
  db: Database;
  queue: JobQueue;
  /** Runs `fn` first when the runtime closes (the app stops its background loops there). */
  onClose(fn: () => Promise<void>): void;
  /** Resolves once every recorded delivery is queued and no job is left to run, in any process (tests wait on it). */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

export type RuntimeOptions = { database: DatabaseOptions; queue?: JobQueueOptions };

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const db = await openDatabase(options.database);
  try {
    await migrate(db);
    const queue = await JobQueue.open(db, options.queue);
    let closing: Promise<void> | undefined;
    const hooks: Array<() => Promise<void>> = [];
    const stop = async () => {
      for (const hook of hooks) await hook().catch(() => {});
      await queue.stop();
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
      close: () => (closing ??= stop().finally(() => db.close())),
    };
  } catch (error) {
    await db.close();
    throw error;
  }
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
