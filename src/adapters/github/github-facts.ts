import type { ProbotOctokit } from 'probot';
import type { Finding } from '../../core/policy/evaluation.js';

/** What the GitHub adapter returns and takes: our own plain data, and the one mapping from GitHub's pull request shape. */

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
