import { decide } from './decide-step.js';
import type { Effect, EffectBody, Execution, ExecutionEvent, ExecutionState } from './execution-model.js';

/**
 * The execution state machine: one execution is one task from intake to its end. `transition` is pure:
 * it takes the state, an event and `now`, and returns the next state and the effects to run. Effects are
 * plain data with a deterministic idempotency key; a durable runner applies them (once each), so a crash
 * or a redelivered webhook never doubles a side effect. An illegal transition is a value, never a throw,
 * and carries an audit effect so it is recorded.
 */

export type Transition =
  | { outcome: 'applied'; execution: Execution; effects: Effect[] }
  | { outcome: 'illegal'; execution: Execution; effects: Effect[]; reason: string };

const SYSTEM = 'aaoe';

/** An execution that starts from an issue: triage first, and the issue hears at once that work started. */
export function newExecution(id: string, now: Date): { execution: Execution; effects: Effect[] } {
  const execution: Execution = { id, state: 'received', version: 0, updatedAt: now.toISOString() };
  return {
    execution,
    effects: keyed(execution, [
      { type: 'classify' },
      { type: 'post_status' },
      audit('received', SYSTEM, 'execution created'),
    ]),
  };
}

/**
 * An execution that starts from a pull request opened outside AAOE (an agent's or a labelled one): it is
 * `proposed` at once, bound to its head commit, and its first effect is the policy evaluation.
 */
export function newPullRequestExecution(
  id: string,
  headSha: string,
  by: string,
  now: Date,
): { execution: Execution; effects: Effect[] } {
  const execution: Execution = { id, state: 'proposed', version: 0, headSha, updatedAt: now.toISOString() };
  return {
    execution,
    effects: keyed(execution, [
      { type: 'evaluate_policy', headSha },
      audit('received', by, `pull request at ${headSha}: proposed`),
    ]),
  };
}

export function transition(execution: Execution, event: ExecutionEvent, now: Date): Transition {
  const step = decide(execution, event);
  if (typeof step === 'string') {
    const effects = keyed(
      execution,
      [audit('illegal_transition', actorOf(event), `${event.type} in ${execution.state}: ${step}`)],
      `illegal:${event.type}`,
    );
    return { outcome: 'illegal', execution, effects, reason: step };
  }
  const next: Execution = {
    id: execution.id,
    state: step.to,
    version: execution.version + 1,
    updatedAt: now.toISOString(),
    ...(step.resumeTo ? { resumeTo: step.resumeTo } : {}),
    ...((step.headSha ?? execution.headSha) ? { headSha: step.headSha ?? execution.headSha } : {}),
  };
  const effects = [
    ...(step.effects ?? []),
    audit(
      event.type,
      actorOf(event),
      `${reasonOf(event, execution.state, step.to)}${step.note ? `: ${step.note}` : ''}`,
    ),
  ];
  return { outcome: 'applied', execution: next, effects: keyed(next, effects) };
}

function audit(action: string, actor: string, reason: string): EffectBody {
  return { type: 'audit', action, actor, reason };
}

function keyed(x: Execution, effects: EffectBody[], suffix = ''): Effect[] {
  return effects.map((effect, i) => ({
    ...effect,
    key: `${x.id}:${x.version}:${i}:${effect.type}${suffix ? `:${suffix}` : ''}`,
  }));
}

function actorOf(e: ExecutionEvent): string {
  return 'by' in e ? e.by : SYSTEM;
}

function reasonOf(e: ExecutionEvent, from: ExecutionState, to: ExecutionState): string {
  const why = e.type === 'canary_verdict' ? `: ${e.verdict}, ${e.reason}` : 'reason' in e ? `: ${e.reason}` : '';
  return `${from} -> ${to}${why}`;
}
