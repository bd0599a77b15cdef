import type { WorkflowRunData } from './workflow-run-json.js';
import {
  blobSha,
  fakeSha,
  isoSeconds,
  stableId,
  type Annotation,
  type CheckRunData,
  type CommentData,
  type CommitIdentity,
  type PullCommitData,
  type GitCommitData,
  type InstallationData,
  type IssueData,
  type IssueEventData,
  type JsonObject,
  type LabelData,
  type PullData,
  type PullFile,
  type ReactionData,
  type RepoData,
  type UserType,
} from './github-json.js';

/**
 * The simulator's in-memory GitHub: installations, repositories with branches and files, pull requests
 * with their changed files, issue events, check runs, comments and collaborator roles. Plain data and
 * synchronous methods; HTTP and JSON shapes live elsewhere. Owner and repository names are matched
 * case-insensitively, as on GitHub.
 */

export type Role = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export type Branch = {
  name: string;
  sha: string;
  files: Map<string, string>;
  /** A branch created for a pull request reads the files it has not changed from its base branch. */
  parent?: string;
};

export type Review = {
  id: number;
  user: { login: string; type: UserType };
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  commitId: string;
  submittedAt: string;
};

/** `commits`: the pull request's commits, oldest first, the last one its head (GET .../pulls/{n}/commits lists them). */
export type Pull = PullData & {
  files: PullFile[];
  requestedReviewers: string[];
  requestedTeams: string[];
  reviews?: Review[];
  commits: PullCommitData[];
};

export type Issue = {
  number: number;
  events: IssueEventData[];
  comments: CommentData[];
  reactions: ReactionData[];
  /** Set for an issue (not a pull request) that a test opened with `addIssue`. */
  data?: IssueData;
};

/** Git objects written through the Git Data API: blobs, trees (flat, path -> text) and commits. */
export type GitObjects = {
  blobs: Map<string, string>;
  trees: Map<string, Map<string, string>>;
  commits: Map<string, GitCommitData>;
};

export type Repo = RepoData & {
  key: string;
  installationId?: number;
  branches: Map<string, Branch>;
  /** Every commit SHA the simulator knows in this repository, to the branch whose files it shows. */
  commits: Map<string, string>;
  pulls: Map<number, Pull>;
  issues: Map<number, Issue>;
  labels: Map<string, LabelData>;
  collaborators: Map<string, { login: string; role: Role }>;
  checkRuns: Map<number, CheckRunData>;
  checkSuites: Map<string, number>;
  git: GitObjects;
  /** Answers to deployment protection rules (POST .../actions/runs/{run_id}/deployment_protection_rule). */
  deploymentReviews: Array<{ runId: number; environment: string; state: string; comment: string }>;
  /** `repository_dispatch` events created (POST .../dispatches). */
  dispatches: Array<{ eventType: string; payload: unknown }>;
  /** Workflow runs a test added (GET .../actions/runs/{run_id}). */
  workflowRuns: Map<number, WorkflowRunData>;
};

export type Token = {
  token: string;
  installationId: number;
  expiresAt: number;
  permissions: Record<string, string>;
  /** Repository keys the token is limited to, when it was requested for some repositories only. */
  repos?: Set<string>;
};

export function repoKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

export class GitHubState {
  readonly installations = new Map<number, InstallationData>();
  readonly repos = new Map<string, Repo>();
  readonly tokens = new Map<string, Token>();
  /** `org/team-slug` (lower case) -> member logins (lower case). */
  readonly teams = new Map<string, Set<string>>();
  /** `org` (lower case) -> member login (lower case) -> their role in the organisation (`admin`: an owner). */
  readonly orgMembers = new Map<string, Map<string, 'admin' | 'member'>>();
  private nextId = 1000;

  /** A fresh id for check runs, comments, events, labels and pull requests (unique across kinds). */
  id(): number {
    return ++this.nextId;
  }

  addInstallation(options: {
    id: number;
    account: string;
    accountType?: 'Organization' | 'User';
    permissions: Record<string, string>;
    repositorySelection?: 'all' | 'selected';
  }): InstallationData {
    if (this.installations.has(options.id)) throw new Error(`installation ${options.id} already exists`);
    const installation: InstallationData = {
      id: options.id,
      account: options.account,
      accountType: options.accountType ?? 'Organization',
      permissions: { ...options.permissions },
      repositorySelection: options.repositorySelection ?? 'selected',
      createdAt: isoSeconds(),
    };
    this.installations.set(options.id, installation);
    return installation;
  }

  addRepo(options: {
    owner: string;
    name: string;
    defaultBranch?: string;
    private?: boolean;
    installationId?: number;
  }): Repo {
    const key = repoKey(options.owner, options.name);
    if (this.repos.has(key)) throw new Error(`repository ${options.owner}/${options.name} already exists`);
    if (options.installationId !== undefined && !this.installations.has(options.installationId)) {
      throw new Error(`installation ${options.installationId} does not exist: call addInstallation first`);
    }
    const installation = [...this.installations.values()].find(
      (i) => i.account.toLowerCase() === options.owner.toLowerCase(),
    );
    const defaultBranch = options.defaultBranch ?? 'main';
    const repo: Repo = {
      key,
      id: stableId('repo', key),
      owner: options.owner,
      ownerType: installation?.accountType ?? 'Organization',
      name: options.name,
      defaultBranch,
      private: options.private ?? false,
      createdAt: isoSeconds(),
      ...(options.installationId !== undefined ? { installationId: options.installationId } : {}),
      branches: new Map(),
      commits: new Map(),
      pulls: new Map(),
      issues: new Map(),
      labels: new Map(),
      collaborators: new Map(),
      checkRuns: new Map(),
      checkSuites: new Map(),
      git: { blobs: new Map(), trees: new Map(), commits: new Map() },
      deploymentReviews: [],
      dispatches: [],
      workflowRuns: new Map(),
    };
    this.repos.set(key, repo);
    this.branch(repo, defaultBranch);
    return repo;
  }

  repo(owner: string, name: string): Repo | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  mustRepo(owner: string, name: string): Repo {
    const repo = this.repo(owner, name);
    if (!repo) throw new Error(`repository ${owner}/${name} does not exist: call addRepo first`);
    return repo;
  }

  /** The branch, created (from `parent`) when it does not exist yet. */
  branch(repo: Repo, name: string, options: { sha?: string; parent?: string } = {}): Branch {
    let branch = repo.branches.get(name);
    if (!branch) {
      branch = { name, sha: options.sha ?? fakeSha(repo.key, 'branch', name), files: new Map() };
      if (options.parent !== undefined && options.parent !== name) branch.parent = options.parent;
      repo.branches.set(name, branch);
      repo.commits.set(branch.sha, name);
    } else {
      if (options.sha !== undefined && options.sha !== branch.sha) {
        branch.sha = options.sha;
        repo.commits.set(options.sha, name);
      }
      if (options.parent !== undefined && branch.parent === undefined && options.parent !== name)
        branch.parent = options.parent;
    }
    return branch;
  }

  /** The branch a ref names: a branch name, `refs/heads/<name>`, `heads/<name>`, or a known commit SHA. */
  resolveRef(repo: Repo, ref: string): Branch | undefined {
    const name = ref.replace(/^refs\/heads\//, '').replace(/^heads\//, '');
    const byName = repo.branches.get(name);
    if (byName) return byName;
    const commit = repo.commits.get(ref.toLowerCase());
    return commit === undefined ? undefined : repo.branches.get(commit);
  }

  /** A file's text on a branch (falling back to the branch it was created from), or undefined. */
  readFile(repo: Repo, branch: Branch, path: string): string | undefined {
    for (
      let b: Branch | undefined = branch, depth = 0;
      b && depth < 20;
      b = b.parent !== undefined ? repo.branches.get(b.parent) : undefined, depth++
    ) {
      const content = b.files.get(path);
      if (content !== undefined) return content;
    }
    return undefined;
  }

  /** The entries of a directory on a branch (empty when it is not one). */
  listDirectory(
    repo: Repo,
    branch: Branch,
    dir: string,
  ): Array<{ path: string; type: 'file' | 'dir'; content?: string }> {
    const prefix = dir === '' ? '' : `${dir.replace(/\/$/, '')}/`;
    const entries = new Map<string, { path: string; type: 'file' | 'dir'; content?: string }>();
    const chain: Branch[] = [];
    for (
      let b: Branch | undefined = branch, depth = 0;
      b && depth < 20;
      b = b.parent !== undefined ? repo.branches.get(b.parent) : undefined, depth++
    )
      chain.push(b);
    for (const b of chain.reverse()) {
      for (const [path, content] of b.files) {
        if (!path.startsWith(prefix)) continue;
        const rest = path.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash === -1) entries.set(path, { path, type: 'file', content });
        else entries.set(prefix + rest.slice(0, slash), { path: prefix + rest.slice(0, slash), type: 'dir' });
      }
    }
    return [...entries.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  label(repo: Repo, name: string, color?: string): LabelData {
    let label = repo.labels.get(name.toLowerCase());
    if (!label) {
      label = { id: this.id(), name, color: color ?? 'ededed', description: null };
      repo.labels.set(name.toLowerCase(), label);
    } else if (color !== undefined) {
      label.color = color;
    }
    return label;
  }

  /** The issue (or pull request) with that number; created when `create`. */
  issue(repo: Repo, number: number, create = false): Issue | undefined {
    let issue = repo.issues.get(number);
    if (!issue && create) {
      issue = { number, events: [], comments: [], reactions: [] };
      repo.issues.set(number, issue);
    }
    return issue;
  }

  nextNumber(repo: Repo): number {
    return Math.max(0, ...repo.issues.keys()) + 1;
  }

  addPullRequest(repo: Repo, options: NewPullRequest): Pull {
    const number = options.number ?? this.nextNumber(repo);
    if (repo.issues.has(number)) throw new Error(`${repo.owner}/${repo.name}#${number} already exists`);
    const baseRef = options.baseRef ?? repo.defaultBranch;
    const base = this.branch(repo, baseRef, options.baseSha !== undefined ? { sha: options.baseSha } : {});
    const headRef = options.headRef ?? `pr-${number}`;
    const headSha = (options.headSha ?? fakeSha(repo.key, 'pull', number)).toLowerCase();
    // a branch pushed through the Git Data API has all its files: it does not read through to its base
    if (repo.branches.get(headRef)?.sha !== headSha) this.branch(repo, headRef, { sha: headSha, parent: baseRef });
    const files = options.files.slice();
    const now = isoSeconds();
    const user = {
      login: options.user.login,
      type: options.user.type ?? (options.user.login.endsWith('[bot]') ? 'Bot' : 'User'),
      ...(options.user.id !== undefined ? { id: options.user.id } : {}),
    } as const;
    const pull: Pull = {
      id: stableId('pull', `${repo.key}#${number}`),
      number,
      title: options.title ?? `Pull request #${number}`,
      body: options.body ?? null,
      state: options.state ?? 'open',
      draft: options.draft ?? false,
      user,
      headRef,
      headSha,
      baseRef,
      baseSha: base.sha,
      labels: (options.labels ?? []).map((name) => this.label(repo, name)),
      additions: files.reduce((n, f) => n + (f.additions ?? 0), 0),
      deletions: files.reduce((n, f) => n + (f.deletions ?? 0), 0),
      changedFiles: files.length,
      createdAt: now,
      updatedAt: now,
      files,
      requestedReviewers: [],
      requestedTeams: [],
      commits: [],
    };
    pull.commits = this.pullCommits(repo, pull, options.commits, base.sha);
    repo.pulls.set(number, pull);
    const issue = this.issue(repo, number, true)!;
    // a pull request opened with labels has their `labeled` events, by its author
    for (const label of pull.labels) {
      issue.events.push({
        id: this.id(),
        event: 'labeled',
        label: { name: label.name, color: label.color },
        actor: user,
        createdAt: now,
      });
    }
    return pull;
  }

  /**
   * A push to a pull request's head branch: a new head commit and a new diff, as `synchronize` reports. `commits`: the
   * commits pushed (default: one by the pull request's author), appended to the pull request's, or with `force` in
   * their place (a force-push that rewrote the branch); the last one is the new head.
   */
  pushToPullRequest(
    repo: Repo,
    number: number,
    options: { headSha: string; files: PullFile[]; commits?: NewCommit[]; force?: boolean },
  ): Pull {
    const pull = repo.pulls.get(number);
    if (!pull) throw new Error(`${repo.owner}/${repo.name}#${number} does not exist`);
    pull.headSha = options.headSha.toLowerCase();
    this.branch(repo, pull.headRef, { sha: pull.headSha });
    pull.files = options.files.slice();
    pull.additions = pull.files.reduce((n, f) => n + (f.additions ?? 0), 0);
    pull.deletions = pull.files.reduce((n, f) => n + (f.deletions ?? 0), 0);
    pull.changedFiles = pull.files.length;
    pull.updatedAt = isoSeconds();
    const pushed = this.pullCommits(
      repo,
      pull,
      options.commits,
      options.force ? pull.baseSha : (pull.commits.at(-1)?.sha ?? pull.baseSha),
    );
    pull.commits = options.force ? pushed : [...pull.commits, ...pushed];
    return pull;
  }

  /** The commits a test gave (default: one by the pull request's author), chained from `parent`, the last one the head. */
  private pullCommits(repo: Repo, pull: Pull, given: NewCommit[] | undefined, parent: string): PullCommitData[] {
    const author: CommitIdentity = {
      name: pull.user.login,
      email: `${pull.user.id ?? stableId('user', pull.user.login.toLowerCase())}+${pull.user.login}@users.noreply.github.com`,
      account: {
        login: pull.user.login,
        type: pull.user.type,
        ...(pull.user.id !== undefined ? { id: pull.user.id } : {}),
      },
    };
    const wanted = given && given.length > 0 ? given : [{ message: pull.title, author, committer: author }];
    const commits: PullCommitData[] = [];
    wanted.forEach((c, i) => {
      const last = i === wanted.length - 1;
      const sha = (
        last ? pull.headSha : (c.sha ?? fakeSha(repo.key, 'pull-commit', pull.number, pull.headSha, i))
      ).toLowerCase();
      const parents = [commits.at(-1)?.sha ?? parent];
      commits.push({
        sha,
        tree: fakeSha('tree', sha),
        parents,
        message: c.message,
        author: c.author ?? author,
        committer: c.committer ?? c.author ?? author,
      });
      if (!last) repo.commits.set(sha, pull.headRef);
    });
    return commits;
  }

  /** Open pull requests of the repository whose head is this commit. */
  pullsForSha(repo: Repo, sha: string): Pull[] {
    return [...repo.pulls.values()].filter((p) => p.state === 'open' && p.headSha === sha.toLowerCase());
  }

  checkSuiteId(repo: Repo, headSha: string): number {
    let id = repo.checkSuites.get(headSha);
    if (id === undefined) {
      id = this.id();
      repo.checkSuites.set(headSha, id);
    }
    return id;
  }

  findCheckRun(id: number): { repo: Repo; run: CheckRunData } | undefined {
    for (const repo of this.repos.values()) {
      const run = repo.checkRuns.get(id);
      if (run) return { repo, run };
    }
    return undefined;
  }

  /** An issue opened by `user`, with labels (and their `labeled` events by the author). */
  addIssue(
    repo: Repo,
    options: {
      number?: number;
      title: string;
      body?: string;
      user: { login: string; type?: UserType };
      labels?: string[];
    },
  ): Issue {
    const number = options.number ?? this.nextNumber(repo);
    if (repo.issues.has(number)) throw new Error(`${repo.owner}/${repo.name}#${number} already exists`);
    const now = isoSeconds();
    const user = {
      login: options.user.login,
      type: options.user.type ?? (options.user.login.endsWith('[bot]') ? 'Bot' : 'User'),
    } as const;
    const issue = this.issue(repo, number, true)!;
    issue.data = {
      number,
      title: options.title,
      body: options.body ?? null,
      state: 'open',
      user,
      labels: (options.labels ?? []).map((l) => this.label(repo, l)),
      createdAt: now,
      updatedAt: now,
    };
    for (const label of issue.data.labels)
      issue.events.push({
        id: this.id(),
        event: 'labeled',
        label: { name: label.name, color: label.color },
        actor: user,
        createdAt: now,
      });
    return issue;
  }

  /** Every file of a branch (its own over those it reads through to), path -> text. */
  branchFiles(repo: Repo, branch: Branch): Map<string, string> {
    const chain: Branch[] = [];
    for (
      let b: Branch | undefined = branch, depth = 0;
      b && depth < 20;
      b = b.parent !== undefined ? repo.branches.get(b.parent) : undefined, depth++
    )
      chain.push(b);
    const files = new Map<string, string>();
    for (const b of chain.reverse()) for (const [path, content] of b.files) files.set(path, content);
    return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Stores a tree (path -> text) and returns its SHA, the same for the same files. */
  putTree(repo: Repo, files: Map<string, string>): string {
    const sorted = new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
    const sha = fakeSha('tree', ...[...sorted].flatMap(([path, content]) => [path, blobSha(content)]));
    repo.git.trees.set(sha, sorted);
    return sha;
  }

  /** The commit object behind a SHA: one written through the Git Data API, or a branch head as it is now. */
  gitCommit(repo: Repo, sha: string): GitCommitData | undefined {
    const written = repo.git.commits.get(sha.toLowerCase());
    if (written) return written;
    const branch = this.resolveRef(repo, sha.toLowerCase());
    if (!branch || branch.sha !== sha.toLowerCase()) return undefined;
    const tree = this.putTree(repo, this.branchFiles(repo, branch));
    return {
      sha: branch.sha,
      tree,
      parents: [],
      message: `head of ${branch.name}`,
      author: { name: 'Simulator', email: 'simulator@example.com', date: repo.createdAt },
    };
  }

  findComment(repo: Repo, id: number): CommentData | undefined {
    for (const issue of repo.issues.values()) {
      const comment = issue.comments.find((c) => c.id === id);
      if (comment) return comment;
    }
    return undefined;
  }

  /** Whether an installation (and a token of it, when given) can see the repository. */
  canAccess(installationId: number, repo: Repo, token?: Token): boolean {
    if (token?.repos && !token.repos.has(repo.key)) return false;
    if (repo.installationId === installationId) return true;
    const installation = this.installations.get(installationId);
    return (
      installation?.repositorySelection === 'all' && installation.account.toLowerCase() === repo.owner.toLowerCase()
    );
  }

  reposOf(installationId: number): Repo[] {
    return [...this.repos.values()].filter((r) => this.canAccess(installationId, r));
  }
}

export type { Annotation, CheckRunData, CommentData, CommitIdentity, JsonObject };

/** What a test says about a new pull request; the rest GitHub would fill in. */
export type NewPullRequest = {
  number?: number;
  title?: string;
  body?: string | null;
  /** `id`: the account's immutable id, to play a known account (default: one derived from the login). */
  user: { login: string; type?: UserType; id?: number };
  headRef?: string;
  headSha?: string;
  baseRef?: string;
  baseSha?: string;
  labels?: string[];
  state?: 'open' | 'closed';
  draft?: boolean;
  files: PullFile[];
  /** The pull request's commits, oldest first; the last one is the head (its `sha` is `headSha`). Default: one by the author. */
  commits?: NewCommit[];
};

/**
 * A commit a test puts on a pull request: its message and who wrote and committed it (git's name and email, and the
 * GitHub account GitHub matched the email to, if any; the committer defaults to the author, the author to the pull
 * request's author). `sha` is ignored for the last commit, which is the head.
 */
export type NewCommit = { message: string; author?: CommitIdentity; committer?: CommitIdentity; sha?: string };
