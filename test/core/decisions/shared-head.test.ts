import { describe, expect, it } from 'vitest';
import {
  decideSharedHead,
  headSharers,
  needsApprovals,
  type HeadSharer,
  type SharerFacts,
} from '../../../src/core/decisions/shared-head.js';
import type { ExecutionState } from '../../../src/core/execution/execution-model.js';

const sharer = (pullRequest: number, state: ExecutionState, over: Partial<SharerFacts> = {}): SharerFacts => ({
  id: `x${pullRequest}`,
  pullRequest,
  state,
  superseded: false,
  ...over,
});

describe('decideSharedHead', () => {
  it.each<[string, SharerFacts[], number[], string[]]>([
    ['no other pull request at this head: nothing holds the check', [], [], []],
    // approval-head-race: another open pull request with the same head, not approved, keeps this check from passing
    ['an unapproved proposed one blocks', [sharer(8, 'proposed')], [8], []],
    ['a blocked one blocks', [sharer(8, 'blocked')], [8], []],
    [
      'one awaiting approval whose approvals do not hold blocks',
      [sharer(8, 'awaiting_approval', { approvalsHeld: false })],
      [8],
      [],
    ],
    ['one awaiting approval, approvals not read, blocks (fail closed)', [sharer(8, 'awaiting_approval')], [8], []],
    [
      'one awaiting only this check while its approvals hold is evaluated again, not in the way',
      [sharer(8, 'awaiting_approval', { approvalsHeld: true })],
      [],
      ['x8'],
    ],
    // stale-files: one whose head moved on shares nothing (its own evaluation follows)
    ['one whose head moved on shares nothing', [sharer(8, 'proposed', { superseded: true })], [], []],
    [
      'a superseded one with approvals that held is not evaluated again either',
      [sharer(8, 'awaiting_approval', { superseded: true, approvalsHeld: true })],
      [],
      [],
    ],
    ['approvals held count only for one awaiting approval', [sharer(8, 'blocked', { approvalsHeld: true })], [8], []],
    [
      'several: each decided on its own, in the order given',
      [sharer(3, 'proposed'), sharer(5, 'awaiting_approval', { approvalsHeld: true }), sharer(9, 'blocked')],
      [3, 9],
      ['x5'],
    ],
  ])('%s', (_name, sharers, blocking, reevaluate) => {
    expect(decideSharedHead(sharers)).toEqual({ blocking, reevaluate });
  });
});

describe('headSharers', () => {
  const at = (id: string, pullRequest: number, state: ExecutionState): HeadSharer => ({ id, pullRequest, state });
  it.each<[string, HeadSharer[], string[]]>([
    ['itself is no sharer', [at('self', 1, 'proposed')], []],
    [
      'only the states that are not approved yet count',
      [
        at('a', 2, 'proposed'),
        at('b', 3, 'blocked'),
        at('c', 4, 'awaiting_approval'),
        at('d', 5, 'approved'),
        at('e', 6, 'scheduled'),
        at('f', 7, 'deploying'),
        at('g', 8, 'failed'),
      ],
      ['a', 'b', 'c'],
    ],
    [
      'sorted by pull-request number',
      [at('b', 9, 'blocked'), at('a', 2, 'proposed'), at('c', 5, 'proposed')],
      ['a', 'c', 'b'],
    ],
  ])('%s', (_name, atHead, ids) => {
    expect(headSharers('self', atHead).map((x) => x.id)).toEqual(ids);
  });
});

describe('needsApprovals', () => {
  it.each<[ExecutionState, boolean, boolean]>([
    ['awaiting_approval', false, true],
    ['awaiting_approval', true, false],
    ['proposed', false, false],
    ['blocked', false, false],
  ])('%s, superseded %s: %s', (state, superseded, needed) => {
    expect(needsApprovals({ state, superseded })).toBe(needed);
  });
});
