import type { SchedulePolicy } from '../policy/schedule-schema.js';
import { isOpenAt } from '../schedule/windows.js';
import type { Plan, Window } from './schema.js';
import type { WindowOpen } from './schedule-plan.js';

/**
 * The plan's weekly windows as the scheduler's `windowOpen`, judged by the same code as a policy's change windows
 * (`src/schedule/windows.ts`): open on its days from `from` (inclusive) to `to` (exclusive), in its time zone; a
 * window whose `to` is before `from` crosses midnight and belongs to the day it started on. An unknown window is
 * never open.
 */
export function planWindows(plan: Pick<Plan, 'windows'>): WindowOpen {
  return (name, at) => {
    const window = Object.hasOwn(plan.windows, name) ? plan.windows[name] : undefined;
    return window !== undefined && isWindowOpen(window, at);
  };
}

export function isWindowOpen(window: Window, at: Date): boolean {
  return isOpenAt(asSchedule(window), at);
}

/** A plan window as a policy schedule with that one window. */
export function asSchedule(window: Window): SchedulePolicy {
  return { timezone: window.timezone, windows: [{ days: window.days, start: window.from, end: window.to }], freezes: [] };
}
