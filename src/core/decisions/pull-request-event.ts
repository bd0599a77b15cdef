import type { ExecutionEvent } from '../execution/execution-model.js';

/**
 * What a `pull_request` delivery does to the pull request's execution. Deliveries are not ordered: one that shows an
 * older state of the pull request than the one already applied (another head, an earlier `updated_at`) must not move
 * the execution back to the older commit; a delivery about the head already being evaluated adds nothing.
 */

export type PullRequestDeliveryFacts = {
  name: string;
  action: string | null;
  /** The pull request as the delivery shows it. */
  headSha: string;
  updatedAt: string;
  sender: string;
  /** The execution's head, and the `updated_at` of the delivery last applied to it. */
  executionHead: string | undefined;
  seenUpdatedAt: string | undefined;
};

export type PullRequestDeliveryDecision =
  | { outcome: 'stale' }
  | { outcome: 'unchanged' }
  | { outcome: 'event'; event: Extract<ExecutionEvent, { type: 'pushed' | 'evaluation_requested' }> };

export function decidePullRequestDelivery(facts: PullRequestDeliveryFacts): PullRequestDeliveryDecision {
  const { headSha } = facts;
  const seen = facts.seenUpdatedAt;
  const sameHead = headSha === facts.executionHead;
  if (seen !== undefined && !sameHead && Date.parse(facts.updatedAt) < Date.parse(seen)) return { outcome: 'stale' };
  const pullRequest = facts.name === 'pull_request';
  // AAOE opened it, and the head it proposed is being evaluated already
  if (pullRequest && facts.action === 'opened' && sameHead) return { outcome: 'unchanged' };
  // an evaluation that found GitHub's head moved on already moved the execution to it (`supersede`), and that
  // head's evaluation is under way: the push's own delivery adds nothing (a second would post a second check)
  if (pullRequest && facts.action === 'synchronize' && sameHead) return { outcome: 'unchanged' };
  return {
    outcome: 'event',
    event:
      pullRequest && facts.action === 'synchronize'
        ? { type: 'pushed', headSha }
        : { type: 'evaluation_requested', headSha, by: facts.sender },
  };
}
