import { toPullRequestFacts, type Octokit, type PullRequestFacts, type RepoRef } from './github-facts.js';

/** Writes to pull requests: open one (or find the open one from a branch), merge it at a pinned head, ask for reviews. */

/** The open pull request from `branch` of this repository, if there is one. */
export async function findPullRequestFrom(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
): Promise<PullRequestFacts | undefined> {
  const { data } = await octokit.rest.pulls.list({
    ...repo,
    head: `${repo.owner}:${branch}`,
    state: 'open',
    per_page: 10,
  });
  return data[0] && toPullRequestFacts(data[0]);
}

export async function createPullRequest(
  octokit: Octokit,
  repo: RepoRef,
  options: {
    head: string;
    base: string;
    title: string;
    body: string;
  },
): Promise<PullRequestFacts> {
  const { data } = await octokit.rest.pulls.create({ ...repo, ...options });
  return toPullRequestFacts(data);
}

/**
 * Merges a pull request if its head is still `headSha` (GitHub refuses otherwise: a push after the approval
 * is never merged). `merged` when it is merged now or was already; otherwise GitHub's reason.
 */
export async function mergePullRequest(
  octokit: Octokit,
  repo: RepoRef,

  pullNumber: number,
  headSha: string,
): Promise<{ merged: true; sha: string } | { merged: false; reason: string }> {
  try {
    const { data } = await octokit.rest.pulls.merge({ ...repo, pull_number: pullNumber, sha: headSha });
    return data.merged ? { merged: true, sha: data.sha } : { merged: false, reason: data.message };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 403)
      return { merged: false, reason: `${(error as Error).message} (the installation needs contents: write)` };
    if (status !== 405 && status !== 409 && status !== 422) throw error;
    const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: pullNumber });
    if (data.merged && data.merge_commit_sha) return { merged: true, sha: data.merge_commit_sha };
    return { merged: false, reason: (error as Error).message };
  }
}

/** Asks for reviews; GitHub refuses the whole request when one login is not a collaborator, so say why. */
export async function requestReviewers(
  octokit: Octokit,
  repo: RepoRef,

  pullNumber: number,
  users: string[],
  teams: string[],
): Promise<{ ok: true } | { ok: false; message: string }> {
  if (users.length === 0 && teams.length === 0) return { ok: true };
  try {
    await octokit.rest.pulls.requestReviewers({
      ...repo,
      pull_number: pullNumber,
      reviewers: users,
      team_reviewers: teams,
    });
    return { ok: true };
  } catch (error) {
    if ((error as { status?: number }).status !== 422) throw error;
    return { ok: false, message: (error as Error).message };
  }
}
