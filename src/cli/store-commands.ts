import { Option, type Command } from 'commander';
import { pruneStore, retentionFromEnv } from '../adapters/store/retention.js';
import { type Database } from '../adapters/store/database.js';
import { JobQueue } from '../adapters/store/job-queue.js';
import { type JobRecord } from '../adapters/store/job-shapes.js';
import { migrate } from '../adapters/store/migrations.js';
import { registerAuditCommand } from './audit-command.js';
import { runBackupCommand } from './backup-command.js';
import { positiveInteger, withExamples, type CliContext, type CliIo, type Env } from './cli-io.js';
import { withStore } from './with-store.js';

/**
 * The commands that work on the store named by the environment: `DATABASE_URL` (PostgreSQL) or
 * `AAOE_DATA_DIR` (embedded, default `.aaoe`; one process at a time, so stop the app first).
 *
 *   aaoe db migrate | backup <file> | restore <file> [--force] | prune
 *   aaoe audit verify | export [--format jsonl] | show <execution>
 *   aaoe jobs list [--state failed] [--limit N] | rerun <job-id>
 */

const JOB_STATES = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] as const;

const STORE_HELP =
  '\nThe store: DATABASE_URL (PostgreSQL), or the embedded store in AAOE_DATA_DIR (default .aaoe; stop the app first).';

export function registerStoreCommands(program: Command, ctx: CliContext): void {
  registerDbCommand(program, ctx);
  registerAuditCommand(program, ctx).addHelpText('after', STORE_HELP);
  registerJobsCommand(program, ctx);
}

function registerDbCommand(program: Command, ctx: CliContext): void {
  const db = program
    .command('db')
    .description('the store: migrations, backups of the embedded store, pruning')
    .addHelpText(
      'after',
      `${STORE_HELP}\nOn PostgreSQL use pg_dump --format=custom and pg_restore (docs/operations.md).`,
    );
  withExamples(db, ['aaoe db migrate', 'aaoe db backup /backups/aaoe.tar.gz']);
  const migrateCommand = db
    .command('migrate')
    .description("apply the store's migrations (the app does this at start)")
    .action(async () => {
      ctx.exit(await migrateStore(ctx.io, ctx.env));
    });
  withExamples(migrateCommand, ['aaoe db migrate', 'DATABASE_URL=postgres://aaoe@db/aaoe aaoe db migrate']);
  const backup = db
    .command('backup')
    .description('the embedded store, whole, into one file (stop the app first)')
    .argument('<file>', 'a new file (a gzipped tarball)')
    .action(async (file: string) => {
      ctx.exit(await runBackupCommand({ command: 'backup', file, force: false }, ctx.io, ctx.env));
    });
  withExamples(backup, ['AAOE_DATA_DIR=/var/lib/aaoe aaoe db backup /backups/aaoe-2026-11-23.tar.gz']);
  const restore = db
    .command('restore')
    .description('a backup into AAOE_DATA_DIR, then its audit chain verified')
    .argument('<file>', 'a file written by aaoe db backup')
    .option('--force', 'keep the store already there aside (renamed, never deleted) and restore', false)
    .action(async (file: string, options: { force: boolean }) => {
      ctx.exit(await runBackupCommand({ command: 'restore', file, force: options.force }, ctx.io, ctx.env));
    });
  withExamples(restore, [
    'AAOE_DATA_DIR=/var/lib/aaoe-new aaoe db restore /backups/aaoe-2026-11-23.tar.gz',
    'AAOE_DATA_DIR=/var/lib/aaoe aaoe db restore /backups/aaoe-2026-11-23.tar.gz --force',
  ]);
  const prune = db
    .command('prune')
    .description('delete deliveries, archived jobs and model calls past AAOE_RETAIN_*_DAYS (never the audit log)')
    .action(async () => {
      ctx.exit(await pruneOld(ctx.io, ctx.env));
    });
  withExamples(prune, ['aaoe db prune', 'AAOE_RETAIN_DELIVERIES_DAYS=14 aaoe db prune']);
}

function migrateStore(io: CliIo, env: Env): Promise<number> {
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

async function pruneOld(io: CliIo, env: Env): Promise<number> {
  const read = retentionFromEnv(env);
  if (!read.ok) {
    for (const error of read.errors) io.stderr(`aaoe db prune: ${error}`);
    return 2;
  }
  const { retention } = read;
  return withStore(env, io, {}, async (db) => {
    const pruned = await pruneStore(db, retention, new Date());
    io.stdout(
      `deleted ${pruned.deliveries} deliveries older than ${retention.deliveriesDays} days, ${pruned.jobs} archived jobs and ${pruned.timers} fired timers older than ${retention.jobsDays} days, ${pruned.modelCalls} model calls older than ${retention.modelCallsDays} days (the audit log is never pruned)`,
    );
    return 0;
  });
}

function registerJobsCommand(program: Command, ctx: CliContext): void {
  const jobs = program
    .command('jobs')
    .description("the job runner's durable jobs: list them, put a dead one back")
    .addHelpText('after', STORE_HELP);
  withExamples(jobs, ['aaoe jobs list --state failed', 'aaoe jobs rerun <job-id>']);
  const list = jobs
    .command('list')
    .description('jobs, newest first; failed ones are the dead jobs, with their last error')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(JOB_STATES))
    .option('--limit <n>', 'at most this many', positiveInteger, 100)
    .action(async (options: { state?: JobRecord['state']; limit: number }) => {
      ctx.exit(await withStore(ctx.env, ctx.io, {}, (db) => listJobs(db, ctx.io, options)));
    });
  withExamples(list, ['aaoe jobs list --state failed', 'aaoe jobs list --limit 20']);
  const rerun = jobs
    .command('rerun')
    .description('put a failed job back in its queue')
    .argument('<job-id>', 'the job (aaoe jobs list --state failed shows them)')
    .action(async (id: string) => {
      ctx.exit(await withStore(ctx.env, ctx.io, {}, (db) => rerunJob(db, ctx.io, id)));
    });
  withExamples(rerun, ['aaoe jobs rerun 7d3f5a2e-1c4b-4d8e-9f00-2b6c1a9e3d11']);
}

async function listJobs(db: Database, io: CliIo, filter: { state?: JobRecord['state']; limit: number }) {
  const queue = await JobQueue.open(db, { supervise: false });
  try {
    const jobs = await queue.list({ ...(filter.state ? { state: filter.state } : {}), limit: filter.limit });
    if (jobs.length === 0) io.stdout('no jobs');
    for (const job of jobs) io.stdout(formatJob(job));
    return 0;
  } finally {
    await queue.stop();
  }
}

async function rerunJob(db: Database, io: CliIo, id: string): Promise<number> {
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
