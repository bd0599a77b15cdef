import type { Plan } from './schema.js';

/**
 * The plan scheduler, pure: given the plan, each step's state and `now`, which steps start now, why the others
 * wait, when to look again, and whether the plan is paused or done. The caller starts the steps, records their
 * states and asks again when a step ends or at `lookAgainAt`.
 *
 * - A step starts when every step it depends on has succeeded, fewer than `maxParallel` steps run, its team has
 *   started fewer than `velocity.perTeamPerWeek` steps in the last 7 days, its window is open, and the deadline
 *   has not passed. Ready steps start in file order.
 * - A failed step pauses the plan: nothing new starts (steps already running finish).
 * - A rolled-back step means the plan is being rolled back: nothing starts; `rollbackOrder` says what is next.
 */

export const STEP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'rolled_back'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export type StepState = {
  status: StepStatus;
  /** When the step started (running and after). */
  startedAt?: Date;
  /** When the step ended: succeeded, failed or rolled back. For `rolled_back`, when it had succeeded. */
  finishedAt?: Date;
};

export type StepStates = Readonly<Record<string, StepState>>;

/** The plan's windows, by name: whether one is open at an instant, and when it next opens. */
export type PlanWindows = {
  isOpen(name: string, at: Date): boolean;
  /** The next instant after `at` at which the window opens; undefined for an unknown window or none within a year. */
  opensAt(name: string, at: Date): Date | undefined;
};

export type WaitReason =
  | { kind: 'dependencies'; waitingFor: string[] }
  | { kind: 'max_parallel'; running: number; maxParallel: number }
  | { kind: 'velocity'; team: string; started: number; perTeamPerWeek: number; until: Date }
  | { kind: 'window'; window: string; opensAt: Date | undefined }
  | { kind: 'deadline'; deadline: Date };

export type PlanSchedule =
  | { status: 'done'; succeeded: string[] }
  | { status: 'paused'; failed: string[]; running: string[]; rollback: string[] }
  | { status: 'rolling_back'; next: string[]; rolledBack: string[]; running: string[] }
  | {
      status: 'active';
      start: string[];
      running: string[];
      waiting: Array<{ step: string; reason: WaitReason }>;
      /** The earliest instant a waiting step could start without any step ending (a window opens, velocity frees up). */
      lookAgainAt: Date | undefined;
    };

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

type Step = Plan['steps'][number];

/** Why a pending step may not start now (its dependencies, the deadline, the limits, its window), or undefined. */
function waitReason(
  step: Step,
  at: {
    plan: Plan;
    stateOf: (id: string) => StepState;
    now: Date;
    windows: PlanWindows;
    deadline: Date | undefined;
    /** The steps of the team started in the last week. */
    started: readonly Date[];
    /** The steps running, and those this schedule starts. */
    starting: number;
  },
): WaitReason | undefined {
  const { now, windows, deadline, started, starting } = at;
  const { maxParallel, velocity } = at.plan.policy;
  const waitingFor = step.dependsOn.filter((d) => at.stateOf(d).status !== 'succeeded');
  if (waitingFor.length > 0) return { kind: 'dependencies', waitingFor };
  if (deadline && now.getTime() > deadline.getTime()) return { kind: 'deadline', deadline };
  if (starting >= maxParallel) return { kind: 'max_parallel', running: starting, maxParallel };
  if (velocity && started.length >= velocity.perTeamPerWeek) {
    const oldest = Math.min(...started.map((d) => d.getTime()));
    return {
      kind: 'velocity',
      team: step.team,
      started: started.length,
      perTeamPerWeek: velocity.perTeamPerWeek,
      until: new Date(oldest + WEEK_MS),
    };
  }
  if (step.window !== undefined && !windows.isOpen(step.window, now))
    return { kind: 'window', window: step.window, opensAt: windows.opensAt(step.window, now) };
  return undefined;
}

export function schedulePlan(plan: Plan, states: StepStates, now: Date, windows: PlanWindows): PlanSchedule {
  const stateOf = (id: string): StepState => states[id] ?? { status: 'pending' };
  const ids = plan.steps.map((s) => s.id);
  const running = ids.filter((id) => stateOf(id).status === 'running');
  const rolledBack = ids.filter((id) => stateOf(id).status === 'rolled_back');
  if (rolledBack.length > 0) return { status: 'rolling_back', next: rollbackOrder(plan, states), rolledBack, running };
  const failed = ids.filter((id) => stateOf(id).status === 'failed');
  if (failed.length > 0) return { status: 'paused', failed, running, rollback: rollbackOrder(plan, states) };
  if (ids.every((id) => stateOf(id).status === 'succeeded')) return { status: 'done', succeeded: ids };

  const deadline = plan.policy.deadline ? new Date(plan.policy.deadline) : undefined;
  const start: string[] = [];
  const waiting: Array<{ step: string; reason: WaitReason }> = [];
  const startsByTeam = new Map<string, Date[]>();
  for (const step of plan.steps) {
    const startedAt = stateOf(step.id).startedAt;
    if (startedAt && now.getTime() - startedAt.getTime() < WEEK_MS)
      startsByTeam.set(teamKey(step.team), [...(startsByTeam.get(teamKey(step.team)) ?? []), startedAt]);
  }

  for (const step of plan.steps) {
    if (stateOf(step.id).status !== 'pending') continue;
    const team = teamKey(step.team);
    const started = startsByTeam.get(team) ?? [];
    const reason = waitReason(step, {
      plan,
      stateOf,
      now,
      windows,
      deadline,
      started,
      starting: running.length + start.length,
    });
    if (reason) {
      waiting.push({ step: step.id, reason });
      continue;
    }
    start.push(step.id);
    startsByTeam.set(team, [...started, now]);
  }

  const times = waiting.flatMap(({ reason }) => {
    if (reason.kind === 'velocity') return [reason.until.getTime()];
    if (reason.kind === 'window' && reason.opensAt) return [reason.opensAt.getTime()];
    return [];
  });
  const lookAgainAt = times.length > 0 ? new Date(Math.min(...times)) : undefined;
  return { status: 'active', start, running, waiting, lookAgainAt };
}

/** The steps to roll back, in order: the succeeded ones, last completed first (file order breaks ties, last first). */
export function rollbackOrder(plan: Plan, states: StepStates): string[] {
  return plan.steps
    .map((step, index) => ({ id: step.id, index, state: states[step.id] }))
    .filter((s) => s.state?.status === 'succeeded')
    .sort((a, b) => (b.state?.finishedAt?.getTime() ?? 0) - (a.state?.finishedAt?.getTime() ?? 0) || b.index - a.index)
    .map((s) => s.id);
}

function teamKey(team: string): string {
  return team.replace(/^@/, '').toLowerCase();
}
