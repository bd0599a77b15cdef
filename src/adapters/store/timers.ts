import type { Database, SqlExecutor } from './database.js';
import { QUEUES } from './job-shapes.js';
import { type JobQueue } from './job-queue.js';

/**
 * Effects that must wait for a time (an approved change waiting for its change window). A timer is written in
 * the transaction of the transition that asked for it; the app's timer loop (`fireDueTimers`, by the app's clock,
 * in any process) moves a due one into the job queue under the same key, once. Rows outlive restarts, so a wait
 * set before a restart still ends at its time after it.
 */

export type TimerRecord = { key: string; executionId: string; dueAt: string };

/** A job a timer holds: stored as it is, fired into the effect queue; keyed by its effect's key. */
export type TimedJob = { executionId: string; traceId?: string; effect: { key: string } };

/** A job of the effect queue held until `dueAt`: an execution's effect, or a plan's (its `executionId` names the plan). */
export async function setTimer(tx: SqlExecutor, dueAt: Date, job: TimedJob): Promise<void> {
  await tx.query(
    'INSERT INTO timers (key, execution_id, due_at, job) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT DO NOTHING',
    [job.effect.key, job.executionId, dueAt.toISOString(), JSON.stringify(job)],
  );
}

/** Moves the timers due at `now` into the job queue; returns how many it moved. */
export async function fireDueTimers(db: Database, queue: JobQueue, now: Date, limit = 100): Promise<number> {
  const fired = await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ key: string; job: object }>(
      'SELECT key, job FROM timers WHERE fired_at IS NULL AND due_at <= $1 ORDER BY due_at, key LIMIT $2 FOR UPDATE SKIP LOCKED',
      [now.toISOString(), limit],
    );
    for (const row of rows) {
      await queue.enqueue(tx, QUEUES.effect, row.key, row.job);
      await tx.query('UPDATE timers SET fired_at = $2 WHERE key = $1', [row.key, now.toISOString()]);
    }
    return rows.length;
  });
  if (fired > 0) queue.wake(QUEUES.effect);
  return fired;
}

/** Timers not fired yet, soonest first (of one execution, or all). */
export async function pendingTimers(db: SqlExecutor, executionId?: string): Promise<TimerRecord[]> {
  const { rows } = await db.query<{ key: string; execution_id: string; due_at: Date }>(
    `SELECT key, execution_id, due_at FROM timers WHERE fired_at IS NULL ${executionId ? 'AND execution_id = $1' : ''} ORDER BY due_at, key`,
    executionId ? [executionId] : [],
  );
  return rows.map((r) => ({ key: r.key, executionId: r.execution_id, dueAt: new Date(r.due_at).toISOString() }));
}
