import { isOutage } from '../adapters/github/github-errors.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { PullRequestFacts } from '../adapters/github/github-facts.js';
import { listApprovals, previousHeads, toCandidate } from '../adapters/store/approvals.js';
import type { ExecutionRecord } from '../core/execution/records.js';
import { matchingRule, parseCodeowners } from '../core/agent/codeowners.js';
import type {
  ApprovalCandidate,
  ApprovalsEvaluation,
  PermissionFact,
  ReviewFact,
} from '../core/policy/approval-facts.js';
import { evaluateApprovals } from '../core/policy/approvals.js';
import type { Policy } from '../core/policy/schema.js';
import type { CommandPorts } from './command-apply.js';

/**
 * Whether a pull request's approvals hold, judged now: the recorded approvals, each commenter's permission read
 * through the API, comments read again (an edited one never counts), the execution's earlier heads, and the
 * CODEOWNERS of the default branch when the policy asks for owners. Gathers the facts; `evaluateApprovals` judges.
 */
export async function judgeApprovals(
  ports: Pick<CommandPorts, 'runtime' | 'botLogin'>,
  github: GitHubAdapter,
  execution: ExecutionRecord,
  policy: Policy,
  pr: PullRequestFacts,
  changedPaths: readonly string[],
): Promise<ApprovalsEvaluation> {
  const db = ports.runtime.db;
  const permissions: Record<string, PermissionFact> = {};
  const candidates = await recordedCandidates(github, await listApprovals(db, execution.id), permissions);
  const codeowners = policy.approvals.owners === 'codeowners' ? await readCodeowners(github) : undefined;
  const headSha = execution.headSha ?? pr.headSha;
  const reviews = policy.approvals.countReviews ? await readReviews(github, pr.number) : [];
  for (const r of reviews) {
    if (r.state === 'APPROVED' && !(r.actor.login in permissions))
      permissions[r.actor.login] = await roleOf(github, r.actor);
  }
  const approvers = [
    ...new Set([
      ...candidates.map((c) => c.actor.login),
      ...reviews.filter((r) => r.state === 'APPROVED').map((r) => r.actor.login),
    ]),
  ];
  const teams = await teamMembers(github, teamsToRead(policy, codeowners, changedPaths), approvers);
  return evaluateApprovals(
    {
      pullRequest: {
        number: pr.number,
        baseSha: pr.baseSha,
        headSha,
        previousHeadShas: await previousHeads(db, execution.id, headSha),
        author: { login: pr.author.login, type: pr.author.type === 'Bot' ? 'Bot' : 'User' },
        ...(pr.forkOwner ? { fork: { owner: pr.forkOwner } } : {}),
      },
      proposer: {
        app: await ports.botLogin(),
        agents: [...policy.agents, ...(execution.subject?.isAgent ? [execution.subject.author.login] : [])],
        ...(execution.work?.issue.labelledBy ? { requester: execution.work.issue.labelledBy } : {}),
      },
      candidates,
      reviews,
      permissions,
      teams,
      ...(codeowners ? { codeowners } : {}),
      changedPaths,
    },
    policy.approvals,
  );
}

/** The approvals AAOE recorded, each comment read again, and each approver's permission (filled into `permissions`). */
async function recordedCandidates(
  github: GitHubAdapter,
  records: Awaited<ReturnType<typeof listApprovals>>,
  permissions: Record<string, PermissionFact>,
): Promise<ApprovalCandidate[]> {
  const candidates: ApprovalCandidate[] = [];
  for (const r of records) {
    const login = r.actor.login;
    if (!(login in permissions)) permissions[login] = await roleOf(github, r.actor);
    const comment = r.source === 'comment' ? await github.getComment(r.sourceId) : undefined;
    // a comment deleted since counts as edited: it is no longer what was approved
    candidates.push(
      r.source === 'comment' && !comment
        ? toCandidate(r, { createdAt: r.at, updatedAt: 'deleted' })
        : toCandidate(r, comment),
    );
  }
  return candidates;
}

/** The CODEOWNERS file of the default branch, where GitHub looks for it, first found. */
async function readCodeowners(github: GitHubAdapter): Promise<{ path: string; text: string } | undefined> {
  for (const path of ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS']) {
    const text = await github.readFile(path);
    if (text !== undefined) return { path, text };
  }
  return undefined;
}

const REVIEW_STATES = ['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING'] as const;

async function readReviews(github: GitHubAdapter, pullRequest: number): Promise<ReviewFact[]> {
  return (await github.listReviews(pullRequest)).map((r) => ({
    reviewId: r.id,
    actor: { login: r.login, type: r.type === 'User' ? ('User' as const) : ('Bot' as const) },
    state: REVIEW_STATES.find((s) => s === r.state) ?? 'COMMENTED',
    commitId: r.commitId,
    pullRequest,
    submittedAt: r.submittedAt,
  }));
}

/** The teams the policy names and the CODEOWNERS teams of the touched paths. */
function teamsToRead(
  policy: Policy,
  codeowners: { text: string } | undefined,
  changedPaths: readonly string[],
): Set<string> {
  const teamNames = new Set(policy.approvals.teams.map((t) => t.toLowerCase()));
  if (codeowners) {
    const parsed = parseCodeowners(codeowners.text);
    for (const path of changedPaths)
      for (const owner of matchingRule(parsed, path)?.owners ?? [])
        if (/^@[\w.-]+\/[\w.-]+$/.test(owner)) teamNames.add(owner.slice(1).toLowerCase());
  }
  return teamNames;
}

/** Which approvers are members of each team. */
async function teamMembers(
  github: GitHubAdapter,
  teamNames: Set<string>,
  approvers: string[],
): Promise<Record<string, string[]>> {
  const teams: Record<string, string[]> = {};
  for (const team of teamNames) {
    const members: string[] = [];
    let known = true;
    for (const login of approvers) {
      const member = await github.isTeamMember(team, login);
      if (member === 'unknown') known = false;
      else if (member) members.push(login);
    }
    // a team whose membership could not be read is left out: no approval counts for it (fails closed)
    if (known || members.length > 0) teams[team] = members;
  }
  return teams;
}

/** A person's role read through the API; anyone else (a bot, an organisation) has none. */
async function roleOf(github: GitHubAdapter, actor: { login: string; type: string }): Promise<PermissionFact> {
  return actor.type === 'User' ? await github.getRole(actor.login).catch(unknownRole) : 'none';
}

/**
 * A role GitHub would not tell (the person is gone, the installation may not read it) is `unknown`, which never
 * counts; GitHub being away is not an answer: thrown, so the evaluation is retried instead of judging without it.
 */
function unknownRole(error: unknown): 'unknown' {
  if (isOutage(error)) throw error;
  return 'unknown';
}
