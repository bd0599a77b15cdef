import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../src/core/plan/load-plan.js';
import {
  advancePlan,
  newPlanRun,
  renderTrackingIssue,
  stepOutcome,
  trackingMarker,
  type PlanEffect,
  type PlanEvent,
  type PlanRun,
} from '../../../src/core/plan/run-plan.js';
import type { Plan } from '../../../src/core/plan/schema.js';
import { planWindows } from '../../../src/core/plan/windows.js';

const T0 = new Date('2026-11-23T09:00:00Z'); // Monday, office hours
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function diamond(): Plan {
  const loaded = loadPlan(
    readFileSync(new URL('../../fixtures/plans/diamond.yml', import.meta.url), 'utf8'),
    'diamond.yml',
  );
  if (!loaded.ok) throw new Error('fixture invalid');
  return loaded.plan;
}

/** Applies events in order, collecting the effects; the run's invariants are checked after each. */
function drive(
  plan: Plan,
  events: Array<[minutes: number, PlanEvent]>,
  run: PlanRun = newPlanRun(plan),
): { run: PlanRun; effects: PlanEffect[][]; maxRunning: number } {
  const windows = planWindows(plan);
  const effects: PlanEffect[][] = [];
  let maxRunning = 0;
  for (const [minutes, event] of events) {
    const next = advancePlan(run, event, at(minutes), windows);
    if (next.refused) throw new Error(`refused ${event.type}: ${next.refused}`);
    run = next.run;
    effects.push(next.effects);
    maxRunning = Math.max(maxRunning, Object.values(run.steps).filter((s) => s.status === 'running').length);
  }
  return { run, effects, maxRunning };
}

const started = (effects: PlanEffect[]) =>
  effects.filter((e) => e.type === 'start_step').map((e) => (e as { step: string }).step);

describe('advancePlan', () => {
  it('starts steps in dependency order within maxParallel, pauses on the failing third step, proposes a fix, and rolls back in reverse completion order', () => {
    const plan = diamond();
    const { run, effects, maxRunning } = drive(plan, [
      [0, { type: 'tick' }],
      [1, { type: 'step_started', step: 'schema', executionId: 'ex-schema' }],
      [30, { type: 'step_ended', step: 'schema', outcome: 'succeeded' }],
      [31, { type: 'step_started', step: 'api', executionId: 'ex-api' }],
      [31, { type: 'step_started', step: 'client', executionId: 'ex-client' }],
      [60, { type: 'step_ended', step: 'api', outcome: 'succeeded' }],
      [75, { type: 'step_ended', step: 'client', outcome: 'failed' }],
      [90, { type: 'rollback', by: 'octocat' }],
      [100, { type: 'step_rolled_back', step: 'api' }],
      [110, { type: 'step_rolled_back', step: 'schema' }],
    ]);
    expect(started(effects[0]!)).toEqual(['schema']);
    expect(started(effects[2]!)).toEqual(['api', 'client']);
    expect(
      effects
        .flat()
        .filter((e) => e.type === 'start_step')
        .map((e) => (e as { step: string }).step),
    ).not.toContain('cutover');
    expect(maxRunning).toBeLessThanOrEqual(plan.policy.maxParallel);
    expect(effects[6]).toEqual([
      { type: 'propose_fix', step: 'client', repository: 'acme/monolith', key: 'plan:split-invoicing:7:fix:client' },
      { type: 'update_tracking_issue', key: 'plan:split-invoicing:7:tracking-issue' },
    ]);
    expect(effects[7]!.filter((e) => e.type === 'rollback_step')).toEqual([
      { type: 'rollback_step', step: 'api', executionId: 'ex-api', key: 'plan:split-invoicing:8:rollback:api' },
    ]);
    expect(effects[8]!.filter((e) => e.type === 'rollback_step')).toEqual([
      {
        type: 'rollback_step',
        step: 'schema',
        executionId: 'ex-schema',
        key: 'plan:split-invoicing:9:rollback:schema',
      },
    ]);
    expect(run.status).toBe('rolled_back');
    expect(Object.fromEntries(Object.entries(run.steps).map(([id, s]) => [id, s.status]))).toEqual({
      schema: 'rolled_back',
      api: 'rolled_back',
      client: 'failed',
      cutover: 'pending',
    });
    // every change updates the tracking issue, each with its own key
    const keys = effects
      .flat()
      .filter((e) => e.type === 'update_tracking_issue')
      .map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(10);
  });

  it('resume after a fix retries the failed step, and the plan finishes', () => {
    const plan = diamond();
    const { run } = drive(plan, [
      [0, { type: 'tick' }],
      [30, { type: 'step_ended', step: 'schema', outcome: 'succeeded' }],
      [60, { type: 'step_ended', step: 'api', outcome: 'succeeded' }],
      [75, { type: 'step_ended', step: 'client', outcome: 'failed' }],
      [80, { type: 'resume', by: 'octocat' }],
      [120, { type: 'step_ended', step: 'client', outcome: 'succeeded' }],
      [180, { type: 'step_ended', step: 'cutover', outcome: 'succeeded' }],
    ]);
    expect(run.status).toBe('done');
  });

  it('pause holds the plan: running steps finish, nothing new starts until resume', () => {
    const plan = diamond();
    const held = drive(plan, [
      [0, { type: 'tick' }],
      [10, { type: 'pause', by: 'octocat' }],
      [30, { type: 'step_ended', step: 'schema', outcome: 'succeeded' }],
    ]);
    expect(held.run.status).toBe('held');
    expect(held.effects.flat().filter((e) => e.type === 'start_step')).toHaveLength(1);
    const resumed = advancePlan(held.run, { type: 'resume', by: 'octocat' }, at(40), planWindows(plan));
    expect(started(resumed.effects)).toEqual(['api', 'client']);
  });

  it('waits for a window and asks to look again when it opens', () => {
    const plan = diamond();
    const run = drive(
      plan,
      [
        [0, { type: 'tick' }],
        [30, { type: 'step_ended', step: 'schema', outcome: 'succeeded' }],
      ],
      newPlanRun(plan),
    ).run;
    const evening = advancePlan(
      { ...run, steps: { ...run.steps, api: { status: 'pending' }, client: { status: 'succeeded' } } },
      { type: 'tick' },
      new Date('2026-11-23T18:00:00Z'),
      planWindows(plan),
    );
    expect(evening.effects).toEqual([
      { type: 'look_again', at: '2026-11-24T09:00:00.000Z', key: `plan:split-invoicing:${run.version + 1}:look-again` },
    ]);
  });

  it.each<[string, PlanEvent]>([
    ['the end of a step that is not running', { type: 'step_ended', step: 'cutover', outcome: 'succeeded' }],
    ['a rollback report for a step not being rolled back', { type: 'step_rolled_back', step: 'schema' }],
    ['resume of a plan that is not paused', { type: 'resume', by: 'x' }],
  ])('refuses %s, changing nothing', (_, event) => {
    const run = newPlanRun(diamond());
    const result = advancePlan(run, event, T0, { isOpen: () => true, opensAt: () => undefined });
    expect(result.refused).toBeTruthy();
    expect(result.run).toBe(run);
    expect(result.effects).toEqual([]);
  });

  it.each([
    ['completed', 'succeeded'],
    ['rolled_back', 'failed'],
    ['rejected', 'failed'],
    ['failed', 'failed'],
    ['deploying', undefined],
    ['awaiting_approval', undefined],
  ] as const)('an execution %s means the step %s', (state, outcome) => {
    expect(stepOutcome(state)).toBe(outcome);
  });
});

describe('renderTrackingIssue', () => {
  it('shows the status, the steps with their executions and why they wait, a dependency flow and a gantt', () => {
    const plan = diamond();
    const { run } = drive(plan, [
      [0, { type: 'tick' }],
      [1, { type: 'step_started', step: 'schema', executionId: 'ex-schema' }],
      [30, { type: 'step_ended', step: 'schema', outcome: 'succeeded' }],
      [75, { type: 'step_ended', step: 'client', outcome: 'failed' }],
    ]);
    const body = renderTrackingIssue(
      run,
      at(80),
      planWindows(plan),
      (_, id) => `https://aaoe.example/executions/${id}`,
    );
    expect(body.startsWith(trackingMarker('split-invoicing'))).toBe(true);
    expect(body).toContain('Status: paused: a step failed.');
    expect(body).toContain(
      '| `schema` | acme/invoicing | acme/billing | succeeded | [ex-schema](https://aaoe.example/executions/ex-schema) |',
    );
    expect(body).toContain('| `client` | acme/monolith | acme/core | failed |  |');
    expect(body).toContain(
      '  step-schema --> step-api\n  step-schema --> step-client\n  step-api --> step-cutover\n  step-client --> step-cutover',
    );
    expect(body).toContain('  step-client["client<br/>acme/monolith"]:::failed');
    expect(body).toContain('  schema :done, schema, 2026-11-23 09:00, 30m');
    expect(body).toContain('  api :active, api, 2026-11-23 09:30, 50m'); // still running at the time of rendering
  });

  it('says why a pending step waits while the plan runs', () => {
    const plan = diamond();
    const body = renderTrackingIssue(drive(plan, [[0, { type: 'tick' }]]).run, at(5), planWindows(plan));
    expect(body).toContain('| `cutover` | acme/gateway | acme/platform | pending (waits for api, client) |  |');
  });
});
