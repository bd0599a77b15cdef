import type { PlanRun, PlanStatus } from '../../core/plan/run-plan.js';
import type { StepStatus } from '../../core/plan/schedule-plan.js';
import type { Plan } from '../../core/plan/schema.js';
import type { SqlExecutor } from './database.js';
import type { Migration } from './schema-migration.js';

/**
 * Plans running in the app: one row per plan (its definition as validated, status, version, tracking issue) and
 * one per step (status, times, the governed execution that carries it). A run is saved whole in the caller's
 * transaction, with an optimistic version check, together with the jobs of its effects.
 */

export const PLANS_MIGRATION: Migration = {
  version: 11,
  name: 'architecture plans',
  sql: `
CREATE TABLE plans (
  repo            text NOT NULL,                 -- the architecture repository, owner/name
  plan_id         text NOT NULL,                 -- the plan's id
  path            text NOT NULL,                 -- plans/<file>.yml
  installation_id bigint NOT NULL,
  definition      jsonb NOT NULL,                -- the plan as validated
  status          text NOT NULL,
  version         integer NOT NULL,
  rolling_back    text,                          -- the step whose rollback is under way
  tracking_issue  integer,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo, plan_id)
);
CREATE INDEX plans_status ON plans (status);

CREATE TABLE plan_steps (
  repo         text NOT NULL,
  plan_id      text NOT NULL,
  step_id      text NOT NULL,
  status       text NOT NULL,
  execution_id text,                             -- the governed execution in the step's repository
  started_at   timestamptz,
  finished_at  timestamptz,
  PRIMARY KEY (repo, plan_id, step_id),
  FOREIGN KEY (repo, plan_id) REFERENCES plans (repo, plan_id) ON DELETE CASCADE
);
CREATE INDEX plan_steps_execution ON plan_steps (execution_id) WHERE execution_id IS NOT NULL;
`,
};

/** Who a plan runs for: who started it (their consent carries its steps) and who asked for its rollback. */
export const PLAN_PEOPLE_MIGRATION: Migration = {
  version: 14,
  name: 'who started a plan and who rolls it back',
  sql: `
ALTER TABLE plans ADD COLUMN started_by text;            -- the login whose /aaoe plan start made the run
ALTER TABLE plans ADD COLUMN started_comment bigint;     -- that comment (a job run again finds its own start)
ALTER TABLE plans ADD COLUMN rollback_by text;           -- the login whose /aaoe rollback rolls the plan back
-- plans started before this migration recorded both among the effects done
UPDATE plans p SET started_by = e.result->>'by', started_comment = (e.result->>'comment')::bigint
  FROM effects_done e WHERE e.key = 'plan-start:' || p.repo || ':' || p.plan_id;
UPDATE plans p SET rollback_by = e.result->>'by'
  FROM effects_done e WHERE e.key = 'plan-rollback:' || p.repo || ':' || p.plan_id;
`,
};

export type PlanRecord = {
  repo: string;
  path: string;
  installationId: number;
  trackingIssue: number | null;
  run: PlanRun;
  /** Who started it (their consent carries its steps), from which comment. */
  startedBy?: { login: string; comment: number };
  /** Who asked for its rollback (its steps are rolled back in their name). */
  rollbackBy?: string;
};

type PlanRow = {
  repo: string;
  plan_id: string;
  path: string;
  installation_id: number | string;
  definition: Plan;
  status: PlanStatus;
  version: number;
  rolling_back: string | null;
  tracking_issue: number | null;
  started_by: string | null;
  started_comment: number | string | null;
  rollback_by: string | null;
};
type StepRow = {
  step_id: string;
  status: StepStatus;
  execution_id: string | null;
  started_at: Date | null;
  finished_at: Date | null;
};

export class PlanVersionConflict extends Error {
  constructor(repo: string, planId: string, expected: number) {
    super(`plan ${repo}:${planId} changed since version ${expected} was read: read it again and retry`);
  }
}

/** Saves a run: inserts a new plan (version 0 or more, nothing stored yet) or updates the stored one from `previousVersion`. */
export async function savePlanRun(
  tx: SqlExecutor,
  record: Omit<PlanRecord, 'trackingIssue'> & { trackingIssue?: number | null },
  previousVersion?: number,
): Promise<void> {
  const { run } = record;
  if (previousVersion === undefined) {
    await tx.query(
      `INSERT INTO plans (repo, plan_id, path, installation_id, definition, status, version, rolling_back, tracking_issue) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9)`,
      [
        record.repo,
        run.plan.id,
        record.path,
        record.installationId,
        JSON.stringify(run.plan),
        run.status,
        run.version,
        run.rollingBack ?? null,
        record.trackingIssue ?? null,
      ],
    );
  } else {
    const { rows } = await tx.query<{ version: number }>(
      `UPDATE plans SET status = $3, version = $4, rolling_back = $5, updated_at = now() WHERE repo = $1 AND plan_id = $2 AND version = $6 RETURNING version`,
      [record.repo, run.plan.id, run.status, run.version, run.rollingBack ?? null, previousVersion],
    );
    if (rows.length === 0) throw new PlanVersionConflict(record.repo, run.plan.id, previousVersion);
  }
  for (const [stepId, state] of Object.entries(run.steps)) {
    await tx.query(
      `INSERT INTO plan_steps (repo, plan_id, step_id, status, execution_id, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (repo, plan_id, step_id) DO UPDATE SET status = EXCLUDED.status, execution_id = EXCLUDED.execution_id, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at`,
      [
        record.repo,
        run.plan.id,
        stepId,
        state.status,
        state.executionId ?? null,
        state.startedAt ?? null,
        state.finishedAt ?? null,
      ],
    );
  }
}

export async function getPlanRun(db: SqlExecutor, repo: string, planId: string): Promise<PlanRecord | undefined> {
  return readPlan(db, repo, planId, '');
}

/** The plan, locked until the transaction ends (events on one plan queue up). */
export async function lockPlanRun(tx: SqlExecutor, repo: string, planId: string): Promise<PlanRecord | undefined> {
  return readPlan(tx, repo, planId, ' FOR UPDATE');
}

/** The plan step an execution carries, if it carries one. */
export async function findPlanStep(
  db: SqlExecutor,
  executionId: string,
): Promise<{ repo: string; planId: string; step: string } | undefined> {
  const { rows } = await db.query<{ repo: string; plan_id: string; step_id: string }>(
    'SELECT repo, plan_id, step_id FROM plan_steps WHERE execution_id = $1',
    [executionId],
  );
  const row = rows[0];
  return row && { repo: row.repo, planId: row.plan_id, step: row.step_id };
}

async function readPlan(db: SqlExecutor, repo: string, planId: string, lock: string): Promise<PlanRecord | undefined> {
  const { rows } = await db.query<PlanRow>(
    `SELECT repo, plan_id, path, installation_id, definition, status, version, rolling_back, tracking_issue, started_by, started_comment, rollback_by FROM plans WHERE repo = $1 AND plan_id = $2${lock}`,
    [repo, planId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const steps = await db.query<StepRow>(
    'SELECT step_id, status, execution_id, started_at, finished_at FROM plan_steps WHERE repo = $1 AND plan_id = $2',
    [repo, planId],
  );
  const byId = new Map(steps.rows.map((s) => [s.step_id, s]));
  const run: PlanRun = {
    plan: row.definition,
    status: row.status,
    version: row.version,
    // in the plan's order, so a run read back equals the one saved
    steps: Object.fromEntries(
      row.definition.steps.map((step) => {
        const s = byId.get(step.id);
        if (!s) return [step.id, { status: 'pending' as const }];
        return [
          step.id,
          {
            status: s.status,
            ...(s.started_at ? { startedAt: new Date(s.started_at) } : {}),
            ...(s.finished_at ? { finishedAt: new Date(s.finished_at) } : {}),
            ...(s.execution_id ? { executionId: s.execution_id } : {}),
          },
        ];
      }),
    ),
  };
  if (row.rolling_back) run.rollingBack = row.rolling_back;
  return {
    repo: row.repo,
    path: row.path,
    installationId: Number(row.installation_id),
    trackingIssue: row.tracking_issue,
    run,
    ...(row.started_by ? { startedBy: { login: row.started_by, comment: Number(row.started_comment) } } : {}),
    ...(row.rollback_by ? { rollbackBy: row.rollback_by } : {}),
  };
}

/** Records who started a plan, from which comment (in the transaction that saves its first run). */
export async function recordPlanStart(
  tx: SqlExecutor,
  repo: string,
  planId: string,
  start: { login: string; comment: number },
): Promise<void> {
  await tx.query('UPDATE plans SET started_by = $3, started_comment = $4 WHERE repo = $1 AND plan_id = $2', [
    repo,
    planId,
    start.login,
    start.comment,
  ]);
}

/** Records who asked for a plan's rollback (its steps are rolled back in their name). */
export async function recordPlanRollbackBy(tx: SqlExecutor, repo: string, planId: string, by: string): Promise<void> {
  await tx.query('UPDATE plans SET rollback_by = $3 WHERE repo = $1 AND plan_id = $2', [repo, planId, by]);
}

/** The plan an issue tracks, if it is a tracking issue. */
export async function planOfTrackingIssue(db: SqlExecutor, repo: string, issue: number): Promise<string | undefined> {
  const { rows } = await db.query<{ plan_id: string }>(
    'SELECT plan_id FROM plans WHERE repo = $1 AND tracking_issue = $2',
    [repo, issue],
  );
  return rows[0]?.plan_id;
}
