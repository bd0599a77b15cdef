import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../src/core/plan/load-plan.js';
import {
  renderGantt,
  renderScheduleTable,
  simulatePlan,
  type Simulation,
} from '../../../src/core/plan/simulate-plan.js';
import type { Plan } from '../../../src/core/plan/schema.js';
import { planWindows } from '../../../src/core/plan/windows.js';

const START = new Date('2026-11-23T08:00:00Z'); // Monday; the api step waits for office hours (09:00 UTC)

function diamond(): Plan {
  const loaded = loadPlan(
    readFileSync(new URL('../../fixtures/plans/diamond.yml', import.meta.url), 'utf8'),
    'diamond.yml',
  );
  if (!loaded.ok) throw new Error('fixture invalid');
  return loaded.plan;
}

/** The most steps running at any instant, computed from the intervals (independently of the simulator's own count). */
function maxOverlap(simulation: Simulation): number {
  const events = simulation.steps.flatMap((s) =>
    s.startedAt && s.finishedAt
      ? [
          [s.startedAt.getTime(), 1],
          [s.finishedAt.getTime(), -1],
        ]
      : [],
  );
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!); // an end before a start at the same instant
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (now += d!));
  return max;
}

describe('simulatePlan: a four-step diamond across three repositories', () => {
  it('runs the steps in dependency order, never more in parallel than allowed, and ends done', () => {
    const plan = diamond();
    expect(new Set(plan.steps.map((s) => s.repository)).size).toBe(3);
    const simulation = simulatePlan(plan, {
      start: START,
      durations: { schema: 30, client: 90 },
      windows: planWindows(plan),
    });
    expect(simulation.outcome).toBe('done');
    const at = Object.fromEntries(simulation.steps.map((s) => [s.id, s]));
    for (const step of plan.steps) {
      for (const dep of step.dependsOn)
        expect(at[step.id]!.startedAt!.getTime()).toBeGreaterThanOrEqual(at[dep]!.finishedAt!.getTime());
    }
    expect(maxOverlap(simulation)).toBeLessThanOrEqual(plan.policy.maxParallel);
    expect(simulation.peakParallel).toBe(2);
    expect(
      simulation.steps.map((s) => [s.id, s.startedAt?.toISOString(), s.finishedAt?.toISOString(), s.status]),
    ).toEqual([
      ['schema', '2026-11-23T08:00:00.000Z', '2026-11-23T08:30:00.000Z', 'succeeded'],
      ['api', '2026-11-23T09:00:00.000Z', '2026-11-23T10:00:00.000Z', 'succeeded'], // waited for its window
      ['client', '2026-11-23T08:30:00.000Z', '2026-11-23T10:00:00.000Z', 'succeeded'],
      ['cutover', '2026-11-23T10:00:00.000Z', '2026-11-23T11:00:00.000Z', 'succeeded'],
    ]);
  });

  it('with maxParallel 1 runs one step at a time', () => {
    const plan = { ...diamond(), policy: { maxParallel: 1 } };
    const simulation = simulatePlan(plan, { start: START, windows: { isOpen: () => true, opensAt: () => undefined } });
    expect(simulation.outcome).toBe('done');
    expect(maxOverlap(simulation)).toBe(1);
  });

  it('pauses when the third step fails: the join never starts, running steps finish, rollback is reverse completion order', () => {
    const plan = diamond();
    const third = plan.steps[2]!.id;
    const simulation = simulatePlan(plan, {
      start: START,
      durations: { schema: 30, client: 45 },
      failing: new Set([third]),
      windows: planWindows(plan),
    });
    expect(simulation.outcome).toBe('paused');
    expect(simulation.reason).toBe('step client failed: the plan is paused');
    const status = Object.fromEntries(simulation.steps.map((s) => [s.id, s.status]));
    expect(status).toEqual({ schema: 'succeeded', api: 'succeeded', client: 'failed', cutover: 'pending' });
    // client failed at 09:15; api (started 09:00) still finished at 10:00, after schema (08:30)
    expect(simulation.rollback).toEqual(['api', 'schema']);
  });

  it('reports a plan that can never finish instead of looping', () => {
    const plan = diamond();
    const simulation = simulatePlan(plan, { start: START, windows: { isOpen: () => false, opensAt: () => undefined } });
    expect(simulation.outcome).toBe('stuck');
    expect(simulation.reason).toMatch(/api \(window office-hours does not open in the next 8 days\)/);
  });

  it('renders a table and a Mermaid gantt chart', () => {
    const plan = diamond();
    const simulation = simulatePlan(plan, {
      start: START,
      durations: { schema: 30, client: 45 },
      failing: new Set(['client']),
      windows: planWindows(plan),
    });
    expect(renderScheduleTable(simulation)).toBe(
      [
        'step     repository      team           start             end               result',
        '-------  --------------  -------------  ----------------  ----------------  -----------',
        'schema   acme/invoicing  acme/billing   2026-11-23 08:00  2026-11-23 08:30  succeeded',
        'api      acme/invoicing  acme/billing   2026-11-23 09:00  2026-11-23 10:00  succeeded',
        'client   acme/monolith   acme/core      2026-11-23 08:30  2026-11-23 09:15  failed',
        'cutover  acme/gateway    acme/platform  -                 -                 not started',
      ].join('\n'),
    );
    expect(renderGantt(plan, simulation)).toBe(
      [
        'gantt',
        '  title split-invoicing',
        '  dateFormat YYYY-MM-DD HH:mm',
        '  axisFormat %m-%d %H:%M',
        '  section acme/invoicing',
        '  schema :done, schema, 2026-11-23 08:00, 30m',
        '  api :done, api, 2026-11-23 09:00, 60m',
        '  section acme/monolith',
        '  client :crit, client, 2026-11-23 08:30, 45m',
      ].join('\n'),
    );
  });
});
