import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { repositoryFreeze, uncountedFailures } from '../adapters/store/breaker.js';
import { deployHold } from '../adapters/store/deploy-holds.js';
import { acquireDeployLock, recordDispatch } from '../adapters/store/deploy-locks.js';
import { lockExecution, markDone, type EffectJob } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import type { Job } from '../adapters/store/job-shapes.js';
import type { Runtime } from '../adapters/store/runtime.js';
import { setTimer } from '../adapters/store/timers.js';
import { DEFAULT_ENVIRONMENT, DEPLOY_EVENT_TYPE } from '../contracts/dispatch.js';
import {
  decideDispatch,
  deployPriority,
  scheduleWithHold,
  type DispatchDecision,
} from '../core/deploy/decide-dispatch.js';
import { transition } from '../core/execution/transition.js';
import type { Policy } from '../core/policy/schema.js';
import type { ScheduleDecision } from '../core/schedule/windows.js';
import { commitTransition } from './commit-transition.js';
import { signedDispatchPayload } from './deploy-payload.js';
import { deployFreeze } from './org-freeze-facts.js';

/**
 * After merge: the app starts the companion workflow and moves the execution on from what the action reports.
 *
 * - `dispatch_deploy` (`deploy-dispatch.ts`): `POST /repos/{owner}/{repo}/dispatches` with event type `aaoe-deploy`
 *   and the dispatch payload (`src/contracts/dispatch.ts`, built in `deploy-payload.ts`), signed with the
 *   repository's key (`src/adapters/github/dispatch-signature.ts`, derived from `AAOE_REPORT_SECRET` per
 *   installation and repository); the execution is then `deploying`. Never while the repository is frozen, or while
 *   a failed canary has not been counted by the breaker yet (`src/core/deploy/decide-dispatch.ts`).
 * - The report (`deploy-report.ts`): `POST /aaoe/deploy-report` (`src/contracts/report.ts`), signed like a webhook
 *   (`X-AAOE-Signature-256`) with the key of the execution's own installation and repository. A report is a claim
 *   about one execution and the commit AAOE dispatched: anything else is refused, and it can only end a deployment
 *   (promoted, or rolled back), never approve anything (`src/core/deploy/decide-report.ts`).
 * - `dispatch_rollback` (`deploy-rollback.ts`, after `/aaoe rollback`): event type `aaoe-rollback`, unless the
 *   action already rolled back.
 */

/** `reportSecret`: the master secret (`AAOE_REPORT_SECRET`) each repository's key is derived from. */
export type DeployPorts = { runtime: Runtime; now: () => Date; reportSecret?: string | undefined };

/**
 * `dispatch_deploy`: starts the companion workflow for the merged commit, with a signed payload; the execution is
 * then `deploying`. Not while the repository is frozen, nor before the breaker counted a failed canary (the queue
 * hands the environment on when an execution ends, failed or not: its next dispatch comes through here too), not
 * before the schedule allows it (a change merged outside its window waits for the next one, on a timer), and one
 * deployment at a time per environment: one that finds another in flight is queued behind it and dispatched when
 * that one ends (`releaseDeployLock`, run when an execution ends). The dispatch is recorded on the lock first: the
 * protection rule approves only its run.
 */
export async function dispatchDeploy(
  ports: DeployPorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  sha: string,
  github: GitHubAdapter,
  policy: Policy,
): Promise<void> {
  const now = ports.now();
  const db = ports.runtime.db;
  // in this order: the breaker records a failure and the freeze it trips in one transaction, so a failure found
  // counted here has its freeze visible to the read after it (read the other way round, both could be missed)
  const uncounted = await uncountedFailures(db, execution.repo, now);
  // the repository's freeze, or the organisation's (a hotfix let through it goes on): org-freeze-facts.ts
  const freeze = await deployFreeze(db, {
    execution,
    installationId: execution.installationId,
    repository: await repositoryFreeze(db, execution.repo, now),
    now,
  });
  const decision = decideDispatch({
    state: execution.state,
    freeze,
    uncounted,
    schedule: await deployDecision(ports, execution.id, policy, now),
    now,
  });
  if (decision.kind === 'skip') {
    await db.transaction((tx) => markDone(tx, job.key, execution.id, { skipped: decision.reason }));
    return;
  }
  if (decision.kind === 'wait') return waitToDispatch(ports, job, execution.id, sha, decision);
  // the breaker's own job counts that failure in a moment (and may freeze): this job is retried after it, with backoff
  if (decision.kind === 'retry') throw new Error(`not dispatched yet: ${decision.reason}; retried`);
  if (!(await takeDeployLock(ports, job, execution, sha, now))) return;
  await github.dispatch(
    DEPLOY_EVENT_TYPE,
    signedDispatchPayload(execution, sha, policy, DEPLOY_EVENT_TYPE, ports.reportSecret, now),
  );
  await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, execution.id, { sha }))) return;
    const before = await lockExecution(tx, execution.id);
    if (!before) return;
    const result = transition(before, { type: 'deploy_started' }, ports.now());
    await commitTransition(
      tx,
      ports.runtime.queue,
      before,
      { ...before, ...result.execution },
      result.effects,
      job.data.traceId,
    );
  });
}

/**
 * The environment's deploy lock, or a place in its queue (done for this job, audited): true when this execution
 * holds it, the dispatch recorded on it before GitHub hears of it (the protection rule approves a run of it only).
 */
async function takeDeployLock(
  ports: DeployPorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  sha: string,
  now: Date,
): Promise<boolean> {
  return ports.runtime.db.transaction(async (tx) => {
    const outcome = await acquireDeployLock(tx, {
      repo: execution.repo,
      environment: DEFAULT_ENVIRONMENT,
      executionId: execution.id,
      sha,
      traceId: job.data.traceId,
      priority: deployPriority(execution),
      now,
    });
    if (outcome.acquired) {
      await recordDispatch(tx, execution.id, { sha, eventType: DEPLOY_EVENT_TYPE, at: now });
      return true;
    }
    if (await markDone(tx, job.key, execution.id, { queuedBehind: outcome.holder, position: outcome.position })) {
      await appendAudit(tx, {
        executionId: execution.id,
        traceId: job.data.traceId,
        actor: 'aaoe',
        action: 'deploy_queued',
        reason: `${DEFAULT_ENVIRONMENT} has a deployment in flight (execution ${outcome.holder}): queued, position ${outcome.position}; dispatched when it ends`,
        data: { sha, holder: outcome.holder },
      });
    }
    return false;
  });
}

/** The key of a job without its `:at:<time>` suffix: a timer's job keeps its base, so waits do not grow it. */
export function keyBase(key: string): string {
  return key.split(':at:')[0] ?? key;
}

/**
 * A dispatch that may not go now: done for this job, a timer for when it may (the same key base, so waits do not
 * grow it), and the audit log says why.
 */
async function waitToDispatch(
  ports: DeployPorts,
  job: Job<EffectJob>,
  executionId: string,
  sha: string,
  decision: Extract<DispatchDecision, { kind: 'wait' }>,
): Promise<void> {
  const base = keyBase(job.key);
  await ports.runtime.db.transaction(async (tx) => {
    if (
      !(await markDone(tx, job.key, executionId, { waiting: decision.until?.toISOString() ?? null, why: decision.why }))
    )
      return;
    if (decision.until) {
      const effect = {
        type: 'dispatch_deploy' as const,
        sha,
        notBefore: decision.until.toISOString(),
        key: `${base}:at:${decision.until.toISOString()}`,
      };
      await setTimer(tx, decision.until, { executionId, traceId: job.data.traceId, effect });
    }
    const at = decision.until?.toISOString();
    const when = !at
      ? 'nothing opens within a year: change the schedule, then /aaoe retry'
      : decision.why === 'frozen'
        ? `dispatched at ${at}, when the freeze ends`
        : `dispatched at ${at}`;
    await appendAudit(tx, {
      executionId,
      traceId: job.data.traceId,
      actor: 'aaoe',
      action: 'deploy_waiting',
      reason: `merged, not deployed yet: ${decision.reason}; ${when}`,
      data: { sha, why: decision.why, until: decision.until?.toISOString() ?? null },
    });
  });
}

/**
 * Whether a merged change may be dispatched now: the policy's change windows and freezes, and a time someone
 * scheduled it for (`deploy_holds`); if not, when it next may (the first opening at or after the hold).
 */
export async function deployDecision(
  ports: DeployPorts,
  executionId: string,
  policy: Policy,
  now: Date,
): Promise<ScheduleDecision> {
  return scheduleWithHold(policy.schedule, await deployHold(ports.runtime.db, executionId), now);
}
