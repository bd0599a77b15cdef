import { describe, expect, it } from 'vitest';
import { deployPriority, scheduleWithHold } from '../../../src/core/deploy/decide-dispatch.js';
import { MAX_HOLD_MS, type DeployHold } from '../../../src/core/deploy/deploy-hold.js';
import { Policy } from '../../../src/core/policy/schema.js';

// When a merged change may be dispatched, on plain facts: the schedule and a hold someone set (decideDispatch's own
// table is test/security/deploy-freeze.test.ts).

const NOW = new Date('2026-12-01T10:00:00Z');
const always = Policy.parse({}).schedule;
const hold = (notBefore: Date, at = NOW): DeployHold => ({
  executionId: 'exe_1',
  notBefore: notBefore.toISOString(),
  by: 'octocat',
  at: at.toISOString(),
});
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe('scheduleWithHold', () => {
  it.each([
    ['no hold', undefined, { open: true }],
    ['a hold that has passed', hold(later(-1)), { open: true }],
    [
      'a hold in an hour',
      hold(later(3_600_000)),
      { open: false, reason: `scheduled by @octocat for ${later(3_600_000).toISOString()}`, opensAt: later(3_600_000) },
    ],
    [
      'a hold longer than the longest lasts the longest',
      hold(later(MAX_HOLD_MS * 2)),
      {
        open: false,
        reason: `scheduled by @octocat for ${later(MAX_HOLD_MS).toISOString()}`,
        opensAt: later(MAX_HOLD_MS),
      },
    ],
    ['a hold set over a week ago is over', hold(later(3_600_000), later(-MAX_HOLD_MS - 1)), { open: true }],
  ])('%s', (_, given, expected) => {
    expect(scheduleWithHold(always, given, NOW)).toEqual(expected);
  });
});

describe('deployPriority', () => {
  it.each([
    [null, 0],
    ['bug', 1],
    ['ops', 1],
    ['feature', 0],
  ] as const)('%s: %s', (classification, expected) => {
    const work = classification === null ? null : ({ triage: { classification } } as never);
    expect(deployPriority({ work })).toBe(expected);
  });
});
