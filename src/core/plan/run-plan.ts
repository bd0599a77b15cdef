import type { ExecutionState } from '../execution/execution-model.js';
import type { Plan } from './schema.js';
import { rollbackOrder, schedulePlan, type PlanWindows, type StepState } from './schedule-plan.js';
import { cell } from '../text/markdown.js';
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
  const applied = applyEvent(run, event, now);
  if ('refused' in applied) return { run, effects: [], refused: applied.refused };
  if ('unchanged' in applied) return { run, effects: [] };
  const { steps } = applied;
  let { status } = applied;
  if (status === 'held' && event.type === 'step_ended' && event.outcome === 'failed') status = 'paused'; // a failure needs a fix, held or not
  const version = run.version + 1;
  const key = (what: string) => `plan:${run.plan.id}:${version}:${what}`;
  let rollingBack = run.rollingBack;
  if (event.type === 'step_rolled_back' && rollingBack === event.step) rollingBack = undefined;
  const moved =
    status === 'rolling_back'
      ? rollBackNext(run, steps, rollingBack, key)
      : status === 'active' || status === 'paused'
        ? scheduleNext(run, steps, { status, now, windows, key })
        : { status, effects: [] };
  ({ status } = moved);
  if (moved.rollingBack !== undefined) rollingBack = moved.rollingBack;
  const { effects } = moved;
  const changed =
    status !== run.status || rollingBack !== run.rollingBack || JSON.stringify(steps) !== JSON.stringify(run.steps);
  if (!changed) return { run, effects: effects.filter((e) => e.type === 'look_again') };
  effects.push({ type: 'update_tracking_issue', key: key('tracking-issue') });
  const next: PlanRun = { plan: run.plan, status, version, steps };
  if (rollingBack !== undefined) next.rollingBack = rollingBack;
  return { run: next, effects };
}

type Steps = PlanRun['steps'];

/** The event applied to a copy of the steps and the status, or why it is refused (or that it changes nothing). */
function applyEvent(
  run: PlanRun,
  event: PlanEvent,
  now: Date,
): { steps: Steps; status: PlanStatus } | { refused: string } | { unchanged: true } {
  const steps = structuredClone(run.steps);
  let status = run.status;
  switch (event.type) {
    case 'tick':
      break;
    case 'step_started': {
      const s = steps[event.step];
      if (s?.status !== 'running') return { refused: `step ${event.step} was not started by the plan` };
      if (s.executionId === event.executionId) return { unchanged: true };
      s.executionId = event.executionId;
      break;
    }
    case 'step_ended': {
      const s = steps[event.step];
      if (s?.status !== 'running') return { refused: `step ${event.step} is not running` };
      steps[event.step] = { ...s, status: event.outcome, finishedAt: now };
      break;
    }
    case 'step_rolled_back': {
      const s = Object.hasOwn(steps, event.step) ? steps[event.step] : undefined;
      if (s?.status !== 'succeeded' || run.rollingBack !== event.step)
        return { refused: `step ${event.step} is not being rolled back` };
      steps[event.step] = { ...s, status: 'rolled_back' };
      break;
    }
    case 'pause':
      if (status !== 'active' && status !== 'paused') return { refused: `the plan is ${status}: nothing to pause` };
      status = 'held';
      break;
    case 'resume':
      if (status !== 'held' && status !== 'paused') return { refused: `the plan is ${status}, not paused` };
      for (const [id, s] of Object.entries(steps)) if (s.status === 'failed') steps[id] = { status: 'pending' }; // a failed step is retried
      status = 'active';
      break;
    case 'rollback':
      if (status === 'rolling_back' || status === 'rolled_back')
        return { refused: `the plan is already ${status.replace('_', ' ')}` };
      status = 'rolling_back';
      break;
  }
  return { steps, status };
}

type Moved = { status: PlanStatus; effects: PlanEffect[]; rollingBack?: string };

/** A plan rolling back: one step at a time, last completed first; rolled back once none is left or running. */
function rollBackNext(
  run: PlanRun,
  steps: Steps,
  rollingBack: string | undefined,
  key: (what: string) => string,
): Moved {
  const order = rollbackOrder(run.plan, steps);
  const running = Object.values(steps).some((s) => s.status === 'running');
  if (order.length === 0 && !running && rollingBack === undefined) return { status: 'rolled_back', effects: [] };
  const next = order[0];
  if (rollingBack !== undefined || next === undefined) return { status: 'rolling_back', effects: [] };
  // one at a time, last completed first (a step that completes while the plan rolls back is next)
  const effect: PlanEffect = {
    type: 'rollback_step',
    step: next,
    executionId: steps[next]?.executionId,
    key: key(`rollback:${next}`),
  };
  return { status: 'rolling_back', effects: [effect], rollingBack: next };
}

/** An active (or paused) plan: done, paused with a fix proposed per failed step, or its ready steps started. */
function scheduleNext(
  run: PlanRun,
  steps: Steps,
  at: { status: PlanStatus; now: Date; windows: PlanWindows; key: (what: string) => string },
): Moved {
  const { now, windows, key } = at;
  const schedule = schedulePlan(run.plan, steps, now, windows);
  const repositoryOf = (id: string) => run.plan.steps.find((s) => s.id === id)?.repository ?? '';
  const effects: PlanEffect[] = [];
  if (schedule.status === 'done') return { status: 'done', effects };
  if (schedule.status === 'paused') {
    if (run.status !== 'paused')
      for (const id of schedule.failed)
        effects.push({ type: 'propose_fix', step: id, repository: repositoryOf(id), key: key(`fix:${id}`) });
    return { status: 'paused', effects };
  }
  if (schedule.status === 'active') {
    for (const id of schedule.start) {
      steps[id] = { status: 'running', startedAt: now };
      effects.push({ type: 'start_step', step: id, repository: repositoryOf(id), key: key(`start:${id}`) });
    }
    if (schedule.lookAgainAt)
      effects.push({ type: 'look_again', at: schedule.lookAgainAt.toISOString(), key: key('look-again') });
  }
  return { status: at.status, effects };
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
    return `| \`${step.id}\` | ${step.repository} | ${step.team} | ${s.status.replace('_', ' ')}${note ? ` (${cell(note)})` : ''} | ${execution} |`;
  });
  const flow = trackingFlow(run);
  const gantt = trackingGantt(run, now);
  return [
    trackingMarker(plan.id),
    `**Plan \`${plan.id}\`**: ${cell(plan.goal)}`,
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

/** A Mermaid flow of the steps' dependencies, each step coloured by its status. */
function trackingFlow(run: PlanRun): string[] {
  const { plan } = run;
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
  return flow;
}

/** A Mermaid gantt of what ran, when. */
function trackingGantt(run: PlanRun, now: Date): string {
  const { plan } = run;
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
  return renderGantt(plan, { outcome: 'done', steps: simulated, peakParallel: 0, rollback: [], endedAt: now }, now);
}
