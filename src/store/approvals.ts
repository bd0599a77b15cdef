import type { ApprovalCandidate, ActorType } from '../policy/approvals.js';
import type { SqlExecutor } from './database.js';

/**
 * Approvals as the app received them (a `/aaoe approve` comment, the Approve button of the check run, the API's approve), each bound
 * to the pull request and the head commit it was given on. Whether one counts is decided each time the policy is
 * evaluated (`evaluateApprovals`), with permissions read through the API then: this table only remembers.
 */

export type ApprovalRecord = {
  executionId: string;
  pullRequest: number;
  headSha: string;
  actor: { login: string; type: string };
  source: 'comment' | 'button' | 'api';
  /** The comment id, the check run id of the button, or the request id of the API call. */
  sourceId: number;
  /** When it was given: the comment's `created_at`, or when the button delivery (or the API request) was received. */
  at: string;
};

/** Records an approval once (a redelivered comment or button press is the same approval). */
export async function recordApproval(tx: SqlExecutor, a: ApprovalRecord): Promise<boolean> {
  const { rows } = await tx.query(
    `INSERT INTO approvals (execution_id, pull_request, head_sha, actor, actor_type, source, source_id, given_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id`,
    [a.executionId, a.pullRequest, a.headSha, a.actor.login, a.actor.type, a.source, a.sourceId, a.at],
  );
  return rows.length === 1;
}

type Row = { pull_request: number; head_sha: string; actor: string; actor_type: string; source: 'comment' | 'button' | 'api'; source_id: string | number; given_at: Date };

export async function listApprovals(db: SqlExecutor, executionId: string): Promise<ApprovalRecord[]> {
  const { rows } = await db.query<Row>(
    'SELECT pull_request, head_sha, actor, actor_type, source, source_id, given_at FROM approvals WHERE execution_id = $1 ORDER BY id',
    [executionId],
  );
  return rows.map((r) => ({
    executionId,
    pullRequest: r.pull_request,
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
  const boundTo = { pullRequest: a.pullRequest, headSha: a.headSha };
  return a.source === 'comment'
    ? { source: 'comment', commentId: a.sourceId, actor, createdAt: comment?.createdAt ?? a.at, updatedAt: comment?.updatedAt ?? a.at, boundTo }
    : a.source === 'button'
      ? { source: 'button', checkRunId: a.sourceId, actor, pressedAt: a.at, boundTo }
      : { source: 'api', requestId: a.sourceId, actor, givenAt: a.at, boundTo };
}

function actorType(type: string): ActorType {
  return type === 'User' || type === 'Bot' || type === 'Organization' || type === 'Mannequin' ? type : 'Bot';
}
