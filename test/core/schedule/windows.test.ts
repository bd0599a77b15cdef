import { describe, expect, it } from 'vitest';
import { SchedulePolicy, type SchedulePolicy as Schedule } from '../../../src/core/policy/schedule-schema.js';
import { scheduleAt } from '../../../src/core/schedule/windows.js';

const schedule = (input: unknown): Schedule => SchedulePolicy.parse(input);
const office = schedule({
  timezone: 'Europe/Berlin',
  windows: [{ days: ['mon', 'tue', 'wed', 'thu'], start: '09:00', end: '16:00' }],
});

describe('change windows', () => {
  it('no windows and no freezes: always open', () => {
    expect(scheduleAt(schedule({}), new Date('2026-11-22T03:00:00Z'))).toEqual({ open: true });
  });

  it('open inside a window, in the schedule’s time zone', () => {
    // Mon 23 Nov 2026 09:30 in Berlin is 08:30 UTC
    expect(scheduleAt(office, new Date('2026-11-23T08:30:00Z'))).toEqual({ open: true });
    // 15:59 Berlin open, 16:00 closed (the end is not included)
    expect(scheduleAt(office, new Date('2026-11-23T14:59:00Z')).open).toBe(true);
    expect(scheduleAt(office, new Date('2026-11-23T15:00:00Z')).open).toBe(false);
  });

  it('closed before a window: opens at its start the same day', () => {
    const d = scheduleAt(office, new Date('2026-11-23T06:00:00Z')); // 07:00 Berlin
    expect(d).toMatchObject({ open: false, opensAt: new Date('2026-11-23T08:00:00Z') });
    if (!d.open) expect(d.reason).toBe('outside the change windows (Mon, Tue, Wed, Thu 09:00–16:00 Europe/Berlin)');
  });

  it('Thursday evening: the next opening is Monday morning', () => {
    const d = scheduleAt(office, new Date('2026-11-26T17:00:00Z'));
    expect(d).toMatchObject({ open: false, opensAt: new Date('2026-11-30T08:00:00Z') });
  });

  it('keeps local hours across the daylight-saving change', () => {
    // Berlin moves to CEST on Sun 29 Mar 2026: Monday 30 Mar 09:00 is 07:00 UTC, Thursday 26 Mar 09:00 was 08:00 UTC
    const d = scheduleAt(office, new Date('2026-03-26T16:00:00Z'));
    expect(d).toMatchObject({ open: false, opensAt: new Date('2026-03-30T07:00:00Z') });
  });

  it('a window past midnight belongs to its start day', () => {
    const night = schedule({ timezone: 'UTC', windows: [{ days: ['sat'], start: '22:00', end: '02:00' }] });
    expect(scheduleAt(night, new Date('2026-11-28T23:00:00Z')).open).toBe(true); // Sat 23:00
    expect(scheduleAt(night, new Date('2026-11-29T01:59:00Z')).open).toBe(true); // Sun 01:59, Saturday's window
    expect(scheduleAt(night, new Date('2026-11-29T22:30:00Z'))).toMatchObject({
      open: false,
      opensAt: new Date('2026-12-05T22:00:00Z'),
    });
  });

  it('a freeze closes even an open window, and the next opening is the first window after it', () => {
    const frozen = schedule({
      ...office,
      freezes: [{ from: '2026-12-21', to: '2027-01-04T12:00', reason: 'year-end freeze' }],
    });
    const d = scheduleAt(frozen, new Date('2026-12-22T10:00:00Z')); // Tue, inside the window, inside the freeze
    expect(d.open).toBe(false);
    if (!d.open) {
      expect(d.reason).toBe('freeze until Mon 4 Jan 2027 12:00 Europe/Berlin: year-end freeze');
      expect(d.opensAt).toEqual(new Date('2027-01-04T11:00:00Z')); // the freeze ends at 12:00, inside Monday's window
    }
  });

  it('a freeze alone: open again when it ends', () => {
    const d = scheduleAt(
      schedule({ freezes: [{ from: '2026-11-20', to: '2026-11-25T06:00', reason: 'migration' }] }),
      new Date('2026-11-23T10:00:00Z'),
    );
    expect(d).toMatchObject({ open: false, opensAt: new Date('2026-11-25T06:00:00Z') });
  });

  it('the schema refuses what it cannot read, saying what to write', () => {
    const bad = SchedulePolicy.safeParse({
      timezone: 'Mars/Olympus',
      windows: [{ days: ['fri'], start: '9:00', end: '17:00' }],
      freezes: [{ from: '2026-12-24', to: '2026-12-20', reason: 'x' }],
    });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'timezone: an IANA time zone such as Europe/Berlin or UTC',
        'windows.0.start: a time of day as HH:MM (00:00 to 24:00)',
        'freezes.0.to: a freeze ends after it starts',
      ]),
    );
  });
});
