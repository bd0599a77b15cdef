import { APPROVAL_TEXT } from '../text/approvals.js';
import type {
  Actor,
  ActorType,
  ApprovalCandidate,
  ApprovalFacts,
  ApprovalRef,
  ApprovalsEvaluation,
  Binding,
  CountedApproval,
  PermissionFact,
  RejectedApproval,
  RejectionReason,
  Requirement,
  ReviewFact,
  StillNeeded,
} from './approval-facts.js';
import type { ApprovalsPolicy, RepositoryPermission } from './approvals-schema.js';
import { ownerRequirements, teamRequirement, teamsBySlug } from './approval-requirements.js';

/**
 * Whether a governed pull request holds the approvals its policy asks for. Pure: the app gathers the facts
 * through the API (permissions from the collaborator-permission API at the time of counting, team members, the
 * CODEOWNERS file of the base branch, the PR's head and its earlier heads) and this function judges them.
 *
 * A candidate counts once, when every rule holds, checked in this order (the first that fails is the reason):
 * it is a review and the policy counts reviews, and no later review of the same person replaced it; the approver
 * is not the app, not a bot, not the proposer, not the PR author, not the owner of the fork the PR comes from; a
 * comment was never edited; it is bound to this PR number and to its head commit (an earlier head of this PR is
 * stale when `invalidateOnPush`, any other commit never counts); the approver's permission is known and allowed;
 * the same person was not counted already. Logins compare case-insensitively, as GitHub's do. Every text a
 * reader sees lives in {@link APPROVAL_TEXT}.
 */

// kept for the importers outside this part (workflows/control-plane.ts, adapters/store/approvals.ts,
// core/decisions/pull-request-verdict.ts, test/api/control-plane-units.test.ts) until they import from
// approval-facts.ts and text/approvals.ts themselves
export { APPROVAL_TEXT };
export type { ActorType, ApprovalCandidate, ApprovalFacts, ApprovalsEvaluation };

export function evaluateApprovals(facts: ApprovalFacts, policy: ApprovalsPolicy): ApprovalsEvaluation {
  const counted: CountedApproval[] = [];
  const rejected: RejectedApproval[] = [];
  const byLogin = new Map<string, CountedApproval>();
  const permissions = permissionsByLogin(facts.permissions);

  for (const entry of candidatesInOrder(facts, policy)) {
    const reason = entry.reason ?? firstFailingRule(entry, facts, policy, permissions, byLogin);
    if (reason) {
      rejected.push({
        ref: entry.ref,
        login: entry.actor.login,
        reason,
        message: APPROVAL_TEXT.rejection(entry.actor.login, reason),
      });
      continue;
    }
    const approval: CountedApproval = {
      ref: entry.ref,
      login: entry.actor.login,
      permission: allowedPermission(permissions, entry.actor.login),
      at: entry.at,
    };
    counted.push(approval);
    byLogin.set(lower(entry.actor.login), approval);
  }

  const approvers = counted.map((c) => c.login);
  const teams = teamsBySlug(facts.teams);
  const notes: string[] = [];
  const requirements: Requirement[] = [
    {
      kind: 'minimum',
      status: approvers.length >= policy.minimum ? 'satisfied' : 'unsatisfied',
      required: policy.minimum,
      approvers,
      message: APPROVAL_TEXT.minimum(approvers.length, policy.minimum),
    },
  ];
  if (policy.owners === 'codeowners') requirements.push(...ownerRequirements(facts, approvers, teams, notes));
  for (const team of policy.teams) requirements.push(teamRequirement(team, approvers, teams));

  const base = { counted, rejected, requirements, notes };
  const unmet = requirements.filter((r) => r.status === 'unsatisfied');
  if (unmet.length === 0) return { status: 'satisfied', summary: APPROVAL_TEXT.satisfied(approvers), ...base };

  const needed: StillNeeded = {
    approvals: Math.max(0, policy.minimum - approvers.length),
    requirements: unmet.filter((r): r is Exclude<Requirement, { kind: 'minimum' }> => r.kind !== 'minimum'),
  };
  const parts = [
    ...(needed.approvals > 0 ? [APPROVAL_TEXT.neededApprovals(needed.approvals)] : []),
    ...needed.requirements.map((r) =>
      r.kind === 'owner_group'
        ? APPROVAL_TEXT.neededOwner(r.pattern, r.line)
        : r.kind === 'team'
          ? APPROVAL_TEXT.neededTeam(r.team)
          : APPROVAL_TEXT.neededCodeowners(),
    ),
  ];
  return { status: 'unsatisfied', summary: APPROVAL_TEXT.unsatisfied(parts), needed, ...base };
}

type Entry = {
  ref: ApprovalRef;
  actor: Actor;
  at: string;
  boundTo: Binding;
  /** Set for comments: edited since it was posted. */
  edited?: boolean;
  /** A reason decided before the common rules (reviews). */
  reason?: RejectionReason;
  /** A pull-request review: bound to a head commit only. */
  reviewed?: boolean;
};

/** Comments, button presses and approving reviews, oldest first, so the first approval of a person is the one that counts. */
function candidatesInOrder(facts: ApprovalFacts, policy: ApprovalsPolicy): Entry[] {
  const entries: Entry[] = facts.candidates.map((c) =>
    c.source === 'comment'
      ? {
          ref: { source: 'comment', commentId: c.commentId },
          actor: c.actor,
          at: c.createdAt,
          boundTo: c.boundTo,
          edited: isEdited(c),
        }
      : c.source === 'button'
        ? { ref: { source: 'button', checkRunId: c.checkRunId }, actor: c.actor, at: c.pressedAt, boundTo: c.boundTo }
        : { ref: { source: 'api', requestId: c.requestId }, actor: c.actor, at: c.givenAt, boundTo: c.boundTo },
  );
  const reviews = facts.reviews ?? [];
  for (const review of reviews) {
    if (review.state !== 'APPROVED') continue;
    const entry: Entry = {
      ref: { source: 'review', reviewId: review.reviewId },
      actor: review.actor,
      at: review.submittedAt,
      // GitHub records no base for a review: the base rule cannot be applied to it (countReviews is opt-in)
      boundTo: { pullRequest: review.pullRequest, baseSha: null, headSha: review.commitId },
      reviewed: true,
    };
    const later = laterReview(review, reviews);
    if (!policy.countReviews) entry.reason = { rule: 'reviews_not_counted' };
    else if (later) entry.reason = { rule: 'review_superseded', byReviewId: later.reviewId, state: later.state };
    entries.push(entry);
  }
  return entries
    .map((entry, index) => ({ entry, index, time: Date.parse(entry.at) }))
    .sort((a, b) => timeOrder(a.time, b.time) || a.index - b.index)
    .map((x) => x.entry);
}

/** The same person's latest approving or changes-requesting review after `review`, if any (it replaces `review`). */
type DecidingReview = ReviewFact & { state: 'APPROVED' | 'CHANGES_REQUESTED' };

function laterReview(review: ReviewFact, reviews: readonly ReviewFact[]): DecidingReview | undefined {
  const time = Date.parse(review.submittedAt);
  return reviews
    .filter((r): r is DecidingReview => r.state === 'APPROVED' || r.state === 'CHANGES_REQUESTED')
    .filter((r) => r !== review && lower(r.actor.login) === lower(review.actor.login))
    .filter((r) => {
      const t = Date.parse(r.submittedAt);
      return Number.isNaN(time) || Number.isNaN(t)
        ? r.reviewId > review.reviewId
        : t > time || (t === time && r.reviewId > review.reviewId);
    })
    .sort((a, b) => timeOrder(Date.parse(b.submittedAt), Date.parse(a.submittedAt)))[0];
}

function firstFailingRule(
  entry: Entry,
  facts: ApprovalFacts,
  policy: ApprovalsPolicy,
  permissions: Map<string, PermissionFact>,
  byLogin: Map<string, CountedApproval>,
): RejectionReason | undefined {
  const login = lower(entry.actor.login);
  const pr = facts.pullRequest;
  if (login === lower(facts.proposer.app)) return { rule: 'app' };
  if (entry.actor.type !== 'User' || login.endsWith('[bot]')) return { rule: 'bot', type: entry.actor.type };
  if (facts.proposer.agents.some((a) => lower(a) === login)) return { rule: 'self_approval', as: 'proposer' };
  if (lower(pr.author.login) === login) return { rule: 'self_approval', as: 'author' };
  if (!policy.requesterMayApprove && facts.proposer.requester && lower(facts.proposer.requester) === login)
    return { rule: 'self_approval', as: 'requester' };
  if (pr.fork && lower(pr.fork.owner) === login) return { rule: 'fork_owner', owner: pr.fork.owner };
  if (entry.edited) return { rule: 'edited' };

  if (entry.boundTo.pullRequest !== pr.number)
    return { rule: 'other_pull_request', pullRequest: entry.boundTo.pullRequest };
  if (!entry.reviewed && (entry.boundTo.baseSha === null || lower(entry.boundTo.baseSha) !== lower(pr.baseSha))) {
    return { rule: 'other_base', baseSha: entry.boundTo.baseSha, currentBaseSha: pr.baseSha };
  }
  const sha = lower(entry.boundTo.headSha);
  if (sha !== lower(pr.headSha)) {
    const earlierHead = pr.previousHeadShas.some((s) => lower(s) === sha);
    if (!earlierHead) return { rule: 'other_commit', sha: entry.boundTo.headSha };
    if (policy.invalidateOnPush) return { rule: 'stale', sha: entry.boundTo.headSha, headSha: pr.headSha };
  }

  const permission = permissions.get(login) ?? 'unknown';
  if (permission === 'unknown') return { rule: 'permission_unknown' };
  if (permission === 'none' || !policy.permissions.includes(permission))
    return { rule: 'permission', permission, allowed: [...policy.permissions] };

  const first = byLogin.get(login);
  if (first) return { rule: 'duplicate', countedAs: first.ref };
  return undefined;
}

function isEdited(comment: Extract<ApprovalCandidate, { source: 'comment' }>): boolean {
  const created = Date.parse(comment.createdAt);
  const updated = Date.parse(comment.updatedAt);
  // a time that does not parse cannot prove the comment unedited
  return comment.edited === true || Number.isNaN(created) || Number.isNaN(updated) || created !== updated;
}

const PERMISSION_RANK: Record<PermissionFact, number> = {
  unknown: -2,
  none: -1,
  read: 0,
  triage: 1,
  write: 2,
  maintain: 3,
  admin: 4,
};

/** Permissions keyed by lower-cased login; two spellings of one login that disagree keep the lower permission. */
function permissionsByLogin(facts: Readonly<Record<string, PermissionFact>>): Map<string, PermissionFact> {
  const map = new Map<string, PermissionFact>();
  for (const [login, permission] of Object.entries(facts)) {
    const key = lower(login);
    const seen = map.get(key);
    if (seen === undefined || PERMISSION_RANK[permission] < PERMISSION_RANK[seen]) map.set(key, permission);
  }
  return map;
}

function allowedPermission(permissions: Map<string, PermissionFact>, login: string): RepositoryPermission {
  const permission = permissions.get(lower(login));
  if (permission === undefined || permission === 'unknown' || permission === 'none')
    throw new Error(`bug: counted ${login} without a permission`);
  return permission;
}

function timeOrder(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - b;
}

function lower(s: string): string {
  return s.toLowerCase();
}
