import type { ExecutionRecord } from '../execution/records.js';
import { scheduleAt, type ScheduleDecision } from '../schedule/windows.js';
import type { SchedulePolicy } from '../policy/schedule-schema.js';
import { MAX_HOLD_MS, type DeployHold } from './deploy-hold.js';

/** The freeze in force (the circuit breaker's or an admin's), as the store keeps it. */
export type FreezeFact = { id: number; reason: string; since: string; until: string };

/** The facts a dispatch is decided on, read at one moment. */
export type DispatchFacts = {
  state: string;
  freeze: FreezeFact | undefined;
  uncounted: string[];
  schedule: ScheduleDecision;
  now: Date;
};

export type DispatchDecision =
  | { kind: 'skip'; reason: string }
  | { kind: 'wait'; why: 'frozen' | 'schedule'; reason: string; until: Date | null }
  /** Not yet, for a moment: another job (the breaker's count) runs first; the job is tried again (backoff). */
  | { kind: 'retry'; reason: string }
  | { kind: 'dispatch' };

/**
 * Whether a merged change is dispatched now (pure): never while the repository is frozen (until the freeze ends),
 * never before the breaker counted a failed canary of the repository (that failure may freeze it: the job is tried
 * again once the breaker's job ran), and only when the schedule allows it.
 */
export function decideDispatch(f: DispatchFacts): DispatchDecision {
  if (f.state !== 'merged') return { kind: 'skip', reason: `dispatch in ${f.state}` };
  if (f.freeze)
    return {
      kind: 'wait',
      why: 'frozen',
      reason: `the repository is frozen until ${f.freeze.until}: ${f.freeze.reason}`,
      until: new Date(f.freeze.until),
    };
  if (f.uncounted.length > 0)
    return {
      kind: 'retry',
      reason: `the circuit breaker has not counted the failed canary of execution ${f.uncounted.join(', ')} yet`,
    };
  if (!f.schedule.open)
    return { kind: 'wait', why: 'schedule', reason: f.schedule.reason, until: f.schedule.opensAt ?? null };
  return { kind: 'dispatch' };
}

/**
 * Whether a merged change may be dispatched now (pure): the policy's change windows and freezes, and a time someone
 * scheduled it for (its hold); if not, when it next may (the first opening at or after the hold).
 */
export function scheduleWithHold(schedule: SchedulePolicy, hold: DeployHold | undefined, now: Date): ScheduleDecision {
  if (!hold || Date.parse(hold.notBefore) <= now.getTime()) return scheduleAt(schedule, now);
  // a hold never lasts longer than MAX_HOLD_MS from when it was set, whatever was stored
  const at = new Date(Math.min(Date.parse(hold.notBefore), Date.parse(hold.at) + MAX_HOLD_MS));
  if (at.getTime() <= now.getTime()) return scheduleAt(schedule, now);
  const then = scheduleAt(schedule, at);
  return {
    open: false,
    reason: `scheduled by @${hold.by} for ${at.toISOString()}`,
    opensAt: then.open ? at : then.opensAt,
  };
}

/**
 * Where a change waiting for its environment stands in the queue: fixes (triaged `bug` or `ops`) go before the
 * rest; within one priority, first merged, first deployed.
 */
export function deployPriority(execution: Pick<ExecutionRecord, 'work'>): number {
  const kind = execution.work?.triage?.classification;
  return kind === 'bug' || kind === 'ops' ? 1 : 0;
}
