import PgBoss from 'pg-boss';
import type { Database, SqlExecutor } from './database.js';
import {
  jobIdFor,
  lockKeyOf,
  QUEUE_NAMES,
  type Envelope,
  type JobHandler,
  type JobQueueOptions,
  type JobRecord,
  type QueueName,
} from './job-shapes.js';
import {
  countActive,
  countUnfinished,
  createFetchIndex,
  failedJobQueue,
  handBackJobs,
  listJobs,
  retryOrphanJobs,
  sweepOrphanJobs,
} from './job-table.js';

/**
 * The durable job runner, on pg-boss (jobs live in the same PostgreSQL as everything else, claimed with
 * `FOR UPDATE SKIP LOCKED`, retried with backoff, failed jobs kept and re-runnable).
 *
 * - Outbox: `enqueue(tx, ...)` writes the job in the caller's transaction, so a state change and the jobs
 *   it causes commit or roll back together.
 * - Idempotent by key: a job's id is derived from its key, and pg-boss ignores a second insert of an id, so
 *   enqueuing the same key twice (a redelivery, a replayed transition) makes one job.
 * - A job of a process that died is retried within seconds, not after pg-boss's expiry (`expireInSeconds`, which
 *   stays as the backstop for a job that hangs). Embedded store: one process owns the data directory, so every job
 *   `active` when it opens is an orphan and is retried at once. PostgreSQL: a running job holds its key's session
 *   advisory lock (`db.exclusive`), which dies with its process's connection; a sweep (every `sweepIntervalSeconds`,
 *   in any process, one at a time) retries `active` jobs whose lock nobody holds. Both count the cut-off attempt,
 *   as pg-boss's expiry does: a job that kills its process each time ends dead after its retries instead of
 *   crash-looping every replica.
 * - `stop()` drains: no new job is taken, running ones get `timeoutMs` to finish, the rest are handed back for an
 *   immediate retry (not counted against the retry limit: stopping was this process's choice).
 */

type ResolvedOptions = Required<Omit<JobQueueOptions, 'supervise'>>;

function resolveOptions(options: JobQueueOptions): ResolvedOptions {
  return {
    schema: options.schema ?? 'pgboss',
    expireInSeconds: options.expireInSeconds ?? 300,
    retryLimit: options.retryLimit ?? 8,
    retryDelaySeconds: options.retryDelaySeconds ?? 2,
    pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
    vacuumIntervalSeconds: options.vacuumIntervalSeconds ?? 15,
    sweepIntervalSeconds: options.sweepIntervalSeconds ?? 2,
    orphanGraceSeconds: options.orphanGraceSeconds ?? 5,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class JobQueue {
  private readonly workers = new Map<QueueName, string[]>();
  /** The jobs this process runs now, by id, each with the function that ends pg-boss's wait for it (`stop`). */
  private readonly inHand = new Map<string, () => void>();
  private stopRequested = false;
  /** Jobs whose handler returned after `stop` was called: their completion is waited for. */
  private readonly endedWhileStopping = new Set<string>();
  private stopping: Promise<void> | undefined;
  private vacuumTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;

  private constructor(
    private readonly boss: PgBoss,
    private readonly db: Database,
    private readonly options: ResolvedOptions,
  ) {}

  static async open(db: Database, options: JobQueueOptions = {}): Promise<JobQueue> {
    const resolved = resolveOptions(options);
    const supervise = options.supervise ?? true;
    const boss = new PgBoss({
      db: { executeSql: (text, values) => db.query(text, values) },
      schema: resolved.schema,
      supervise,
      schedule: false,
      migrate: supervise,
      maintenanceIntervalSeconds: resolved.maintenanceIntervalSeconds,
    });
    const queue = new JobQueue(boss, db, resolved);
    boss.on('error', (error) => {
      queue.onError(error);
    });
    await boss.start();
    if (supervise) await queue.supervise();
    return queue;
  }

  /** Creates the queues and the fetch index, and looks after jobs of processes that stopped. */
  private async supervise(): Promise<void> {
    const { schema, retryLimit, retryDelaySeconds, expireInSeconds } = this.options;
    for (const name of QUEUE_NAMES) {
      await this.boss.createQueue(name, {
        name,
        retryLimit,
        retryDelay: retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds,
      });
    }
    await createFetchIndex(this.db, schema);
    if (this.db.kind === 'pglite') {
      // one process owns the data directory: a job `active` now was cut off when the last one stopped
      this.orphansAtOpen = await this.retryOrphans(this.db);
      this.vacuumEvery(this.options.vacuumIntervalSeconds);
    } else {
      this.sweepEvery(this.options.sweepIntervalSeconds);
    }
  }

  /** Jobs of a process that had stopped, retried when this queue opened (embedded store). */
  orphansAtOpen = 0;

  /** Retries orphaned jobs (`retryOrphanJobs`) and wakes their queues. Returns how many were retried or ended. */
  private async retryOrphans(executor: SqlExecutor): Promise<number> {
    const queues = await retryOrphanJobs(executor, this.options.schema, this.options.orphanGraceSeconds);
    for (const queue of new Set(queues)) this.wake(queue);
    return queues.length;
  }

  /** PostgreSQL: every `seconds`, one process at a time retries the jobs of processes that died (`sweepOrphanJobs`). */
  private sweepEvery(seconds: number): void {
    const sweep = async () => {
      const queues = await sweepOrphanJobs(this.db, this.options.schema, this.options.orphanGraceSeconds);
      for (const queue of new Set(queues)) this.wake(queue);
      if (queues.length > 0) this.onOrphans(queues.length);
    };
    this.sweepTimer = setInterval(() => {
      this.sweeping ??= sweep()
        .catch((error: unknown) => {
          this.onError(error as Error);
        })
        .finally(() => (this.sweeping = undefined));
    }, seconds * 1000);
    this.sweepTimer.unref();
  }

  /** Called with the number of orphaned jobs a sweep retried (the app logs it). */
  onOrphans: (count: number) => void = () => {};

  /**
   * The embedded store has no autovacuum: without it the job table keeps every dead row version and the planner
   * has no statistics (and keeps sorting the backlog instead of using the index). This runs what autovacuum
   * would, for the table that churns.
   */
  private vacuumEvery(seconds: number): void {
    this.vacuumTimer = setInterval(() => {
      this.db.query(`VACUUM ANALYZE ${this.options.schema}.job`).catch((error: unknown) => {
        this.onError(error as Error);
      });
    }, seconds * 1000);
    this.vacuumTimer.unref();
  }

  /**
   * Awaited before each job runs. The app sets it so that acknowledging webhook deliveries comes first: with
   * the embedded store, jobs and acknowledgements share one thread.
   */
  beforeJob: () => Promise<void> = async () => {};

  /** Called with pg-boss's own errors (a failed poll, a lost connection); they are retried by pg-boss. */
  onError: (error: Error) => void = () => {};

  /**
   * Adds a job inside the caller's transaction. Returns false when a job with this key exists already.
   * Call `wake(queue)` after the transaction commits to start it at once in this process.
   */
  async enqueue(
    tx: SqlExecutor,
    queue: QueueName,
    key: string,
    data: unknown,
    options: { startAfter?: Date } = {},
  ): Promise<boolean> {
    const envelope: Envelope<unknown> = { key, data };
    const id = await this.boss.send(queue, envelope as object, {
      id: jobIdFor(key),
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      db: { executeSql: (text, values) => tx.query(text, values) },
    });
    return id !== null;
  }

  /** `enqueue` for many jobs in one statement. Keys already queued are skipped. */
  async enqueueMany(
    tx: SqlExecutor,
    queue: QueueName,
    jobs: ReadonlyArray<{ key: string; data: unknown }>,
  ): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map(({ key, data }) => ({
        id: jobIdFor(key),
        name: queue,
        data: { key, data } satisfies Envelope<unknown>,
      })),
      { db: { executeSql: (text, values) => tx.query(text, values) } },
    );
  }

  /** Starts this process's idle workers of `queue` now instead of at their next poll. */
  wake(queue: QueueName): void {
    for (const id of this.workers.get(queue) ?? []) this.boss.notifyWorker(id);
  }

  /** Runs `handler` for jobs of `queue`, `concurrency` at a time. A throw fails the attempt (retried with backoff). */
  async work<T>(queue: QueueName, handler: JobHandler<T>, concurrency = 2): Promise<void> {
    const ids = this.workers.get(queue) ?? [];
    for (let i = 0; i < concurrency; i++) {
      const id = await this.boss.work<Envelope<T>>(
        queue,
        { pollingIntervalSeconds: this.options.pollingIntervalSeconds, includeMetadata: true, batchSize: 1 },
        async ([job]) => {
          if (!job) return;
          // fetched while this process stops: not started, handed back (pg-boss's completion then finds it not active)
          if (this.stopRequested && (await this.handBack([job.id])) > 0) return;
          let handBack!: () => void;
          const handedBack = new Promise<'handed back'>((resolve) => {
            handBack = () => {
              resolve('handed back');
            };
          });
          this.inHand.set(job.id, handBack);
          try {
            // the lock first, then the wait: a job holds its key's lock for as long as it is this process's, which is
            // what the sweep of other processes looks at. pg-boss hands out a job again when it outlives its expiry;
            // the earlier run may still be going, so a key runs at most once at a time, across processes
            const run = this.db.exclusive(lockKeyOf(job.data.key), async () => {
              await this.beforeJob();
              return handler({ id: job.id, key: job.data.key, data: job.data.data, attempt: job.retryCount });
            });
            run.catch(() => {}); // once handed back, nobody waits for it
            const outcome = await Promise.race([run, handedBack]);
            if (outcome !== 'handed back' && !outcome.ran)
              throw new Error(`job ${job.data.key} is still running elsewhere; retried later`);
          } finally {
            this.inHand.delete(job.id);
            if (this.stopRequested) this.endedWhileStopping.add(job.id);
          }
        },
      );
      ids.push(id);
    }
    this.workers.set(queue, ids);
  }

  /** Jobs not finished yet (waiting, retrying or running) in AAOE's queues, across every process. */
  async unfinished(): Promise<number> {
    return countUnfinished(this.db, this.options.schema);
  }

  /** Resolves when no job is waiting or running in any process (tests); rejects after `timeoutMs`. */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.inHand.size === 0 && (await this.unfinished()) === 0) return;
      if (Date.now() > deadline) throw new Error(`jobs still unfinished after ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /** Jobs of AAOE's queues, newest first; `state` filters (e.g. `failed`: the dead ones). */
  async list(filter: { state?: JobRecord['state']; limit?: number } = {}): Promise<JobRecord[]> {
    return listJobs(this.db, this.options.schema, filter);
  }

  /** Puts a failed (dead) job back in its queue. Returns false when no failed job has this id. */
  async rerun(id: string): Promise<boolean> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return false;
    const queue = await failedJobQueue(this.db, this.options.schema, id);
    if (!queue) return false;
    await this.boss.retry(queue, id);
    this.wake(queue);
    return true;
  }

  /**
   * Stops taking jobs, lets the running ones finish for up to `timeoutMs`, hands the rest back for an immediate
   * retry (by this or another process), then stops pg-boss's supervisor. A handed-back job's handler is not
   * interrupted (nothing can stop a promise): the process is expected to exit, which ends it and, on PostgreSQL,
   * releases its lock; its re-run finds what it did already (checks by `external_id`, effects done).
   */
  stop(timeoutMs = 10_000): Promise<void> {
    this.stopping ??= (async () => {
      this.stopRequested = true;
      clearInterval(this.vacuumTimer);
      clearInterval(this.sweepTimer);
      for (const queue of this.workers.keys()) await this.boss.offWork(queue);
      const deadline = Date.now() + timeoutMs;
      while (this.inHand.size > 0 && Date.now() < deadline) await sleep(20);
      await this.handBackLeft();
      await this.sweeping;
      await this.boss.stop({ graceful: true, wait: true, close: false, timeout: 1000 });
      await this.awaitEndedCompletions();
    })();
    return this.stopping;
  }

  /** Hands back the jobs still running after the drain, and ends pg-boss's wait for each. */
  private async handBackLeft(): Promise<void> {
    const left = [...this.inHand.entries()];
    if (left.length === 0) return;
    try {
      await this.handBack(left.map(([id]) => id));
      for (const [, handBack] of left) handBack();
    } catch (error) {
      // not handed back: pg-boss fails them on stop (retried with backoff), or the sweep or expiry finds them
      this.onError(error as Error);
    }
  }

  /**
   * pg-boss records a job's completion after its handler returns without waiting for it: the jobs that ended during
   * the drain are waited for (2 s at most), so that none is left `active` when the store closes.
   */
  private async awaitEndedCompletions(): Promise<void> {
    const ended = [...this.endedWhileStopping];
    const until = Date.now() + 2000;
    while (ended.length > 0 && Date.now() < until) {
      if ((await countActive(this.db, this.options.schema, ended)) === 0) break;
      await sleep(20);
    }
  }

  /** Whether `stop` was called: the process drains and takes no new job. */
  get draining(): boolean {
    return this.stopRequested;
  }

  /** Jobs this process runs now. */
  get running(): number {
    return this.inHand.size;
  }

  /** Puts `active` jobs of this process back to `retry`, to start now (`handBackJobs`). */
  private handBack(ids: readonly string[]): Promise<number> {
    return handBackJobs(this.db, this.options.schema, ids);
  }
}
