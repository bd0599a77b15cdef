import {
  FINAL_STATES,
  type EffectBody,
  type Execution,
  type ExecutionEvent,
  type ExecutionState,
} from './execution-model.js';

/** Where each event takes an execution from each state (pure): the table `transition` applies. */

/** `note`: why, for the audit entry, when the event alone does not say. */
export type Step = {
  to: ExecutionState;
  effects?: EffectBody[];
  resumeTo?: ExecutionState | undefined;
  headSha?: string;
  note?: string;
};

/** States of a change whose pull request is open and judged by the policy (a push or a re-run evaluates it again). */
const UNDER_EVALUATION: readonly ExecutionState[] = [
  'proposed',
  'blocked',
  'awaiting_approval',
  'approved',
  'scheduled',
];

type EventOf<T extends ExecutionEvent['type']> = Extract<ExecutionEvent, { type: T }>;
type LifecycleEvent = EventOf<'failed' | 'rejected' | 'paused' | 'frozen' | 'resumed' | 'unfrozen'>;
type ProposalEvent = EventOf<
  'pushed' | 'evaluation_requested' | 'classified' | 'proposal_requested' | 'proposal_ready' | 'approved'
>;
type DeliveryEvent = EventOf<
  | 'merged'
  | 'deploy_started'
  | 'analysis_started'
  | 'canary_verdict'
  | 'promotion_finished'
  | 'rollback_requested'
  | 'rollback_finished'
  | 'retry'
>;

/** The next step, or why the event is not allowed in this state. */
export function decide(x: Execution, e: ExecutionEvent): Step | string {
  switch (e.type) {
    case 'failed':
    case 'rejected':
    case 'paused':
    case 'frozen':
    case 'resumed':
    case 'unfrozen':
      return decideLifecycle(x, e);
    case 'policy_evaluated':
      return decideEvaluated(x, e);
    case 'pushed':
    case 'evaluation_requested':
    case 'classified':
    case 'proposal_requested':
    case 'proposal_ready':
    case 'approved':
      return decideProposal(x, e);
    default:
      return decideDelivery(x, e);
  }
}

/** Events allowed in every live state: fail, reject, pause, freeze and their ends. */
function decideLifecycle(x: Execution, e: LifecycleEvent): Step | string {
  const s = x.state;
  switch (e.type) {
    case 'failed':
      return FINAL_STATES.has(s)
        ? `already ${s}`
        : { to: 'failed', effects: [{ type: 'post_status' }, { type: 'notify', about: 'failed' }] };
    case 'rejected':
      return FINAL_STATES.has(s) || ['merged', 'deploying', 'verifying', 'promoted', 'rolling_back'].includes(s)
        ? `cannot reject in ${s}${s === 'merged' || s === 'deploying' ? ': roll back instead' : ''}`
        : { to: 'rejected', effects: [{ type: 'post_status' }] };
    case 'paused':
      if (FINAL_STATES.has(s) || s === 'paused' || s === 'frozen') return `cannot pause in ${s}`;
      return { to: 'paused', resumeTo: s, effects: [{ type: 'post_status' }] };
    case 'frozen':
      if (FINAL_STATES.has(s) || s === 'frozen') return `cannot freeze in ${s}`;
      return { to: 'frozen', resumeTo: s === 'paused' ? x.resumeTo : s, effects: [{ type: 'post_status' }] };
    case 'resumed':
      return s === 'paused' && x.resumeTo
        ? { to: x.resumeTo, resumeTo: undefined, effects: [{ type: 'post_status' }] }
        : `only a paused execution resumes (it is ${s})`;
    case 'unfrozen':
      return s === 'frozen' && x.resumeTo
        ? { to: x.resumeTo, resumeTo: undefined, effects: [{ type: 'post_status' }] }
        : `only a frozen execution is unfrozen (it is ${s})`;
  }
}

/** From the task to an approved head: classification, proposal, pushes and approvals. */
function decideProposal(x: Execution, e: ProposalEvent): Step | string {
  const s = x.state;
  switch (e.type) {
    case 'pushed':
      // a new head commit invalidates the evaluation and any approval bound to the old one
      return UNDER_EVALUATION.includes(s)
        ? { to: 'proposed', headSha: e.headSha, effects: [{ type: 'evaluate_policy', headSha: e.headSha }] }
        : `a push in ${s} changes nothing`;
    case 'evaluation_requested':
      if (!UNDER_EVALUATION.includes(s)) return `no change under evaluation in ${s}`;
      // a request for another commit is a push seen late
      return e.headSha === x.headSha
        ? { to: s, effects: [{ type: 'evaluate_policy', headSha: e.headSha }] }
        : { to: 'proposed', headSha: e.headSha, effects: [{ type: 'evaluate_policy', headSha: e.headSha }] };
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
    case 'approved':
      if (s !== 'awaiting_approval') return `nothing awaits approval in ${s}`;
      if (e.headSha !== x.headSha) return `the approval is for ${e.headSha}, the head is ${x.headSha}`;
      return { to: 'approved', effects: [{ type: 'post_status' }] };
  }
}

/** A policy evaluation of the head: approved, awaiting approval, blocked, or waiting for a change window. */
function decideEvaluated(x: Execution, e: EventOf<'policy_evaluated'>): Step | string {
  const s = x.state;
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
    effects: [{ type: 'post_status' }, ...(merge ? [{ type: 'merge_pull_request' as const, headSha: e.headSha }] : [])],
  };
}

/** From the merge on: the deployment, its canary, promotion, rollback, and a retry of a failed execution. */
function decideDelivery(x: Execution, e: DeliveryEvent): Step | string {
  const s = x.state;
  switch (e.type) {
    case 'merged':
      return decideMerged(x, e);
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
    case 'rollback_requested':
      return ['merged', 'deploying', 'verifying', 'promoted', 'completed'].includes(s)
        ? { to: 'rolling_back', effects: [{ type: 'dispatch_rollback', reason: e.reason }, { type: 'post_status' }] }
        : `nothing deployed to roll back in ${s}`;
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

/** A merge: deployed only when approved, and only the judged head merged into a deploy branch. */
function decideMerged(x: Execution, e: EventOf<'merged'>): Step | string {
  const s = x.state;
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
}
