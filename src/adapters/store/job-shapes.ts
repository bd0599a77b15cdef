import { createHash } from 'node:crypto';

/** The queues, the options and the shapes of the durable job runner (src/adapters/store/job-queue.ts). */

export const QUEUES = {
  /** A webhook delivery to act on (recorded and acknowledged already). */
  delivery: 'aaoe.delivery',
  /** An effect of an execution transition. */
  effect: 'aaoe.effect',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const QUEUE_NAMES: readonly QueueName[] = Object.values(QUEUES);

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
export const lockKeyOf = (key: string) => `job:${key}`;

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

export type Envelope<T> = { key: string; data: T };

/** A UUID (the shape pg-boss needs for ids) derived from the job's key: same key, same id. */
export function jobIdFor(key: string): string {
  const h = createHash('sha256').update(key, 'utf8').digest('hex');
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
