import type { Classification, Proposal } from '../agent/proposal.js';
import type { Execution } from './execution-model.js';

/**
 * The records the store keeps, as plain types: executions with their subject and agent work, audit entries and
 * approvals. They live here, below the store, so pure code (views, status text) reads them without the store;
 * src/adapters/store/* reads and writes them.
 */

export type ExecutionRecord = Execution & {
  /** `owner/name`. */
  repo: string;
  installationId: number;
  /** The pull request the execution governs, when there is one. */
  pullRequest: number | null;
  /** The delivery that started it: the id that ties logs, jobs and audit entries together. */
  traceId: string;
  /** Facts about the pull request from its latest delivery. */
  subject: PullRequestSubject | null;
  /** The issue the execution started from, when it did. */
  issue: number | null;
  /** What the agent's work produced so far (executions started from an issue). */
  work: AgentWork | null;
};

/**
 * An issue execution's work, step by step. Each field is written once, by the step that produces it, in the
 * transaction that moves the execution on, so a step that runs again reuses it (the proposal is never asked
 * for twice, the commit is the same object).
 */
export type AgentWork = {
  issue: { number: number; title: string; htmlUrl: string; labelledBy: string };
  /** Files the change must contain as they are (a plan step's rendered change packages): the commit carries them whatever the model proposed. */
  packages?: Array<{ path: string; type: string; content: string }>;
  triage?: {
    classification: Classification;
    /** Whether the labels settled the class or a model was asked. */
    source: 'labels' | 'model';
    rationale: string;
    likelyPaths: string[];
    /** Owner -> the likely paths they own (CODEOWNERS of the default branch). */
    owners: Record<string, string[]>;
    unowned: string[];
    conflicts: Array<{ executionId: string; paths: string[] }>;
  };
  /** The default branch's commit the change is made on. */
  base?: { branch: string; commitSha: string; treeSha: string };
  proposal?: Proposal;
  model?: string;
  /** When the proposal was recorded: the commit's date, so a commit written again is the same object. */
  proposedAt?: string;
  branch?: string;
  commitSha?: string;
  /** Reviewers requested from the owners, and why some could not be. */
  reviewers?: { users: string[]; teams: string[]; note?: string };
  /** Why the execution failed, in words for the status comment. */
  failure?: string;
  /** The model spend went past a cap after the fact (the cost gate then judges it). */
  overrun?: string;
};

export type PullRequestSubject = {
  /** The author; `id` is the immutable account id (what identifies an agent across renames). */
  author: { login: string; type: string; id?: number };
  isAgent: boolean;
  /**
   * Which agent the work is from, for the per-agent view: a catalogue name (`copilot`, `claude`, ...), `aaoe` for
   * AAOE's own, or the account's login for an agent the catalogue does not know. Absent for a person's labelled work.
   */
  agent?: string;
  /** What the pull request's declaration says the work cost (recorded as declared, never as measured). */
  declaredCost?: { tokens: number; usd: number };
  htmlUrl: string;
  governedBecause: string;
  /** `updated_at` of the pull request in the delivery last applied: an older delivery arriving late is stale. */
  updatedAt?: string;
  /** The base branch in the delivery last applied (the evaluation's first guess of the pair; GitHub's read decides). */
  baseRef?: string;
  /**
   * The pair the latest verdict was posted for: the base branch and its commit, and the head commit (one snapshot,
   * src/core/policy/snapshot.ts). A merge deploys only this head, merged into this base, when it is a deploy branch.
   */
  judged?: { baseRef: string; baseSha: string; headSha: string; deployable: boolean };
};

export type AuditEntry = {
  seq: number;
  at: Date;
  executionId: string | null;
  traceId: string | null;
  actor: string;
  action: string;
  reason: string | null;
  costUsd: string | null;
  costTokens: number | null;
  data: unknown;
  prevHash: string;
  hash: string;
};

export type ExecutionAudit = {
  executionId: string;
  entries: AuditEntry[];
  /** Who approved: actors of approval entries, in order, without repeats. */
  approvedBy: string[];
  /** Why it deployed: the deploy entries with their reasons. */
  deploys: { seq: number; at: Date; actor: string; reason: string | null }[];
  /** What it cost: exact sums over the execution's entries. */
  cost: { usd: string; tokens: number };
};

export type ApprovalRecord = {
  executionId: string;
  pullRequest: number;
  /** The pull request's base commit when it was given (null: recorded before bases were stored; never counts). */
  baseSha: string | null;
  headSha: string;
  actor: { login: string; type: string };
  source: 'comment' | 'button' | 'api';
  /** The comment id, the check run id of the button, or the request id of the API call. */
  sourceId: number;
  /** When it was given: the comment's `created_at`, or when the button delivery (or the API request) was received. */
  at: string;
};
