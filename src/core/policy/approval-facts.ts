import type { RepositoryPermission } from './approvals-schema.js';

/**
 * The facts `evaluateApprovals` judges and the judgement it returns: plain data the app gathers through the API
 * (the candidates AAOE recorded, the reviews, permissions, team members, CODEOWNERS, the pull request's heads).
 */

/** GitHub's `user.type`. Only `User` is a person. */
export type ActorType = 'User' | 'Bot' | 'Organization' | 'Mannequin';
export type Actor = { login: string; type: ActorType };

/**
 * What an approval was given on: a PR number, the commit of its base branch and its head commit at that time (several
 * PRs can share a SHA; retargeting the PR, or a new base commit, changes the diff). `baseSha` is null for an approval
 * recorded before AAOE stored bases: it never counts. A review carries no base (GitHub does not record one).
 */
export type Binding = { pullRequest: number; baseSha: string | null; headSha: string };

/** An approval someone gave through AAOE, as the app recorded it. */
export type ApprovalCandidate =
  | {
      source: 'comment';
      commentId: number;
      actor: Actor;
      createdAt: string;
      /** The comment's `updated_at` as fetched when counting: a value other than `createdAt` means it was edited. */
      updatedAt: string;
      /** Set when an `issue_comment.edited` delivery was seen for it. */
      edited?: boolean;
      boundTo: Binding;
    }
  | {
      /** The Approve button of the `aaoe/policy` check run (a `requested_action` delivery). */
      source: 'button';
      checkRunId: number;
      actor: Actor;
      pressedAt: string;
      /** The check run's head SHA and the PR the app resolved it to. */
      boundTo: Binding;
    }
  | {
      /** `POST /api/v1/executions/{id}/approve` of the control-plane API (or its MCP tool), with a user's token. */
      source: 'api';
      requestId: number;
      actor: Actor;
      givenAt: string;
      /** The PR's head when the request was received. */
      boundTo: Binding;
    };

/** A GitHub pull-request review, as `GET /repos/{o}/{r}/pulls/{n}/reviews` lists it. */
export type ReviewFact = {
  reviewId: number;
  actor: Actor;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  /** The commit the review was given on (`commit_id`). */
  commitId: string;
  pullRequest: number;
  submittedAt: string;
};

/** A login's permission from the collaborator-permission API (`role_name`); `unknown` when it could not be read. */
export type PermissionFact = RepositoryPermission | 'none' | 'unknown';

export type ApprovalFacts = {
  pullRequest: {
    number: number;
    /** The base commit the diff being judged is taken from (`base.sha`). */
    baseSha: string;
    headSha: string;
    /** The PR's earlier head commits (from `synchronize` deliveries): an approval on one of them is stale, not foreign. */
    previousHeadShas: readonly string[];
    author: Actor;
    /** Set when the head branch lives in a fork: the fork's owner. */
    fork?: { owner: string };
  };
  /** Who proposed the change: AAOE's own bot login (`aaoe[bot]`) and the agent accounts (`policy.agents` and the PR's agent). */
  proposer: {
    app: string;
    agents: readonly string[];
    /** The person who asked for the change (applied the trigger label to its issue): never approves it unless `requesterMayApprove`. */
    requester?: string;
  };
  candidates: readonly ApprovalCandidate[];
  /** All reviews of the PR; needed only when the policy counts reviews. */
  reviews?: readonly ReviewFact[];
  /** login -> permission, read through the API when counting. A login missing here is `unknown` and never counts. */
  permissions: Readonly<Record<string, PermissionFact>>;
  /** `org/team-slug` -> member logins, for the teams of `approvals.teams` and of CODEOWNERS. A team missing here has no known member. */
  teams: Readonly<Record<string, readonly string[]>>;
  /** The CODEOWNERS file of the base branch (never the PR head's); absent when there is none. */
  codeowners?: { path: string; text: string };
  /** Every path the PR touches (both paths of a rename). */
  changedPaths: readonly string[];
};

export type ApprovalRef =
  | { source: 'comment'; commentId: number }
  | { source: 'button'; checkRunId: number }
  | { source: 'api'; requestId: number }
  | { source: 'review'; reviewId: number };

export type CountedApproval = { ref: ApprovalRef; login: string; permission: RepositoryPermission; at: string };

/** The rule that kept a candidate from counting. */
export type RejectionReason =
  | { rule: 'reviews_not_counted' }
  | { rule: 'review_superseded'; byReviewId: number; state: 'APPROVED' | 'CHANGES_REQUESTED' }
  | { rule: 'app' }
  | { rule: 'bot'; type: ActorType }
  | { rule: 'self_approval'; as: 'proposer' | 'author' | 'requester' }
  | { rule: 'fork_owner'; owner: string }
  | { rule: 'edited' }
  | { rule: 'other_pull_request'; pullRequest: number }
  | { rule: 'other_base'; baseSha: string | null; currentBaseSha: string }
  | { rule: 'other_commit'; sha: string }
  | { rule: 'stale'; sha: string; headSha: string }
  | { rule: 'permission_unknown' }
  | { rule: 'permission'; permission: RepositoryPermission | 'none'; allowed: RepositoryPermission[] }
  | { rule: 'duplicate'; countedAs: ApprovalRef };

export type RejectedApproval = { ref: ApprovalRef; login: string; reason: RejectionReason; message: string };

export type RequirementStatus = 'satisfied' | 'unsatisfied';

export type Requirement =
  | { kind: 'minimum'; status: RequirementStatus; required: number; approvers: string[]; message: string }
  | {
      /** The touched paths whose owners one CODEOWNERS rule (the last matching one) decides. */
      kind: 'owner_group';
      status: RequirementStatus;
      pattern: string;
      line: number;
      paths: string[];
      owners: string[];
      approvedBy: string[];
      /** Owners that cannot be matched to an approver: email addresses, teams whose members are unknown. */
      unresolved: string[];
      message: string;
    }
  /** `owners: codeowners` but the base branch has no CODEOWNERS file: fails closed. */
  | { kind: 'codeowners_missing'; status: 'unsatisfied'; message: string }
  | {
      kind: 'team';
      status: RequirementStatus;
      team: string;
      membership: 'known' | 'unknown';
      approvedBy: string[];
      message: string;
    };

export type StillNeeded = {
  /** Distinct approvers still missing to reach `minimum`. */
  approvals: number;
  /** Every other requirement that the counted approvals do not meet yet. */
  requirements: Exclude<Requirement, { kind: 'minimum' }>[];
};

type EvaluationBase = {
  /** One line: what holds and what is missing. */
  summary: string;
  counted: CountedApproval[];
  rejected: RejectedApproval[];
  requirements: Requirement[];
  /** What the judgement rests on besides the candidates: unowned paths, CODEOWNERS lines GitHub ignores too. */
  notes: string[];
};

export type ApprovalsEvaluation =
  (EvaluationBase & { status: 'satisfied' }) | (EvaluationBase & { status: 'unsatisfied'; needed: StillNeeded });
