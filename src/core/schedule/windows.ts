import { DateTime } from 'luxon';
import { WEEKDAYS, localMinute, type ChangeWindow, type SchedulePolicy } from '../policy/schedule-schema.js';

/**
 * Whether a deployment may start at an instant under a policy's `schedule`, and if not, when it next may. Pure:
 * the caller passes the instant (the app's clock). Windows and freezes are read in `schedule.timezone`, so a
 * window keeps its local hours across daylight-saving changes (a start that does not exist that day, in the
 * spring-forward gap, opens at the first minute after it).
 */

export type ScheduleDecision =
  | { open: true }
  /** `opensAt` null: nothing opens within the horizon (a freeze longer than a year, or windows on no day). */
  | { open: false; reason: string; opensAt: Date | null };

/** How far ahead the next opening is looked for. */
const HORIZON_DAYS = 400;

export function scheduleAt(schedule: SchedulePolicy, at: Date): ScheduleDecision {
  const now = DateTime.fromJSDate(at, { zone: schedule.timezone });
  const why = closedBecause(schedule, now);
  if (!why) return { open: true };
  return { open: false, reason: why, opensAt: nextOpening(schedule, now)?.toJSDate() ?? null };
}

/** Whether a deployment may start at `at` (without looking for the next opening). */
export function isOpenAt(schedule: SchedulePolicy, at: Date): boolean {
  return closedBecause(schedule, DateTime.fromJSDate(at, { zone: schedule.timezone })) === undefined;
}

/** Why a deployment may not start at `t`, or undefined when it may. */
function closedBecause(schedule: SchedulePolicy, t: DateTime): string | undefined {
  const freeze = schedule.freezes.find((f) => local(schedule, f.from) <= t && t < local(schedule, f.to));
  if (freeze)
    return `freeze until ${local(schedule, freeze.to).toFormat('ccc d LLL yyyy HH:mm')} ${schedule.timezone}: ${freeze.reason}`;
  if (schedule.windows.length > 0 && !schedule.windows.some((w) => inWindow(schedule, w, t))) {
    return `outside the change windows (${schedule.windows.map(describeWindow).join('; ')} ${schedule.timezone})`;
  }
  return undefined;
}

/** The first instant after `t` at which a deployment may start: a window's start or a freeze's end. */
function nextOpening(schedule: SchedulePolicy, t: DateTime): DateTime | undefined {
  const candidates: DateTime[] = [];
  for (const f of schedule.freezes) candidates.push(local(schedule, f.to));
  const day = t.startOf('day');
  for (let d = 0; d <= HORIZON_DAYS; d++) {
    const date = day.plus({ days: d });
    for (const w of schedule.windows) if (w.days.includes(weekday(date))) candidates.push(at(date, w.start));
  }
  return candidates
    .filter((c) => c > t)
    .sort((a, b) => a.toMillis() - b.toMillis())
    .find((c) => closedBecause(schedule, c) === undefined);
}

function inWindow(schedule: SchedulePolicy, w: ChangeWindow, t: DateTime): boolean {
  const today = t.setZone(schedule.timezone).startOf('day');
  // a window that runs past midnight may have started the day before
  for (const date of [today, today.minus({ days: 1 })]) {
    if (!w.days.includes(weekday(date))) continue;
    const start = at(date, w.start);
    const endSameDay = w.end > w.start || w.end === '24:00';
    const end = at(endSameDay ? date : date.plus({ days: 1 }), w.end);
    if (start <= t && t < end) return true;
  }
  return false;
}

/** `HH:MM` on a local date; `24:00` is the next midnight. */
function at(date: DateTime, time: string): DateTime {
  if (time === '24:00') return date.plus({ days: 1 }).startOf('day');
  const [hour = 0, minute = 0] = time.split(':').map(Number);
  return date.set({ hour, minute, second: 0, millisecond: 0 });
}

function local(schedule: SchedulePolicy, text: string): DateTime {
  return DateTime.fromISO(localMinute(text), { zone: schedule.timezone });
}

function weekday(date: DateTime): (typeof WEEKDAYS)[number] {
  return WEEKDAYS[date.weekday - 1] ?? 'mon';
}

function describeWindow(w: ChangeWindow): string {
  const days = w.days.length === 7 ? 'every day' : w.days.map((d) => d.charAt(0).toUpperCase() + d.slice(1)).join(', ');
  return `${days} ${w.start}–${w.end}`;
}
