import type { SqlExecutor } from './database.js';
import type { Migration } from './schema-migration.js';

/**
 * Drift checks in the store: the repositories that opted in (their policy names an architecture model) with when
 * each was last checked (`drift_repos`), and one claim per finding (`drift_issues`), so that however many jobs find
 * the same drift at once, one opens its issue.
 */

/** A repository was checked against its model now (it is checked again daily, `driftChecksDue`). */
export async function recordDriftCheck(db: SqlExecutor, repo: string, installationId: number, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO drift_repos (repo, installation_id, checked_at) VALUES ($1, $2, $3) ON CONFLICT (repo) DO UPDATE SET installation_id = EXCLUDED.installation_id, checked_at = EXCLUDED.checked_at`,
    [repo, installationId, at.toISOString()],
  );
}

/** The repositories last checked at or before `checkedBefore`. */
export async function driftChecksDue(
  db: SqlExecutor,
  checkedBefore: Date,
): Promise<Array<{ repo: string; installationId: number }>> {
  const { rows } = await db.query<{ repo: string; installation_id: string | number }>(
    'SELECT repo, installation_id FROM drift_repos WHERE checked_at <= $1 ORDER BY repo',
    [checkedBefore.toISOString()],
  );
  return rows.map((r) => ({ repo: r.repo, installationId: Number(r.installation_id) }));
}

/**
 * How long a claim with no issue holds: longer than a job's retries take (the job runner gives up on a job well
 * within it). A claim older than this belongs to a job that failed for good, and the next job that finds the drift
 * takes it over, so the finding still gets its issue.
 */
export const DRIFT_CLAIM_HOLDS_MS = 3_600_000;

export const DRIFT_CLAIM_MIGRATION: Migration = {
  version: 15,
  name: 'when a drift finding was claimed',
  sql: `
ALTER TABLE drift_issues ADD COLUMN claimed_at timestamptz NOT NULL DEFAULT now();
`,
};

/**
 * Claims a finding for a job: true when this job may open its issue (no claim yet, its own, one whose issue was
 * closed, or one that no job has acted on for `DRIFT_CLAIM_HOLDS_MS`).
 */
export async function claimDrift(
  tx: SqlExecutor,
  repository: string,
  fingerprint: string,
  jobKey: string,
  now: Date,
): Promise<boolean> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`drift:${repository}:${fingerprint}`]);
  const { rows } = await tx.query<{ job_key: string; issue_number: number | null; claimed_at: Date | string }>(
    'SELECT job_key, issue_number, claimed_at FROM drift_issues WHERE repo = $1 AND fingerprint = $2',
    [repository, fingerprint],
  );
  const row = rows[0];
  // a claim with no issue yet belongs to the job that made it (it opens the issue when it runs again), while it holds
  const holds = row !== undefined && now.getTime() - new Date(row.claimed_at).getTime() < DRIFT_CLAIM_HOLDS_MS;
  if (row && row.issue_number === null && row.job_key !== jobKey && holds) return false;
  await tx.query(
    `INSERT INTO drift_issues (repo, fingerprint, job_key, issue_number, claimed_at) VALUES ($1, $2, $3, NULL, $4)
     ON CONFLICT (repo, fingerprint) DO UPDATE SET job_key = EXCLUDED.job_key, issue_number = NULL, claimed_at = EXCLUDED.claimed_at`,
    [repository, fingerprint, jobKey, now.toISOString()],
  );
  return true;
}

/** The issue a finding has (opened by the job that claimed it, or found open by its marker). */
export async function recordDriftIssue(
  tx: SqlExecutor,
  repository: string,
  fingerprint: string,
  jobKey: string,
  issue: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO drift_issues (repo, fingerprint, job_key, issue_number) VALUES ($1, $2, $3, $4)
     ON CONFLICT (repo, fingerprint) DO UPDATE SET issue_number = EXCLUDED.issue_number`,
    [repository, fingerprint, jobKey, issue],
  );
}
