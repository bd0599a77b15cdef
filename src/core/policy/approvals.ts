import { matchingRule, parseCodeowners } from '../agent/codeowners.js';
import type { ApprovalsPolicy, RepositoryPermission } from './approvals-schema.js';

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

/** GitHub's `user.type`. Only `User` is a person. */
export type ActorType = 'User' | 'Bot' | 'Organization' | 'Mannequin';
export type Actor = { login: string; type: ActorType };

/**
 * What an approval was given on: a PR number, the commit of its base branch and its head commit at that time (several
 * PRs can share a SHA; retargeting the PR, or a new base commit, changes the diff). `baseSha` is null for an approval
 * recorded before AAOE stored bases: it never counts. A review carries no base (GitHub does not record one).
 */
export type Binding = { pullRequest: number; baseSha: string | null; headSha: string };

/** An approval someone gave through AAOE, as the app recorded it. */
export type ApprovalCandidate =
  | {
      source: 'comment';
      commentId: number;
      actor: Actor;
      createdAt: string;
      /** The comment's `updated_at` as fetched when counting: a value other than `createdAt` means it was edited. */
      updatedAt: string;
      /** Set when an `issue_comment.edited` delivery was seen for it. */
      edited?: boolean;
      boundTo: Binding;
    }
  | {
      /** The Approve button of the `aaoe/policy` check run (a `requested_action` delivery). */
      source: 'button';
      checkRunId: number;
      actor: Actor;
      pressedAt: string;
      /** The check run's head SHA and the PR the app resolved it to. */
      boundTo: Binding;
    }
  | {
      /** `POST /api/v1/executions/{id}/approve` of the control-plane API (or its MCP tool), with a user's token. */
      source: 'api';
      requestId: number;
      actor: Actor;
      givenAt: string;
      /** The PR's head when the request was received. */
      boundTo: Binding;
    };

/** A GitHub pull-request review, as `GET /repos/{o}/{r}/pulls/{n}/reviews` lists it. */
export type ReviewFact = {
  reviewId: number;
  actor: Actor;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  /** The commit the review was given on (`commit_id`). */
  commitId: string;
  pullRequest: number;
  submittedAt: string;
};

/** A login's permission from the collaborator-permission API (`role_name`); `unknown` when it could not be read. */
export type PermissionFact = RepositoryPermission | 'none' | 'unknown';

export type ApprovalFacts = {
  pullRequest: {
    number: number;
    /** The base commit the diff being judged is taken from (`base.sha`). */
    baseSha: string;
    headSha: string;
    /** The PR's earlier head commits (from `synchronize` deliveries): an approval on one of them is stale, not foreign. */
    previousHeadShas: readonly string[];
    author: Actor;
    /** Set when the head branch lives in a fork: the fork's owner. */
    fork?: { owner: string };
  };
  /** Who proposed the change: AAOE's own bot login (`aaoe[bot]`) and the agent accounts (`policy.agents` and the PR's agent). */
  proposer: {
    app: string;
    agents: readonly string[];
    /** The person who asked for the change (applied the trigger label to its issue): never approves it unless `requesterMayApprove`. */
    requester?: string;
  };
  candidates: readonly ApprovalCandidate[];
  /** All reviews of the PR; needed only when the policy counts reviews. */
  reviews?: readonly ReviewFact[];
  /** login -> permission, read through the API when counting. A login missing here is `unknown` and never counts. */
  permissions: Readonly<Record<string, PermissionFact>>;
  /** `org/team-slug` -> member logins, for the teams of `approvals.teams` and of CODEOWNERS. A team missing here has no known member. */
  teams: Readonly<Record<string, readonly string[]>>;
  /** The CODEOWNERS file of the base branch (never the PR head's); absent when there is none. */
  codeowners?: { path: string; text: string };
  /** Every path the PR touches (both paths of a rename). */
  changedPaths: readonly string[];
};

export type ApprovalRef =
  | { source: 'comment'; commentId: number }
  | { source: 'button'; checkRunId: number }
  | { source: 'api'; requestId: number }
  | { source: 'review'; reviewId: number };

export type CountedApproval = { ref: ApprovalRef; login: string; permission: RepositoryPermission; at: string };

/** The rule that kept a candidate from counting. */
export type RejectionReason =
  | { rule: 'reviews_not_counted' }
  | { rule: 'review_superseded'; byReviewId: number; state: 'APPROVED' | 'CHANGES_REQUESTED' }
  | { rule: 'app' }
  | { rule: 'bot'; type: ActorType }
  | { rule: 'self_approval'; as: 'proposer' | 'author' | 'requester' }
  | { rule: 'fork_owner'; owner: string }
  | { rule: 'edited' }
  | { rule: 'other_pull_request'; pullRequest: number }
  | { rule: 'other_base'; baseSha: string | null; currentBaseSha: string }
  | { rule: 'other_commit'; sha: string }
  | { rule: 'stale'; sha: string; headSha: string }
  | { rule: 'permission_unknown' }
  | { rule: 'permission'; permission: RepositoryPermission | 'none'; allowed: RepositoryPermission[] }
  | { rule: 'duplicate'; countedAs: ApprovalRef };

export type RejectedApproval = { ref: ApprovalRef; login: string; reason: RejectionReason; message: string };

export type RequirementStatus = 'satisfied' | 'unsatisfied';

export type Requirement =
  | { kind: 'minimum'; status: RequirementStatus; required: number; approvers: string[]; message: string }
  | {
      /** The touched paths whose owners one CODEOWNERS rule (the last matching one) decides. */
      kind: 'owner_group';
      status: RequirementStatus;
      pattern: string;
      line: number;
      paths: string[];
      owners: string[];
      approvedBy: string[];
      /** Owners that cannot be matched to an approver: email addresses, teams whose members are unknown. */
      unresolved: string[];
      message: string;
    }
  /** `owners: codeowners` but the base branch has no CODEOWNERS file: fails closed. */
  | { kind: 'codeowners_missing'; status: 'unsatisfied'; message: string }
  | {
      kind: 'team';
      status: RequirementStatus;
      team: string;
      membership: 'known' | 'unknown';
      approvedBy: string[];
      message: string;
    };

export type StillNeeded = {
  /** Distinct approvers still missing to reach `minimum`. */
  approvals: number;
  /** Every other requirement that the counted approvals do not meet yet. */
  requirements: Exclude<Requirement, { kind: 'minimum' }>[];
};

type EvaluationBase = {
  /** One line: what holds and what is missing. */
  summary: string;
  counted: CountedApproval[];
  rejected: RejectedApproval[];
  requirements: Requirement[];
  /** What the judgement rests on besides the candidates: unowned paths, CODEOWNERS lines GitHub ignores too. */
  notes: string[];
};

export type ApprovalsEvaluation =
  (EvaluationBase & { status: 'satisfied' }) | (EvaluationBase & { status: 'unsatisfied'; needed: StillNeeded });

/** The texts of approvals, in one place: the check run and the comment replies show them. */
export const APPROVAL_TEXT = {
  rejection: (login: string, reason: RejectionReason): string => {
    const who = `@${login}`;
    switch (reason.rule) {
      case 'reviews_not_counted':
        return `${who}'s pull-request review does not count: the policy counts \`/aaoe approve\` and the Approve button only (approvals.countReviews is false).`;
      case 'review_superseded':
        return `${who}'s review was replaced by their later review ${reason.byReviewId} (${reason.state}).`;
      case 'app':
        return `${who} is AAOE itself, which never approves.`;
      case 'bot':
        return `${who} is not a person (${reason.type}); bots never approve.`;
      case 'self_approval':
        return reason.as === 'proposer'
          ? `${who} proposed this change and cannot approve it.`
          : reason.as === 'requester'
            ? `${who} asked for this change (applied the trigger label to its issue) and cannot approve it (approvals.requesterMayApprove is false).`
            : `${who} opened this pull request and cannot approve it.`;
      case 'fork_owner':
        return `${who} owns the fork this pull request comes from and cannot approve it.`;
      case 'edited':
        return `${who}'s comment was edited; an edited comment never counts. Post a new \`/aaoe approve\` comment.`;
      case 'other_pull_request':
        return `${who}'s approval was given on pull request #${reason.pullRequest}, not this one.`;
      case 'other_base':
        return reason.baseSha === null
          ? `${who}'s approval was recorded without the base commit it was given on, so it does not count. Approve again.`
          : `${who} approved the change against base ${short(reason.baseSha)}; the base is now ${short(reason.currentBaseSha)} (the pull request was retargeted or its base moved), so the diff is not the one approved. Approve again.`;
      case 'other_commit':
        return `${who}'s approval is bound to commit ${short(reason.sha)}, which was never this pull request's head.`;
      case 'stale':
        return `${who} approved ${short(reason.sha)}; the head is now ${short(reason.headSha)} (approvals.invalidateOnPush). Approve again to approve the new commits.`;
      case 'permission_unknown':
        return `${who}'s permission on the repository could not be read, so the approval does not count. It is counted once the permission can be checked.`;
      case 'permission':
        return `${who} has ${reason.permission === 'none' ? 'no' : `${reason.permission}`} permission on the repository; approvals need ${orList(reason.allowed)} (approvals.permissions).`;
      case 'duplicate':
        return `${who} already approved; the same person counts once.`;
    }
  },
  minimum: (count: number, required: number): string =>
    count >= required
      ? `${count} of ${required} distinct approvals.`
      : `${count} of ${required} distinct approvals: ${required - count} more needed.`,
  ownerGroup: (pattern: string, line: number, approvedBy: string[], owners: string[]): string =>
    approvedBy.length > 0
      ? `Owners of \`${pattern}\` (CODEOWNERS line ${line}): approved by ${approvedBy.map((l) => `@${l}`).join(', ')}.`
      : `Owners of \`${pattern}\` (CODEOWNERS line ${line}): an approval from ${orList(owners)} is needed.`,
  codeownersMissing: (): string =>
    'approvals.owners is codeowners, but the default branch has no CODEOWNERS file: add one (.github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS) or set approvals.owners to none.',
  team: (team: string, membership: 'known' | 'unknown', approvedBy: string[]): string =>
    approvedBy.length > 0
      ? `Team ${team}: approved by ${approvedBy.map((l) => `@${l}`).join(', ')}.`
      : membership === 'unknown'
        ? `Team ${team}: its members could not be read, so no approval from it counts yet.`
        : `Team ${team}: an approval from one of its members is needed.`,
  unownedPaths: (paths: string[]): string =>
    `No CODEOWNERS owner for: ${paths.map((p) => `\`${p}\``).join(', ')} (any approver covers them).`,
  unresolvedOwners: (owners: string[]): string =>
    `cannot be matched to an approver: ${owners.join(', ')} (an email address, or a team whose members could not be read)`,
  codeownersError: (path: string, line: number, message: string): string =>
    `${path} line ${line} is ignored (as GitHub ignores it): ${message}`,
  satisfied: (approvers: string[]): string => `Approved by ${approvers.map((l) => `@${l}`).join(', ')}.`,
  unsatisfied: (parts: string[]): string => `Approval needed: ${parts.join('; ')}.`,
  neededApprovals: (n: number): string => `${n} more approver${n === 1 ? '' : 's'}`,
  neededOwner: (pattern: string, line: number): string => `an owner of \`${pattern}\` (CODEOWNERS line ${line})`,
  neededTeam: (team: string): string => `a member of ${team}`,
  neededCodeowners: (): string => 'a CODEOWNERS file on the default branch',
} as const;

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

function ownerRequirements(
  facts: ApprovalFacts,
  approvers: string[],
  teams: Map<string, Set<string>>,
  notes: string[],
): Requirement[] {
  if (!facts.codeowners)
    return [{ kind: 'codeowners_missing', status: 'unsatisfied', message: APPROVAL_TEXT.codeownersMissing() }];
  const codeowners = parseCodeowners(facts.codeowners.text);
  for (const error of codeowners.errors)
    notes.push(APPROVAL_TEXT.codeownersError(facts.codeowners.path, error.line, error.message));

  const groups = new Map<number, { pattern: string; line: number; owners: string[]; paths: string[] }>();
  const unowned: string[] = [];
  for (const path of new Set(facts.changedPaths)) {
    const rule = matchingRule(codeowners, path);
    if (!rule || rule.owners.length === 0) {
      unowned.push(path);
      continue;
    }
    const group = groups.get(rule.line) ?? { pattern: rule.pattern, line: rule.line, owners: rule.owners, paths: [] };
    group.paths.push(path);
    groups.set(rule.line, group);
  }
  if (unowned.length > 0) notes.push(APPROVAL_TEXT.unownedPaths(unowned));

  return [...groups.values()]
    .sort((a, b) => a.line - b.line)
    .map((group) => {
      const approvedBy = new Set<string>();
      const unresolved: string[] = [];
      for (const owner of group.owners) {
        const members = ownerMembers(owner, teams);
        if (!members) {
          unresolved.push(owner);
          continue;
        }
        for (const login of approvers) if (members.has(lower(login))) approvedBy.add(login);
      }
      const by = [...approvedBy];
      if (by.length === 0 && unresolved.length > 0)
        notes.push(`${group.pattern} (CODEOWNERS line ${group.line}): ${APPROVAL_TEXT.unresolvedOwners(unresolved)}`);
      return {
        kind: 'owner_group' as const,
        status: by.length > 0 ? ('satisfied' as const) : ('unsatisfied' as const),
        pattern: group.pattern,
        line: group.line,
        paths: group.paths,
        owners: group.owners,
        approvedBy: by,
        unresolved,
        message: APPROVAL_TEXT.ownerGroup(group.pattern, group.line, by, group.owners),
      };
    });
}

/** The logins an owner stands for: `@user` itself, `@org/team` its members; undefined for emails and unknown teams. */
function ownerMembers(owner: string, teams: Map<string, Set<string>>): Set<string> | undefined {
  if (!owner.startsWith('@')) return undefined;
  const name = lower(owner.slice(1));
  return name.includes('/') ? teams.get(name) : new Set([name]);
}

function teamRequirement(team: string, approvers: string[], teams: Map<string, Set<string>>): Requirement {
  const members = teams.get(lower(team));
  const approvedBy = members ? approvers.filter((l) => members.has(lower(l))) : [];
  const membership = members ? ('known' as const) : ('unknown' as const);
  return {
    kind: 'team',
    status: approvedBy.length > 0 ? 'satisfied' : 'unsatisfied',
    team,
    membership,
    approvedBy,
    message: APPROVAL_TEXT.team(team, membership, approvedBy),
  };
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

function teamsBySlug(facts: Readonly<Record<string, readonly string[]>>): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const [team, members] of Object.entries(facts)) {
    const set = map.get(lower(team)) ?? new Set<string>();
    for (const m of members) set.add(lower(m));
    map.set(lower(team), set);
  }
  return map;
}

function timeOrder(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - b;
}

function lower(s: string): string {
  return s.toLowerCase();
}

function short(sha: string): string {
  return sha.slice(0, 7);
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
