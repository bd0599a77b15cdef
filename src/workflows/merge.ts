import { appendAudit } from '../adapters/store/audit-log.js';
import { markDone, type EffectJob } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import type { Job } from '../adapters/store/job-shapes.js';
import { guardMergeJob, guardMergeTarget } from '../core/decisions/merge-guard.js';
import type { PipelinePorts } from './pipeline-ports.js';

/** `merge: auto`: AAOE merges the approved head (never a later one); the agent never merges. */
export async function mergePullRequest(
  ports: PipelinePorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  headSha: string,
  traceId: string,
): Promise<void> {
  const { db } = ports.runtime;
  const guard = guardMergeJob({
    pullRequest: execution.pullRequest,
    state: execution.state,
    executionHead: execution.headSha,
    jobHead: headSha,
  });
  if (!guard.merge || execution.pullRequest === null) {
    const skipped = guard.merge ? `not approved at ${headSha} (${execution.state})` : guard.reason;
    await db.transaction((tx) => markDone(tx, job.key, execution.id, { skipped }));
    return;
  }
  const { context, github } = await ports.connect(execution.installationId, execution.repo, traceId, execution.id);
  // only into a deploy branch, and only into the base the verdict judged (a retargeted pull request is not merged)
  const pr = await github.getPullRequest(execution.pullRequest);
  const repoPolicy = await ports.policyFor(context);
  const target = guardMergeTarget({
    baseRef: pr.baseRef,
    defaultBranch: pr.defaultBranch ?? '',
    branches: repoPolicy.ok ? repoPolicy.policy.deployment.branches : [],
    judgedBaseRef: execution.subject?.judged?.baseRef,
  });
  if (!target.merge) {
    await db.transaction(async (tx) => {
      if (!(await markDone(tx, job.key, execution.id, { skipped: target.reason }))) return;
      await appendAudit(tx, {
        executionId: execution.id,
        traceId,
        actor: 'aaoe',
        action: 'merge_refused',
        reason: `not merged: ${target.reason}`,
        data: { headSha, baseRef: pr.baseRef },
      });
    });
    return;
  }
  const merged = await github.mergePullRequest(execution.pullRequest, headSha);
  await db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, execution.id, merged))) return;
    await appendAudit(tx, {
      executionId: execution.id,
      traceId,
      actor: 'aaoe',
      action: merged.merged ? 'merge' : 'merge_refused',
      reason: merged.merged
        ? `merged ${headSha} as ${merged.sha} (merge: auto)`
        : `GitHub did not merge ${headSha}: ${merged.reason}`,
      data: { headSha },
    });
  });
}
