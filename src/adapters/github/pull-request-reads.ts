import type { ChangedFile, FileStatus } from '../../core/policy/change.js';
import type { CommitPerson, Octokit, PullRequestCommit, RepoRef } from './github-facts.js';

/** What a pull request holds: its commits (with authors and trailers) and the files it changes. */

/**
 * The commits of a pull request, oldest first (GitHub lists at most 250): each one's author and committer (the
 * GitHub account when GitHub matched the email to one, with its immutable id and type) and its message, whose
 * trailers (`Co-authored-by:`) name agents that worked under a person's account.
 */
export async function listPullRequestCommits(
  octokit: Octokit,
  repo: RepoRef,
  pullNumber: number,
): Promise<PullRequestCommit[]> {
  const commits = await octokit.paginate(octokit.rest.pulls.listCommits, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100,
  });
  const person = (
    git: { name?: string; email?: string } | null | undefined,
    user: { login?: unknown; id?: unknown; type?: unknown } | null,
  ): CommitPerson => ({
    name: git?.name ?? '',
    email: git?.email ?? '',
    ...(user && typeof user.login === 'string' && typeof user.id === 'number'
      ? { account: { login: user.login, id: user.id, type: typeof user.type === 'string' ? user.type : 'User' } }
      : {}),
  });
  return commits.map((c) => ({
    sha: c.sha,
    message: c.commit.message,
    author: person(c.commit.author, c.author),
    committer: person(c.commit.committer, c.committer),
  }));
}

/** The files a pull request changes (GitHub lists at most 3,000). */
export async function listChangedFiles(octokit: Octokit, repo: RepoRef, pullNumber: number): Promise<ChangedFile[]> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100,
  });
  return files.map((f) => ({
    path: f.filename,
    status: f.status satisfies FileStatus,
    ...(f.previous_filename ? { previousPath: f.previous_filename } : {}),
    additions: f.additions,
    deletions: f.deletions,
    ...(typeof f.patch === 'string' ? { patch: f.patch } : {}),
  }));
}
