import type { SchedulePolicy } from '../policy/schedule-schema.js';
import { isOpenAt, scheduleAt } from '../schedule/windows.js';
import type { Plan, Window } from './schema.js';
import type { PlanWindows } from './schedule-plan.js';

/**
 * The plan's weekly windows for the scheduler, judged (and their next opening found) by the same code as a policy's change windows
 * (`src/core/schedule/windows.ts`): open on its days from `from` (inclusive) to `to` (exclusive), in its time zone; a
 * window whose `to` is before `from` crosses midnight and belongs to the day it started on. An unknown window is
 * never open.
 */
export function planWindows(plan: Pick<Plan, 'windows'>): PlanWindows {
  const windowOf = (name: string) => (Object.hasOwn(plan.windows, name) ? plan.windows[name] : undefined);
  return {
    isOpen: (name, at) => {
      const window = windowOf(name);
      return window !== undefined && isWindowOpen(window, at);
    },
    opensAt: (name, at) => {
      const window = windowOf(name);
      const decision = window && scheduleAt(asSchedule(window), at);
      return decision && !decision.open ? (decision.opensAt ?? undefined) : undefined;
    },
  };
}

export function isWindowOpen(window: Window, at: Date): boolean {
  return isOpenAt(asSchedule(window), at);
}

/** A plan window as a policy schedule with that one window. */
export function asSchedule(window: Window): SchedulePolicy {
  return {
    timezone: window.timezone,
    windows: [{ days: window.days, start: window.from, end: window.to }],
    freezes: [],
  };
}
