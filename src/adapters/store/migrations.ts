import { NOTIFICATIONS_MIGRATION } from './notifications.js';
import { DRIFT_CLAIM_MIGRATION } from './drift.js';
import { PLAN_PEOPLE_MIGRATION, PLANS_MIGRATION } from './plans.js';
import { SESSIONS_MIGRATION } from './sessions.js';
import { DEPLOY_DISPATCH_MIGRATION } from './deploy-locks.js';
import { APPROVALS_BASE_MIGRATION } from './approvals.js';
import { ORG_FREEZES_MIGRATION } from './org-freezes.js';
import { GOVERNED_FACTS_MIGRATION } from './governed-history.js';
import type { Database } from './database.js';
import type { Migration } from './schema-migration.js';

/**
 * Versioned schema migrations, applied at start-up (and by `aaoe db migrate`).
 *
 * The SQL lives here as strings so the compiled `dist/` carries it. Keep it to PostgreSQL 15 (PGlite is 18).
 * Never edit a migration that has shipped: add the next version.
 */

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'deliveries, executions, audit_log',
    sql: `
CREATE TABLE deliveries (
  id          text PRIMARY KEY,              -- X-GitHub-Delivery
  event       text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE executions (
  id         text PRIMARY KEY,
  repo       text NOT NULL,
  number     integer,
  state      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX executions_repo_number ON executions (repo, number);

CREATE TABLE audit_log (
  seq          bigint PRIMARY KEY,
  at           timestamptz NOT NULL,
  execution_id text,
  trace_id     text,
  actor        text NOT NULL,
  action       text NOT NULL,
  reason       text,
  cost_usd     numeric,
  cost_tokens  bigint,
  data         jsonb,
  prev_hash    text NOT NULL,
  hash         text NOT NULL
);
CREATE INDEX audit_log_execution ON audit_log (execution_id, seq);

-- Append-only: refuse UPDATE, DELETE and TRUNCATE. (An owner can still disable this; the hash chain is what
-- detects that.)
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
`,
  },
  {
    version: 2,
    name: 'executions of pull requests, delivery facts, completed effects',
    sql: `
ALTER TABLE deliveries ADD COLUMN action text;
ALTER TABLE deliveries ADD COLUMN installation_id bigint;

-- number: the issue or pull request that started the execution; pull_request: the pull request it governs.
ALTER TABLE executions ADD COLUMN version integer NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN pull_request integer;
ALTER TABLE executions ADD COLUMN head_sha text;
ALTER TABLE executions ADD COLUMN resume_to text;
ALTER TABLE executions ADD COLUMN trace_id text;
ALTER TABLE executions ADD COLUMN installation_id bigint;
-- subject: the facts about the pull request the latest delivery carried (author, whether an agent, URL).
ALTER TABLE executions ADD COLUMN subject jsonb;
CREATE UNIQUE INDEX executions_repo_pull_request ON executions (repo, pull_request) WHERE pull_request IS NOT NULL;

-- An effect whose work is finished, recorded in the transaction that applies its outcome: a job that runs
-- again (after a crash, or a duplicate) finds its key here and does nothing.
CREATE TABLE effects_done (
  key          text PRIMARY KEY,
  execution_id text,
  result       jsonb,
  done_at      timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 3,
    name: 'deliveries carry their job until it is queued',
    sql: `
-- job: what the job runner needs of the delivery, from the moment it is recorded (that commit is what makes it
-- safe to acknowledge) until it is moved into the job queue, many at a time; NULL once queued.
ALTER TABLE deliveries ADD COLUMN job jsonb;
CREATE INDEX deliveries_to_queue ON deliveries (received_at) WHERE job IS NOT NULL;
`,
  },
  {
    version: 4,
    name: 'model calls and their cost',
    sql: `
-- Every request the model router made (or passed over), with the usage the endpoint reported and its price:
-- the cost of an execution and a repository's spend this month are sums over it.
CREATE TABLE model_calls (
  id            bigserial PRIMARY KEY,
  execution_id  text,
  repo          text NOT NULL,
  model         text NOT NULL,
  outcome       text NOT NULL,
  input_tokens  integer NOT NULL,
  output_tokens integer NOT NULL,
  cost_usd      numeric(14, 8) NOT NULL,
  ms            integer NOT NULL,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX model_calls_repo_at ON model_calls (repo, at);
CREATE INDEX model_calls_execution ON model_calls (execution_id);
`,
  },
  {
    version: 5,
    name: 'executions started from issues',
    sql: `
-- issue: the issue an execution started from (a labelled issue becomes one execution, never two);
-- work: what the agent's work produced so far (triage, the proposal, its branch and commit, a failure).
ALTER TABLE executions ADD COLUMN issue integer;
ALTER TABLE executions ADD COLUMN work jsonb;
CREATE UNIQUE INDEX executions_repo_issue ON executions (repo, issue) WHERE issue IS NOT NULL;
CREATE UNIQUE INDEX executions_repo_branch ON executions (repo, (work->>'branch')) WHERE work->>'branch' IS NOT NULL;
`,
  },
  {
    version: 6,
    name: 'approvals',
    sql: `
-- An approval as received (a /aaoe approve comment, the check run's Approve button), bound to the pull request and
-- the head commit it was given on. Whether it counts is judged whenever the policy is evaluated.
CREATE TABLE approvals (
  id           bigserial PRIMARY KEY,
  execution_id text NOT NULL,
  pull_request integer NOT NULL,
  head_sha     text NOT NULL,
  actor        text NOT NULL,
  actor_type   text NOT NULL,
  source       text NOT NULL,
  source_id    bigint NOT NULL,
  given_at     timestamptz NOT NULL,
  UNIQUE (execution_id, source, source_id)
);
`,
  },
  {
    version: 7,
    name: 'circuit breaker',
    sql: `
-- A failed canary (or health breach) of an execution, per repository and environment: the circuit breaker counts them.
CREATE TABLE breaker_failures (
  id           bigserial PRIMARY KEY,
  repo         text NOT NULL,
  environment  text NOT NULL,
  execution_id text NOT NULL,
  reason       text NOT NULL,
  at           timestamptz NOT NULL
);
CREATE INDEX breaker_failures_repo ON breaker_failures (repo, environment, at);
-- A freeze the breaker tripped: no execution of the repository passes the policy or deploys until it ends.
CREATE TABLE freezes (
  id          bigserial PRIMARY KEY,
  repo        text NOT NULL,
  environment text NOT NULL,
  reason      text NOT NULL,
  since       timestamptz NOT NULL,
  until       timestamptz NOT NULL,
  lifted_by   text,
  lifted_at   timestamptz
);
CREATE INDEX freezes_repo ON freezes (repo, environment, until);
`,
  },
  {
    version: 8,
    name: 'timers, deploy reports, deployment lock and queue',
    sql: `
-- An effect that must not run before a time (an approved change waiting for its change window). The app's timer
-- loop moves a due one into the job queue (same key), by the app's clock; a row survives restarts.
CREATE TABLE timers (
  key          text PRIMARY KEY,
  execution_id text NOT NULL,
  due_at       timestamptz NOT NULL,
  job          jsonb NOT NULL,
  fired_at     timestamptz
);
CREATE INDEX timers_due ON timers (due_at) WHERE fired_at IS NULL;
-- Every verified report of the companion action, as it came (the evidence of the debug issue).
CREATE TABLE deploy_reports (
  id           bigserial PRIMARY KEY,
  execution_id text NOT NULL,
  received_at  timestamptz NOT NULL,
  report       jsonb NOT NULL
);
CREATE INDEX deploy_reports_execution ON deploy_reports (execution_id, id);
-- One deployment in flight per repository and environment: the holder, and the executions queued behind it.
CREATE TABLE deploy_locks (
  repo         text NOT NULL,
  environment  text NOT NULL,
  execution_id text NOT NULL,
  since        timestamptz NOT NULL,
  PRIMARY KEY (repo, environment)
);
CREATE TABLE deploy_queue (
  id           bigserial PRIMARY KEY,
  repo         text NOT NULL,
  environment  text NOT NULL,
  execution_id text NOT NULL UNIQUE,
  priority     integer NOT NULL DEFAULT 0,
  sha          text NOT NULL,
  trace_id     text NOT NULL,
  queued_at    timestamptz NOT NULL
);
CREATE INDEX deploy_queue_order ON deploy_queue (repo, environment, priority DESC, id);
`,
  },
  // the parts' own tables, written beside their stores
  NOTIFICATIONS_MIGRATION,
  SESSIONS_MIGRATION,
  PLANS_MIGRATION,
  {
    version: 12,
    name: 'deployments scheduled for later',
    sql: `
-- A merged change not to be dispatched before a time (set through the API or MCP); the last one set counts.
CREATE TABLE deploy_holds (
  execution_id text PRIMARY KEY,
  not_before   timestamptz NOT NULL,
  set_by       text NOT NULL,
  set_at       timestamptz NOT NULL
);
`,
  },
  {
    version: 13,
    name: 'drift issues',
    sql: `
-- One open drift issue per finding of a repository: the job that claimed the finding opens it.
CREATE TABLE drift_issues (
  repo         text NOT NULL,
  fingerprint  text NOT NULL,
  job_key      text NOT NULL,
  issue_number integer,
  PRIMARY KEY (repo, fingerprint)
);
-- Repositories whose policy names an architecture model: checked daily too (the model can change without a push).
CREATE TABLE drift_repos (
  repo            text PRIMARY KEY,
  installation_id bigint NOT NULL,
  checked_at      timestamptz NOT NULL
);
`,
  },
  PLAN_PEOPLE_MIGRATION,
  DRIFT_CLAIM_MIGRATION,
  APPROVALS_BASE_MIGRATION,
  DEPLOY_DISPATCH_MIGRATION,
  GOVERNED_FACTS_MIGRATION,
  ORG_FREEZES_MIGRATION,
];

/** Key of the transaction-scoped advisory lock that serialises migrators (two processes starting at once). */
export const MIGRATION_LOCK_KEY = 0x4161_6f65_0001; // "Aaoe" 1

export type MigrationReport = { applied: number[]; current: number };

/**
 * Applies every migration not yet recorded in `schema_migrations`, in version order, in one transaction
 * under an advisory lock. Idempotent. Refuses a database whose schema is newer than this build knows.
 */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version    integer PRIMARY KEY,
         name       text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const done = new Set(rows.map((row) => row.version));
    const known = new Set(ordered.map((migration) => migration.version));
    const unknown = rows.map((row) => row.version).filter((version) => !known.has(version));
    if (unknown.length > 0) {
      throw new Error(
        `the database has schema version ${Math.max(...unknown)}, newer than this build knows ` +
          `(${ordered.at(-1)?.version ?? 0}): upgrade aaoe before starting it on this database`,
      );
    }
    const applied: number[] = [];
    for (const migration of ordered) {
      if (done.has(migration.version)) continue;
      await tx.query(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return { applied, current: ordered.at(-1)?.version ?? 0 };
  });
}
