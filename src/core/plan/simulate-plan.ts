import type { Plan } from './schema.js';
import { rollbackOrder, schedulePlan, type StepState, type WaitReason, type PlanWindows } from './schedule-plan.js';

/**
 * Runs a plan against a simulated clock: the scheduler decides, each started step runs for its duration and
 * succeeds (or fails, when asked), and the clock jumps to the next step end or `lookAgainAt`. Pure: the same
 * inputs give the same schedule.
 */

export type SimulationOptions = {
  start: Date;
  /** Minutes per step; others take `defaultMinutes`. */
  durations?: Readonly<Record<string, number>>;
  defaultMinutes?: number;
  /** Steps that fail when they end. */
  failing?: ReadonlySet<string>;
  windows: PlanWindows;
  /** A guard against plans that never end (a window that never opens is reported, not looped on). Default 1000. */
  maxIterations?: number;
};

export type SimulatedStep = {
  id: string;
  repository: string;
  team: string;
  status: StepState['status'];
  startedAt?: Date;
  finishedAt?: Date;
  /** Why a step never started. */
  waiting?: WaitReason;
};

export type Simulation = {
  outcome: 'done' | 'paused' | 'stuck';
  steps: SimulatedStep[];
  /** The most steps that ran at once. */
  peakParallel: number;
  /** What a rollback would revert, in order (completed steps, last completed first). */
  rollback: string[];
  /** Set when outcome is `paused` or `stuck`. */
  reason?: string;
  endedAt: Date;
};

export function simulatePlan(plan: Plan, options: SimulationOptions): Simulation {
  const states: Record<string, StepState> = Object.fromEntries(
    plan.steps.map((s) => [s.id, { status: 'pending' } satisfies StepState]),
  );
  const ends = new Map<string, Date>();
  let now = options.start;
  let peak = 0;
  const minutesOf = (id: string): number => options.durations?.[id] ?? options.defaultMinutes ?? 60;
  const finish = (at: Date): void => {
    for (const [id, end] of ends) {
      if (end.getTime() > at.getTime()) continue;
      states[id] = { ...states[id], status: options.failing?.has(id) ? 'failed' : 'succeeded', finishedAt: end };
      ends.delete(id);
    }
  };
  const result = (
    outcome: Simulation['outcome'],
    reason: string | undefined,
    waiting: Map<string, WaitReason> = new Map(),
  ): Simulation => simulation(plan, states, { outcome, reason, waiting, peak, now });

  const limit = options.maxIterations ?? 1000;
  for (let i = 0; i < limit; i++) {
    const schedule = schedulePlan(plan, states, now, options.windows);
    if (schedule.status === 'done') return result('done', undefined);
    if (schedule.status === 'paused' || schedule.status === 'rolling_back') {
      // running steps finish; nothing new starts
      if (ends.size === 0) {
        const failed = schedule.status === 'paused' ? schedule.failed : [];
        return result('paused', `step ${failed.join(', ')} failed: the plan is paused`);
      }
    } else {
      for (const id of schedule.start) {
        states[id] = { status: 'running', startedAt: now };
        ends.set(id, new Date(now.getTime() + minutesOf(id) * 60_000));
      }
      peak = Math.max(peak, ends.size);
      if (ends.size === 0 && !schedule.lookAgainAt) {
        const waiting = new Map(schedule.waiting.map((w) => [w.step, w.reason]));
        return result(
          'stuck',
          `nothing runs and nothing will open: ${schedule.waiting.map((w) => `${w.step} (${describeWait(w.reason)})`).join('; ')}`,
          waiting,
        );
      }
    }
    const nextEnd = ends.size > 0 ? Math.min(...[...ends.values()].map((d) => d.getTime())) : Infinity;
    const lookAgain = schedule.status === 'active' && schedule.lookAgainAt ? schedule.lookAgainAt.getTime() : Infinity;
    now = new Date(Math.min(nextEnd, lookAgain));
    finish(now);
  }
  return result('stuck', `the simulation did not end within ${limit} steps of the clock`);
}

/** The simulation's result: every step as it stands at `now`, and what a rollback would do. */
function simulation(
  plan: Plan,
  states: Record<string, StepState>,
  end: {
    outcome: Simulation['outcome'];
    reason: string | undefined;
    waiting: Map<string, WaitReason>;
    peak: number;
    now: Date;
  },
): Simulation {
  const { outcome, reason, waiting, peak, now } = end;
  return {
    outcome,
    steps: plan.steps.map((s) => {
      const state = states[s.id] ?? { status: 'pending' as const };
      const wait = waiting.get(s.id);
      return {
        id: s.id,
        repository: s.repository,
        team: s.team,
        status: state.status,
        ...(state.startedAt ? { startedAt: state.startedAt } : {}),
        ...(state.finishedAt ? { finishedAt: state.finishedAt } : {}),
        ...(wait ? { waiting: wait } : {}),
      };
    }),
    peakParallel: peak,
    rollback: rollbackOrder(plan, states),
    ...(reason ? { reason } : {}),
    endedAt: now,
  };
}

export function describeWait(reason: WaitReason): string {
  switch (reason.kind) {
    case 'dependencies':
      return `waits for ${reason.waitingFor.join(', ')}`;
    case 'max_parallel':
      return `${reason.running} of ${reason.maxParallel} parallel steps run`;
    case 'velocity':
      return `team ${reason.team} started ${reason.started} of ${reason.perTeamPerWeek} steps this week; next slot ${reason.until.toISOString()}`;
    case 'window':
      return reason.opensAt
        ? `window ${reason.window} opens ${reason.opensAt.toISOString()}`
        : `window ${reason.window} does not open in the next 8 days`;
    case 'deadline':
      return `the deadline ${reason.deadline.toISOString()} has passed`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Rendering.

/** The schedule as a fixed-width table. */
export function renderScheduleTable(simulation: Simulation): string {
  const rows = [
    ['step', 'repository', 'team', 'start', 'end', 'result'],
    ...simulation.steps.map((s) => [
      s.id,
      s.repository,
      s.team,
      s.startedAt ? minuteText(s.startedAt) : '-',
      s.finishedAt ? minuteText(s.finishedAt) : '-',
      s.status === 'pending' && s.waiting
        ? `not started: ${describeWait(s.waiting)}`
        : s.status === 'pending'
          ? 'not started'
          : s.status,
    ]),
  ];
  const [header = []] = rows;
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    widths.map((w, c) => '-'.repeat(c === widths.length - 1 ? Math.max(w, 6) : w)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** The schedule as a Mermaid gantt chart, one section per repository (steps not started are left out). */
export function renderGantt(plan: Plan, simulation: Simulation, now?: Date): string {
  const lines = [
    'gantt',
    `  title ${mermaidText(plan.id)}`,
    '  dateFormat YYYY-MM-DD HH:mm',
    '  axisFormat %m-%d %H:%M',
  ];
  const byRepo = new Map<string, SimulatedStep[]>();
  for (const s of simulation.steps) byRepo.set(s.repository, [...(byRepo.get(s.repository) ?? []), s]);
  for (const [repository, steps] of byRepo) {
    const started = steps.flatMap((s) => (s.startedAt ? [{ ...s, startedAt: s.startedAt }] : []));
    if (started.length === 0) continue;
    lines.push(`  section ${mermaidText(repository)}`);
    for (const s of started) {
      const end = s.finishedAt ?? now ?? simulation.endedAt;
      const minutes = Math.max(1, Math.round((end.getTime() - s.startedAt.getTime()) / 60_000));
      const tag =
        s.status === 'succeeded'
          ? 'done, '
          : s.status === 'failed'
            ? 'crit, '
            : s.status === 'running'
              ? 'active, '
              : '';
      lines.push(`  ${mermaidText(s.id)} :${tag}${s.id}, ${minuteText(s.startedAt)}, ${minutes}m`);
    }
  }
  return lines.join('\n');
}

function minuteText(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** Text that cannot break a Mermaid line (no `:`, `#`, `;` or newline). */
function mermaidText(s: string): string {
  return s.replace(/[:#;\r\n]/g, ' ');
}
