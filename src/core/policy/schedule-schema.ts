import { z } from 'zod';

/**
 * The `schedule` section of the policy DSL: when an approved change may be deployed. Outside its change windows,
 * or inside a freeze, an approved execution waits and is dispatched when the next window opens
 * (`src/core/schedule/windows.ts` decides; the app's timers wake it). No windows means any time.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;

const TimeOfDay = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time of day as HH:MM (00:00 to 24:00)');

/** A local date-time in the schedule's time zone: `2026-12-20` (midnight) or `2026-12-20T18:00`. */
const LocalDateTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(?:T(?:[01]\d|2[0-3]):[0-5]\d)?$/,
    'a local date or date-time: 2026-12-20 or 2026-12-20T18:00 (in schedule.timezone)',
  );

export const ChangeWindow = z
  .strictObject({
    /** The days the window opens on (its start day, for a window that runs past midnight). */
    days: z
      .array(Weekday)
      .min(1, 'list at least one day')
      .default([...WEEKDAYS])
      .describe('The days the window opens on (its start day, for a window that runs past midnight).'),
    /** Opens at this local time. */
    start: TimeOfDay.describe('Opens at this local time.'),
    /** Closes at this local time; an end at or before the start closes the next day. */
    end: TimeOfDay.describe('Closes at this local time; an end at or before the start closes the next day.'),
  })
  .refine((w) => w.start !== w.end || w.start === '00:00', {
    message: 'start and end are the same: use 00:00 to 24:00 for a whole day',
    path: ['end'],
  });
export type ChangeWindow = z.infer<typeof ChangeWindow>;

export const ScheduledFreeze = z
  .strictObject({
    from: LocalDateTime,
    /** The freeze ends at this local date-time (not included). */
    to: LocalDateTime.describe('The freeze ends at this local date-time (not included).'),
    reason: z.string().min(1).max(200),
  })
  .refine((f) => localMinute(f.from) < localMinute(f.to), { message: 'a freeze ends after it starts', path: ['to'] });
export type ScheduledFreeze = z.infer<typeof ScheduledFreeze>;

export const SchedulePolicy = z.strictObject({
  /** An IANA time zone (`Europe/Berlin`, `America/New_York`); windows and freezes are read in it. */
  timezone: z
    .string()
    .refine((zone) => isTimeZone(zone), 'an IANA time zone such as Europe/Berlin or UTC')
    .default('UTC')
    .describe('An IANA time zone (Europe/Berlin, America/New_York); windows and freezes are read in it.'),
  /** When deployments may start; none: any time. */
  windows: z.array(ChangeWindow).default([]).describe('When deployments may start; none: any time.'),
  /** Periods with no deployment, whatever the windows say. */
  freezes: z.array(ScheduledFreeze).default([]).describe('Periods with no deployment, whatever the windows say.'),
});
export type SchedulePolicy = z.infer<typeof SchedulePolicy>;

/** `2026-12-20` and `2026-12-20T18:00` as one comparable form (`2026-12-20T00:00`). */
export function localMinute(text: string): string {
  return text.length === 10 ? `${text}T00:00` : text;
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
