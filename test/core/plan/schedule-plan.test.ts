import { describe, expect, it } from 'vitest';
import { rollbackOrder, schedulePlan, type StepStates } from '../../../src/core/plan/schedule-plan.js';
import { Plan, type PlanInput } from '../../../src/core/plan/schema.js';
import { planWindows } from '../../../src/core/plan/windows.js';

const NOW = new Date('2026-11-23T08:00:00Z'); // a Monday
const always = { isOpen: () => true, opensAt: () => undefined };
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

function plan(
  policy: PlanInput['policy'],
  steps: Array<[id: string, dependsOn: string[], extra?: Record<string, unknown>]>,
  windows: PlanInput['windows'] = {},
): Plan {
  return Plan.parse({
    id: 'p',
    goal: 'g',
    policy,
    windows,
    steps: steps.map(([id, dependsOn, extra]) => ({
      id,
      repository: `acme/${id}`,
      team: 'acme/core',
      task: id,
      dependsOn,
      ...extra,
    })),
  });
}

const diamond = plan({ maxParallel: 2 }, [
  ['a', []],
  ['b', ['a']],
  ['c', ['a']],
  ['d', ['b', 'c']],
]);

describe('schedulePlan', () => {
  it.each<[string, StepStates, string[]]>([
    ['only the root when nothing ran', {}, ['a']],
    ['both middle steps once the root succeeded', { a: { status: 'succeeded' } }, ['b', 'c']],
    ['nothing more while the root runs', { a: { status: 'running', startedAt: NOW } }, []],
    [
      'the join only when both its dependencies succeeded',
      { a: { status: 'succeeded' }, b: { status: 'succeeded' }, c: { status: 'running', startedAt: NOW } },
      [],
    ],
    [
      'the join once both succeeded',
      { a: { status: 'succeeded' }, b: { status: 'succeeded' }, c: { status: 'succeeded' } },
      ['d'],
    ],
  ])('starts %s', (_, states, expected) => {
    const schedule = schedulePlan(diamond, states, NOW, always);
    expect(schedule.status).toBe('active');
    if (schedule.status === 'active') expect(schedule.start).toEqual(expected);
  });

  it('never starts more than maxParallel, counting running steps, and says why the rest wait', () => {
    const wide = plan({ maxParallel: 2 }, [
      ['a', []],
      ['b', []],
      ['c', []],
      ['d', []],
    ]);
    expect(schedulePlan(wide, {}, NOW, always)).toMatchObject({
      status: 'active',
      start: ['a', 'b'],
      waiting: [
        { step: 'c', reason: { kind: 'max_parallel' } },
        { step: 'd', reason: { kind: 'max_parallel' } },
      ],
    });
    expect(schedulePlan(wide, { a: { status: 'running', startedAt: NOW } }, NOW, always)).toMatchObject({
      start: ['b'],
    });
  });

  it('respects the velocity limit per team in a rolling week and looks again when a slot frees up', () => {
    const paced = plan({ maxParallel: 5, velocity: { perTeamPerWeek: 2 } }, [
      ['a', []],
      ['b', []],
      ['c', []],
      ['x', [], { team: 'acme/other' }],
    ]);
    const first = schedulePlan(paced, {}, NOW, always);
    expect(first).toMatchObject({
      status: 'active',
      start: ['a', 'b', 'x'],
      waiting: [{ step: 'c', reason: { kind: 'velocity', team: 'acme/core', started: 2 } }],
    });
    const twoDaysAgo = new Date(NOW.getTime() - 2 * 86_400_000);
    const later = schedulePlan(
      paced,
      {
        a: { status: 'succeeded', startedAt: twoDaysAgo },
        b: { status: 'succeeded', startedAt: NOW },
        x: { status: 'succeeded', startedAt: NOW },
      },
      NOW,
      always,
    );
    expect(later).toMatchObject({ start: [], lookAgainAt: new Date(twoDaysAgo.getTime() + 7 * 86_400_000) });
    const eightDaysAgo = new Date(NOW.getTime() - 8 * 86_400_000);
    expect(
      schedulePlan(
        paced,
        { a: { status: 'succeeded', startedAt: eightDaysAgo }, b: { status: 'succeeded', startedAt: NOW } },
        NOW,
        always,
      ),
    ).toMatchObject({ start: ['c', 'x'] });
  });

  it('starts a step only in its window and looks again when the window opens', () => {
    const windowed = plan({ maxParallel: 2 }, [['a', [], { window: 'office' }]], {
      office: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00', timezone: 'UTC' },
    });
    expect(schedulePlan(windowed, {}, NOW, planWindows(windowed))).toMatchObject({
      start: [],
      waiting: [{ step: 'a', reason: { kind: 'window', window: 'office' } }],
      lookAgainAt: new Date('2026-11-23T09:00:00Z'),
    });
    expect(schedulePlan(windowed, {}, new Date('2026-11-23T09:00:00Z'), planWindows(windowed))).toMatchObject({
      start: ['a'],
    });
    // Friday 17:00 -> Monday 09:00
    expect(schedulePlan(windowed, {}, new Date('2026-11-27T17:00:00Z'), planWindows(windowed))).toMatchObject({
      lookAgainAt: new Date('2026-11-30T09:00:00Z'),
    });
  });

  it('starts nothing after the deadline', () => {
    const due = plan({ maxParallel: 2, deadline: '2026-11-23T07:59:00Z' }, [['a', []]]);
    expect(schedulePlan(due, {}, NOW, always)).toMatchObject({
      start: [],
      waiting: [{ step: 'a', reason: { kind: 'deadline' } }],
      lookAgainAt: undefined,
    });
  });

  it('pauses on a failed step: nothing new starts, running steps are listed, and the rollback order is given', () => {
    const states: StepStates = {
      a: { status: 'succeeded', startedAt: NOW, finishedAt: minutes(30) },
      b: { status: 'running', startedAt: minutes(30) },
      c: { status: 'failed', startedAt: minutes(30), finishedAt: minutes(45) },
    };
    expect(schedulePlan(diamond, states, minutes(45), always)).toEqual({
      status: 'paused',
      failed: ['c'],
      running: ['b'],
      rollback: ['a'],
    });
  });

  it('is done when every step succeeded, and rolling back once a step was rolled back', () => {
    const done: StepStates = Object.fromEntries(
      ['a', 'b', 'c', 'd'].map((id) => [id, { status: 'succeeded' as const }]),
    );
    expect(schedulePlan(diamond, done, NOW, always)).toEqual({ status: 'done', succeeded: ['a', 'b', 'c', 'd'] });
    expect(schedulePlan(diamond, { ...done, d: { status: 'rolled_back' } }, NOW, always)).toMatchObject({
      status: 'rolling_back',
      rolledBack: ['d'],
      next: ['c', 'b', 'a'],
    });
  });
});

describe('rollbackOrder', () => {
  it('lists succeeded steps, last completed first', () => {
    const states: StepStates = {
      a: { status: 'succeeded', finishedAt: minutes(10) },
      b: { status: 'succeeded', finishedAt: minutes(70) },
      c: { status: 'succeeded', finishedAt: minutes(40) },
      d: { status: 'failed', finishedAt: minutes(90) },
    };
    expect(rollbackOrder(diamond, states)).toEqual(['b', 'c', 'a']);
  });
});

describe('windows', () => {
  const night = plan({ maxParallel: 1 }, [['a', [], { window: 'night' }]], {
    night: { days: ['fri'], from: '22:00', to: '02:00', timezone: 'Europe/Berlin' },
  });
  const open = planWindows(night);
  it.each([
    ['2026-11-27T20:59:00Z', false], // Fri 21:59 Berlin
    ['2026-11-27T21:00:00Z', true], // Fri 22:00
    ['2026-11-28T00:59:00Z', true], // Sat 01:59, the part after midnight belongs to Friday
    ['2026-11-28T01:00:00Z', false], // Sat 02:00
    ['2026-11-28T21:30:00Z', false], // Sat 22:30: not a window day
  ])('a window crossing midnight in its time zone: %s -> %s', (at, expected) => {
    expect(open.isOpen('night', new Date(at))).toBe(expected);
  });
  it('finds the next opening, none while open, and none for an unknown window', () => {
    expect(open.opensAt('night', new Date('2026-11-23T08:00:00Z'))).toEqual(new Date('2026-11-27T21:00:00Z'));
    expect(open.opensAt('night', new Date('2026-11-27T21:30:00Z'))).toBeUndefined();
    expect(open.opensAt('nope', new Date('2026-11-23T08:00:00Z'))).toBeUndefined();
  });
});
