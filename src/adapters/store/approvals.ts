import type { ApprovalCandidate, ActorType } from '../../core/policy/approval-facts.js';
import type { ApprovalRecord } from '../../core/execution/records.js';
import type { SqlExecutor } from './database.js';
import type { Migration } from './schema-migration.js';

/**
 * Approvals as the app received them (a `/aaoe approve` comment, the Approve button of the check run, the API's approve), each bound
 * to the pull request and the head commit it was given on. Whether one counts is decided each time the policy is
 * evaluated (`evaluateApprovals`), with permissions read through the API then: this table only remembers.
 */

/** Approvals remember the base commit they were given on (null for those recorded before): a base change voids them. */
export const APPROVALS_BASE_MIGRATION: Migration = {
  version: 16,
  name: 'approvals bound to the base commit',
  sql: `
-- The pull request's base commit when the approval was given: an approval counts for that (base, head) pair only.
ALTER TABLE approvals ADD COLUMN base_sha text;
`,
};

/** Records an approval once (a redelivered comment or button press is the same approval). */
export async function recordApproval(tx: SqlExecutor, a: ApprovalRecord): Promise<boolean> {
  const { rows } = await tx.query(
    `INSERT INTO approvals (execution_id, pull_request, base_sha, head_sha, actor, actor_type, source, source_id, given_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id`,
    [a.executionId, a.pullRequest, a.baseSha, a.headSha, a.actor.login, a.actor.type, a.source, a.sourceId, a.at],
  );
  return rows.length === 1;
}

type Row = {
  pull_request: number;
  base_sha: string | null;
  head_sha: string;
  actor: string;
  actor_type: string;
  source: 'comment' | 'button' | 'api';
  source_id: string | number;
  given_at: Date;
};

export async function listApprovals(db: SqlExecutor, executionId: string): Promise<ApprovalRecord[]> {
  const { rows } = await db.query<Row>(
    'SELECT pull_request, base_sha, head_sha, actor, actor_type, source, source_id, given_at FROM approvals WHERE execution_id = $1 ORDER BY id',
    [executionId],
  );
  return rows.map((r) => ({
    executionId,
    pullRequest: r.pull_request,
    baseSha: r.base_sha,
    headSha: r.head_sha,
    actor: { login: r.actor, type: r.actor_type },
    source: r.source,
    sourceId: Number(r.source_id),
    at: new Date(r.given_at).toISOString(),
  }));
}

/** The head commits an execution had before `current`, from its audit entries (a push is recorded with its head). */
export async function previousHeads(db: SqlExecutor, executionId: string, current: string): Promise<string[]> {
  const { rows } = await db.query<{ sha: string }>(
    `SELECT DISTINCT data->>'headSha' AS sha FROM audit_log WHERE execution_id = $1 AND data->>'headSha' IS NOT NULL`,
    [executionId],
  );
  return rows.map((r) => r.sha).filter((sha) => sha !== current);
}

/** A stored approval as a candidate of `evaluateApprovals`; a comment's `updatedAt` is what the API says now. */
export function toCandidate(a: ApprovalRecord, comment?: { createdAt: string; updatedAt: string }): ApprovalCandidate {
  const actor = { login: a.actor.login, type: actorType(a.actor.type) };
  const boundTo = { pullRequest: a.pullRequest, baseSha: a.baseSha, headSha: a.headSha };
  return a.source === 'comment'
    ? {
        source: 'comment',
        commentId: a.sourceId,
        actor,
        createdAt: comment?.createdAt ?? a.at,
        updatedAt: comment?.updatedAt ?? a.at,
        boundTo,
      }
    : a.source === 'button'
      ? { source: 'button', checkRunId: a.sourceId, actor, pressedAt: a.at, boundTo }
      : { source: 'api', requestId: a.sourceId, actor, givenAt: a.at, boundTo };
}

function actorType(type: string): ActorType {
  return type === 'User' || type === 'Bot' || type === 'Organization' || type === 'Mannequin' ? type : 'Bot';
}

/**
 * Since when the execution's head has been `head` without a break: the time of the first audit entry of its latest
 * stretch (each transition is audited with the head it left the execution at); undefined when it never was.
 */
export async function headSince(db: SqlExecutor, executionId: string, head: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | string; sha: string }>(
    `SELECT at, data->>'headSha' AS sha FROM audit_log WHERE execution_id = $1 AND data->>'headSha' IS NOT NULL ORDER BY seq`,
    [executionId],
  );
  let since: Date | undefined;
  for (const row of rows) {
    if (row.sha.toLowerCase() !== head.toLowerCase()) since = undefined;
    else since ??= new Date(row.at);
  }
  return since;
}

/**
 * The execution whose `aaoe/policy` check run this is, from the effects ledger (each posted check run is recorded
 * with its job); undefined when the ledger knows it for no execution, or for more than one.
 */
export async function executionOfCheckRun(db: SqlExecutor, checkRunId: number): Promise<string | undefined> {
  const { rows } = await db.query<{ execution_id: string | null }>(
    `SELECT DISTINCT execution_id FROM effects_done WHERE result->>'checkRunId' = $1`,
    [String(checkRunId)],
  );
  const ids = rows.map((r) => r.execution_id);
  return ids.length === 1 && ids[0] ? ids[0] : undefined;
}
