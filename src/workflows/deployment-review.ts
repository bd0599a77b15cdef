import type { RepoContext } from '../adapters/github/repo-context.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { activeFreeze } from '../adapters/store/breaker.js';
import { claimDispatchRun, heldLock } from '../adapters/store/deploy-locks.js';
import { getExecution, isDone, markDone } from '../adapters/store/executions.js';
import type { Job } from '../adapters/store/job-shapes.js';
import {
  decideDeploymentReview,
  type DeploymentReviewDecision,
  type DeploymentReviewFacts,
} from '../core/decisions/deployment-review.js';
import type { DeliveryOf } from './jobs.js';
import type { RepoPolicy } from './load-repo-policy.js';
import { deployFreeze } from './org-freeze-facts.js';
import type { Runtime } from '../adapters/store/runtime.js';

/**
 * The deployment protection rule's edge: reads the facts of one review (the deploy lock, its holder, the freeze, the
 * policy, the workflow run), asks `decideDeploymentReview` (core/decisions), answers GitHub and records the answer.
 */

export type DeploymentReviewPorts = {
  runtime: Runtime;
  now: () => Date;
  policyFor: (context: RepoContext) => Promise<RepoPolicy>;
};

/** The thin edge: reads the facts, decides, answers GitHub, and records the answer (once per delivery). */
export async function reviewDeployment(
  ports: DeploymentReviewPorts,
  job: Job<DeliveryOf<'protection'>>,
  context: RepoContext,
  github: GitHubAdapter,
): Promise<void> {
  const asked = job.data.protection;
  const key = `${job.key}:protection`;
  const db = ports.runtime.db;
  if (await isDone(db, key)) return;
  const { owner, repo } = context.repo();
  const fullName = `${owner}/${repo}`;
  const facts = await gatherReviewFacts(
    ports,
    asked,
    { fullName, installationId: job.data.installationId },
    context,
    github,
  );
  let decision = decideDeploymentReview(facts);
  if (decision.state === 'approved') {
    // one run per dispatch: the first approved binds it, atomically
    const approved = decision;
    const claimed = await db.transaction((tx) => claimDispatchRun(tx, approved.executionId, asked.runId));
    // another run was approved for this dispatch meanwhile: decided again on the lock as it is now
    if (!claimed)
      decision = decideDeploymentReview({ ...facts, lock: await heldLock(db, fullName, asked.environment) });
  }
  await github.reviewDeployment(asked.runId, asked.environment, decision.state, decision.comment);
  await recordReview(ports.runtime, key, job.data.id, asked, facts.lock?.sha ?? null, decision);
  context.log.info(
    { environment: asked.environment, runId: asked.runId, state: decision.state },
    'deployment protection rule answered',
  );
}

type Asked = DeliveryOf<'protection'>['protection'];

/** The facts of one review, read now: the lock of the environment and its holder, the freeze, the policy, the run. */
async function gatherReviewFacts(
  ports: DeploymentReviewPorts,
  asked: Asked,
  { fullName, installationId }: { fullName: string; installationId: number },
  context: RepoContext,
  github: GitHubAdapter,
): Promise<DeploymentReviewFacts> {
  const db = ports.runtime.db;
  const lock = await heldLock(db, fullName, asked.environment);
  const holder = lock ? await getExecution(db, lock.executionId) : undefined;
  return {
    environment: asked.environment,
    runId: asked.runId,
    deploymentSha: asked.sha,
    policyValid: (await ports.policyFor(context)).ok,
    // the repository's freeze, or the organisation's unless the holder was let through it as a hotfix
    freeze: await deployFreeze(db, {
      execution: holder,
      installationId,
      repository: await activeFreeze(db, fullName, asked.environment, ports.now()),
      now: ports.now(),
    }),
    lock,
    holder,
    // a run that cannot be read is not tied to a dispatch: rejected, never approved
    run: lock?.sha
      ? await github.getWorkflowRun(asked.runId).catch((error: unknown) => {
          context.log.warn(
            { err: error, runId: asked.runId },
            'the workflow run could not be read: its deployment is rejected',
          );
          return undefined;
        })
      : undefined,
  };
}

/** The answer, marked done for the delivery and audited on the execution it names (in one transaction). */
async function recordReview(
  runtime: Runtime,
  key: string,
  traceId: string,
  asked: Asked,
  lockSha: string | null,
  decision: DeploymentReviewDecision,
): Promise<void> {
  await runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, key, decision.executionId, decision))) return;
    if (!decision.executionId) return;
    await appendAudit(tx, {
      executionId: decision.executionId,
      traceId,
      actor: 'aaoe',
      action: `deployment_${decision.state}`,
      reason: `${asked.environment} (run ${asked.runId}): ${decision.comment}`,
      data: {
        sha: decision.state === 'approved' ? decision.sha : lockSha,
        deploymentSha: asked.sha,
        environment: asked.environment,
        runId: asked.runId,
      },
    });
  });
}
