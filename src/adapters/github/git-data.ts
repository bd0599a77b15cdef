import { isReferenceExists } from './github-errors.js';
import type { CommitPlan, Octokit, RepoRef } from './github-facts.js';

/** Git data: a branch's head and tree, a commit written through the Git Data API, and new branches. */

/** A branch's head commit and its tree (the default branch when no branch is named). */
export async function branchHead(
  octokit: Octokit,
  repo: RepoRef,
  branch?: string,
): Promise<{ branch: string; commitSha: string; treeSha: string }> {
  const name = branch ?? (await octokit.rest.repos.get(repo)).data.default_branch;
  const { data: ref } = await octokit.rest.git.getRef({ ...repo, ref: `heads/${name}` });
  const { data: commit } = await octokit.rest.git.getCommit({ ...repo, commit_sha: ref.object.sha });
  return { branch: name, commitSha: commit.sha, treeSha: commit.tree.sha };
}

/** The files of a tree, recursively, with their sizes (GitHub truncates very large trees: `truncated`). */
export async function listTree(
  octokit: Octokit,
  repo: RepoRef,
  treeSha: string,
): Promise<{ files: Array<{ path: string; size: number }>; truncated: boolean }> {
  const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: treeSha, recursive: '1' });
  return {
    files: data.tree
      .filter((e) => e.type === 'blob' && typeof e.path === 'string')
      .map((e) => ({ path: e.path, size: e.size ?? 0 })),
    truncated: data.truncated,
  };
}

/**
 * Writes a commit through the Git Data API: one tree on top of the base tree (texts inline, deletions as
 * `sha: null`) and one commit with a fixed date, so writing the same plan again gives the same commit.
 */
export async function writeCommit(
  octokit: Octokit,
  repo: RepoRef,
  plan: CommitPlan,
  author: { name: string; email: string },
): Promise<string> {
  const tree = [...plan.files].map(([path, content]) =>
    content === null
      ? { path, mode: '100644' as const, type: 'blob' as const, sha: null }
      : { path, mode: '100644' as const, type: 'blob' as const, content },
  );
  const { data: created } = await octokit.rest.git.createTree({
    ...repo,
    base_tree: plan.baseTreeSha,
    tree,
  });
  const signature = { ...author, date: plan.date };
  const { data: commit } = await octokit.rest.git.createCommit({
    ...repo,
    message: plan.message,
    tree: created.sha,
    parents: [plan.baseCommitSha],
    author: signature,
    committer: signature,
  });
  return commit.sha;
}

/**
 * Points a new branch at a commit; `created: false` when the branch is there already (pointing at `sha` or not).
 * Only GitHub's "Reference already exists" means that: any other refusal (a workflow edit without the `workflows`
 * permission, a commit that is not there) is thrown as GitHub gave it, for `classifyGitHubError` to judge.
 */
export async function createBranch(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
  sha: string,
): Promise<{ created: true } | { created: false; sha: string }> {
  try {
    await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha });
    return { created: true };
  } catch (error) {
    if (!isReferenceExists(error)) throw error;
    const { data } = await octokit.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
    return { created: false, sha: data.object.sha };
  }
}
