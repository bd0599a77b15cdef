import type { ProbotOctokit } from 'probot';
import type { ChangedFile, FileStatus } from '../../core/policy/change.js';
import type { Finding } from '../../core/policy/result.js';
import { isReferenceExists } from './github-errors.js';

/**
 * The one adapter over Octokit: the only module that knows GitHub's REST shapes. Everything it returns
 * is our own plain data; everything it sends is checked against GitHub's OpenAPI description in tests.
 */

export type Octokit = InstanceType<typeof ProbotOctokit>;
export type RepoRef = { owner: string; repo: string };

export type PullRequestFacts = {
  number: number;
  headSha: string;
  htmlUrl: string;
  author: { login: string; type: string };
  labels: string[];
  /** The head repository is a fork of the base repository. */
  fromFork: boolean;
  /** When GitHub last changed the pull request, as the delivery (or the API) reports it. */
  updatedAt: string;
  /** The head branch's name. */
  headRef: string;
  /** The branch the pull request merges into, and its commit as GitHub reports it now (the diff is base...head). */
  baseRef: string;
  baseSha: string;
  /** The author's immutable account id (0 when GitHub did not say). */
  authorId: number;
  /** How many files GitHub counts in the diff (`changed_files`; absent when the payload does not say). */
  changedFiles?: number;
  /** The repository's default branch, as the pull request's base repository reports it. */
  defaultBranch?: string;
  /** The owner of the fork the head branch lives in, when it is a fork. */
  forkOwner?: string;
};

export type CommentFacts = {
  id: number;
  body: string;
  author: { login: string; type: string };
  createdAt: string;
  updatedAt: string;
  /** `performed_via_github_app`: the slug of the GitHub App that posted it on the author's behalf (never authority). */
  viaApp?: string;
};

export type IssueFacts = {
  number: number;
  title: string;
  body: string;
  htmlUrl: string;
  labels: string[];
  author: { login: string; type: string };
  state: 'open' | 'closed';
};

/** A person's role on a repository, as the collaborator permission API names it (`none`: not a collaborator). */
export type RepositoryRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

/** A commit to write: the files it changes (text, or null to delete) on top of a base commit. */
export type CommitPlan = {
  baseCommitSha: string;
  baseTreeSha: string;
  files: ReadonlyMap<string, string | null>;
  message: string;
  date: string;
};

export type CheckConclusion = 'success' | 'failure' | 'action_required' | 'neutral';

export type CheckRunPlan = {
  name: string;
  headSha: string;
  /** `waiting`: the check stays in progress (a pending required check) until a later evaluation completes it. */
  conclusion: CheckConclusion | 'waiting';
  title: string;
  summary: string;
  findings: Finding[];
  detailsUrl?: string;
  externalId?: string;
  /** Buttons on the check run (a `check_run.requested_action` delivery when pressed); at most 3. */
  actions?: Array<{ label: string; identifier: string; description: string }>;
};

/** GitHub accepts at most 50 annotations per request; more go in follow-up updates. */
export const ANNOTATIONS_PER_REQUEST = 50;

/** The shape of a pull request in webhook payloads and REST answers, as far as we read it. */
type PullRequestPayload = {
  number: number;
  html_url: string;
  head: { sha: string; ref?: string; repo: { full_name: string; owner?: { login: string } } | null };
  base: { ref?: string; sha?: string; repo: { full_name: string; default_branch?: string } };
  user: { login: string; type?: string; id?: number } | null;
  labels?: Array<{ name?: string } | string>;
  updated_at: string;
  changed_files?: number;
};

export function toPullRequestFacts(pr: PullRequestPayload): PullRequestFacts {
  return {
    number: pr.number,
    headSha: pr.head.sha,
    htmlUrl: pr.html_url,
    author: { login: pr.user?.login ?? 'ghost', type: pr.user?.type ?? 'User' },
    labels: (pr.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((l) => l !== ''),
    fromFork: pr.head.repo?.full_name !== pr.base.repo.full_name,
    updatedAt: pr.updated_at,
    headRef: pr.head.ref ?? '',
    baseRef: pr.base.ref ?? '',
    baseSha: pr.base.sha ?? '',
    authorId: pr.user?.id ?? 0,
    ...(typeof pr.changed_files === 'number' ? { changedFiles: pr.changed_files } : {}),
    ...(pr.base.repo.default_branch ? { defaultBranch: pr.base.repo.default_branch } : {}),
    ...(pr.head.repo && pr.head.repo.full_name !== pr.base.repo.full_name && pr.head.repo.owner
      ? { forkOwner: pr.head.repo.owner.login }
      : {}),
  };
}

/** A commit of a pull request: who wrote and committed it (with the GitHub account, when GitHub knows one) and its message. */
export type PullRequestCommit = {
  sha: string;
  message: string;
  author: CommitPerson;
  committer: CommitPerson;
};
export type CommitPerson = { name: string; email: string; account?: { login: string; id: number; type: string } };

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
    const commits = await this.octokit.paginate(this.octokit.rest.pulls.listCommits, {
      ...this.repo,
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
        ? { account: { login: user.login, id: user.id, type: String(user.type ?? 'User') } }
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
  async listChangedFiles(pullNumber: number): Promise<ChangedFile[]> {
    const files = await this.octokit.paginate(this.octokit.rest.pulls.listFiles, {
      ...this.repo,
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
        if (event.event === 'labeled' && 'label' in event && event.label?.name?.toLowerCase() === wanted) return true;
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
        ...(via ? { viaApp: via.slug ?? via.name ?? String(via.id) } : {}),
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
    const name = branch ?? (await this.octokit.rest.repos.get(this.repo)).data.default_branch;
    const { data: ref } = await this.octokit.rest.git.getRef({ ...this.repo, ref: `heads/${name}` });
    const { data: commit } = await this.octokit.rest.git.getCommit({ ...this.repo, commit_sha: ref.object.sha });
    return { branch: name, commitSha: commit.sha, treeSha: commit.tree.sha };
  }

  /** The files of a tree, recursively, with their sizes (GitHub truncates very large trees: `truncated`). */
  async listTree(treeSha: string): Promise<{ files: Array<{ path: string; size: number }>; truncated: boolean }> {
    const { data } = await this.octokit.rest.git.getTree({ ...this.repo, tree_sha: treeSha, recursive: '1' });
    return {
      files: data.tree
        .filter((e) => e.type === 'blob' && typeof e.path === 'string')
        .map((e) => ({ path: e.path!, size: e.size ?? 0 })),
      truncated: data.truncated,
    };
  }

  /**
   * Writes a commit through the Git Data API: one tree on top of the base tree (texts inline, deletions as
   * `sha: null`) and one commit with a fixed date, so writing the same plan again gives the same commit.
   */
  async writeCommit(plan: CommitPlan, author: { name: string; email: string }): Promise<string> {
    const tree = [...plan.files].map(([path, content]) =>
      content === null
        ? { path, mode: '100644' as const, type: 'blob' as const, sha: null }
        : { path, mode: '100644' as const, type: 'blob' as const, content },
    );
    const { data: created } = await this.octokit.rest.git.createTree({
      ...this.repo,
      base_tree: plan.baseTreeSha,
      tree,
    });
    const signature = { ...author, date: plan.date };
    const { data: commit } = await this.octokit.rest.git.createCommit({
      ...this.repo,
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
  async createBranch(branch: string, sha: string): Promise<{ created: true } | { created: false; sha: string }> {
    try {
      await this.octokit.rest.git.createRef({ ...this.repo, ref: `refs/heads/${branch}`, sha });
      return { created: true };
    } catch (error) {
      if (!isReferenceExists(error)) throw error;
      const { data } = await this.octokit.rest.git.getRef({ ...this.repo, ref: `heads/${branch}` });
      return { created: false, sha: data.object.sha };
    }
  }

  /** The open pull request from `branch` of this repository, if there is one. */
  async findPullRequestFrom(branch: string): Promise<PullRequestFacts | undefined> {
    const { data } = await this.octokit.rest.pulls.list({
      ...this.repo,
      head: `${this.repo.owner}:${branch}`,
      state: 'open',
      per_page: 10,
    });
    return data[0] && toPullRequestFacts(data[0]);
  }

  async createPullRequest(options: {
    head: string;
    base: string;
    title: string;
    body: string;
  }): Promise<PullRequestFacts> {
    const { data } = await this.octokit.rest.pulls.create({ ...this.repo, ...options });
    return toPullRequestFacts(data);
  }

  /**
   * Merges a pull request if its head is still `headSha` (GitHub refuses otherwise: a push after the approval
   * is never merged). `merged` when it is merged now or was already; otherwise GitHub's reason.
   */
  async mergePullRequest(
    pullNumber: number,
    headSha: string,
  ): Promise<{ merged: true; sha: string } | { merged: false; reason: string }> {
    try {
      const { data } = await this.octokit.rest.pulls.merge({ ...this.repo, pull_number: pullNumber, sha: headSha });
      return data.merged ? { merged: true, sha: data.sha } : { merged: false, reason: data.message };
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 403)
        return { merged: false, reason: `${(error as Error).message} (the installation needs contents: write)` };
      if (status !== 405 && status !== 409 && status !== 422) throw error;
      const { data } = await this.octokit.rest.pulls.get({ ...this.repo, pull_number: pullNumber });
      if (data.merged && data.merge_commit_sha) return { merged: true, sha: data.merge_commit_sha };
      return { merged: false, reason: (error as Error).message };
    }
  }

  /** Asks for reviews; GitHub refuses the whole request when one login is not a collaborator, so say why. */
  async requestReviewers(
    pullNumber: number,
    users: string[],
    teams: string[],
  ): Promise<{ ok: true } | { ok: false; message: string }> {
    if (users.length === 0 && teams.length === 0) return { ok: true };
    try {
      await this.octokit.rest.pulls.requestReviewers({
        ...this.repo,
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

  /** Posts a completed check run; annotations beyond the first 50 are appended by updates. Returns its id. */
  async postCheckRun(plan: CheckRunPlan): Promise<number> {
    const annotations = plan.findings.map(toAnnotation);
    const batches: (typeof annotations)[] = [];
    for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST)
      batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
    const output = { title: plan.title, summary: plan.summary };
    const { data } = await this.octokit.rest.checks.create({
      ...this.repo,
      name: plan.name,
      head_sha: plan.headSha,
      ...completion(plan),
      ...(plan.detailsUrl ? { details_url: plan.detailsUrl } : {}),
      ...(plan.externalId ? { external_id: plan.externalId } : {}),
      ...(plan.actions?.length ? { actions: plan.actions } : {}),
      output: { ...output, ...(batches[0] ? { annotations: batches[0] } : {}) },
    });
    for (const batch of batches.slice(1)) {
      await this.octokit.rest.checks.update({
        ...this.repo,
        check_run_id: data.id,
        output: { ...output, annotations: batch },
      });
    }
    return data.id;
  }

  /** The check run named `name` on `headSha` carrying `externalId`, if one was created (by an attempt that then died). */
  async findCheckRun(
    headSha: string,
    name: string,
    externalId: string,
  ): Promise<{ id: number; annotations: number } | undefined> {
    const runs = await this.octokit.paginate(this.octokit.rest.checks.listForRef, {
      ...this.repo,
      ref: headSha,
      check_name: name,
      filter: 'all',
      per_page: 100,
    });
    const run = runs.find((r) => r.external_id === externalId);
    return run && { id: run.id, annotations: run.output.annotations_count };
  }

  /**
   * Replaces the result of an existing check run. Annotations are sent only when `withAnnotations` (GitHub
   * appends annotations, so a run that has them already would get them twice).
   */
  async updateCheckRun(id: number, plan: CheckRunPlan, withAnnotations: boolean): Promise<number> {
    const annotations = withAnnotations ? plan.findings.map(toAnnotation) : [];
    const output = { title: plan.title, summary: plan.summary };
    for (let i = 0; i === 0 || i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
      const batch = annotations.slice(i, i + ANNOTATIONS_PER_REQUEST);
      await this.octokit.rest.checks.update({
        ...this.repo,
        check_run_id: id,
        ...(i === 0
          ? {
              ...completion(plan),
              ...(plan.detailsUrl ? { details_url: plan.detailsUrl } : {}),
              actions: plan.actions ?? [],
            }
          : {}),
        output: { ...output, ...(batch.length > 0 ? { annotations: batch } : {}) },
      });
    }
    return id;
  }

  /** A workflow run (`GET /repos/{owner}/{repo}/actions/runs/{run_id}`): what started it and when; undefined when there is none. */
  async getWorkflowRun(
    runId: number,
  ): Promise<{ id: number; event: string; createdAt: string; path: string } | undefined> {
    try {
      const { data } = await this.octokit.rest.actions.getWorkflowRun({ ...this.repo, run_id: runId });
      return { id: data.id, event: data.event, createdAt: data.created_at, path: data.path };
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  /** A pull request and its body, read at one moment (one request): facts a snapshot pins together. */
  async getPullRequestWithBody(pullNumber: number): Promise<{ facts: PullRequestFacts; body: string }> {
    const { data } = await this.octokit.rest.pulls.get({ ...this.repo, pull_number: pullNumber });
    return { facts: toPullRequestFacts(data), body: data.body ?? '' };
  }
}

/** A check run's status fields: completed with its conclusion, or in progress while it waits. */
function completion(plan: CheckRunPlan) {
  return plan.conclusion === 'waiting'
    ? { status: 'in_progress' as const }
    : { status: 'completed' as const, conclusion: plan.conclusion, completed_at: new Date().toISOString() };
}

function toAnnotation(finding: Finding) {
  const sameLine = finding.startLine === finding.endLine;
  return {
    path: finding.path,
    start_line: finding.startLine,
    end_line: finding.endLine,
    ...(sameLine && finding.startColumn !== undefined ? { start_column: finding.startColumn } : {}),
    ...(sameLine && finding.endColumn !== undefined ? { end_column: finding.endColumn } : {}),
    annotation_level: finding.level,
    title: finding.rule,
    message: finding.message,
  };
}
