import type { SqlExecutor } from './database.js';

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
export async function driftChecksDue(db: SqlExecutor, checkedBefore: Date): Promise<Array<{ repo: string; installationId: number }>> {
  const { rows } = await db.query<{ repo: string; installation_id: string | number }>('SELECT repo, installation_id FROM drift_repos WHERE checked_at <= $1 ORDER BY repo', [checkedBefore.toISOString()]);
  return rows.map((r) => ({ repo: r.repo, installationId: Number(r.installation_id) }));
}

/** Claims a finding for a job: true when this job may open its issue (no claim yet, its own, or one whose issue was closed). */
export async function claimDrift(tx: SqlExecutor, repository: string, fingerprint: string, jobKey: string): Promise<boolean> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`drift:${repository}:${fingerprint}`]);
  const { rows } = await tx.query<{ job_key: string; issue_number: number | null }>('SELECT job_key, issue_number FROM drift_issues WHERE repo = $1 AND fingerprint = $2', [repository, fingerprint]);
  const row = rows[0];
  // a claim with no issue yet belongs to the job that made it (it opens the issue when it runs again)
  if (row && row.issue_number === null && row.job_key !== jobKey) return false;
  await tx.query(
    `INSERT INTO drift_issues (repo, fingerprint, job_key, issue_number) VALUES ($1, $2, $3, NULL)
     ON CONFLICT (repo, fingerprint) DO UPDATE SET job_key = EXCLUDED.job_key, issue_number = NULL`,
    [repository, fingerprint, jobKey],
  );
  return true;
}

/** The issue a finding has (opened by the job that claimed it, or found open by its marker). */
export async function recordDriftIssue(tx: SqlExecutor, repository: string, fingerprint: string, jobKey: string, issue: number): Promise<void> {
  await tx.query(
    `INSERT INTO drift_issues (repo, fingerprint, job_key, issue_number) VALUES ($1, $2, $3, $4)
     ON CONFLICT (repo, fingerprint) DO UPDATE SET issue_number = EXCLUDED.issue_number`,
    [repository, fingerprint, jobKey, issue],
  );
}
