import { describe, expect, it } from 'vitest';
import {
  decideDeploymentReview,
  RUN_CLOCK_SKEW_MS,
  type DeployLockFacts,
  type DeploymentReviewFacts,
  type WorkflowRunFacts,
} from '../../../src/core/decisions/deployment-review.js';

const SHA = 'a'.repeat(40);
const DISPATCHED_AT = '2026-01-01T10:00:00.000Z';
const lock: DeployLockFacts = {
  executionId: 'x1',
  environment: 'production',
  sha: SHA,
  eventType: 'aaoe-deploy',
  dispatchedAt: DISPATCHED_AT,
  runId: null,
};
const run: WorkflowRunFacts = { id: 7, event: 'repository_dispatch', createdAt: '2026-01-01T10:00:01.000Z' };
const base: DeploymentReviewFacts = {
  environment: 'production',
  runId: 7,
  deploymentSha: 'd'.repeat(40),
  policyValid: true,
  freeze: undefined,
  lock,
  holder: { id: 'x1', state: 'deploying', pullRequest: 3 },
  run,
};
const freeze = { id: 1, reason: 'two failed canaries', since: DISPATCHED_AT, until: '2026-01-01T11:00:00.000Z' };
/** A run created `ms` after the dispatch (negative: before it). */
const createdAfter = (ms: number): WorkflowRunFacts => ({
  ...run,
  createdAt: new Date(Date.parse(DISPATCHED_AT) + ms).toISOString(),
});

describe('decideDeploymentReview', () => {
  it.each<[string, Partial<DeploymentReviewFacts>, 'approved' | 'rejected', string | null, RegExp]>([
    // approved: the run of AAOE's own dispatch, for an execution whose dispatch is in flight
    ['the run of the deploy dispatch', {}, 'approved', 'x1', /^AAOE: execution x1 \(#3\) passed the policy/],
    [
      'the deploy of a merged execution',
      { holder: { id: 'x1', state: 'merged', pullRequest: 3 } },
      'approved',
      'x1',
      /aaoe-deploy/,
    ],
    [
      'the same run again (a re-run attempt)',
      { lock: { ...lock, runId: 7 } },
      'approved',
      'x1',
      /run 7 is that dispatch's run/,
    ],
    [
      'a rollback run of an execution rolling back',
      { lock: { ...lock, eventType: 'aaoe-rollback' }, holder: { id: 'x1', state: 'rolling_back', pullRequest: 3 } },
      'approved',
      'x1',
      /\(aaoe-rollback\) to production/,
    ],
    [
      'an execution without a pull request',
      { holder: { id: 'x1', state: 'deploying', pullRequest: null } },
      'approved',
      'x1',
      /^AAOE: execution x1 passed/,
    ],
    [
      'a run stamped the whole skew before the dispatch',
      { run: createdAfter(-RUN_CLOCK_SKEW_MS) },
      'approved',
      'x1',
      /passed the policy/,
    ],
    // rejected: the repository is frozen or its policy is broken, whatever the lock says
    [
      'frozen',
      { freeze },
      'rejected',
      'x1',
      /frozen until 2026-01-01T11:00:00.000Z: two failed canaries\. An admin can lift it/,
    ],
    ['frozen, and no lock at all', { freeze, lock: undefined, holder: undefined }, 'rejected', null, /frozen until/],
    [
      'frozen, and the policy invalid: the freeze is said',
      { freeze, policyValid: false },
      'rejected',
      'x1',
      /frozen until/,
    ],
    ['policy invalid', { policyValid: false }, 'rejected', 'x1', /\.github\/aaoe\.yml\) does not validate/],
    // rejected: AAOE dispatched nothing (the run's deployment.sha is never judged)
    [
      'no lock',
      { lock: undefined, holder: undefined },
      'rejected',
      null,
      /dispatched nothing to production: .*deployment\.sha ddddddd was never judged/,
    ],
    ['a lock whose holder is gone', { holder: undefined }, 'rejected', null, /no execution holds its deploy lock/],
    [
      'a lock with no dispatch',
      { lock: { ...lock, sha: null, eventType: null, dispatchedAt: null } },
      'rejected',
      'x1',
      /holds production but AAOE has dispatched nothing for it yet/,
    ],
    [
      'a dispatch with no time',
      { lock: { ...lock, dispatchedAt: null } },
      'rejected',
      'x1',
      /dispatched nothing for it yet/,
    ],
    ['a dispatch with an empty SHA', { lock: { ...lock, sha: '' } }, 'rejected', 'x1', /dispatched nothing for it yet/],
    // rejected: the dispatch is not in flight for the holder's state
    [
      'a holder no longer deploying',
      { holder: { id: 'x1', state: 'completed', pullRequest: 3 } },
      'rejected',
      'x1',
      /is completed: its aaoe-deploy of aaaaaaa is not in flight/,
    ],
    [
      'a deploy dispatch while the holder rolls back',
      { holder: { id: 'x1', state: 'rolling_back', pullRequest: 3 } },
      'rejected',
      'x1',
      /is rolling back: .*not in flight/,
    ],
    [
      'a rollback dispatch while the holder deploys',
      { lock: { ...lock, eventType: 'aaoe-rollback' } },
      'rejected',
      'x1',
      /its aaoe-rollback of aaaaaaa is not in flight/,
    ],
    [
      'an event type AAOE never dispatches',
      { lock: { ...lock, eventType: 'aaoe-other' } },
      'rejected',
      'x1',
      /not in flight/,
    ],
    // rejected: the run is not the dispatch's run
    ['an unreadable run', { run: undefined }, 'rejected', 'x1', /workflow run 7 could not be read/],
    ['a push run', { run: { ...run, event: 'push' } }, 'rejected', 'x1', /started by push, not by AAOE's dispatch/],
    [
      'a workflow_dispatch run',
      { run: { ...run, event: 'workflow_dispatch' } },
      'rejected',
      'x1',
      /started by workflow_dispatch/,
    ],
    [
      'a run from before the dispatch',
      { run: createdAfter(-120_000) },
      'rejected',
      'x1',
      /before AAOE dispatched aaaaaaa at 2026-01-01T10:00:00.000Z/,
    ],
    [
      'a run stamped just past the skew before the dispatch',
      { run: createdAfter(-RUN_CLOCK_SKEW_MS - 1) },
      'rejected',
      'x1',
      /before AAOE dispatched/,
    ],
    [
      'another run already approved (a replay)',
      { lock: { ...lock, runId: 6 } },
      'rejected',
      'x1',
      /run 6 was approved for AAOE's dispatch of aaaaaaa already/,
    ],
  ])('%s -> %s', (_name, over, state, executionId, comment) => {
    const decision = decideDeploymentReview({ ...base, ...over });
    expect(decision.state).toBe(state);
    expect(decision.executionId).toBe(executionId);
    expect(decision.comment).toMatch(comment);
    expect(decision.comment.startsWith('AAOE: ')).toBe(true);
  });

  it('approves the commit AAOE dispatched, never the run deployment.sha', () => {
    const decision = decideDeploymentReview(base);
    expect(decision).toMatchObject({ state: 'approved', sha: SHA });
    expect(decision.comment).not.toContain('d'.repeat(7));
  });
});
