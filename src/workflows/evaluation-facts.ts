import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { PullRequestFacts } from '../adapters/github/github-facts.js';
import { activeFreeze } from '../adapters/store/breaker.js';
import { listExecutionsAtHead } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import { executionModelCost } from '../adapters/store/model-calls.js';
import {
  approvalsAsked,
  decideApproved,
  decideGates,
  type EvaluationFacts,
} from '../core/decisions/pull-request-verdict.js';
import { headSharers, needsApprovals, type SharerFacts } from '../core/decisions/shared-head.js';
import { changedPaths, type Change } from '../core/policy/change.js';
import { evaluatePolicy } from '../core/policy/evaluate-policy.js';
import type { ChangePackageType, Policy } from '../core/policy/schema.js';
import { checkCompleteness, decideDeployTarget, type PullRequestSnapshot } from '../core/policy/snapshot.js';
import { explainApprovals } from '../core/text/approvals.js';
import { judgeApprovals } from './judge-approvals.js';
import { DEFAULT_ENVIRONMENT } from '../contracts/dispatch.js';
import type { PipelinePorts } from './pipeline-ports.js';
import { proposalFacts } from './proposal-facts.js';
import { gatherPullRequestSnapshot } from './pull-request-snapshot.js';
import { pullRequestFreeze } from './org-freeze-facts.js';

/** What one evaluation read: the facts its verdict is decided on, and what applying it needs besides. */
export type GatheredEvaluation = {
  facts: EvaluationFacts;
  change: Change;
  /** The executions sharing the head, by id (the verdict may ask for some to be evaluated again). */
  sharers: Map<string, ExecutionRecord>;
};

type Pinned = { snapshot: PullRequestSnapshot; pullRequest: PullRequestFacts };

/**
 * Gathers the facts of one evaluation, all pinned to the snapshot's (base, head): the change as the gates see it,
 * the approvals judged for that head when the verdict asks for them, and the other pull requests at that head when
 * the verdict is a success so far (each read only when the decision needs it, as `decideGovernance` asks for commits).
 */
export async function gatherEvaluationFacts(
  ports: PipelinePorts,
  github: GitHubAdapter,
  execution: ExecutionRecord,
  repoPolicy: { policy: Policy; source: string },
  pinned: Pinned,
  traceId: string,
): Promise<GatheredEvaluation> {
  const { policy } = repoPolicy;
  const { snapshot } = pinned;
  const target = decideDeployTarget(snapshot.baseRef, snapshot.defaultBranch, policy.deployment.branches);
  const change = await changeOf(ports, github, execution, policy, pinned);
  const evaluation = await evaluatePolicy(change, policy);
  let facts: EvaluationFacts = {
    snapshot,
    target,
    completeness: checkCompleteness(snapshot),
    evaluation,
    policy: { approvals: policy.approvals, schedule: policy.schedule, merge: policy.merge, source: repoPolicy.source },
    traceId,
    now: ports.now(),
  };
  const approvalPorts = { runtime: ports.runtime, botLogin: ports.botLogin };
  if (approvalsAsked(decideGates(facts).conclusion, policy.approvals)) {
    // the pull request as the snapshot read it
    const judged = await judgeApprovals(
      approvalPorts,
      github,
      execution,
      policy,
      pinned.pullRequest,
      changedPaths(change.files),
    );
    facts = { ...facts, approvals: { judged, text: explainApprovals(judged) } };
  }
  const sharers = new Map<string, ExecutionRecord>();
  if (decideApproved(facts).conclusion === 'success') {
    const atHead = await listExecutionsAtHead(ports.runtime.db, execution.repo, snapshot.headSha);
    const read: SharerFacts[] = [];
    for (const sharer of headSharers(execution.id, atHead.flatMap(withPullRequest))) {
      const other = atHead.find((x) => x.id === sharer.id);
      if (!other) continue;
      sharers.set(other.id, other);
      read.push(await sharerFacts(approvalPorts, github, other, sharer.pullRequest, policy, snapshot.headSha));
    }
    facts = { ...facts, sharers: read };
  }
  return { facts, change, sharers };
}

/** The change as the gates see it: the snapshot's files, the proposal, the freeze, the packages and the spend. */
async function changeOf(
  ports: PipelinePorts,
  github: GitHubAdapter,
  execution: ExecutionRecord,
  policy: Policy,
  { snapshot, pullRequest }: Pinned,
): Promise<Change> {
  const subject = execution.subject;
  if (!subject) throw new Error(`execution ${execution.id} has no pull request to evaluate`);
  const spent = await executionModelCost(ports.runtime.db, execution.id);
  const repository = await activeFreeze(ports.runtime.db, execution.repo, DEFAULT_ENVIRONMENT, ports.now());
  // the repository's own freeze, the agent's kill switch, or the organisation's (a hotfix judged at this head)
  const frozen = await pullRequestFreeze(ports.runtime.db, github, {
    execution,
    repository,
    pullRequest,
    policy,
    now: ports.now(),
  });
  return {
    files: snapshot.files,
    author: { login: subject.author.login, isAgent: subject.isAgent },
    ...(await proposalFacts({ execution, snapshot, policy, github })),
    freeze: frozen
      ? {
          until: frozen.until,
          reason: frozen.reason,
          scope: frozen.scope,
          ...(frozen.hotfix ? { hotfix: frozen.hotfix } : {}),
        }
      : null,
    ...(execution.work?.packages?.length
      ? { packages: execution.work.packages.map((p) => ({ path: p.path, type: p.type as ChangePackageType })) }
      : {}),
    spent: { tokens: spent.tokens, usd: spent.usd },
    at: ports.now().toISOString(),
  };
}

function withPullRequest(
  x: ExecutionRecord,
): Array<{ id: string; pullRequest: number; state: ExecutionRecord['state'] }> {
  return x.pullRequest === null ? [] : [{ id: x.id, pullRequest: x.pullRequest, state: x.state }];
}

/** Another pull request at this head, read pinned to this head: one whose head moved on shares nothing. */
async function sharerFacts(
  approvalPorts: Pick<PipelinePorts, 'runtime' | 'botLogin'>,
  github: GitHubAdapter,
  other: ExecutionRecord,
  pullRequest: number,
  policy: Policy,
  headSha: string,
): Promise<SharerFacts> {
  const base = { id: other.id, pullRequest, state: other.state };
  const theirs = await gatherPullRequestSnapshot(github, pullRequest, headSha, other.subject?.baseRef);
  if (theirs.outcome === 'superseded') return { ...base, superseded: true };
  if (!needsApprovals({ state: other.state, superseded: false })) return { ...base, superseded: false };
  // one that waits only for this commit's check holds its own approvals: it is judged again, not in the way
  const paths = changedPaths(theirs.snapshot.files);
  const judged = await judgeApprovals(approvalPorts, github, other, policy, theirs.pullRequest, paths);
  return { ...base, superseded: false, approvalsHeld: judged.status === 'satisfied' };
}
