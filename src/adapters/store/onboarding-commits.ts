import type { SqlExecutor } from './database.js';

/**
 * The commits AAOE itself wrote to a repository's onboarding branch. The onboarding pull request is exempt from the
 * policy (it adds the config a person reviews) only while its head is one of these: a commit anybody else pushed to
 * the branch is judged like any other change. Kept in `effects_done` (one row per commit, never pruned), so no
 * table of its own is needed.
 */

const key = (repo: string, sha: string) => `onboarding-commit:${repo.toLowerCase()}:${sha.toLowerCase()}`;

/** Records, before the branch points at it, that AAOE wrote `sha` as the onboarding commit of `repo` (`owner/name`). */
export async function recordOnboardingCommit(db: SqlExecutor, repo: string, sha: string): Promise<void> {
  await db.query(
    'INSERT INTO effects_done (key, execution_id, result) VALUES ($1, NULL, $2::jsonb) ON CONFLICT DO NOTHING',
    [key(repo, sha), JSON.stringify({ repo, sha })],
  );
}

export async function isOnboardingCommit(db: SqlExecutor, repo: string, sha: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM effects_done WHERE key = $1', [key(repo, sha)]);
  return rows.length === 1;
}
