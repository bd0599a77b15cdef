import type { NotifyEvent } from '../notify/notifications-schema.js';
/**
 * The execution state machine: one execution is one task from intake to its end. `transition` is pure:
 * it takes the state, an event and `now`, and returns the next state and the effects to run. Effects are
 * plain data with a deterministic idempotency key; a durable runner applies them (once each), so a crash
 * or a redelivered webhook never doubles a side effect. An illegal transition is a value, never a throw,
 * and carries an audit effect so it is recorded.
 */

export const EXECUTION_STATES = [
  'received',
  'classified',
  'proposing',
  'proposed',
  'blocked',
  'awaiting_approval',
  'approved',
  'scheduled',
  'merged',
  'deploying',
  'verifying',
  'promoted',
  'completed',
  'rolling_back',
  'rolled_back',
  'paused',
  'frozen',
  'rejected',
  'failed',
] as const;
export type ExecutionState = (typeof EXECUTION_STATES)[number];

/** Where an execution ends. It leaves one only by `retry` (from `failed`) or a rollback of a `completed` deployment. */
export const FINAL_STATES: ReadonlySet<ExecutionState> = new Set(['completed', 'rolled_back', 'rejected', 'failed']);

export type Execution = {
  id: string;
  state: ExecutionState;
  /** Incremented by every transition; part of every effect's idempotency key. */
  version: number;
  /** Where a paused or frozen execution goes back to. */
  resumeTo?: ExecutionState;
  /** The head commit the latest policy evaluation and approval are bound to. */
  headSha?: string;
  updatedAt: string;
};

/** What a policy evaluation concludes, as the audit log's `policy_evaluated` entries say: the check's conclusion, or `waiting` (approved, outside the change windows). */
export const POLICY_CONCLUSIONS = ['success', 'failure', 'action_required', 'waiting'] as const;
export type PolicyConclusion = (typeof POLICY_CONCLUSIONS)[number];

export type ExecutionEvent =
  | { type: 'classified'; kind: 'feature' | 'bug' | 'infra' | 'ops' | 'docs' }
  | { type: 'proposal_requested' }
  | { type: 'proposal_ready'; pullRequest: number; headSha: string }
  | { type: 'pushed'; headSha: string }
  /** Judge the same head commit again (a re-run, a label, an edit): an approval on it still holds. */
  | { type: 'evaluation_requested'; headSha: string; by: string }
  /**
   * `merge: 'auto'`: the policy lets AAOE merge once every gate passes and approvals hold (the agent never merges).
   * `waiting`: it passes, but the schedule says not now; evaluated again at `opensAt` (null: nothing opens soon).
   */
  | {
      type: 'policy_evaluated';
      headSha: string;
      conclusion: Exclude<PolicyConclusion, 'waiting'>;
      reason: string;
      autoMerge?: boolean;
    }
  | { type: 'policy_evaluated'; headSha: string; conclusion: 'waiting'; reason: string; opensAt: string | null }
  | { type: 'approved'; by: string; headSha: string }
  | { type: 'rejected'; by: string; reason: string }
  /**
   * GitHub merged the pull request as `sha`. `headSha`: the head it merged (a merge of any other head than the judged
   * one is not deployed); `notDeployed`: why the merge is not deployed whatever the state (its base is not a deploy branch).
   */
  | { type: 'merged'; sha: string; headSha?: string; notDeployed?: string }
  | { type: 'deploy_started' }
  | { type: 'analysis_started' }
  | { type: 'canary_verdict'; verdict: 'pass' | 'fail' | 'inconclusive'; reason: string }
  | { type: 'promotion_finished' }
  | { type: 'rollback_requested'; by: string; reason: string }
  | { type: 'rollback_finished' }
  | { type: 'paused'; by: string }
  | { type: 'resumed'; by: string }
  | { type: 'frozen'; until: string; reason: string }
  | { type: 'unfrozen' }
  | { type: 'failed'; reason: string }
  | { type: 'retry'; by: string };

export type EffectBody =
  | { type: 'classify' }
  | { type: 'request_proposal' }
  /** `notBefore`: a timer holds the job until then (an approved change waiting for its change window). */
  | { type: 'evaluate_policy'; headSha: string; notBefore?: string }
  | { type: 'post_status' }
  | { type: 'merge_pull_request'; headSha: string }
  | { type: 'dispatch_deploy'; sha: string; notBefore?: string }
  | { type: 'promote' }
  | { type: 'dispatch_rollback'; reason: string }
  | { type: 'record_breaker_failure'; reason: string }
  | { type: 'notify'; about: NotifyEvent }
  /** An issue with the evidence of a failed canary (its own job: a GitHub outage never holds the notifications back). */
  | { type: 'open_debug_issue' }
  | { type: 'audit'; action: string; actor: string; reason: string };

/** An effect and the key that makes running it twice a no-op. */
export type Effect = EffectBody & { key: string };

export type Transition =
  | { outcome: 'applied'; execution: Execution; effects: Effect[] }
  | { outcome: 'illegal'; execution: Execution; effects: Effect[]; reason: string };

/** `note`: why, for the audit entry, when the event alone does not say. */
type Step = {
  to: ExecutionState;
  effects?: EffectBody[];
  resumeTo?: ExecutionState | undefined;
  headSha?: string;
  note?: string;
};

const SYSTEM = 'aaoe';

/** States of a change whose pull request is open and judged by the policy (a push or a re-run evaluates it again). */
const UNDER_EVALUATION: readonly ExecutionState[] = [
  'proposed',
  'blocked',
  'awaiting_approval',
  'approved',
  'scheduled',
];

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

/** The next step, or why the event is not allowed in this state. */
function decide(x: Execution, e: ExecutionEvent): Step | string {
  const s = x.state;
  // events allowed in every live state
  if (e.type === 'failed')
    return FINAL_STATES.has(s)
      ? `already ${s}`
      : { to: 'failed', effects: [{ type: 'post_status' }, { type: 'notify', about: 'failed' }] };
  if (e.type === 'rejected') {
    return FINAL_STATES.has(s) || ['merged', 'deploying', 'verifying', 'promoted', 'rolling_back'].includes(s)
      ? `cannot reject in ${s}${s === 'merged' || s === 'deploying' ? ': roll back instead' : ''}`
      : { to: 'rejected', effects: [{ type: 'post_status' }] };
  }
  if (e.type === 'paused') {
    if (FINAL_STATES.has(s) || s === 'paused' || s === 'frozen') return `cannot pause in ${s}`;
    return { to: 'paused', resumeTo: s, effects: [{ type: 'post_status' }] };
  }
  if (e.type === 'frozen') {
    if (FINAL_STATES.has(s) || s === 'frozen') return `cannot freeze in ${s}`;
    return { to: 'frozen', resumeTo: s === 'paused' ? x.resumeTo : s, effects: [{ type: 'post_status' }] };
  }
  if (e.type === 'resumed')
    return s === 'paused' && x.resumeTo
      ? { to: x.resumeTo, resumeTo: undefined, effects: [{ type: 'post_status' }] }
      : `only a paused execution resumes (it is ${s})`;
  if (e.type === 'unfrozen')
    return s === 'frozen' && x.resumeTo
      ? { to: x.resumeTo, resumeTo: undefined, effects: [{ type: 'post_status' }] }
      : `only a frozen execution is unfrozen (it is ${s})`;
  if (e.type === 'rollback_requested') {
    return ['merged', 'deploying', 'verifying', 'promoted', 'completed'].includes(s)
      ? { to: 'rolling_back', effects: [{ type: 'dispatch_rollback', reason: e.reason }, { type: 'post_status' }] }
      : `nothing deployed to roll back in ${s}`;
  }
  if (e.type === 'pushed') {
    // a new head commit invalidates the evaluation and any approval bound to the old one
    return UNDER_EVALUATION.includes(s)
      ? { to: 'proposed', headSha: e.headSha, effects: [{ type: 'evaluate_policy', headSha: e.headSha }] }
      : `a push in ${s} changes nothing`;
  }

  if (e.type === 'evaluation_requested') {
    if (!UNDER_EVALUATION.includes(s)) return `no change under evaluation in ${s}`;
    // a request for another commit is a push seen late
    return e.headSha === x.headSha
      ? { to: s, effects: [{ type: 'evaluate_policy', headSha: e.headSha }] }
      : { to: 'proposed', headSha: e.headSha, effects: [{ type: 'evaluate_policy', headSha: e.headSha }] };
  }

  switch (e.type) {
    case 'classified':
      return s === 'received' ? { to: 'classified', effects: [{ type: 'post_status' }] } : `already classified (${s})`;
    case 'proposal_requested':
      return s === 'classified'
        ? { to: 'proposing', effects: [{ type: 'request_proposal' }, { type: 'post_status' }] }
        : `a proposal is requested after classification, not in ${s}`;
    case 'proposal_ready':
      return s === 'proposing'
        ? {
            to: 'proposed',
            headSha: e.headSha,
            effects: [{ type: 'evaluate_policy', headSha: e.headSha }, { type: 'post_status' }],
          }
        : `no proposal was requested (${s})`;
    case 'policy_evaluated': {
      if (!UNDER_EVALUATION.includes(s)) return `no change under evaluation in ${s}`;
      if (x.headSha !== undefined && e.headSha !== x.headSha)
        return `the evaluation is for ${e.headSha}, the head is ${x.headSha}`;
      if (e.conclusion === 'waiting') {
        // approved, not now: the check says until when, and a timer evaluates it again when the window opens
        const again: EffectBody[] = e.opensAt
          ? [{ type: 'evaluate_policy', headSha: e.headSha, notBefore: e.opensAt }]
          : [];
        return {
          to: 'scheduled',
          effects: [
            { type: 'post_status' },
            ...(s === 'scheduled' ? [] : [{ type: 'notify' as const, about: 'waiting' as const }]),
            ...again,
          ],
        };
      }
      // success needs no approval (or its approvals hold, judged by this evaluation); action_required means they do
      // not hold now (an approver demoted, say): an approved execution goes back to awaiting approval
      const to: ExecutionState =
        e.conclusion === 'failure' ? 'blocked' : e.conclusion === 'success' ? 'approved' : 'awaiting_approval';
      const merge = to === 'approved' && e.conclusion === 'success' && e.autoMerge === true;
      return {
        to,
        effects: [
          { type: 'post_status' },
          ...(merge ? [{ type: 'merge_pull_request' as const, headSha: e.headSha }] : []),
        ],
      };
    }
    case 'approved':
      if (s !== 'awaiting_approval') return `nothing awaits approval in ${s}`;
      if (e.headSha !== x.headSha) return `the approval is for ${e.headSha}, the head is ${x.headSha}`;
      return { to: 'approved', effects: [{ type: 'post_status' }] };
    case 'merged':
      // a change waiting for its window was approved too: merged, its dispatch waits for the window itself
      if (s !== 'approved' && s !== 'scheduled') return `merged without approval in ${s}: not deployed`;
      // only the judged head, merged into a deploy branch, is deployed; anything else ends here, undeployed
      if (e.headSha !== undefined && e.headSha !== x.headSha) {
        return {
          to: 'rejected',
          effects: [{ type: 'post_status' }],
          note: `merged head ${e.headSha.slice(0, 7)} is not the judged head ${(x.headSha ?? 'none').slice(0, 7)}: not deployed`,
        };
      }
      if (e.notDeployed) return { to: 'rejected', effects: [{ type: 'post_status' }], note: e.notDeployed };
      return { to: 'merged', effects: [{ type: 'dispatch_deploy', sha: e.sha }, { type: 'post_status' }] };
    case 'deploy_started':
      return s === 'merged' ? { to: 'deploying' } : `no deployment was dispatched (${s})`;
    case 'analysis_started':
      return s === 'deploying' ? { to: 'verifying' } : `no canary is deploying (${s})`;
    case 'canary_verdict':
      if (s !== 'verifying' && s !== 'deploying') return `no canary under analysis (${s})`;
      // inconclusive never promotes
      return e.verdict === 'pass'
        ? { to: 'promoted', effects: [{ type: 'promote' }, { type: 'post_status' }] }
        : {
            to: 'rolling_back',
            effects: [
              { type: 'dispatch_rollback', reason: e.reason },
              { type: 'record_breaker_failure', reason: e.reason },
              { type: 'notify', about: 'rollback' },
              { type: 'open_debug_issue' },
              { type: 'post_status' },
            ],
          };
    case 'promotion_finished':
      return s === 'promoted'
        ? { to: 'completed', effects: [{ type: 'post_status' }, { type: 'notify', about: 'completed' }] }
        : `nothing was promoted (${s})`;
    case 'rollback_finished':
      return s === 'rolling_back'
        ? { to: 'rolled_back', effects: [{ type: 'post_status' }] }
        : `no rollback is running (${s})`;
    case 'retry':
      return s === 'failed'
        ? { to: 'received', effects: [{ type: 'classify' }, { type: 'post_status' }] }
        : `only a failed execution is retried (it is ${s})`;
  }
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
