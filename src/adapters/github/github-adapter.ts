import type { ChangedFile } from '../../core/policy/change.js';
import * as checkRuns from './check-runs.js';
import * as gitData from './git-data.js';
import { getOrgMembership, type OrgMembership } from './org-membership.js';
import * as pullRequestReads from './pull-request-reads.js';
import * as pullRequestWrites from './pull-request-writes.js';
import {
  toPullRequestFacts,
  type CheckRunPlan,
  type CommentFacts,
  type CommitPlan,
  type IssueFacts,
  type Octokit,
  type PullRequestCommit,
  type PullRequestFacts,
  type RepoRef,
  type RepositoryRole,
} from './github-facts.js';

/**
 * The one adapter over Octokit: the only module that knows GitHub's REST shapes. Everything it returns
 * is our own plain data; everything it sends is checked against GitHub's OpenAPI description in tests.
 */

export class GitHubAdapter {
  constructor(
    private readonly octokit: Octokit,
    readonly repo: RepoRef,
  ) {}

  async getPullRequest(pullNumber: number): Promise<PullRequestFacts> {
    const { data } = await this.octokit.rest.pulls.get({ ...this.repo, pull_number: pullNumber });
    return toPullRequestFacts(data);
  }

  /** A pull request's body as it is now ('' when it has none). */
  async getPullRequestBody(pullNumber: number): Promise<string> {
    const { data } = await this.octokit.rest.pulls.get({ ...this.repo, pull_number: pullNumber });
    return data.body ?? '';
  }

  /**
   * The commits of a pull request, oldest first (GitHub lists at most 250): each one's author and committer (the
   * GitHub account when GitHub matched the email to one, with its immutable id and type) and its message, whose
   * trailers (`Co-authored-by:`) name agents that worked under a person's account.
   */
  async listPullRequestCommits(pullNumber: number): Promise<PullRequestCommit[]> {
    return pullRequestReads.listPullRequestCommits(this.octokit, this.repo, pullNumber);
  }

  /** The files a pull request changes (GitHub lists at most 3,000). */
  async listChangedFiles(pullNumber: number): Promise<ChangedFile[]> {
    return pullRequestReads.listChangedFiles(this.octokit, this.repo, pullNumber);
  }

  /** Whether a label was ever applied to an issue or pull request, read from its event history. */
  async wasEverLabelled(issueNumber: number, label: string): Promise<boolean> {
    const wanted = label.toLowerCase();
    const pages = this.octokit.paginate.iterator(this.octokit.rest.issues.listEvents, {
      ...this.repo,
      issue_number: issueNumber,
      per_page: 100,
    });
    for await (const page of pages) {
      for (const event of page.data) {
        // GitHub's payloads are not always what the types say: a label event may come without its label
        const named = (event as { label?: { name?: string | null } | null }).label?.name;
        if (event.event === 'labeled' && 'label' in event && named?.toLowerCase() === wanted) return true;
      }
    }
    return false;
  }

  /** A file's text on a ref (the default branch when no ref), or undefined when there is none. */
  async readFile(path: string, ref?: string): Promise<string | undefined> {
    try {
      const { data } = await this.octokit.rest.repos.getContent({
        ...this.repo,
        path,
        ...(ref ? { ref } : {}),
        mediaType: { format: 'raw' },
      });
      return typeof data === 'string' ? data : undefined;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  async getIssue(issueNumber: number): Promise<IssueFacts> {
    const { data } = await this.octokit.rest.issues.get({ ...this.repo, issue_number: issueNumber });
    return {
      number: data.number,
      title: data.title,
      body: data.body ?? '',
      htmlUrl: data.html_url,
      labels: data.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((l) => l !== ''),
      author: { login: data.user?.login ?? 'ghost', type: data.user?.type ?? 'User' },
      state: data.state === 'closed' ? 'closed' : 'open',
    };
  }

  /**
   * Opens an issue as the app. Labels that do not exist yet are created by GitHub; GitHub drops labels in silence
   * for a caller without push access (an installation with `issues: write` has it).
   */
  async createIssue(options: {
    title: string;
    body: string;
    labels: string[];
  }): Promise<{ number: number; htmlUrl: string }> {
    const { data } = await this.octokit.rest.issues.create({
      ...this.repo,
      title: options.title,
      body: options.body,
      labels: options.labels,
    });
    return { number: data.number, htmlUrl: data.html_url };
  }

  /** Replaces an issue's body (`PATCH /repos/{owner}/{repo}/issues/{issue_number}`), as the app. */
  async updateIssueBody(issueNumber: number, body: string): Promise<void> {
    await this.octokit.rest.issues.update({ ...this.repo, issue_number: issueNumber, body });
  }

  /**
   * The open issue (not a pull request) labelled `label`, opened by `author`, whose body carries `marker`, if there
   * is one: how an issue is found again instead of opened twice.
   */
  async findOpenIssueWithMarker(
    marker: string,
    label: string,
    author: string,
  ): Promise<{ number: number; htmlUrl: string } | undefined> {
    const pages = this.octokit.paginate.iterator(this.octokit.rest.issues.listForRepo, {
      ...this.repo,
      state: 'open',
      labels: label,
      per_page: 100,
    });
    for await (const page of pages) {
      const found = page.data.find(
        (i) =>
          !i.pull_request && i.user?.login.toLowerCase() === author.toLowerCase() && (i.body ?? '').includes(marker),
      );
      if (found) return { number: found.number, htmlUrl: found.html_url };
    }
    return undefined;
  }

  /** A comment as it is now (undefined when deleted): its author and whether it was edited come from here, not a payload. */
  async getComment(commentId: number): Promise<CommentFacts | undefined> {
    try {
      const { data } = await this.octokit.rest.issues.getComment({ ...this.repo, comment_id: commentId });
      const via = data.performed_via_github_app;
      return {
        id: data.id,
        body: data.body ?? '',
        author: { login: data.user?.login ?? 'ghost', type: data.user?.type ?? 'User' },
        createdAt: data.created_at,
        updatedAt: data.updated_at,
        ...(via ? { viaApp: appName(via) } : {}),
      };
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  /** Answers a deployment protection rule: approves or rejects the deployment of a workflow run to an environment. */
  async reviewDeployment(
    runId: number,
    environment: string,
    state: 'approved' | 'rejected',
    comment: string,
  ): Promise<void> {
    await this.octokit.rest.actions.reviewCustomGatesForRun({
      ...this.repo,
      run_id: runId,
      environment_name: environment,
      state,
      comment: comment.slice(0, 1024),
    });
  }

  /**
   * Whether a person is an active member of a team (`org/team-slug`): `unknown` when GitHub does not say (the
   * installation lacks the organization's members permission, say), which never counts as membership.
   */
  async isTeamMember(team: string, username: string): Promise<boolean | 'unknown'> {
    const [org = '', slug = ''] = team.replace(/^@/, '').split('/');
    try {
      const { data } = await this.octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username });
      return data.state === 'active';
    } catch (error) {
      if ((error as { status?: number }).status === 404) return false;
      if ((error as { status?: number }).status === 403) return 'unknown';
      throw error;
    }
  }

  /** Starts the workflows that listen to a `repository_dispatch` of this type, with `payload` as `client_payload`. */
  async dispatch(eventType: string, payload: Record<string, unknown>): Promise<void> {
    await this.octokit.rest.repos.createDispatchEvent({ ...this.repo, event_type: eventType, client_payload: payload });
  }

  /** Every review of a pull request, oldest first. */
  async listReviews(
    pullNumber: number,
  ): Promise<Array<{ id: number; login: string; type: string; state: string; commitId: string; submittedAt: string }>> {
    const reviews = await this.octokit.paginate(this.octokit.rest.pulls.listReviews, {
      ...this.repo,
      pull_number: pullNumber,
      per_page: 100,
    });
    return reviews.map((r) => ({
      id: r.id,
      login: r.user?.login ?? 'ghost',
      type: r.user?.type ?? 'User',
      state: r.state,
      commitId: r.commit_id ?? '',
      submittedAt: r.submitted_at ?? '',
    }));
  }

  /** Acknowledges a comment with a reaction by the app. */
  async addCommentReaction(commentId: number, content: '+1' | 'confused' | 'eyes'): Promise<void> {
    await this.octokit.rest.reactions.createForIssueComment({ ...this.repo, comment_id: commentId, content });
  }

  /** Adds a reaction by the app to an issue or pull request (GitHub answers 200 when it is there already). */
  async addReaction(issueNumber: number, content: 'eyes' | 'rocket' | 'confused' | '+1' | '-1'): Promise<void> {
    await this.octokit.rest.reactions.createForIssue({ ...this.repo, issue_number: issueNumber, content });
  }

  /** A person's role on the repository, from the collaborator permission API (never from a payload). */
  async getRole(username: string): Promise<RepositoryRole> {
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({ ...this.repo, username });
      const role = (data as { role_name?: string }).role_name ?? data.permission;
      return (['admin', 'maintain', 'write', 'triage', 'read'] as const).find((r) => r === role) ?? 'none';
    } catch (error) {
      if ((error as { status?: number }).status === 404) return 'none';
      throw error;
    }
  }

  /**
   * Keeps one comment of the app carrying `marker` on an issue or pull request: updates it when it exists,
   * creates it otherwise. Returns its id.
   */
  async upsertComment(issueNumber: number, marker: string, body: string, appLogin: string): Promise<number> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...this.repo,
      issue_number: issueNumber,
      per_page: 100,
    });
    const mine = comments.find((c) => c.user?.login === appLogin && (c.body ?? '').includes(marker));
    if (mine) {
      if (mine.body !== body) await this.octokit.rest.issues.updateComment({ ...this.repo, comment_id: mine.id, body });
      return mine.id;
    }
    const { data } = await this.octokit.rest.issues.createComment({ ...this.repo, issue_number: issueNumber, body });
    return data.id;
  }

  /** A branch's head commit and its tree (the default branch when no branch is named). */
  async branchHead(branch?: string): Promise<{ branch: string; commitSha: string; treeSha: string }> {
    return gitData.branchHead(this.octokit, this.repo, branch);
  }

  /** The files of a tree, recursively, with their sizes (GitHub truncates very large trees: `truncated`). */
  async listTree(treeSha: string): Promise<{ files: Array<{ path: string; size: number }>; truncated: boolean }> {
    return gitData.listTree(this.octokit, this.repo, treeSha);
  }

  /**
   * Writes a commit through the Git Data API: one tree on top of the base tree (texts inline, deletions as
   * `sha: null`) and one commit with a fixed date, so writing the same plan again gives the same commit.
   */
  async writeCommit(plan: CommitPlan, author: { name: string; email: string }): Promise<string> {
    return gitData.writeCommit(this.octokit, this.repo, plan, author);
  }

  /**
   * Points a new branch at a commit; `created: false` when the branch is there already (pointing at `sha` or not).
   * Only GitHub's "Reference already exists" means that: any other refusal (a workflow edit without the `workflows`
   * permission, a commit that is not there) is thrown as GitHub gave it, for `classifyGitHubError` to judge.
   */
  async createBranch(branch: string, sha: string): Promise<{ created: true } | { created: false; sha: string }> {
    return gitData.createBranch(this.octokit, this.repo, branch, sha);
  }

  /** The open pull request from `branch` of this repository, if there is one. */
  async findPullRequestFrom(branch: string): Promise<PullRequestFacts | undefined> {
    return pullRequestWrites.findPullRequestFrom(this.octokit, this.repo, branch);
  }

  async createPullRequest(options: {
    head: string;
    base: string;
    title: string;
    body: string;
  }): Promise<PullRequestFacts> {
    return pullRequestWrites.createPullRequest(this.octokit, this.repo, options);
  }

  /**
   * Merges a pull request if its head is still `headSha` (GitHub refuses otherwise: a push after the approval
   * is never merged). `merged` when it is merged now or was already; otherwise GitHub's reason.
   */
  async mergePullRequest(
    pullNumber: number,
    headSha: string,
  ): Promise<{ merged: true; sha: string } | { merged: false; reason: string }> {
    return pullRequestWrites.mergePullRequest(this.octokit, this.repo, pullNumber, headSha);
  }

  /** Asks for reviews; GitHub refuses the whole request when one login is not a collaborator, so say why. */
  async requestReviewers(
    pullNumber: number,
    users: string[],
    teams: string[],
  ): Promise<{ ok: true } | { ok: false; message: string }> {
    return pullRequestWrites.requestReviewers(this.octokit, this.repo, pullNumber, users, teams);
  }

  /** Posts a completed check run; annotations beyond the first 50 are appended by updates. Returns its id. */
  async postCheckRun(plan: CheckRunPlan): Promise<number> {
    return checkRuns.postCheckRun(this.octokit, this.repo, plan);
  }

  /** The check run named `name` on `headSha` carrying `externalId`, if one was created (by an attempt that then died). */
  async findCheckRun(
    headSha: string,
    name: string,
    externalId: string,
  ): Promise<{ id: number; annotations: number } | undefined> {
    return checkRuns.findCheckRun(this.octokit, this.repo, headSha, name, externalId);
  }

  /**
   * Replaces the result of an existing check run. Annotations are sent only when `withAnnotations` (GitHub
   * appends annotations, so a run that has them already would get them twice).
   */
  async updateCheckRun(id: number, plan: CheckRunPlan, withAnnotations: boolean): Promise<number> {
    return checkRuns.updateCheckRun(this.octokit, this.repo, id, plan, withAnnotations);
  }

  /** A workflow run (`GET /repos/{owner}/{repo}/actions/runs/{run_id}`): what started it and when; undefined when there is none. */
  async getWorkflowRun(
    runId: number,
  ): Promise<{ id: number; event: string; createdAt: string; path: string; headSha: string } | undefined> {
    try {
      const { data } = await this.octokit.rest.actions.getWorkflowRun({ ...this.repo, run_id: runId });
      return { id: data.id, event: data.event, createdAt: data.created_at, path: data.path, headSha: data.head_sha };
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  /** The actor's membership of the repository's owner organisation (role, state, immutable id): org-membership.ts. */
  async getOrgMembership(username: string): Promise<OrgMembership> {
    return getOrgMembership(this.octokit, this.repo.owner, username);
  }

  /** The adapter for another repository of the same owner, with the same installation's client. */
  sibling(repo: string): GitHubAdapter {
    return new GitHubAdapter(this.octokit, { owner: this.repo.owner, repo });
  }

  /** A pull request and its body, read at one moment (one request): facts a snapshot pins together. */
  async getPullRequestWithBody(pullNumber: number): Promise<{ facts: PullRequestFacts; body: string }> {
    const { data } = await this.octokit.rest.pulls.get({ ...this.repo, pull_number: pullNumber });
    return { facts: toPullRequestFacts(data), body: data.body ?? '' };
  }
}

/** The slug of the app that posted a comment (its name or id when GitHub gives no slug). */
function appName(via: { slug?: string | null; name?: string | null; id: number }): string {
  return via.slug ?? via.name ?? String(via.id);
}
