import type { ExecutionEvent } from '../execution/execution-model.js';
import type { ApprovalsEvaluation } from '../policy/approval-facts.js';
import type { ApprovalsPolicy } from '../policy/approvals-schema.js';
import { explainEvaluation, explainIncomplete, explainSnapshot, withPreamble } from '../policy/explain.js';
import type { Conclusion, Evaluation, Finding } from '../policy/evaluation.js';
import type { SchedulePolicy } from '../policy/schedule-schema.js';
import type { Completeness, DeployTarget, PullRequestSnapshot } from '../policy/snapshot.js';
import { scheduleAt } from '../schedule/windows.js';
import {
  APPROVAL_ACTIONS,
  approvedTitle,
  explainSharedHead,
  explainWaiting,
  ownersMissingTitle,
} from '../text/pull-request-check.js';
import { decideSharedHead, type SharerFacts } from './shared-head.js';

/**
 * The verdict on one pull request's head, a pure function of the facts gathered for it (src/workflows/evaluation.ts):
 * the gates' evaluation of the snapshot pinned to (base, head), the approvals judged for that head, the other pull
 * requests sharing the head, and the schedule at `now`. It says the check run to post and the execution's event.
 */

export type CheckAction = { label: string; identifier: string; description: string };

/** The verdict as it builds up, stage by stage. */
export type Verdict = {
  conclusion: Conclusion;
  title: string;
  summary: string;
  actions: CheckAction[];
  /** Who approved, when the approvals decided the success ('' otherwise). */
  approvedBy: string;
};

export type EvaluationFacts = {
  snapshot: PullRequestSnapshot;
  target: DeployTarget;
  completeness: Completeness;
  evaluation: Evaluation;
  policy: { approvals: ApprovalsPolicy; schedule: SchedulePolicy; merge: string; source?: string };
  traceId: string;
  /** The approvals judged now, with their text; absent when the verdict does not ask for them. */
  approvals?: { judged: ApprovalsEvaluation; text: string } | undefined;
  /** The other pull requests with this head (gathered only when the verdict is a success so far). */
  sharers?: readonly SharerFacts[] | undefined;
  now: Date;
};

export type Waiting = { reason: string; opensAt: string | null };

export type EvaluationDecision = {
  check: {
    conclusion: Conclusion | 'waiting';
    title: string;
    summary: string;
    findings: Finding[];
    actions: CheckAction[];
  };
  waiting: Waiting | undefined;
  event: Extract<ExecutionEvent, { type: 'policy_evaluated' }>;
  /** The pair the verdict is bound to: a merge deploys only this head, merged into this base. */
  judged: { baseRef: string; baseSha: string; headSha: string; deployable: boolean };
  /** Executions sharing the head to evaluate again. */
  reevaluate: string[];
};

/** The gates' verdict: the policy's text over the snapshot; a list GitHub cut short never passes. */
export function decideGates(
  facts: Pick<EvaluationFacts, 'snapshot' | 'target' | 'completeness' | 'evaluation' | 'policy' | 'traceId'>,
): Verdict {
  const { evaluation } = facts;
  let text = explainEvaluation(evaluation, {
    ...(facts.policy.source ? { policySource: facts.policy.source } : {}),
    traceId: facts.traceId,
  });
  text = { ...text, summary: withPreamble(text.summary, explainSnapshot(facts.snapshot, facts.target)) };
  let conclusion = evaluation.conclusion;
  if (!facts.completeness.complete) {
    // GitHub lists at most 3,000 files: what it did not list was never judged, so the change does not pass
    conclusion = 'failure';
    text = { ...text, ...explainIncomplete(text, facts.completeness) };
  }
  return { conclusion, ...text, actions: [], approvedBy: '' };
}

/** The gates ask for a person, or the policy's owners/teams do (whatever the risk): then the approvals decide. */
export function approvalsAsked(conclusion: Conclusion, approvals: Pick<ApprovalsPolicy, 'owners' | 'teams'>): boolean {
  const owned = approvals.owners === 'codeowners' || approvals.teams.length > 0;
  return conclusion === 'action_required' || (conclusion === 'success' && owned);
}

/** The verdict once the approvals judged for this head are counted. */
export function decideApprovals(
  verdict: Verdict,
  approvals: EvaluationFacts['approvals'],
  evaluationTitle: string,
): Verdict {
  if (!approvals) return verdict;
  const { judged } = approvals;
  const asked = verdict.conclusion === 'action_required' || judged.requirements.some((r) => r.kind !== 'minimum');
  if (!asked) return verdict;
  const summary = `${verdict.summary}\n\n${approvals.text}`;
  if (judged.status === 'satisfied') {
    const approvedBy = judged.counted.map((c) => c.login).join(', ');
    return {
      ...verdict,
      conclusion: 'success',
      summary,
      approvedBy,
      title: approvedTitle(approvedBy, evaluationTitle),
    };
  }
  const title = verdict.conclusion === 'success' ? ownersMissingTitle(judged.summary, evaluationTitle) : verdict.title;
  return { ...verdict, conclusion: 'action_required', title, summary, actions: [...APPROVAL_ACTIONS] };
}

/** The verdict before the shared-head rule and the schedule: what decides whether the sharers are read. */
export function decideApproved(facts: EvaluationFacts): Verdict {
  return decideApprovals(decideGates(facts), facts.approvals, facts.evaluation.title);
}

export function decideEvaluation(facts: EvaluationFacts): EvaluationDecision {
  let verdict = decideApproved(facts);
  let reevaluate: string[] = [];
  if (verdict.conclusion === 'success') {
    const shared = decideSharedHead(facts.sharers ?? []);
    reevaluate = shared.reevaluate;
    if (shared.blocking.length > 0)
      verdict = { ...verdict, conclusion: 'action_required', ...explainSharedHead(verdict, shared.blocking) };
  }
  let waiting: Waiting | undefined;
  if (verdict.conclusion === 'success') {
    // approved, and the schedule decides when: outside a change window (or in a freeze) the check waits
    const decision = scheduleAt(facts.policy.schedule, facts.now);
    if (!decision.open) {
      waiting = { reason: decision.reason, opensAt: decision.opensAt?.toISOString() ?? null };
      verdict = { ...verdict, ...explainWaiting(verdict, waiting, verdict.approvedBy) };
    }
  }
  return {
    check: {
      conclusion: waiting ? 'waiting' : verdict.conclusion,
      title: verdict.title,
      summary: verdict.summary,
      findings: facts.evaluation.gates.flatMap((g) => g.findings),
      actions: verdict.actions,
    },
    waiting,
    event: evaluatedEvent(facts, verdict, waiting),
    judged: {
      baseRef: facts.snapshot.baseRef,
      baseSha: facts.snapshot.baseSha,
      headSha: facts.snapshot.headSha,
      deployable: facts.target.deployable,
    },
    reevaluate,
  };
}

function evaluatedEvent(
  facts: EvaluationFacts,
  verdict: Verdict,
  waiting: Waiting | undefined,
): EvaluationDecision['event'] {
  const { evaluation } = facts;
  const headSha = facts.snapshot.headSha;
  const reason = `${waiting ? 'waiting' : verdict.conclusion}: ${evaluation.gates.map((g) => `${g.gate} ${g.outcome}`).join(', ')}; risk ${evaluation.risk.level}${verdict.approvedBy ? `; approved by ${verdict.approvedBy}` : ''}${waiting ? `; ${waiting.reason}` : ''}`;
  return waiting
    ? { type: 'policy_evaluated', headSha, conclusion: 'waiting', reason, opensAt: waiting.opensAt }
    : {
        type: 'policy_evaluated',
        headSha,
        conclusion: verdict.conclusion,
        reason,
        autoMerge: facts.policy.merge === 'auto' && facts.target.deployable,
      };
}
