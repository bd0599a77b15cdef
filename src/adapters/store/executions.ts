import type { InFlightExecution } from '../../core/plan/check-world.js';
import { FINAL_STATES, type Effect, type ExecutionState } from '../../core/execution/execution-model.js';
import type { AgentWork, ExecutionRecord, PullRequestSubject } from '../../core/execution/records.js';
import type { SqlExecutor } from './database.js';

/**
 * Executions as stored, and the one way a transition is committed: the new state, its audit entries and the
 * jobs for its effects in the caller's transaction (the outbox), so none is ever recorded without the others.
 */

/** What an effect job carries: enough to find the execution; the effect says what to do. */
export type EffectJob = { executionId: string; traceId: string; effect: Effect };

/** An execution that carries a plan step ended: its plan moves on (`src/workflows/plan-work.ts`), on the effect queue. */
export type StepEndedJob = {
  plan: { repo: string; planId: string };
  traceId: string;
  effect: { type: 'step_execution_ended'; step: string; executionId: string; state: ExecutionState; key: string };
};

type Row = {
  id: string;
  repo: string;
  installation_id: number;
  pull_request: number | null;
  state: ExecutionState;
  version: number;
  head_sha: string | null;
  resume_to: ExecutionState | null;
  trace_id: string;
  subject: PullRequestSubject | null;
  updated_at: Date;
  issue: number | null;
  work: AgentWork | null;
};

const COLUMNS =
  'id, repo, installation_id, pull_request, state, version, head_sha, resume_to, trace_id, subject, updated_at, issue, work';

function fromRow(row: Row): ExecutionRecord {
  return {
    id: row.id,
    repo: row.repo,
    installationId: row.installation_id,
    pullRequest: row.pull_request,
    state: row.state,
    version: row.version,
    ...(row.head_sha ? { headSha: row.head_sha } : {}),
    ...(row.resume_to ? { resumeTo: row.resume_to } : {}),
    traceId: row.trace_id,
    subject: row.subject,
    updatedAt: row.updated_at.toISOString(),
    issue: row.issue,
    work: row.work,
  };
}

/** The execution of a pull request, locked until the transaction ends (events on one execution queue up). */
export async function lockPullRequestExecution(
  tx: SqlExecutor,
  repo: string,
  pullRequest: number,
): Promise<ExecutionRecord | undefined> {
  const { rows } = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM executions WHERE repo = $1 AND pull_request = $2 FOR UPDATE`,
    [repo, pullRequest],
  );
  return rows[0] && fromRow(rows[0]);
}

/** The execution of a pull request, read without a lock. */
export async function getPullRequestExecution(
  db: SqlExecutor,
  repo: string,
  pullRequest: number,
): Promise<ExecutionRecord | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM executions WHERE repo = $1 AND pull_request = $2`, [
    repo,
    pullRequest,
  ]);
  return rows[0] && fromRow(rows[0]);
}

/** The execution an issue started, read without a lock. */
export async function getIssueExecution(
  db: SqlExecutor,
  repo: string,
  issue: number,
): Promise<ExecutionRecord | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM executions WHERE repo = $1 AND issue = $2`, [
    repo,
    issue,
  ]);
  return rows[0] && fromRow(rows[0]);
}

/** The executions of pull requests whose head is `sha` (several pull requests can share a head), newest first. */
export async function listExecutionsAtHead(db: SqlExecutor, repo: string, sha: string): Promise<ExecutionRecord[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM executions WHERE repo = $1 AND head_sha = $2 AND pull_request IS NOT NULL ORDER BY created_at DESC`,
    [repo, sha],
  );
  return rows.map(fromRow);
}

/** The execution an issue started, locked until the transaction ends. */
export async function lockIssueExecution(
  tx: SqlExecutor,
  repo: string,
  issue: number,
): Promise<ExecutionRecord | undefined> {
  const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM executions WHERE repo = $1 AND issue = $2 FOR UPDATE`, [
    repo,
    issue,
  ]);
  return rows[0] && fromRow(rows[0]);
}

/** The execution whose agent work pushes to this branch, if one does. */
export async function getExecutionByBranch(
  db: SqlExecutor,
  repo: string,
  branch: string,
): Promise<ExecutionRecord | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM executions WHERE repo = $1 AND work->>'branch' = $2`, [
    repo,
    branch,
  ]);
  return rows[0] && fromRow(rows[0]);
}

/** Executions of a repository that have not ended, other than `except`. */
export async function listLiveExecutions(db: SqlExecutor, repo: string, except?: string): Promise<ExecutionRecord[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM executions WHERE repo = $1 AND id <> $2 AND state NOT IN ('completed', 'rolled_back', 'rejected', 'failed') ORDER BY created_at`,
    [repo, except ?? ''],
  );
  return rows.map(fromRow);
}

/**
 * The executions in flight on a repository, as the plan checks see them: executions record no environment of
 * their own, so the caller passes the one they deploy to; paths are the agent's likely paths when known.
 */
export async function listInFlightExecutions(
  db: SqlExecutor,
  repository: string,
  environment: string,
): Promise<InFlightExecution[]> {
  const live = await listLiveExecutions(db, repository);
  return live.map((e) => ({
    id: e.id,
    repository: e.repo,
    state: e.state,
    environment,
    paths: e.work?.triage?.likelyPaths ?? [],
  }));
}

/** Saves an execution's work without a transition (the row must be locked in `tx`). */
export async function saveWork(tx: SqlExecutor, id: string, work: AgentWork): Promise<void> {
  await tx.query('UPDATE executions SET work = $2::jsonb WHERE id = $1', [id, JSON.stringify(work)]);
}

export async function lockExecution(tx: SqlExecutor, id: string): Promise<ExecutionRecord | undefined> {
  const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM executions WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] && fromRow(rows[0]);
}

export async function getExecution(db: SqlExecutor, id: string): Promise<ExecutionRecord | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM executions WHERE id = $1`, [id]);
  return rows[0] && fromRow(rows[0]);
}

export async function listExecutions(
  db: SqlExecutor,
  repo?: string,
  options: { newestFirst?: boolean; limit?: number } = {},
): Promise<ExecutionRecord[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM executions WHERE ($1::text IS NULL OR repo = $1) ORDER BY created_at ${options.newestFirst ? 'DESC' : 'ASC'}, id LIMIT $2`,
    [repo ?? null, options.limit ?? null],
  );
  return rows.map(fromRow);
}

/**
 * What an overview shows: every execution not ended, and the `finishedPerRepo` most recently updated ended ones of
 * each repository (so the rows read stay bounded however long the history grows, and each repository a reader can
 * see still has its recent ones).
 */
export async function listOverviewExecutions(db: SqlExecutor, finishedPerRepo: number): Promise<ExecutionRecord[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM (
       SELECT *, row_number() OVER (PARTITION BY repo ORDER BY updated_at DESC) AS recent
       FROM executions WHERE state = ANY($1::text[])
     ) ended WHERE recent <= $2
     UNION ALL
     SELECT ${COLUMNS} FROM executions WHERE state <> ALL($1::text[])`,
    [[...FINAL_STATES], finishedPerRepo],
  );
  return rows.map(fromRow);
}

/** Inserts a new execution; false when the pull request has one already (another delivery won the race). */
export async function insertExecution(tx: SqlExecutor, record: ExecutionRecord): Promise<boolean> {
  const { rows } = await tx.query(
    `INSERT INTO executions (id, repo, installation_id, number, pull_request, state, version, head_sha, resume_to, trace_id, subject, updated_at, issue, work)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14::jsonb)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      record.id,
      record.repo,
      record.installationId,
      record.issue ?? record.pullRequest,
      record.pullRequest,
      record.state,
      record.version,
      record.headSha ?? null,
      record.resumeTo ?? null,
      record.traceId,
      JSON.stringify(record.subject),
      record.updatedAt,
      record.issue,
      JSON.stringify(record.work),
    ],
  );
  return rows.length === 1;
}

export async function saveExecution(tx: SqlExecutor, before: ExecutionRecord, after: ExecutionRecord): Promise<void> {
  const { rows } = await tx.query(
    `UPDATE executions SET state = $3, version = $4, head_sha = $5, resume_to = $6, updated_at = $7, subject = $8::jsonb, pull_request = $9, work = $10::jsonb
      WHERE id = $1 AND version = $2 RETURNING id`,
    [
      before.id,
      before.version,
      after.state,
      after.version,
      after.headSha ?? null,
      after.resumeTo ?? null,
      after.updatedAt,
      JSON.stringify(after.subject),
      after.pullRequest,
      JSON.stringify(after.work),
    ],
  );
  if (rows.length !== 1)
    throw new Error(`execution ${before.id} changed under us (version ${before.version}): lock it first`);
}

/**
 * Records that the work behind `key` is done, in the transaction that applies its outcome. False when it was
 * done already: the caller then does nothing more (a duplicate or a job run again after a crash).
 */
export async function markDone(
  tx: SqlExecutor,
  key: string,
  executionId: string | null,
  result: unknown = null,
): Promise<boolean> {
  const { rows } = await tx.query(
    'INSERT INTO effects_done (key, execution_id, result) VALUES ($1, $2, $3::jsonb) ON CONFLICT DO NOTHING RETURNING key',
    [key, executionId, JSON.stringify(result)],
  );
  return rows.length === 1;
}

export async function isDone(db: SqlExecutor, key: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM effects_done WHERE key = $1', [key]);
  return rows.length === 1;
}

/** The commit AAOE dispatched for an execution: the last `dispatch_deploy` that dispatched (its result has the sha). */
export async function dispatchedSha(db: SqlExecutor, executionId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ sha: string }>(
    `SELECT result->>'sha' AS sha FROM effects_done WHERE execution_id = $1 AND key LIKE '%:dispatch_deploy%' AND result ? 'sha' ORDER BY done_at DESC LIMIT 1`,
    [executionId],
  );
  return rows[0]?.sha ?? undefined;
}
