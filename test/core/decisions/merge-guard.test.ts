import { describe, expect, it } from 'vitest';
import {
  guardMergeJob,
  guardMergeTarget,
  type MergeGuard,
  type MergeJobFacts,
  type MergeTargetFacts,
} from '../../../src/core/decisions/merge-guard.js';

const job: MergeJobFacts = { pullRequest: 7, state: 'approved', executionHead: 'aaa', jobHead: 'aaa' };

describe('guardMergeJob', () => {
  it.each<[string, Partial<MergeJobFacts>, MergeGuard]>([
    ['approved at the head the job names: merged', {}, { merge: true }],
    // approval-head-race: a head pushed after the approval is never merged on the old approval
    [
      'the head moved since the job was queued',
      { executionHead: 'bbb' },
      { merge: false, reason: 'not approved at aaa (approved)' },
    ],
    ['no head recorded', { executionHead: undefined }, { merge: false, reason: 'not approved at aaa (approved)' }],
    [
      'not approved (waiting for a person)',
      { state: 'awaiting_approval' },
      { merge: false, reason: 'not approved at aaa (awaiting_approval)' },
    ],
    ['not approved (blocked)', { state: 'blocked' }, { merge: false, reason: 'not approved at aaa (blocked)' }],
    ['already merged', { state: 'merged' }, { merge: false, reason: 'not approved at aaa (merged)' }],
    [
      'no pull request (issue work before it opened one)',
      { pullRequest: null },
      { merge: false, reason: 'not approved at aaa (approved)' },
    ],
  ])('%s', (_name, over, guard) => {
    expect(guardMergeJob({ ...job, ...over })).toEqual(guard);
  });
});

const target: MergeTargetFacts = { baseRef: 'main', defaultBranch: 'main', branches: [], judgedBaseRef: 'main' };

describe('guardMergeTarget', () => {
  it.each<[string, Partial<MergeTargetFacts>, MergeGuard]>([
    ['into the default branch it was judged for', {}, { merge: true }],
    [
      'no judged base recorded (an older execution): the deploy branch decides',
      { judgedBaseRef: undefined },
      { merge: true },
    ],
    [
      'into a deploy branch the policy names',
      { baseRef: 'release', branches: ['release'], judgedBaseRef: 'release' },
      { merge: true },
    ],
    // base-branch: never into a branch that is not a deploy branch
    [
      'into a branch that is no deploy branch',
      { baseRef: 'feature', judgedBaseRef: 'feature' },
      { merge: false, reason: '`feature` is not a deploy branch (`main`)' },
    ],
    [
      'branch names compare exactly',
      { baseRef: 'Main', judgedBaseRef: 'Main' },
      { merge: false, reason: '`Main` is not a deploy branch (`main`)' },
    ],
    [
      'retargeted since the verdict',
      { baseRef: 'release', branches: ['release'], judgedBaseRef: 'main' },
      { merge: false, reason: 'the base is `release` now, the verdict was for `main`' },
    ],
    [
      'no default branch known and no deploy branches',
      { defaultBranch: '', judgedBaseRef: 'main' },
      { merge: false, reason: '`main` is not a deploy branch (none known)' },
    ],
  ])('%s', (_name, over, guard) => {
    expect(guardMergeTarget({ ...target, ...over })).toEqual(guard);
  });
});
