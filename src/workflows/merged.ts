import type { PullRequestFacts } from '../adapters/github/github-facts.js';
import type { RepoContext } from '../adapters/github/repo-context.js';
import { lockPullRequestExecution, markDone } from '../adapters/store/executions.js';
import { QUEUES } from '../adapters/store/job-shapes.js';
import { transition } from '../core/execution/transition.js';
import { type ExecutionEvent } from '../core/execution/execution-model.js';
import { decideMergeDeploy } from '../core/policy/snapshot.js';
import { explainMergedOtherPair } from '../core/text/pull-request-check.js';
import { commitTransition } from './commit-transition.js';
import type { DeliveryOf } from './jobs.js';
import type { PipelinePorts } from './pipeline-ports.js';

/**
 * A governed pull request was merged: an approved execution is deployed (`dispatch_deploy`); one merged
 * without approval is not, and the audit log says so (the state machine refuses the event). Only the judged
 * head, merged into the judged base when that is a deploy branch, is deployed: the merge delivery says which
 * head GitHub merged and into which base.
 */
export async function onMerged(
  ports: PipelinePorts,
  key: string,
  context: RepoContext,
  pr: PullRequestFacts,
  delivery: DeliveryOf<'merged'>,
): Promise<void> {
  const { owner, repo } = context.repo();
  const repoPolicy = await ports.policyFor(context);
  const branches = repoPolicy.ok ? repoPolicy.policy.deployment.branches : [];
  const state = await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, key, null))) return undefined;
    const before = await lockPullRequestExecution(tx, `${owner}/${repo}`, pr.number);
    if (!before) return 'not governed';
    const judged = before.subject?.judged;
    const deploy = decideMergeDeploy({
      mergedHead: pr.headSha,
      baseRef: pr.baseRef,
      defaultBranch: pr.defaultBranch ?? '',
      branches,
      judgedHead: before.headSha,
    });
    const notDeployed = !deploy.deploy
      ? deploy.reason
      : judged && (judged.baseRef !== pr.baseRef || judged.headSha !== pr.headSha)
        ? explainMergedOtherPair(pr.baseRef, judged)
        : undefined;
    const event: ExecutionEvent = {
      type: 'merged',
      sha: delivery.mergedSha,
      headSha: pr.headSha,
      ...(notDeployed ? { notDeployed } : {}),
    };
    const result = transition(before, event, ports.now());
    const after = { ...before, ...result.execution };
    await commitTransition(tx, ports.runtime.queue, before, after, result.effects, delivery.id);
    return result.outcome === 'applied' ? result.execution.state : `refused: ${result.reason}`;
  });
  ports.runtime.queue.wake(QUEUES.effect);
  context.log.info({ pullRequest: pr.number, mergedSha: delivery.mergedSha, state }, 'merged');
}
