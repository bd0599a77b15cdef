import type { PolicyConclusion } from '../../contracts/api.js';
import type { NotifyEvent } from '../notify/notifications-schema.js';

/** The execution state machine's vocabulary: its states, the events that move it, and the effects it asks for. */

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

/** What a policy evaluation concludes (the wire type, `src/contracts/api.ts`). */

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
