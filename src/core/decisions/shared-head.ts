import type { ExecutionState } from '../execution/execution-model.js';

/**
 * The shared-head rule. A check run belongs to a commit, not to a pull request: while another open pull request with
 * the same head commit is not approved, a success on this one would pass that one's required check too. So a passing
 * check waits for every other pull request governed at this head, except one whose head has moved on since (its own
 * evaluation follows) and one that waits only for this commit's check while its own approvals hold (it is evaluated
 * again instead of standing in the way).
 */

/** The states in which another pull request at this head is not approved yet. */
export const UNAPPROVED_STATES: readonly ExecutionState[] = ['proposed', 'blocked', 'awaiting_approval'];

/** Another execution whose pull request has this head commit. */
export type HeadSharer = { id: string; pullRequest: number; state: ExecutionState };

/** What was read of a sharer pinned to this head. */
export type SharerFacts = HeadSharer & {
  /** GitHub's head of that pull request is another commit now. */
  superseded: boolean;
  /** Its approvals hold, judged on its own snapshot (read only for one awaiting approval and not superseded). */
  approvalsHeld?: boolean;
};

export type SharedHeadDecision = {
  /** The pull requests that keep this check from passing, by number. */
  blocking: number[];
  /** The executions to evaluate again (they wait only for this commit's check). */
  reevaluate: string[];
};

/** The executions at this head that the rule looks at, by pull-request number. */
export function headSharers(selfId: string, atHead: readonly HeadSharer[]): HeadSharer[] {
  return atHead
    .filter((x) => x.id !== selfId && UNAPPROVED_STATES.includes(x.state))
    .sort((a, b) => a.pullRequest - b.pullRequest);
}

/** Whether a sharer's approvals need judging (only one awaiting approval at this very head). */
export function needsApprovals(sharer: Pick<SharerFacts, 'state' | 'superseded'>): boolean {
  return !sharer.superseded && sharer.state === 'awaiting_approval';
}

export function decideSharedHead(sharers: readonly SharerFacts[]): SharedHeadDecision {
  const blocking: number[] = [];
  const reevaluate: string[] = [];
  for (const sharer of sharers) {
    if (sharer.superseded) continue;
    if (sharer.state === 'awaiting_approval' && sharer.approvalsHeld === true) reevaluate.push(sharer.id);
    else blocking.push(sharer.pullRequest);
  }
  return { blocking, reevaluate };
}
