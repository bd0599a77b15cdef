import { describe, expect, it } from 'vitest';
import { ApprovalsPolicy, type ApprovalsPolicyInput } from '../../../src/core/policy/approvals-schema.js';
import type {
  Actor,
  ApprovalCandidate,
  ApprovalFacts,
  RejectionReason,
  ReviewFact,
} from '../../../src/core/policy/approval-facts.js';
import { evaluateApprovals } from '../../../src/core/policy/approvals.js';

const HEAD = 'a1'.repeat(20);
const OLD_HEAD = 'b2'.repeat(20);
const FOREIGN = 'c3'.repeat(20);
const BASE = 'd4'.repeat(20);
const OTHER_BASE = 'e5'.repeat(20);
const T0 = '2026-11-02T10:00:00Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

const user = (login: string): Actor => ({ login, type: 'User' });
const bot = (login: string): Actor => ({ login, type: 'Bot' });

let nextId = 100;
function comment(
  actor: Actor | string,
  extra: Partial<Extract<ApprovalCandidate, { source: 'comment' }>> = {},
): ApprovalCandidate {
  const time = extra.createdAt ?? at(nextId);
  return {
    source: 'comment',
    commentId: nextId++,
    actor: typeof actor === 'string' ? user(actor) : actor,
    createdAt: time,
    updatedAt: time,
    boundTo: { pullRequest: 7, baseSha: BASE, headSha: HEAD },
    ...extra,
  };
}
function button(
  actor: Actor | string,
  extra: Partial<Extract<ApprovalCandidate, { source: 'button' }>> = {},
): ApprovalCandidate {
  return {
    source: 'button',
    checkRunId: nextId++,
    actor: typeof actor === 'string' ? user(actor) : actor,
    pressedAt: at(nextId),
    boundTo: { pullRequest: 7, baseSha: BASE, headSha: HEAD },
    ...extra,
  };
}
function review(login: string, state: ReviewFact['state'], extra: Partial<ReviewFact> = {}): ReviewFact {
  return {
    reviewId: nextId++,
    actor: user(login),
    state,
    commitId: HEAD,
    pullRequest: 7,
    submittedAt: at(nextId),
    ...extra,
  };
}

/** PR #7, opened by an agent that uses a person-style account, proposed through AAOE. */
function facts(over: Partial<ApprovalFacts> = {}): ApprovalFacts {
  return {
    pullRequest: { number: 7, baseSha: BASE, headSha: HEAD, previousHeadShas: [OLD_HEAD], author: user('agent-smith') },
    proposer: { app: 'aaoe[bot]', agents: ['agent-smith', 'coder-agent[bot]'] },
    candidates: [],
    permissions: {
      alice: 'write',
      bob: 'maintain',
      olga: 'admin',
      sam: 'write',
      rita: 'read',
      tess: 'triage',
      nora: 'none',
      ghost: 'unknown',
      forky: 'write',
      dora: 'admin',
      'agent-smith': 'write',
      'aaoe[bot]': 'write',
      'dependabot[bot]': 'write',
      'sneaky[bot]': 'write',
    },
    teams: {},
    changedPaths: ['src/a.ts'],
    ...over,
  };
}
const policy = (input: ApprovalsPolicyInput = {}) => ApprovalsPolicy.parse(input);
const pr = (over: Partial<ApprovalFacts['pullRequest']>) => ({ ...facts().pullRequest, ...over });

describe('approvals: the attack suite (each candidate is refused, for its own reason)', () => {
  it.each<[string, Partial<ApprovalFacts>, RejectionReason, ApprovalsPolicyInput?]>([
    [
      'a reader approves',
      { candidates: [comment('rita')] },
      { rule: 'permission', permission: 'read', allowed: ['write', 'maintain', 'admin'] },
    ],
    [
      'a triager approves',
      { candidates: [comment('tess')] },
      { rule: 'permission', permission: 'triage', allowed: ['write', 'maintain', 'admin'] },
    ],
    [
      'a non-collaborator approves',
      { candidates: [comment('nora')] },
      { rule: 'permission', permission: 'none', allowed: ['write', 'maintain', 'admin'] },
    ],
    [
      'a writer approves where the policy wants maintainers',
      { candidates: [comment('alice')] },
      { rule: 'permission', permission: 'write', allowed: ['maintain', 'admin'] },
      { permissions: ['maintain', 'admin'] },
    ],
    ['the permission API could not answer', { candidates: [comment('ghost')] }, { rule: 'permission_unknown' }],
    ['nobody asked the permission API', { candidates: [comment('zed')] }, { rule: 'permission_unknown' }],
    [
      'the PR author self-approves (admin or not)',
      { candidates: [comment('dora')], pullRequest: pr({ author: user('dora') }) },
      { rule: 'self_approval', as: 'author' },
    ],
    [
      'the PR author self-approves in another letter case',
      { candidates: [comment('dora')], pullRequest: pr({ author: user('Dora') }) },
      { rule: 'self_approval', as: 'author' },
    ],
    [
      'the proposing agent approves',
      { candidates: [comment('agent-smith')] },
      { rule: 'self_approval', as: 'proposer' },
    ],
    ['a bot approves', { candidates: [comment(bot('dependabot[bot]'))] }, { rule: 'bot', type: 'Bot' }],
    ['a bot login with a User type', { candidates: [comment(user('sneaky[bot]'))] }, { rule: 'bot', type: 'User' }],
    [
      'an organization account',
      { candidates: [comment({ login: 'olga', type: 'Organization' })] },
      { rule: 'bot', type: 'Organization' },
    ],
    ['the agent’s bot approves', { candidates: [comment(bot('coder-agent[bot]'))] }, { rule: 'bot', type: 'Bot' }],
    ['the app itself approves', { candidates: [button(bot('aaoe[bot]'))] }, { rule: 'app' }],
    [
      'an old comment edited into an approval',
      { candidates: [comment('alice', { createdAt: at(1), updatedAt: at(90) })] },
      { rule: 'edited' },
    ],
    [
      'a comment seen edited, timestamps equal',
      { candidates: [comment('alice', { edited: true })] },
      { rule: 'edited' },
    ],
    [
      'a comment whose times do not parse',
      { candidates: [comment('alice', { createdAt: 'yesterday', updatedAt: 'yesterday' })] },
      { rule: 'edited' },
    ],
    [
      'an approval, then a new push',
      { candidates: [comment('alice', { boundTo: { pullRequest: 7, baseSha: BASE, headSha: OLD_HEAD } })] },
      { rule: 'stale', sha: OLD_HEAD, headSha: HEAD },
    ],
    [
      'an approval on a SHA this PR never had',
      { candidates: [comment('alice', { boundTo: { pullRequest: 7, baseSha: BASE, headSha: FOREIGN } })] },
      { rule: 'other_commit', sha: FOREIGN },
    ],
    [
      '… even when pushes do not invalidate',
      { candidates: [comment('alice', { boundTo: { pullRequest: 7, baseSha: BASE, headSha: FOREIGN } })] },
      { rule: 'other_commit', sha: FOREIGN },
      { invalidateOnPush: false },
    ],
    [
      'an approval given on another PR with the same head SHA',
      { candidates: [comment('alice', { boundTo: { pullRequest: 8, baseSha: BASE, headSha: HEAD } })] },
      { rule: 'other_pull_request', pullRequest: 8 },
    ],
    [
      'the fork’s owner on their fork’s PR',
      { candidates: [comment('forky')], pullRequest: pr({ fork: { owner: 'forky' } }) },
      { rule: 'fork_owner', owner: 'forky' },
    ],
    [
      'a button press by a reader (forged or not, the sender is checked)',
      { candidates: [button('rita')] },
      { rule: 'permission', permission: 'read', allowed: ['write', 'maintain', 'admin'] },
    ],
    [
      'a button press by someone whose permission is unknown',
      { candidates: [button('zed')] },
      { rule: 'permission_unknown' },
    ],
    [
      'a button press for another PR’s check run',
      { candidates: [button('alice', { boundTo: { pullRequest: 9, baseSha: BASE, headSha: HEAD } })] },
      { rule: 'other_pull_request', pullRequest: 9 },
    ],
    [
      'a button press on an earlier head',
      { candidates: [button('alice', { boundTo: { pullRequest: 7, baseSha: BASE, headSha: OLD_HEAD } })] },
      { rule: 'stale', sha: OLD_HEAD, headSha: HEAD },
    ],
    [
      'an approval given against another base (the PR was retargeted)',
      { candidates: [comment('alice', { boundTo: { pullRequest: 7, baseSha: OTHER_BASE, headSha: HEAD } })] },
      { rule: 'other_base', baseSha: OTHER_BASE, currentBaseSha: BASE },
    ],
    [
      'a button press against another base',
      { candidates: [button('alice', { boundTo: { pullRequest: 7, baseSha: OTHER_BASE, headSha: HEAD } })] },
      { rule: 'other_base', baseSha: OTHER_BASE, currentBaseSha: BASE },
    ],
    [
      'an approval recorded without its base (before bases were stored)',
      { candidates: [comment('alice', { boundTo: { pullRequest: 7, baseSha: null, headSha: HEAD } })] },
      { rule: 'other_base', baseSha: null, currentBaseSha: BASE },
    ],
    [
      'the person who asked for the change approves it',
      { candidates: [comment('alice')], proposer: { app: 'aaoe[bot]', agents: ['agent-smith'], requester: 'Alice' } },
      { rule: 'self_approval', as: 'requester' },
    ],
    [
      'a GitHub review when reviews do not count',
      { reviews: [review('alice', 'APPROVED')] },
      { rule: 'reviews_not_counted' },
    ],
    [
      'a review on an earlier head',
      { reviews: [review('alice', 'APPROVED', { commitId: OLD_HEAD })] },
      { rule: 'stale', sha: OLD_HEAD, headSha: HEAD },
      { countReviews: true },
    ],
    [
      'a review by a reader',
      { reviews: [review('rita', 'APPROVED')] },
      { rule: 'permission', permission: 'read', allowed: ['write', 'maintain', 'admin'] },
      { countReviews: true },
    ],
  ])('%s', (_name, over, reason, policyInput) => {
    const result = evaluateApprovals(facts(over), policy(policyInput));
    expect(result.status).toBe('unsatisfied');
    expect(result.counted).toEqual([]);
    expect(result.rejected.map((r) => r.reason)).toEqual([reason]);
    expect(result.rejected[0]!.message).toMatch(/^@\S+ /);
    if (result.status === 'unsatisfied') expect(result.needed.approvals).toBe(1);
    expect(result.summary).toBe('Approval needed: 1 more approver.');
  });

  it('a review replaced by a later "changes requested" of the same person does not count', () => {
    const approved = review('alice', 'APPROVED', { submittedAt: at(1) });
    const changes = review('alice', 'CHANGES_REQUESTED', { submittedAt: at(2) });
    const result = evaluateApprovals(facts({ reviews: [approved, changes] }), policy({ countReviews: true }));
    expect(result.status).toBe('unsatisfied');
    expect(result.rejected.map((r) => r.reason)).toEqual([
      { rule: 'review_superseded', byReviewId: changes.reviewId, state: 'CHANGES_REQUESTED' },
    ]);
  });

  it('explains each refusal in words that name the rule', () => {
    const result = evaluateApprovals(
      facts({
        candidates: [
          comment('rita'),
          comment('alice', { boundTo: { pullRequest: 7, baseSha: BASE, headSha: OLD_HEAD } }),
          comment('agent-smith'),
        ],
      }),
      policy(),
    );
    expect(result.rejected.map((r) => r.message)).toEqual([
      '@rita has read permission on the repository; approvals need write, maintain or admin (approvals.permissions).',
      `@alice approved ${OLD_HEAD.slice(0, 7)}; the head is now ${HEAD.slice(0, 7)} (approvals.invalidateOnPush). Approve again to approve the new commits.`,
      '@agent-smith proposed this change and cannot approve it.',
    ]);
  });
});

describe('approvals: the allowed paths', () => {
  it.each<[string, Partial<ApprovalFacts>, string[], ApprovalsPolicyInput?]>([
    ['a writer approves', { candidates: [comment('alice')] }, ['alice']],
    ['a maintainer presses the Approve button', { candidates: [button('bob')] }, ['bob']],
    ['an admin approves', { candidates: [comment('olga')] }, ['olga']],
    [
      'a reader approves where the policy lets readers approve',
      { candidates: [comment('rita')] },
      ['rita'],
      { permissions: ['read', 'write'] },
    ],
    [
      'an approval on an earlier head counts when pushes do not invalidate',
      { candidates: [comment('alice', { boundTo: { pullRequest: 7, baseSha: BASE, headSha: OLD_HEAD } })] },
      ['alice'],
      { invalidateOnPush: false },
    ],
    [
      'an APPROVED review counts when the policy counts reviews',
      { reviews: [review('alice', 'COMMENTED'), review('alice', 'APPROVED')] },
      ['alice'],
      { countReviews: true },
    ],
    [
      'base SHAs compare case-insensitively',
      { candidates: [comment('alice', { boundTo: { pullRequest: 7, baseSha: BASE.toUpperCase(), headSha: HEAD } })] },
      ['alice'],
    ],
    [
      'the requester approves where approvals.requesterMayApprove',
      { candidates: [comment('alice')], proposer: { app: 'aaoe[bot]', agents: ['agent-smith'], requester: 'alice' } },
      ['alice'],
      { requesterMayApprove: true },
    ],
    [
      'SHAs compare case-insensitively',
      { candidates: [comment('alice', { boundTo: { pullRequest: 7, baseSha: BASE, headSha: HEAD.toUpperCase() } })] },
      ['alice'],
    ],
    ['permissions keyed in another letter case', { candidates: [comment('Alice')] }, ['Alice']],
    [
      'the fork owner rule only applies to the fork’s owner',
      { candidates: [comment('alice')], pullRequest: pr({ fork: { owner: 'forky' } }) },
      ['alice'],
    ],
    [
      'two distinct approvers when the minimum is 2',
      { candidates: [comment('alice'), button('bob')] },
      ['alice', 'bob'],
      { minimum: 2 },
    ],
  ])('%s', (_name, over, approvers, policyInput) => {
    const result = evaluateApprovals(facts(over), policy(policyInput));
    expect(result.rejected).toEqual([]);
    expect(result.counted.map((c) => c.login)).toEqual(approvers);
    expect(result.status).toBe('satisfied');
    expect(result.summary).toBe(`Approved by ${approvers.map((a) => `@${a}`).join(', ')}.`);
  });

  it('records the permission each counted approval rests on', () => {
    const result = evaluateApprovals(facts({ candidates: [comment('bob')] }), policy());
    expect(result.counted).toEqual([
      {
        ref: { source: 'comment', commentId: expect.any(Number) },
        login: 'bob',
        permission: 'maintain',
        at: expect.any(String),
      },
    ]);
  });

  it.each<[string, ApprovalCandidate[]]>([
    ['the same person twice', [comment('alice'), comment('alice')]],
    ['the same person in another letter case', [comment('alice'), comment('ALICE')]],
    ['a comment and a button press by the same person', [comment('alice'), button('alice')]],
  ])('minimum 2: %s counts once', (_name, candidates) => {
    const result = evaluateApprovals(facts({ candidates }), policy({ minimum: 2 }));
    expect(result.status).toBe('unsatisfied');
    expect(result.counted.map((c) => c.login)).toEqual(['alice']);
    expect(result.rejected.map((r) => r.reason)).toEqual([{ rule: 'duplicate', countedAs: result.counted[0]!.ref }]);
    if (result.status !== 'unsatisfied') throw new Error('expected unsatisfied');
    expect(result.needed).toEqual({ approvals: 1, requirements: [] });
    expect(result.summary).toBe('Approval needed: 1 more approver.');
  });

  it('counts the earliest approval of a person, whatever the input order', () => {
    const later = comment('alice', { createdAt: at(50), updatedAt: at(50) });
    const earlier = comment('alice', { createdAt: at(10), updatedAt: at(10) });
    const result = evaluateApprovals(facts({ candidates: [later, earlier] }), policy());
    expect(result.counted.map((c) => c.ref)).toEqual([
      { source: 'comment', commentId: (earlier as { commentId: number }).commentId },
    ]);
  });

  it('a refused candidate does not use up the person: a later valid approval counts', () => {
    const result = evaluateApprovals(
      facts({
        candidates: [
          comment('alice', { boundTo: { pullRequest: 7, baseSha: BASE, headSha: OLD_HEAD } }),
          comment('alice'),
        ],
      }),
      policy(),
    );
    expect(result.status).toBe('satisfied');
    expect(result.rejected.map((r) => r.reason.rule)).toEqual(['stale']);
  });

  it('with no candidate at all, one approver is needed', () => {
    const result = evaluateApprovals(facts(), policy());
    expect(result.status).toBe('unsatisfied');
    if (result.status === 'unsatisfied') expect(result.needed.approvals).toBe(1);
  });
});

const CODEOWNERS = `# owners
*            @olga
/src/api/    @my-org/api-team
/docs/       @alice docs@example.com
/vendor/
!bad @x
`;
const OWNED_PATHS = ['src/api/users.ts', 'docs/guide.md', 'README.md', 'vendor/lib.js'];

describe('approvals: owners (approvals.owners: codeowners)', () => {
  const withOwners = (approvers: string[], over: Partial<ApprovalFacts> = {}) =>
    evaluateApprovals(
      facts({
        candidates: approvers.map((a) => comment(a)),
        codeowners: { path: '.github/CODEOWNERS', text: CODEOWNERS },
        changedPaths: OWNED_PATHS,
        teams: { 'my-org/api-team': ['Bob', 'sam'] },
        ...over,
      }),
      policy({ owners: 'codeowners' }),
    );

  it.each<[string, string[], number[]]>([
    ['nobody yet', [], [2, 3, 4]],
    ['a docs owner only', ['alice'], [2, 3]],
    ['a docs owner and a member of the owning team', ['alice', 'bob'], [2]],
    ['the catch-all owner and a team member, not the docs owner', ['olga', 'sam'], [4]],
    ['every group', ['alice', 'bob', 'olga'], []],
  ])('%s: unsatisfied owner groups are those of lines %j', (_name, approvers, missingLines) => {
    const result = withOwners(approvers);
    const groups = result.requirements.filter((r) => r.kind === 'owner_group');
    expect(groups.map((g) => [g.line, g.paths])).toEqual([
      [2, ['README.md']],
      [3, ['src/api/users.ts']],
      [4, ['docs/guide.md']],
    ]);
    expect(groups.filter((g) => g.status === 'unsatisfied').map((g) => g.line)).toEqual(missingLines);
    expect(result.status).toBe(missingLines.length === 0 ? 'satisfied' : 'unsatisfied');
    if (result.status === 'unsatisfied') {
      expect(result.needed.requirements.map((r) => (r.kind === 'owner_group' ? r.line : r.kind))).toEqual(missingLines);
    }
  });

  it('explains what is still needed, group by group', () => {
    const result = withOwners(['alice']);
    expect(result.summary).toBe(
      'Approval needed: an owner of `*` (CODEOWNERS line 2); an owner of `/src/api/` (CODEOWNERS line 3).',
    );
    expect(result.requirements.find((r) => r.kind === 'owner_group' && r.line === 4)?.message).toBe(
      'Owners of `/docs/` (CODEOWNERS line 4): approved by @alice.',
    );
    expect(result.requirements.find((r) => r.kind === 'owner_group' && r.line === 3)?.message).toBe(
      'Owners of `/src/api/` (CODEOWNERS line 3): an approval from @my-org/api-team is needed.',
    );
  });

  it('notes unowned paths and the CODEOWNERS lines GitHub ignores', () => {
    const result = withOwners(['alice', 'bob', 'olga']);
    expect(result.notes).toEqual([
      '.github/CODEOWNERS line 6 is ignored (as GitHub ignores it): "!bad": negation with ! does not work in CODEOWNERS',
      'No CODEOWNERS owner for: `vendor/lib.js` (any approver covers them).',
    ]);
  });

  it('a team whose members could not be read satisfies nothing', () => {
    const result = withOwners(['alice', 'bob', 'olga'], { teams: {} });
    expect(result.status).toBe('unsatisfied');
    const api = result.requirements.find((r) => r.kind === 'owner_group' && r.line === 3);
    expect(api).toMatchObject({ status: 'unsatisfied', unresolved: ['@my-org/api-team'], approvedBy: [] });
  });

  it('an owner whose approval is refused does not satisfy the group (the PR author owns the docs)', () => {
    const result = withOwners(['alice', 'bob', 'olga'], { pullRequest: pr({ author: user('alice') }) });
    expect(result.rejected.map((r) => [r.login, r.reason.rule])).toEqual([['alice', 'self_approval']]);
    expect(result.requirements.find((r) => r.kind === 'owner_group' && r.line === 4)?.status).toBe('unsatisfied');
    expect(result.status).toBe('unsatisfied');
  });

  it('owners and the minimum both hold: two owner groups by one person still need a second approver under minimum 2', () => {
    const result = evaluateApprovals(
      facts({
        candidates: [comment('olga')],
        codeowners: { path: 'CODEOWNERS', text: '* @olga\n' },
        changedPaths: ['a.ts', 'b/c.ts'],
      }),
      policy({ owners: 'codeowners', minimum: 2 }),
    );
    expect(result.status).toBe('unsatisfied');
    if (result.status === 'unsatisfied') expect(result.needed).toEqual({ approvals: 1, requirements: [] });
  });

  it('without a CODEOWNERS file on the default branch it fails closed', () => {
    const result = evaluateApprovals(facts({ candidates: [comment('alice')] }), policy({ owners: 'codeowners' }));
    expect(result.status).toBe('unsatisfied');
    if (result.status === 'unsatisfied')
      expect(result.needed.requirements.map((r) => r.kind)).toEqual(['codeowners_missing']);
  });

  it('paths that nobody owns need no owner', () => {
    const result = withOwners(['alice'], { changedPaths: ['vendor/lib.js'] });
    expect(result.status).toBe('satisfied');
    expect(result.requirements.map((r) => r.kind)).toEqual(['minimum']);
  });

  it('owners: none ignores CODEOWNERS', () => {
    const result = evaluateApprovals(
      facts({
        candidates: [comment('alice')],
        codeowners: { path: 'CODEOWNERS', text: CODEOWNERS },
        changedPaths: OWNED_PATHS,
      }),
      policy(),
    );
    expect(result.status).toBe('satisfied');
  });
});

describe('approvals: teams (approvals.teams)', () => {
  it.each<[string, string[], Record<string, string[]>, 'satisfied' | 'unsatisfied', string[]]>([
    ['no member approved', ['alice'], { 'my-org/security': ['sam'] }, 'unsatisfied', []],
    ['a member approved', ['alice', 'sam'], { 'my-org/security': ['sam'] }, 'satisfied', ['sam']],
    ['slugs and logins compare case-insensitively', ['sam'], { 'My-Org/Security': ['SAM'] }, 'satisfied', ['sam']],
    ['members unknown', ['alice', 'sam'], {}, 'unsatisfied', []],
  ])('%s', (_name, approvers, teams, status, approvedBy) => {
    const result = evaluateApprovals(
      facts({ candidates: approvers.map((a) => comment(a)), teams }),
      policy({ teams: ['my-org/security'] }),
    );
    expect(result.status).toBe(status);
    const team = result.requirements.find((r) => r.kind === 'team');
    expect(team).toMatchObject({
      team: 'my-org/security',
      status,
      approvedBy,
      membership: Object.keys(teams).length > 0 ? 'known' : 'unknown',
    });
    if (result.status === 'unsatisfied') expect(result.summary).toBe('Approval needed: a member of my-org/security.');
  });
});

describe('ApprovalsPolicy', () => {
  it('has defaults for every key', () => {
    expect(ApprovalsPolicy.parse({})).toEqual({
      minimum: 1,
      permissions: ['write', 'maintain', 'admin'],
      invalidateOnPush: true,
      owners: 'none',
      teams: [],
      countReviews: false,
      requesterMayApprove: false,
    });
  });

  it.each<[string, unknown, string]>([
    ['an unknown key', { merge: 'auto' }, ''],
    ['minimum 0', { minimum: 0 }, 'minimum'],
    ['a fractional minimum', { minimum: 1.5 }, 'minimum'],
    ['no permission', { permissions: [] }, 'permissions'],
    ['a permission GitHub does not have', { permissions: ['owner'] }, 'permissions.0'],
    ['a permission twice', { permissions: ['write', 'write'] }, 'permissions'],
    ['a team written with @', { teams: ['@my-org/platform'] }, 'teams.0'],
    ['a team without its org', { teams: ['platform'] }, 'teams.0'],
    ['owners: a value that is not allowed', { owners: 'maintainers' }, 'owners'],
  ])('rejects %s', (_name, input, path) => {
    const result = ApprovalsPolicy.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual([path]);
  });
});
