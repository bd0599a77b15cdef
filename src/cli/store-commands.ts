import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pruneStore, retentionFromEnv } from '../adapters/store/retention.js';
import { databaseOptionsFromEnv, openDatabase, type Database } from '../adapters/store/database.js';
import { JobQueue } from '../adapters/store/job-queue.js';
import { type JobRecord } from '../adapters/store/job-shapes.js';
import { migrate } from '../adapters/store/migrations.js';
import { AUDIT_USAGE, runAuditCommand, type AuditCommandIo } from './audit-command.js';
import { runBackupCommand } from './backup-command.js';
import { DB_USAGE } from './db-usage.js';
import type { Env } from './cli-io.js';

/**
 * The commands that work on the store named by the environment: `DATABASE_URL` (PostgreSQL) or
 * `AAOE_DATA_DIR` (embedded, default `.aaoe`; one process at a time, so stop the app first).
 *
 *   aaoe db migrate
 *   aaoe audit verify | export [--format jsonl] | show <execution>
 *   aaoe jobs list [--state failed] [--limit N] | rerun <job-id>
 */

export const JOBS_USAGE = `Usage:
  aaoe jobs list [--state created|retry|active|completed|failed] [--limit N]
                                                  jobs, newest first; failed ones are the dead jobs
  aaoe jobs rerun <job-id>                        put a failed job back in its queue`;

export async function runDbCommand(args: string[], io: AuditCommandIo, env: Env): Promise<number> {
  if (args[0] === 'backup' || args[0] === 'restore') return runBackupCommand(args, io, env);
  if (args[0] === 'prune' && args.length === 1) {
    const read = retentionFromEnv(env);
    if (!read.ok) {
      for (const error of read.errors) io.stderr(`aaoe db prune: ${error}`);
      return 2;
    }
    return withStore(env, io, {}, async (db) => {
      const { retention } = read;
      const pruned = await pruneStore(db, retention, new Date());
      io.stdout(
        `deleted ${pruned.deliveries} deliveries older than ${retention.deliveriesDays} days, ${pruned.jobs} archived jobs and ${pruned.timers} fired timers older than ${retention.jobsDays} days, ${pruned.modelCalls} model calls older than ${retention.modelCallsDays} days (the audit log is never pruned)`,
      );
      return 0;
    });
  }
  if (args[0] !== 'migrate' || args.length !== 1) {
    io.stderr(
      `aaoe db: ${args[0] === undefined ? 'name a command' : `unknown command "${args.join(' ')}"`}\n\n${DB_USAGE}`,
    );
    return 2;
  }
  return withStore(env, io, { create: true }, async (db) => {
    const report = await migrate(db);
    const queue = await JobQueue.open(db); // installs or upgrades the job runner's schema and queues
    await queue.stop();
    io.stdout(
      report.applied.length > 0
        ? `applied migrations ${report.applied.join(', ')}; schema version ${report.current}`
        : `schema version ${report.current}: up to date`,
    );
    return 0;
  });
}

export async function runAuditCli(args: string[], io: AuditCommandIo, env: Env): Promise<number> {
  if (args.length === 0 || ['help', '--help', '-h'].includes(args[0] ?? '')) {
    io.stdout(AUDIT_USAGE);
    return args.length === 0 ? 2 : 0;
  }
  return withStore(env, io, {}, (db) => runAuditCommand(args, io, db));
}

export async function runJobsCommand(args: string[], io: AuditCommandIo, env: Env): Promise<number> {
  const [command, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { state: { type: 'string' }, limit: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr(`aaoe jobs: ${(error as Error).message}\n\n${JOBS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const states = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'];
  if (command === 'list' && positionals.length === 0) {
    if (values.state !== undefined && !states.includes(values.state)) {
      io.stderr(`aaoe jobs list: unknown state "${values.state}" (allowed: ${states.join(', ')})`);
      return 2;
    }
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0) {
      io.stderr(`aaoe jobs list: --limit takes a positive integer, not "${values.limit}"`);
      return 2;
    }
    return withStore(env, io, {}, (db) => listJobs(db, io, { state: values.state, limit }));
  }
  if (command === 'rerun' && positionals.length === 1 && values.state === undefined && values.limit === undefined) {
    const [id = ''] = positionals;
    return withStore(env, io, {}, (db) => rerunJob(db, io, id));
  }
  io.stderr(
    `aaoe jobs: ${command === undefined ? 'name a command' : `unknown or malformed command "${args.join(' ')}"`}\n\n${JOBS_USAGE}`,
  );
  return 2;
}

async function listJobs(
  db: Database,
  io: AuditCommandIo,
  filter: { state: string | undefined; limit: number },
): Promise<number> {
  const queue = await JobQueue.open(db, { supervise: false });
  try {
    const jobs = await queue.list({
      ...(filter.state ? { state: filter.state as JobRecord['state'] } : {}),
      limit: filter.limit,
    });
    if (jobs.length === 0) io.stdout('no jobs');
    for (const job of jobs) io.stdout(formatJob(job));
    return 0;
  } finally {
    await queue.stop();
  }
}

async function rerunJob(db: Database, io: AuditCommandIo, id: string): Promise<number> {
  const queue = await JobQueue.open(db, { supervise: false });
  try {
    if (await queue.rerun(id)) {
      io.stdout(`job ${id} is queued again`);
      return 0;
    }
    io.stderr(`aaoe jobs rerun: no failed job with id ${id} (aaoe jobs list --state failed shows them)`);
    return 1;
  } finally {
    await queue.stop();
  }
}

export function formatJob(job: JobRecord): string {
  const when = (job.completedOn ?? job.startedOn ?? job.createdOn).toISOString();
  return `${job.id}  ${job.state.padEnd(9)} ${job.queue}  ${job.key ?? '(no key)'}  attempts ${job.attempts}/${job.retryLimit + 1}  ${when}${job.error ? `\n    error: ${job.error}` : ''}`;
}

/**
 * Opens the store; a store that was never migrated is an error (exit 2) unless `create`, so a typo in
 * `AAOE_DATA_DIR` does not silently show an empty audit log.
 */
async function withStore(
  env: Env,
  io: AuditCommandIo,
  options: { create?: boolean },
  fn: (db: Database) => Promise<number>,
): Promise<number> {
  const where = databaseOptionsFromEnv(env);
  if (!options.create && where.dataDir !== undefined && !existsSync(join(where.dataDir, 'pglite'))) {
    io.stderr(
      `aaoe: no embedded store in ${where.dataDir} (AAOE_DATA_DIR); run the app or \`aaoe db migrate\` first, or set DATABASE_URL`,
    );
    return 2;
  }
  let db: Database;
  try {
    db = await openDatabase(where);
  } catch (error) {
    io.stderr(`aaoe: cannot open the store: ${(error as Error).message}`);
    return 2;
  }
  try {
    if (!options.create) {
      const { rows } = await db.query<{ exists: boolean }>(
        "SELECT to_regclass('schema_migrations') IS NOT NULL AS exists",
      );
      if (!rows[0]?.exists) {
        io.stderr(
          `aaoe: the store has no AAOE data (${env.DATABASE_URL ? 'DATABASE_URL' : `AAOE_DATA_DIR=${env.AAOE_DATA_DIR ?? '.aaoe'}`}); run the app or \`aaoe db migrate\` first`,
        );
        return 2;
      }
    }
    return await fn(db);
  } finally {
    await db.close();
  }
}
