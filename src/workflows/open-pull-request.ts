import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { lockExecution, markDone, type EffectJob } from '../adapters/store/executions.js';
import { QUEUES, type Job } from '../adapters/store/job-shapes.js';
import { executionModelCost } from '../adapters/store/model-calls.js';
import { applyEdits, type EditsApplied } from '../core/agent/apply-edits.js';
import type { Proposal } from '../core/agent/proposal.js';
import { renderPullRequestBody } from '../core/agent/pull-request-body.js';
import { reviewersOf } from '../core/agent/reviewers.js';
import type { AgentWork as Work, ExecutionRecord } from '../core/execution/records.js';
import { branchTaken, editsDoNotApply } from '../core/text/agent-failures.js';
import { commitMessage, governedBecause, pullRequestTitle, reviewersRefused } from '../core/text/agent-pull-request.js';
import type { AgentWorkPorts } from './agent-ports.js';
import { applyEvents, failExecution } from './agent-steps.js';

type Ports = AgentWorkPorts;
type Seen = {
  github: GitHubAdapter;
  work: Work;
  base: NonNullable<Work['base']>;
  sizes: ReadonlyMap<string, number>;
};
type Applied = Extract<EditsApplied, { ok: true }>;

/**
 * The recorded proposal's edits applied to the base commit, committed on the proposal's branch (the same commit
 * when this runs again), the pull request opened (or found), the owners asked to review, and the execution moved
 * on to `proposed` with the pull request as its subject.
 */
export async function openPullRequest(
  ports: Ports,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  seen: Seen,
): Promise<void> {
  const { github, work, base } = seen;
  const { proposal, branch, proposedAt } = work;
  if (!proposal || !branch || !proposedAt) throw new Error('a proposal is recorded with its branch and its date');
  // the edited files as they are on the base commit (an edit of a file that is not there says so)
  const current = new Map<string, string>();
  for (const edit of proposal.edits) {
    if (!seen.sizes.has(edit.path)) continue;
    const text = await github.readFile(edit.path, base.commitSha);
    if (text !== undefined) current.set(edit.path, text);
  }
  const applied = applyEdits(current, proposal.edits);
  if (!applied.ok) return failExecution(ports, job, execution, editsDoNotApply(base, applied.errors));

  const botLogin = await ports.botLogin();
  const commitSha = await github.writeCommit(
    {
      baseCommitSha: base.commitSha,
      baseTreeSha: base.treeSha,
      files: committedFiles(applied),
      message: commitMessage(proposal.summary, work.issue.number, execution.id, execution.traceId),
      date: proposedAt,
    },
    { name: botLogin, email: `${botLogin}@users.noreply.github.com` },
  );
  const ref = await github.createBranch(branch, commitSha);
  if (!ref.created && ref.sha !== commitSha) return failExecution(ports, job, execution, branchTaken(branch, ref.sha));
  const pr = await findOrOpen(ports, execution, seen, { proposal, branch, applied });
  const { users, teams } = reviewersOf(Object.keys(work.triage?.owners ?? {}), botLogin);
  const requested = await github.requestReviewers(pr.number, users, teams);
  const reviewers = { users, teams, ...(requested.ok ? {} : { note: reviewersRefused(requested.message) }) };

  await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, execution.id, { pullRequest: pr.number, commitSha }))) return;
    const before = await lockExecution(tx, execution.id);
    if (!before?.work || before.state !== 'proposing') return;
    await applyEvents(
      ports,
      tx,
      before,
      [{ type: 'proposal_ready', pullRequest: pr.number, headSha: commitSha }],
      job.data.traceId,
      {
        work: { ...before.work, commitSha, reviewers },
        pullRequest: pr.number,
        subject: {
          author: { login: botLogin, type: 'Bot' },
          isAgent: true,
          htmlUrl: pr.htmlUrl,
          governedBecause: governedBecause(work.issue.number),
          updatedAt: pr.updatedAt,
        },
      },
    );
  });
  ports.runtime.queue.wake(QUEUES.effect);
}

/** The files the commit writes: the changed files' new text, null for a removed one. */
function committedFiles(applied: Applied): Map<string, string | null> {
  return new Map(
    applied.changed.map((c) => {
      if (c.status === 'removed') return [c.path, null];
      const text = applied.tree.get(c.path);
      if (text === undefined) throw new Error(`the edited tree has no ${c.path}`);
      return [c.path, text];
    }),
  );
}

/** The branch's open pull request, or a new one with the proposal rendered for a reviewer. */
async function findOrOpen(
  ports: Ports,
  execution: ExecutionRecord,
  { github, work, base }: Seen,
  made: { proposal: Proposal; branch: string; applied: Applied },
) {
  const found = await github.findPullRequestFrom(made.branch);
  if (found) return found;
  const cost = await executionModelCost(ports.runtime.db, execution.id);
  return github.createPullRequest({
    head: made.branch,
    base: base.branch,
    title: pullRequestTitle(work.issue.title),
    body: renderPullRequestBody({
      proposal: made.proposal,
      issue: work.issue,
      executionId: execution.id,
      traceId: execution.traceId,
      model: work.model ?? 'unknown',
      cost,
      owners: work.triage?.owners ?? {},
      changed: made.applied.changed,
    }),
  });
}
