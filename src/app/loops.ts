import { fireDueTimers } from '../adapters/store/timers.js';
import { pruneStore, type Retention } from '../adapters/store/retention.js';
import type { Runtime } from '../adapters/store/runtime.js';
import { scheduleDriftChecks } from '../workflows/drift-work.js';

type Log = { info(meta: object, msg: string): void; error(meta: object, msg: string): void };

/** The timer loop: waits that are due (by the app's clock) become jobs; any process may run it, each timer fires once. */
export function startTimers(runtime: Runtime, now: () => Date, intervalMs: number, log: Pick<Log, 'error'>): void {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    running ??= fireDueTimers(runtime.db, runtime.queue, now())
      .catch((error: unknown) => {
        log.error({ err: error }, 'firing due timers failed; tried again at the next tick');
      })
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  runtime.onClose(async () => {
    clearInterval(timer);
    await running;
  });
}

/**
 * Hourly maintenance (and a minute after start): retention deletes what only operations need past its retention
 * (`AAOE_RETAIN_*_DAYS`, src/adapters/store/retention.ts; never the audit log; a broken setting stops the app), and
 * repositories with an architecture model not checked for a day get their daily drift check.
 */
export function startMaintenance(
  runtime: Runtime,
  now: () => Date,
  retention: Retention,
  intervalMs: number,
  log: Log,
): void {
  let running: Promise<unknown> | undefined;
  const prune = () => {
    running ??= pruneStore(runtime.db, retention, now())
      .then((pruned) => {
        log.info({ pruned }, 'retention applied');
      })
      .then(() => scheduleDriftChecks(runtime, now()))
      .then((checks) => {
        if (checks > 0) log.info({ checks }, 'daily drift checks queued');
      })
      .catch((error: unknown) => {
        log.error({ err: error }, 'maintenance failed; tried again in an hour');
      })
      .finally(() => (running = undefined));
  };
  const timer = setInterval(prune, intervalMs);
  timer.unref();
  const first = setTimeout(prune, Math.min(60_000, intervalMs));
  first.unref();
  runtime.onClose(async () => {
    clearInterval(timer);
    clearTimeout(first);
    await running;
  });
}
