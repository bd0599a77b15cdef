import { DEPLOY_EVENT_TYPE, ROLLBACK_EVENT_TYPE } from '../../contracts/dispatch.js';
import type { ExecutionRecord } from '../execution/records.js';
import { DEPLOYMENT_REVIEW_TEXT as TEXT } from '../text/deployment-review.js';
import { ORG_FREEZE_TEXT } from '../text/org-freeze.js';

/**
 * AAOE as a custom deployment protection rule, decided on plain facts. A workflow run that asks to deploy to an
 * environment is approved only when it is the run of a dispatch AAOE made: an execution deploying (or rolling back)
 * holds that environment's deploy lock with the commit AAOE dispatched, and the run was started by a
 * `repository_dispatch` after that dispatch, and no other run was approved for it. The commit judged is the one AAOE
 * dispatched, never the run's `deployment.sha` (for a dispatched run, the default branch's head) nor a pull request
 * the run lists. Anything else is rejected, saying why: fails closed.
 */

/** How far GitHub's clock may be behind AAOE's when it stamps a run started by AAOE's dispatch. */
export const RUN_CLOCK_SKEW_MS = 30_000;

export type WorkflowRunFacts = { id: number; event: string; createdAt: string };

/** The freeze in force (the circuit breaker's or an admin's), as the review reads it. */
export type FreezeFacts = {
  id: number;
  reason: string;
  since: string;
  until: string;
  /** Whose: the repository's (the default) or the organisation's (docs/freeze.md). */
  scope?: 'repository' | 'organisation';
};

/** The deploy lock of the environment asked about, and what AAOE dispatched while holding it. */
export type DeployLockFacts = {
  executionId: string;
  environment: string;
  sha: string | null;
  eventType: string | null;
  dispatchedAt: string | null;
  /** The run already approved for this dispatch, if any. */
  runId: number | null;
};

/** The facts one review is decided on, read at one moment. */
export type DeploymentReviewFacts = {
  environment: string;
  runId: number;
  /** The run's `deployment.sha`: recorded, never judged. */
  deploymentSha: string;
  policyValid: boolean;
  freeze: FreezeFacts | undefined;
  lock: DeployLockFacts | undefined;
  holder: Pick<ExecutionRecord, 'id' | 'state' | 'pullRequest'> | undefined;
  run: WorkflowRunFacts | undefined;
};

export type DeploymentReviewDecision =
  | { state: 'approved'; executionId: string; sha: string; comment: string }
  | { state: 'rejected'; executionId: string | null; comment: string };

/** The execution states in which a dispatch of each event type is in flight. */
const DEPLOY_STATES: Record<string, readonly string[]> = {
  [DEPLOY_EVENT_TYPE]: ['merged', 'deploying'],
  [ROLLBACK_EVENT_TYPE]: ['rolling_back'],
};

/** The review of one deployment (pure). */
export function decideDeploymentReview(f: DeploymentReviewFacts): DeploymentReviewDecision {
  const reject = (comment: string, executionId: string | null = f.holder?.id ?? null): DeploymentReviewDecision => ({
    state: 'rejected',
    executionId,
    comment: `AAOE: ${comment}`,
  });
  if (f.freeze)
    return reject(
      f.freeze.scope === 'organisation'
        ? ORG_FREEZE_TEXT.deploymentsStopped(f.freeze.reason)
        : TEXT.frozen(f.freeze.until, f.freeze.reason),
    );
  if (!f.policyValid) return reject(TEXT.policyInvalid());
  if (!f.lock || !f.holder) return reject(TEXT.noHolder(f.environment, f.deploymentSha), null);
  const x = f.holder;
  const about = `execution ${x.id}${x.pullRequest !== null ? ` (#${x.pullRequest})` : ''}`;
  const { sha, eventType, dispatchedAt } = f.lock;
  if (!sha || !eventType || !dispatchedAt) return reject(TEXT.notDispatched(about, f.lock.environment));
  if (!(DEPLOY_STATES[eventType] ?? []).includes(x.state))
    return reject(TEXT.notInFlight(about, x.state, eventType, sha));
  if (!f.run) return reject(TEXT.runUnreadable(f.runId, sha));
  if (f.run.event !== 'repository_dispatch') return reject(TEXT.otherEvent(f.runId, f.run.event, eventType));
  if (Date.parse(f.run.createdAt) + RUN_CLOCK_SKEW_MS < Date.parse(dispatchedAt))
    return reject(TEXT.beforeDispatch(f.runId, f.run.createdAt, sha, dispatchedAt));
  if (f.lock.runId !== null && f.lock.runId !== f.runId) return reject(TEXT.replay(f.lock.runId, sha));
  const lock = { sha, eventType, environment: f.lock.environment, dispatchedAt };
  return { state: 'approved', executionId: x.id, sha, comment: `AAOE: ${TEXT.approved(about, lock, f.runId)}` };
}
