import type { ExecutionState } from '../execution/transition.js';
import type { Plan } from './schema.js';
import { rollbackOrder, schedulePlan, type PlanWindows, type StepState } from './schedule-plan.js';
import { describeWait, renderGantt, type SimulatedStep } from './simulate-plan.js';

/**
 * A plan running in the app, as a pure state machine like an execution's: `advancePlan(run, event, now)` returns
 * the next run and the effects to apply (start a step's governed execution, roll one back, update the tracking
 * issue, look again at a time). Effects carry a deterministic key, so a runner applies each once.
 *
 * - Ready steps start as the scheduler says (dependencies, maxParallel, velocity, windows, deadline).
 * - A failed step pauses the plan and asks for a fix (an issue in the step's repository); `resume` retries it.
 * - `pause` holds the plan (running steps go on; nothing new starts) until `resume`.
 * - `rollback` rolls back completed steps one at a time, last completed first; the plan ends `rolled_back`.
 */

export const PLAN_STATUSES = ['active', 'held', 'paused', 'done', 'rolling_back', 'rolled_back'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

export type PlanRun = {
  plan: Plan;
  status: PlanStatus;
  /** Incremented by every change; part of every effect's key. */
  version: number;
  steps: Record<string, StepState & { executionId?: string }>;
  /** The step whose rollback is under way (one at a time). */
  rollingBack?: string;
};

export type PlanEvent =
  | { type: 'tick' }
  /** The app started a step's execution (after a `start_step` effect). */
  | { type: 'step_started'; step: string; executionId: string }
  | { type: 'step_ended'; step: string; outcome: 'succeeded' | 'failed' }
  | { type: 'step_rolled_back'; step: string }
  | { type: 'pause'; by: string }
  | { type: 'resume'; by: string }
  | { type: 'rollback'; by: string };

export type PlanEffect =
  | { type: 'start_step'; step: string; repository: string; key: string }
  | { type: 'rollback_step'; step: string; executionId: string | undefined; key: string }
  | { type: 'propose_fix'; step: string; repository: string; key: string }
  | { type: 'update_tracking_issue'; key: string }
  | { type: 'look_again'; at: string; key: string };

export type PlanAdvance = { run: PlanRun; effects: PlanEffect[]; refused?: string };

/** A new run: every step pending. */
export function newPlanRun(plan: Plan): PlanRun {
  return {
    plan,
    status: 'active',
    version: 0,
    steps: Object.fromEntries(plan.steps.map((s) => [s.id, { status: 'pending' } satisfies StepState])),
  };
}

/** What an execution's state means for its plan step: undefined while it is still on its way. */
export function stepOutcome(state: ExecutionState): 'succeeded' | 'failed' | undefined {
  if (state === 'completed') return 'succeeded';
  if (state === 'failed' || state === 'rejected' || state === 'rolled_back') return 'failed';
  return undefined;
}

export function advancePlan(run: PlanRun, event: PlanEvent, now: Date, windows: PlanWindows): PlanAdvance {
  const steps = structuredClone(run.steps);
  let status = run.status;
  const known = (id: string) => Object.hasOwn(steps, id);
  const refuse = (reason: string): PlanAdvance => ({ run, effects: [], refused: reason });

  switch (event.type) {
    case 'tick':
      break;
    case 'step_started': {
      const s = steps[event.step];
      if (!s || s.status !== 'running') return refuse(`step ${event.step} was not started by the plan`);
      if (s.executionId === event.executionId) return { run, effects: [] };
      s.executionId = event.executionId;
      break;
    }
    case 'step_ended': {
      const s = steps[event.step];
      if (!s || s.status !== 'running') return refuse(`step ${event.step} is not running`);
      steps[event.step] = { ...s, status: event.outcome, finishedAt: now };
      break;
    }
    case 'step_rolled_back': {
      if (!known(event.step) || steps[event.step]!.status !== 'succeeded' || run.rollingBack !== event.step)
        return refuse(`step ${event.step} is not being rolled back`);
      steps[event.step] = { ...steps[event.step]!, status: 'rolled_back' };
      break;
    }
    case 'pause':
      if (status !== 'active' && status !== 'paused') return refuse(`the plan is ${status}: nothing to pause`);
      status = 'held';
      break;
    case 'resume':
      if (status !== 'held' && status !== 'paused') return refuse(`the plan is ${status}, not paused`);
      for (const [id, s] of Object.entries(steps)) if (s.status === 'failed') steps[id] = { status: 'pending' }; // a failed step is retried
      status = 'active';
      break;
    case 'rollback':
      if (status === 'rolling_back' || status === 'rolled_back')
        return refuse(`the plan is already ${status.replace('_', ' ')}`);
      status = 'rolling_back';
      break;
  }

  if (status === 'held' && event.type === 'step_ended' && event.outcome === 'failed') status = 'paused'; // a failure needs a fix, held or not
  const effects: PlanEffect[] = [];
  const version = run.version + 1;
  const key = (what: string) => `plan:${run.plan.id}:${version}:${what}`;

  let rollingBack = run.rollingBack;
  if (event.type === 'step_rolled_back' && rollingBack === event.step) rollingBack = undefined;
  if (status === 'rolling_back') {
    const order = rollbackOrder(run.plan, steps);
    const running = Object.values(steps).some((s) => s.status === 'running');
    if (order.length === 0 && !running && rollingBack === undefined) status = 'rolled_back';
    else if (rollingBack === undefined && order[0] !== undefined) {
      // one at a time, last completed first (a step that completes while the plan rolls back is next)
      const next = order[0];
      rollingBack = next;
      effects.push({
        type: 'rollback_step',
        step: next,
        executionId: steps[next]!.executionId,
        key: key(`rollback:${next}`),
      });
    }
  } else if (status === 'active' || status === 'paused') {
    const schedule = schedulePlan(run.plan, steps, now, windows);
    if (schedule.status === 'done') status = 'done';
    else if (schedule.status === 'paused') {
      if (run.status !== 'paused') {
        for (const id of schedule.failed) {
          const repository = run.plan.steps.find((s) => s.id === id)!.repository;
          effects.push({ type: 'propose_fix', step: id, repository, key: key(`fix:${id}`) });
        }
      }
      status = 'paused';
    } else if (schedule.status === 'active') {
      for (const id of schedule.start) {
        steps[id] = { status: 'running', startedAt: now };
        effects.push({
          type: 'start_step',
          step: id,
          repository: run.plan.steps.find((s) => s.id === id)!.repository,
          key: key(`start:${id}`),
        });
      }
      if (schedule.lookAgainAt)
        effects.push({ type: 'look_again', at: schedule.lookAgainAt.toISOString(), key: key('look-again') });
    }
  }

  const changed =
    status !== run.status || rollingBack !== run.rollingBack || JSON.stringify(steps) !== JSON.stringify(run.steps);
  if (!changed) return { run, effects: effects.filter((e) => e.type === 'look_again') };
  effects.push({ type: 'update_tracking_issue', key: key('tracking-issue') });
  const next: PlanRun = { plan: run.plan, status, version, steps };
  if (rollingBack !== undefined) next.rollingBack = rollingBack;
  return { run: next, effects };
}

// ---------------------------------------------------------------------------------------------------
// The tracking issue.

export function trackingMarker(planId: string): string {
  return `<!-- aaoe:plan:${planId} -->`;
}

const STATUS_TEXT: Record<PlanStatus, string> = {
  active: 'running',
  held: 'held by `/aaoe pause` (steps already running go on); `/aaoe resume` continues',
  paused:
    'paused: a step failed. Fix it and comment `/aaoe resume` to retry it, or `/aaoe rollback` to roll the completed steps back',
  done: 'done: every step completed',
  rolling_back: 'rolling back, last completed step first',
  rolled_back: 'rolled back',
};

/**
 * The tracking issue's body: status, the steps (with their executions), a Mermaid flow of the dependencies
 * coloured by status, and a Mermaid gantt of what ran. `executionUrl` links a step's execution.
 */
export function renderTrackingIssue(
  run: PlanRun,
  now: Date,
  windows: PlanWindows,
  executionUrl: (step: string, executionId: string) => string | undefined = () => undefined,
): string {
  const { plan } = run;
  const waiting = run.status === 'active' ? schedulePlan(plan, run.steps, now, windows) : undefined;
  const why = new Map(
    waiting?.status === 'active' ? waiting.waiting.map((w) => [w.step, describeWait(w.reason)] as const) : [],
  );
  const rows = plan.steps.map((step) => {
    const s = run.steps[step.id] ?? { status: 'pending' as const };
    const url = s.executionId ? executionUrl(step.id, s.executionId) : undefined;
    const execution = s.executionId ? (url ? `[${s.executionId}](${url})` : `\`${s.executionId}\``) : '';
    const note = s.status === 'pending' ? (why.get(step.id) ?? '') : '';
    return `| \`${step.id}\` | ${step.repository} | ${step.team} | ${s.status.replace('_', ' ')}${note ? ` (${escapeCell(note)})` : ''} | ${execution} |`;
  });
  // node ids get a prefix: a step may be called `end`, which Mermaid reserves
  const node = (id: string) => `step-${id}`;
  const flow = [
    'flowchart LR',
    ...plan.steps.map(
      (s) => `  ${node(s.id)}["${s.id}<br/>${s.repository}"]:::${run.steps[s.id]?.status ?? 'pending'}`,
    ),
  ];
  for (const s of plan.steps) for (const d of s.dependsOn) flow.push(`  ${node(d)} --> ${node(s.id)}`);
  flow.push(
    '  classDef pending fill:#eee,stroke:#999',
    '  classDef running fill:#fff3bf,stroke:#f08c00',
    '  classDef succeeded fill:#d3f9d8,stroke:#2f9e44',
    '  classDef failed fill:#ffe3e3,stroke:#e03131',
    '  classDef rolled_back fill:#e7f5ff,stroke:#1971c2',
  );
  const simulated: SimulatedStep[] = plan.steps.map((s) => {
    const st = run.steps[s.id] ?? { status: 'pending' as const };
    return {
      id: s.id,
      repository: s.repository,
      team: s.team,
      status: st.status,
      ...(st.startedAt ? { startedAt: new Date(st.startedAt) } : {}),
      ...(st.finishedAt ? { finishedAt: new Date(st.finishedAt) } : {}),
    };
  });
  const gantt = renderGantt(
    plan,
    { outcome: 'done', steps: simulated, peakParallel: 0, rollback: [], endedAt: now },
    now,
  );
  return [
    trackingMarker(plan.id),
    `**Plan \`${plan.id}\`**: ${escapeCell(plan.goal)}`,
    '',
    `Status: ${STATUS_TEXT[run.status]}. At most ${plan.policy.maxParallel} step${plan.policy.maxParallel === 1 ? '' : 's'} at once${plan.policy.deadline ? `; no step starts after ${plan.policy.deadline}` : ''}.`,
    '',
    '| step | repository | team | status | execution |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '```mermaid',
    ...flow,
    '```',
    '',
    '```mermaid',
    gantt,
    '```',
    '',
    `_Updated ${now.toISOString()} by AAOE. Commands on this issue: \`/aaoe status\`, \`/aaoe pause\`, \`/aaoe resume\`, \`/aaoe rollback\`._`,
  ].join('\n');
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
