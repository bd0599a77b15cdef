import type { ExecutionState } from '../execution/execution-model.js';
import { decideDeployTarget } from '../policy/snapshot.js';
import { explainRetargeted } from '../text/pull-request-check.js';

/**
 * When AAOE may merge (`merge: auto`): the execution is approved at exactly the head the merge job names (never a
 * later one), and GitHub's pull request targets a deploy branch and the very base the verdict judged (a retargeted
 * pull request is not merged). GitHub itself refuses the merge when the head moved (`sha` in the merge request).
 */

export type MergeJobFacts = {
  pullRequest: number | null;
  state: ExecutionState;
  /** The execution's head now, and the head the merge job was queued for. */
  executionHead: string | undefined;
  jobHead: string;
};

export type MergeTargetFacts = {
  /** The pull request as GitHub shows it now. */
  baseRef: string;
  defaultBranch: string;
  /** `deployment.branches` of a valid policy ([] when the policy does not validate). */
  branches: readonly string[];
  /** The base the verdict was posted for, if recorded. */
  judgedBaseRef: string | undefined;
};

export type MergeGuard = { merge: true } | { merge: false; reason: string };

/** Before reading GitHub: whether the job still has an approved head to merge. */
export function guardMergeJob(facts: MergeJobFacts): MergeGuard {
  if (facts.pullRequest === null || facts.state !== 'approved' || facts.executionHead !== facts.jobHead)
    return { merge: false, reason: `not approved at ${facts.jobHead} (${facts.state})` };
  return { merge: true };
}

/** After reading the pull request: whether its base is one AAOE may merge into. */
export function guardMergeTarget(facts: MergeTargetFacts): MergeGuard {
  const target = decideDeployTarget(facts.baseRef, facts.defaultBranch, facts.branches);
  if (!target.deployable) return { merge: false, reason: target.why };
  if (facts.judgedBaseRef !== undefined && facts.judgedBaseRef !== facts.baseRef)
    return { merge: false, reason: explainRetargeted(facts.baseRef, facts.judgedBaseRef) };
  return { merge: true };
}
