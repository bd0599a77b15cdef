import type { RepoContext as Context } from '../adapters/github/repo-context.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { activeFreeze, type Freeze } from '../adapters/store/breaker.js';
import { claimDispatchRun, heldLock, type HeldLock } from '../adapters/store/deploy-locks.js';
import { getExecution, isDone, markDone, type ExecutionRecord } from '../adapters/store/executions.js';
import type { Job } from '../adapters/store/job-queue.js';
import { DEPLOY_EVENT_TYPE, ROLLBACK_EVENT_TYPE } from './deploy-work.js';
import type { DeliveryOf } from './jobs.js';
import type { RepoPolicy } from './load-repo-policy.js';
import type { Runtime } from '../adapters/store/runtime.js';

/**
 * AAOE as a custom deployment protection rule. A workflow run that asks to deploy to an environment is approved
 * only when it is the run of a dispatch AAOE made: an execution deploying (or rolling back) holds that environment's
 * deploy lock with the commit AAOE dispatched, and the run was started by a `repository_dispatch` after that
 * dispatch, and no other run was approved for it. The commit judged is the one AAOE dispatched, never the run's
 * `deployment.sha` (for a dispatched run, the default branch's head) nor a pull request the run lists. Anything
 * else is rejected, saying why: fails closed.
 */

/** How far GitHub's clock may be behind AAOE's when it stamps a run started by AAOE's dispatch. */
export const RUN_CLOCK_SKEW_MS = 30_000;

export type WorkflowRunFacts = { id: number; event: string; createdAt: string };

/** The facts one review is decided on, read at one moment. */
export type DeploymentReviewFacts = {
  environment: string;
  runId: number;
  /** The run's `deployment.sha`: recorded, never judged. */
  deploymentSha: string;
  policyValid: boolean;
  freeze: Freeze | undefined;
  lock: HeldLock | undefined;
  holder: Pick<ExecutionRecord, 'id' | 'state' | 'pullRequest'> | undefined;
  run: WorkflowRunFacts | undefined;
};

export type DeploymentReviewDecision =
  | { state: 'approved'; executionId: string; sha: string; comment: string }
  | { state: 'rejected'; executionId: string | null; comment: string };

const DEPLOY_STATES: Record<string, readonly string[]> = {
  [DEPLOY_EVENT_TYPE]: ['merged', 'deploying'],
  [ROLLBACK_EVENT_TYPE]: ['rolling_back'],
};

/** The review of one deployment (pure). */
export function decideDeploymentReview(f: DeploymentReviewFacts): DeploymentReviewDecision {
  const reject = (comment: string, executionId: string | null = f.holder?.id ?? null): DeploymentReviewDecision => ({
    state: 'rejected',
    executionId,
    comment: `AAOE: ${comment}`,
  });
  if (f.freeze)
    return reject(
      `deployments of this repository are frozen until ${f.freeze.until}: ${f.freeze.reason}. An admin can lift it with /aaoe resume.`,
    );
  if (!f.policyValid)
    return reject(
      'the repository policy (.github/aaoe.yml) does not validate, so no deployment is approved until it does.',
    );
  if (!f.lock || !f.holder) {
    return reject(
      `AAOE dispatched nothing to ${f.environment}: no execution holds its deploy lock, so this run is not an AAOE deployment (its deployment.sha ${f.deploymentSha.slice(0, 7)} was never judged for it).`,
      null,
    );
  }
  const x = f.holder;
  const about = `execution ${x.id}${x.pullRequest !== null ? ` (#${x.pullRequest})` : ''}`;
  if (!f.lock.sha || !f.lock.eventType || !f.lock.dispatchedAt)
    return reject(`${about} holds ${f.lock.environment} but AAOE has dispatched nothing for it yet.`);
  if (!(DEPLOY_STATES[f.lock.eventType] ?? []).includes(x.state)) {
    return reject(
      `${about} is ${x.state.replaceAll('_', ' ')}: its ${f.lock.eventType} of ${f.lock.sha.slice(0, 7)} is not in flight, so no run deploys for it.`,
    );
  }
  if (!f.run)
    return reject(
      `workflow run ${f.runId} could not be read, so it cannot be tied to AAOE's dispatch of ${f.lock.sha.slice(0, 7)}.`,
    );
  if (f.run.event !== 'repository_dispatch')
    return reject(
      `workflow run ${f.runId} was started by ${f.run.event}, not by AAOE's dispatch: only the run of AAOE's ${f.lock.eventType} deploys.`,
    );
  if (Date.parse(f.run.createdAt) + RUN_CLOCK_SKEW_MS < Date.parse(f.lock.dispatchedAt)) {
    return reject(
      `workflow run ${f.runId} was created at ${f.run.createdAt}, before AAOE dispatched ${f.lock.sha.slice(0, 7)} at ${f.lock.dispatchedAt}: it is not that dispatch's run.`,
    );
  }
  if (f.lock.runId !== null && f.lock.runId !== f.runId) {
    return reject(
      `run ${f.lock.runId} was approved for AAOE's dispatch of ${f.lock.sha.slice(0, 7)} already: a second run of one dispatch (a replay) is not.`,
    );
  }
  return {
    state: 'approved',
    executionId: x.id,
    sha: f.lock.sha,
    comment: `AAOE: ${about} passed the policy with its approvals and AAOE dispatched ${f.lock.sha} (${f.lock.eventType}) to ${f.lock.environment} at ${f.lock.dispatchedAt}; run ${f.runId} is that dispatch's run. Not paused or frozen.`,
  };
}

export type DeploymentReviewPorts = {
  runtime: Runtime;
  now: () => Date;
  policyFor: (context: Context) => Promise<RepoPolicy>;
};

/** The thin edge: reads the facts, decides, answers GitHub, and records the answer (once per delivery). */
export async function reviewDeployment(
  ports: DeploymentReviewPorts,
  job: Job<DeliveryOf<'protection'>>,
  context: Context,
  github: GitHubAdapter,
): Promise<void> {
  const asked = job.data.protection;
  const key = `${job.key}:protection`;
  const db = ports.runtime.db;
  if (await isDone(db, key)) return;
  const { owner, repo } = context.repo();
  const fullName = `${owner}/${repo}`;
  const lock = await heldLock(db, fullName, asked.environment);
  const holder = lock ? await getExecution(db, lock.executionId) : undefined;
  const facts: DeploymentReviewFacts = {
    environment: asked.environment,
    runId: asked.runId,
    deploymentSha: asked.sha,
    policyValid: (await ports.policyFor(context)).ok,
    freeze: await activeFreeze(db, fullName, asked.environment, ports.now()),
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
  await db.transaction(async (tx) => {
    if (!(await markDone(tx, key, decision.executionId, decision))) return;
    if (decision.executionId) {
      await appendAudit(tx, {
        executionId: decision.executionId,
        traceId: job.data.id,
        actor: 'aaoe',
        action: `deployment_${decision.state}`,
        reason: `${asked.environment} (run ${asked.runId}): ${decision.comment}`,
        data: {
          sha: decision.state === 'approved' ? decision.sha : (lock?.sha ?? null),
          deploymentSha: asked.sha,
          environment: asked.environment,
          runId: asked.runId,
        },
      });
    }
  });
  context.log.info(
    { environment: asked.environment, runId: asked.runId, state: decision.state },
    'deployment protection rule answered',
  );
}
