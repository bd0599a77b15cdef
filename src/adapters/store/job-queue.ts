import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import { advisoryLockKeySql, type Database, type SqlExecutor } from './database.js';

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

export const QUEUES = {
  /** A webhook delivery to act on (recorded and acknowledged already). */
  delivery: 'aaoe.delivery',
  /** An effect of an execution transition. */
  effect: 'aaoe.effect',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
const QUEUE_NAMES: readonly QueueName[] = Object.values(QUEUES);

export type JobQueueOptions = {
  /** pg-boss's schema (default `pgboss`). */
  schema?: string;
  /** Seconds a job may run before it is presumed lost and retried (default 300). */
  expireInSeconds?: number;
  /** Retries after the first attempt (default 8). */
  retryLimit?: number;
  /** First retry delay in seconds, doubled each time (default 2). */
  retryDelaySeconds?: number;
  /** How often idle workers look for jobs from other processes (default 0.5 s; this process wakes its own). */
  pollingIntervalSeconds?: number;
  /** How often lost jobs are looked for (default 30 s). */
  maintenanceIntervalSeconds?: number;
  /** Embedded store only: how often the job table is vacuumed and analysed (default 15 s). */
  vacuumIntervalSeconds?: number;
  /** PostgreSQL only: how often jobs of dead processes are looked for (default 2 s). */
  sweepIntervalSeconds?: number;
  /**
   * PostgreSQL only: how long an `active` job may go without its lock before it counts as orphaned (default 5 s): the
   * time between pg-boss marking a job active and its handler taking the lock.
   */
  orphanGraceSeconds?: number;
  /** Run pg-boss's supervisor and create the queues (false for read-only tools). Default true. */
  supervise?: boolean;
};

/** What the output of a job says when its attempt was cut off (`aaoe jobs list` shows it). */
export const ORPHANED = 'the process running this job stopped (crash or kill); retried at once';
export const HANDED_BACK =
  'the process running this job shut down before it finished; handed back for an immediate retry';

/** The key a job runs under (`db.exclusive`); the sweep probes the same key's advisory lock. */
const lockKeyOf = (key: string) => `job:${key}`;
/** How long a job handed back on PostgreSQL waits, so that this process's own bookkeeping for it is done first. */
const HAND_BACK_HOLD_OFF_SECONDS = 2;

export type Job<T> = { id: string; key: string; data: T; attempt: number };
export type JobHandler<T> = (job: Job<T>) => Promise<void>;

export type JobRecord = {
  id: string;
  queue: string;
  key: string | null;
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
  attempts: number;
  retryLimit: number;
  createdOn: Date;
  startedOn: Date | null;
  completedOn: Date | null;
  /** What the last failure said (pg-boss keeps the thrown error in `output`). */
  error: string | null;
};

type Envelope<T> = { key: string; data: T };

/** A UUID (the shape pg-boss needs for ids) derived from the job's key: same key, same id. */
export function jobIdFor(key: string): string {
  const h = createHash('sha256').update(key, 'utf8').digest('hex');
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

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
    private readonly options: Required<Omit<JobQueueOptions, 'supervise'>>,
  ) {}

  static async open(db: Database, options: JobQueueOptions = {}): Promise<JobQueue> {
    const resolved = {
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
    boss.on('error', (error) => queue.onError(error));
    await boss.start();
    if (supervise) {
      for (const name of QUEUE_NAMES) {
        await boss.createQueue(name, {
          name,
          retryLimit: resolved.retryLimit,
          retryDelay: resolved.retryDelaySeconds,
          retryBackoff: true,
          expireInSeconds: resolved.expireInSeconds,
        });
      }
      await db.transaction(async (tx) => {
        // pg-boss takes the next job ORDER BY priority DESC, created_on, id; without an index in that order every
        // fetch sorts the whole backlog (measured on PGlite: 4.5 ms at 3,000 waiting jobs, 0.13 ms with it)
        await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('aaoe:job-fetch-index', 0))`);
        await tx.query(
          `CREATE INDEX IF NOT EXISTS job_fetch_order ON ${resolved.schema}.job (name, priority DESC, created_on, id) WHERE state < 'active'`,
        );
      });
      if (db.kind === 'pglite') {
        // one process owns the data directory: a job `active` now was cut off when the last one stopped
        queue.orphansAtOpen = await queue.retryOrphans(db);
        queue.vacuumEvery(resolved.vacuumIntervalSeconds);
      } else {
        queue.sweepEvery(resolved.sweepIntervalSeconds);
      }
    }
    return queue;
  }

  /** Jobs of a process that had stopped, retried when this queue opened (embedded store). */
  orphansAtOpen = 0;

  /**
   * Retries `active` jobs of AAOE's queues that no process runs: with `ids`, those of them whose key lock nobody
   * holds (PostgreSQL, see `orphanedSql`); without, every one (the embedded store at open). The cut-off attempt
   * counts, as with pg-boss's expiry: a job on its last attempt ends `failed`. Returns how many were retried or ended.
   */
  private async retryOrphans(executor: SqlExecutor, ids?: readonly string[]): Promise<number> {
    const { rows } = await executor.query<{ name: QueueName }>(
      `UPDATE ${this.options.schema}.job SET
          state = (CASE WHEN retry_count < retry_limit THEN 'retry' ELSE 'failed' END)::${this.options.schema}.job_state,
          start_after = CASE WHEN retry_count < retry_limit THEN now() ELSE start_after END,
          completed_on = CASE WHEN retry_count < retry_limit THEN NULL ELSE now() END,
          output = jsonb_build_object('message', $2::text)
        WHERE name = ANY($1) AND state = 'active' ${ids ? `AND id = ANY($3) AND ${this.orphanedSql}` : ''}
        RETURNING name`,
      ids ? [QUEUE_NAMES, ORPHANED, ids] : [QUEUE_NAMES, ORPHANED],
    );
    for (const queue of new Set(rows.map((r) => r.name))) this.wake(queue);
    return rows.length;
  }

  /**
   * PostgreSQL: an `active` job started more than the grace period ago whose key lock (`db.exclusive`, a session
   * advisory lock: it dies with the connection of a process that dies) no session holds. `pg_locks` shows a bigint
   * advisory key as classid (high half) and objid (low half) with objsubid 1.
   */
  private get orphanedSql(): string {
    return `started_on < now() - make_interval(secs => ${Number(this.options.orphanGraceSeconds)})
      AND NOT EXISTS (
        SELECT 1 FROM pg_locks l
         WHERE l.locktype = 'advisory' AND l.objsubid = 1
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND ((l.classid::int8 << 32) | l.objid::int8) = ${advisoryLockKeySql(`'${lockKeyOf('')}' || (data->>'key')`)})`;
  }

  /**
   * PostgreSQL: every `seconds`, one process at a time (a transaction advisory lock) retries the jobs of processes
   * that died. A job seen without its lock is looked at again a second later, in the same statement that retries it:
   * a handler that has just finished releases its lock a moment before pg-boss marks the job completed, and such a
   * job is `completed` by the second look.
   */
  private sweepEvery(seconds: number): void {
    const sweep = async () => {
      const retried = await this.db.transaction(async (tx) => {
        const {
          rows: [lock],
        } = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${advisoryLockKeySql('$1')}) AS ok`, [
          `aaoe:job-sweep:${this.options.schema}`,
        ]);
        if (!lock?.ok) return 0;
        const { rows } = await tx.query<{ id: string }>(
          `SELECT id FROM ${this.options.schema}.job WHERE name = ANY($1) AND state = 'active' AND ${this.orphanedSql}`,
          [QUEUE_NAMES],
        );
        if (rows.length === 0) return 0;
        await tx.query('SELECT pg_sleep(1)');
        return this.retryOrphans(
          tx,
          rows.map((r) => r.id),
        );
      });
      if (retried > 0) this.onOrphans(retried);
    };
    this.sweepTimer = setInterval(() => {
      this.sweeping ??= sweep()
        .catch((error: Error) => this.onError(error))
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
      this.db.query(`VACUUM ANALYZE ${this.options.schema}.job`).catch((error: Error) => this.onError(error));
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
  async enqueue<T>(
    tx: SqlExecutor,
    queue: QueueName,
    key: string,
    data: T,
    options: { startAfter?: Date } = {},
  ): Promise<boolean> {
    const envelope: Envelope<T> = { key, data };
    const id = await this.boss.send(queue, envelope as object, {
      id: jobIdFor(key),
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      db: { executeSql: (text, values) => tx.query(text, values) },
    });
    return id !== null;
  }

  /** `enqueue` for many jobs in one statement. Keys already queued are skipped. */
  async enqueueMany<T>(
    tx: SqlExecutor,
    queue: QueueName,
    jobs: ReadonlyArray<{ key: string; data: T }>,
  ): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map(({ key, data }) => ({ id: jobIdFor(key), name: queue, data: { key, data } satisfies Envelope<T> })),
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
          const handedBack = new Promise<'handed back'>((resolve) => (handBack = () => resolve('handed back')));
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
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.options.schema}.job WHERE name = ANY($1) AND state < 'completed'`,
      [QUEUE_NAMES],
    );
    return rows[0]?.n ?? 0;
  }

  /** Resolves when no job is waiting or running in any process (tests); rejects after `timeoutMs`. */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.inHand.size === 0 && (await this.unfinished()) === 0) return;
      if (Date.now() > deadline) throw new Error(`jobs still unfinished after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Jobs of AAOE's queues, newest first; `state` filters (e.g. `failed`: the dead ones). */
  async list(filter: { state?: JobRecord['state']; limit?: number } = {}): Promise<JobRecord[]> {
    const { rows } = await this.db.query<{
      id: string;
      name: string;
      state: JobRecord['state'];
      data: Partial<Envelope<unknown>> | null;
      retry_count: number;
      retry_limit: number;
      created_on: Date;
      started_on: Date | null;
      completed_on: Date | null;
      output: unknown;
    }>(
      `SELECT id, name, state, data, retry_count, retry_limit, created_on, started_on, completed_on, output
         FROM ${this.options.schema}.job
        WHERE name = ANY($1) AND ($2::text IS NULL OR state::text = $2)
        ORDER BY created_on DESC LIMIT $3`,
      [QUEUE_NAMES, filter.state ?? null, filter.limit ?? 100],
    );
    return rows.map((row) => ({
      id: row.id,
      queue: row.name,
      key: typeof row.data?.key === 'string' ? row.data.key : null,
      state: row.state,
      attempts: row.state === 'created' ? row.retry_count : row.retry_count + 1,
      retryLimit: row.retry_limit,
      createdOn: row.created_on,
      startedOn: row.started_on,
      completedOn: row.completed_on,
      error: describeOutput(row.output),
    }));
  }

  /** Puts a failed (dead) job back in its queue. Returns false when no failed job has this id. */
  async rerun(id: string): Promise<boolean> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return false;
    const { rows } = await this.db.query<{ name: string }>(
      `SELECT name FROM ${this.options.schema}.job WHERE id = $1 AND state = 'failed' AND name = ANY($2)`,
      [id, QUEUE_NAMES],
    );
    const queue = rows[0]?.name;
    if (!queue) return false;
    await this.boss.retry(queue, id);
    this.wake(queue as QueueName);
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
      while (this.inHand.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const left = [...this.inHand.entries()];
      if (left.length > 0) {
        try {
          await this.handBack(left.map(([id]) => id));
          for (const [, handBack] of left) handBack();
        } catch (error) {
          // not handed back: pg-boss fails them on stop (retried with backoff), or the sweep or expiry finds them
          this.onError(error as Error);
        }
      }
      await this.sweeping;
      await this.boss.stop({ graceful: true, wait: true, close: false, timeout: 1000 });
      // pg-boss records a job's completion after its handler returns without waiting for it: the jobs that ended
      // during the drain are waited for (2 s at most), so that none is left `active` when the store closes
      const ended = [...this.endedWhileStopping];
      const until = Date.now() + 2000;
      while (ended.length > 0 && Date.now() < until) {
        const { rows } = await this.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${this.options.schema}.job WHERE id = ANY($1) AND state = 'active'`,
          [ended],
        );
        if ((rows[0]?.n ?? 0) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    return this.stopping;
  }

  /** Whether `stop` was called: the process drains and takes no new job. */
  get draining(): boolean {
    return this.stopRequested;
  }

  /** Jobs this process runs now. */
  get running(): number {
    return this.inHand.size;
  }

  /**
   * Puts `active` jobs of this process back to `retry`, to start now (on PostgreSQL after a 2 s hold-off: pg-boss
   * marks a job completed when its handler returns, with `state = 'active'` as the only guard, so another process
   * must not have taken it before this one's handler returned). The attempt is not counted against the retry limit
   * (the limit grows by one); it still counts as an attempt, so that the re-run looks for what this one did.
   */
  private async handBack(ids: readonly string[]): Promise<number> {
    const holdOff = this.db.kind === 'postgres' ? HAND_BACK_HOLD_OFF_SECONDS : 0;
    const { rows } = await this.db.query<{ id: string }>(
      `UPDATE ${this.options.schema}.job
          SET state = 'retry', start_after = now() + make_interval(secs => $3), retry_limit = retry_limit + 1,
              output = jsonb_build_object('message', $4::text)
        WHERE name = ANY($1) AND id = ANY($2) AND state = 'active'
        RETURNING id`,
      [QUEUE_NAMES, ids, holdOff, HANDED_BACK],
    );
    return rows.length;
  }
}

function describeOutput(output: unknown): string | null {
  if (output === null || output === undefined) return null;
  if (typeof output === 'object' && 'message' in output && typeof output.message === 'string') return output.message;
  return JSON.stringify(output);
}
