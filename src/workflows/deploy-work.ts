import { verifySignature } from '../adapters/github/signature.js';
import { repositoryKey, signDispatch, type DispatchEventType } from '../adapters/github/dispatch-signature.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { transition, type ExecutionEvent } from '../core/execution/transition.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { Policy } from '../core/policy/schema.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import {
  dispatchedSha,
  getExecution,
  lockExecution,
  markDone,
  type EffectJob,
  type ExecutionRecord,
} from '../adapters/store/executions.js';
import { commitTransition } from './commit-transition.js';
import { acquireDeployLock, recordDispatch, takeFreeDeployLock } from '../adapters/store/deploy-locks.js';
import { repositoryFreeze, uncountedFailures, type Freeze } from '../adapters/store/breaker.js';
import { saveDeployReport } from '../adapters/store/deploy-reports.js';
import { QUEUES, type Job } from '../adapters/store/job-queue.js';
import { setTimer } from '../adapters/store/timers.js';
import { scheduleAt, type ScheduleDecision } from '../core/schedule/windows.js';
import { MAX_HOLD_MS, deployHold } from '../adapters/store/deploy-holds.js';
import { traceparent } from '../app/tracing.js';
import { readBody } from '../adapters/http/http-body.js';
import type { Runtime } from '../adapters/store/runtime.js';

/**
 * After merge: the app starts the companion workflow and moves the execution on from what the action reports.
 *
 * - `dispatch_deploy`: `POST /repos/{owner}/{repo}/dispatches` with event type `aaoe-deploy` and the dispatch payload
 *   (version 1, `action/README.md`), signed with the repository's key (`src/adapters/github/dispatch-signature.ts`, derived
 *   from `AAOE_REPORT_SECRET` per installation and repository); the execution is then `deploying`. Never while the
 *   repository is frozen, or while a failed canary has not been counted by the breaker yet.
 * - The report: `POST /aaoe/deploy-report`, signed like a webhook (`X-AAOE-Signature-256`) with the key of the
 *   execution's own installation and repository: one repository's key forges nothing for another. A report is a
 *   claim about one execution and the commit AAOE dispatched: anything else is refused, and it can only end a
 *   deployment (promoted, or rolled back), never approve anything.
 * - `dispatch_rollback` (after `/aaoe rollback`): event type `aaoe-rollback`, unless the action already rolled back.
 */

export const REPORT_PATH = '/aaoe/deploy-report';
export const DEPLOY_EVENT_TYPE = 'aaoe-deploy';
export const ROLLBACK_EVENT_TYPE = 'aaoe-rollback';
/** The one environment this release deploys to (the dispatch payload's, the breaker's and the freeze's). */
export const DEFAULT_ENVIRONMENT = 'production';

/** The parts of the action's report (version 1) the app acts on; the rest is kept as it came. */
export const DeployReport = z.looseObject({
  version: z.literal(1),
  executionId: z.string().min(1).max(128),
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  mode: z.enum(['canary', 'health', 'rollback', 'policy']),
  verdict: z.string().min(1).max(40),
  outcome: z.enum(['success', 'failure']),
  title: z.string().max(1000),
  reason: z.string().max(10_000),
  commands: z.array(z.looseObject({ name: z.string(), exitCode: z.int() })).default([]),
  run: z.looseObject({ url: z.string().nullable().optional() }).optional(),
});
export type DeployReport = z.infer<typeof DeployReport>;

/** The dispatch payload (version 1) the companion workflow reads, unsigned (what a preview shows). */
export function dispatchPayload(execution: ExecutionRecord, sha: string, policy: Policy): Record<string, unknown> {
  return {
    version: 1,
    executionId: execution.id,
    sha,
    environment: DEFAULT_ENVIRONMENT,
    canaryPercent: policy.deployment.canaryPercent,
    ...(execution.pullRequest !== null ? { pullRequest: execution.pullRequest } : {}),
    // the workflow run continues the execution's trace
    traceparent: traceparent(execution.traceId),
  };
}

/**
 * The payload as dispatched: signed with the repository's key for this repository, event and time, so the action
 * runs it only there, for that event and environment (`action/src/dispatch-payload.ts`). Without a master secret
 * it goes unsigned, and the action refuses it.
 */
export function signedDispatchPayload(
  execution: ExecutionRecord,
  sha: string,
  policy: Policy,
  eventType: DispatchEventType,
  master: string | undefined,
  now: Date,
): Record<string, unknown> {
  const payload = {
    ...dispatchPayload(execution, sha, policy),
    repository: execution.repo,
    issuedAt: now.toISOString(),
  };
  if (!master) return payload;
  const key = repositoryKey(master, execution.installationId, execution.repo);
  const signed = {
    ...payload,
    version: 1,
    executionId: execution.id,
    sha,
    environment: DEFAULT_ENVIRONMENT,
    eventType,
    canaryPercent: policy.deployment.canaryPercent,
    pullRequest: execution.pullRequest ?? undefined,
    traceparent: traceparent(execution.traceId),
  };
  return { ...payload, signature: signDispatch(signed, key) };
}

/** `reportSecret`: the master secret (`AAOE_REPORT_SECRET`) each repository's key is derived from. */
export type DeployPorts = { runtime: Runtime; now: () => Date; reportSecret?: string | undefined };

/** The facts a dispatch is decided on, read at one moment. */
export type DispatchFacts = {
  state: string;
  freeze: Freeze | undefined;
  uncounted: string[];
  schedule: ScheduleDecision;
  now: Date;
};

export type DispatchDecision =
  | { kind: 'skip'; reason: string }
  | { kind: 'wait'; why: 'frozen' | 'schedule'; reason: string; until: Date | null }
  /** Not yet, for a moment: another job (the breaker's count) runs first; the job is tried again (backoff). */
  | { kind: 'retry'; reason: string }
  | { kind: 'dispatch' };

/**
 * Whether a merged change is dispatched now (pure): never while the repository is frozen (until the freeze ends),
 * never before the breaker counted a failed canary of the repository (that failure may freeze it: the job is tried
 * again once the breaker's job ran), and only when the schedule allows it.
 */
export function decideDispatch(f: DispatchFacts): DispatchDecision {
  if (f.state !== 'merged') return { kind: 'skip', reason: `dispatch in ${f.state}` };
  if (f.freeze)
    return {
      kind: 'wait',
      why: 'frozen',
      reason: `the repository is frozen until ${f.freeze.until}: ${f.freeze.reason}`,
      until: new Date(f.freeze.until),
    };
  if (f.uncounted.length > 0)
    return {
      kind: 'retry',
      reason: `the circuit breaker has not counted the failed canary of execution ${f.uncounted.join(', ')} yet`,
    };
  if (!f.schedule.open)
    return { kind: 'wait', why: 'schedule', reason: f.schedule.reason, until: f.schedule.opensAt ?? null };
  return { kind: 'dispatch' };
}

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
  const freeze = await repositoryFreeze(db, execution.repo, now);
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
  const lock = await ports.runtime.db.transaction(async (tx) => {
    const outcome = await acquireDeployLock(tx, {
      repo: execution.repo,
      environment: DEFAULT_ENVIRONMENT,
      executionId: execution.id,
      sha,
      traceId: job.data.traceId,
      priority: deployPriority(execution),
      now,
    });
    if (
      !outcome.acquired &&
      (await markDone(tx, job.key, execution.id, { queuedBehind: outcome.holder, position: outcome.position }))
    ) {
      await appendAudit(tx, {
        executionId: execution.id,
        traceId: job.data.traceId,
        actor: 'aaoe',
        action: 'deploy_queued',
        reason: `${DEFAULT_ENVIRONMENT} has a deployment in flight (execution ${outcome.holder}): queued, position ${outcome.position}; dispatched when it ends`,
        data: { sha, holder: outcome.holder },
      });
    }
    // the protection rule approves a run of this dispatch only: recorded before GitHub hears of it
    if (outcome.acquired) await recordDispatch(tx, execution.id, { sha, eventType: DEPLOY_EVENT_TYPE, at: now });
    return outcome;
  });
  if (!lock.acquired) return;
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
  const base = job.key.split(':at:')[0]!;
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
  const hold = await deployHold(ports.runtime.db, executionId);
  if (!hold || Date.parse(hold.notBefore) <= now.getTime()) return scheduleAt(policy.schedule, now);
  // a hold never lasts longer than MAX_HOLD_MS from when it was set, whatever was stored
  const at = new Date(Math.min(Date.parse(hold.notBefore), Date.parse(hold.at) + MAX_HOLD_MS));
  if (at.getTime() <= now.getTime()) return scheduleAt(policy.schedule, now);
  const then = scheduleAt(policy.schedule, at);
  return {
    open: false,
    reason: `scheduled by @${hold.by} for ${at.toISOString()}`,
    opensAt: then.open ? at : then.opensAt,
  };
}

/**
 * Where a change waiting for its environment stands in the queue: fixes (triaged `bug` or `ops`) go before the
 * rest; within one priority, first merged, first deployed.
 */
export function deployPriority(execution: Pick<ExecutionRecord, 'work'>): number {
  const kind = execution.work?.triage?.classification;
  return kind === 'bug' || kind === 'ops' ? 1 : 0;
}

/**
 * `dispatch_rollback`: the action rolls back on its own verdict; after `/aaoe rollback` the app asks it to, holding
 * the environment's lock (taken when free: a rollback never queues behind the deployments it may undo; while
 * another execution holds it, the rollback waits for it, looked at again every minute).
 */
export async function dispatchRollback(
  ports: DeployPorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  github: GitHubAdapter,
  policy: Policy,
): Promise<void> {
  const sha = await dispatchedSha(ports.runtime.db, execution.id);
  const now = ports.now();
  if (execution.state !== 'rolling_back' || !sha) {
    await ports.runtime.db.transaction((tx) =>
      markDone(
        tx,
        job.key,
        execution.id,
        execution.state === 'rolling_back' ? { dispatched: null } : { skipped: `already ${execution.state}` },
      ),
    );
    return;
  }
  const held = await ports.runtime.db.transaction(async (tx) => {
    const taken = await takeFreeDeployLock(tx, {
      repo: execution.repo,
      environment: DEFAULT_ENVIRONMENT,
      executionId: execution.id,
      now,
    });
    if (taken) await recordDispatch(tx, execution.id, { sha, eventType: ROLLBACK_EVENT_TYPE, at: now });
    else if (await markDone(tx, job.key, execution.id, { waiting: 'deploy lock' })) {
      const base = job.key.split(':at:')[0]!;
      const until = new Date(now.getTime() + 60_000);
      const effect = {
        type: 'dispatch_rollback' as const,
        reason: 'waiting for the deploy lock',
        notBefore: until.toISOString(),
        key: `${base}:at:${until.toISOString()}`,
      };
      await setTimer(tx, until, { executionId: execution.id, traceId: job.data.traceId, effect });
      if (job.key === base) {
        await appendAudit(tx, {
          executionId: execution.id,
          traceId: job.data.traceId,
          actor: 'aaoe',
          action: 'rollback_waiting',
          reason: `another deployment holds ${DEFAULT_ENVIRONMENT}: the rollback of ${sha} is dispatched when it ends`,
          data: { sha },
        });
      }
    }
    return taken;
  });
  if (!held) return;
  await github.dispatch(
    ROLLBACK_EVENT_TYPE,
    signedDispatchPayload(execution, sha, policy, ROLLBACK_EVENT_TYPE, ports.reportSecret, now),
  );
  await ports.runtime.db.transaction((tx) => markDone(tx, job.key, execution.id, { dispatched: sha }));
}

type Answer = { status: number; body: Record<string, unknown> };

/** The report endpoint, for Probot's `addHandler`: true when it answered the request. */
export function reportHandler(
  ports: DeployPorts,
  secret: string | undefined,
  log: { info(meta: object, msg: string): void; warn(meta: object, msg: string): void },
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== REPORT_PATH) return false;
    const send = ({ status, body }: Answer) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return true;
    };
    if (req.method !== 'POST') return send({ status: 405, body: { error: 'POST a report' } });
    if (!secret)
      return send({
        status: 503,
        body: { error: 'reports are not accepted: set AAOE_REPORT_SECRET (the report-secret of the action)' },
      });
    const raw = await readBody(req, 256 * 1024);
    if (raw === undefined) return send({ status: 413, body: { error: 'a report is at most 256 KB' } });
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return send({ status: 400, body: { error: 'the body is not JSON' } });
    }
    // the key is the execution's own installation and repository's: a report signed with another's is refused
    const claimed =
      typeof (json as { executionId?: unknown } | null)?.executionId === 'string'
        ? String((json as { executionId: string }).executionId).slice(0, 128)
        : '';
    const execution = claimed ? await getExecution(ports.runtime.db, claimed) : undefined;
    const key = execution ? repositoryKey(secret, execution.installationId, execution.repo) : undefined;
    if (!key || !verifySignature(raw, String(req.headers['x-aaoe-signature-256'] ?? ''), key)) {
      log.warn({ path: REPORT_PATH }, 'deploy report refused: bad signature');
      return send({
        status: 401,
        body: {
          error:
            "the X-AAOE-Signature-256 signature does not match the key of the execution's repository (aaoe report-key)",
        },
      });
    }
    const parsed = DeployReport.safeParse(json);
    if (!parsed.success)
      return send({
        status: 400,
        body: { error: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') },
      });
    const answer = await applyReport(ports, parsed.data);
    log.info(
      { execution: parsed.data.executionId, verdict: parsed.data.verdict, status: answer.status },
      'deploy report',
    );
    return send(answer);
  };
}

/** Moves the execution on from a verified report, once; the report goes into the audit log as evidence. */
export async function applyReport(ports: DeployPorts, report: DeployReport): Promise<Answer> {
  const sha = await dispatchedSha(ports.runtime.db, report.executionId);
  const answer = await ports.runtime.db.transaction(async (tx): Promise<Answer> => {
    const before = await lockExecution(tx, report.executionId);
    if (!before) return { status: 404, body: { error: `no execution ${report.executionId}` } };
    if (!sha || sha !== report.sha)
      return {
        status: 409,
        body: { error: `execution ${before.id} dispatched ${sha ?? 'nothing'}, not ${report.sha}` },
      };
    const rolledBack = report.commands.some((c) => c.name === 'rollback' && c.exitCode === 0);
    const events: ExecutionEvent[] = [];
    if (report.mode === 'rollback') {
      if (before.state !== 'rolling_back') return { status: 200, body: { state: before.state, applied: false } };
      if (report.outcome === 'success') events.push({ type: 'rollback_finished' });
    } else {
      if (before.state !== 'deploying' && before.state !== 'verifying')
        return { status: 200, body: { state: before.state, applied: false } };
      if (before.state === 'deploying') events.push({ type: 'analysis_started' });
      const promoted = report.verdict === 'promote' && report.outcome === 'success';
      // anything but a promotion is a failure: an inconclusive canary never promotes
      events.push({
        type: 'canary_verdict',
        verdict: promoted ? 'pass' : report.verdict === 'inconclusive' ? 'inconclusive' : 'fail',
        reason: `${report.title}: ${report.reason}`.slice(0, 2000),
      });
      if (promoted) events.push({ type: 'promotion_finished' });
      else if (rolledBack) events.push({ type: 'rollback_finished' });
    }
    await saveDeployReport(tx, before.id, report, ports.now());
    let current = before;
    for (const event of events) {
      const result = transition(current, event, ports.now());
      if (result.outcome === 'illegal') return { status: 409, body: { error: result.reason } };
      await commitTransition(
        tx,
        ports.runtime.queue,
        current,
        { ...current, ...result.execution },
        result.effects,
        before.traceId,
      );
      current = { ...current, ...result.execution };
    }
    await appendAudit(tx, {
      executionId: before.id,
      traceId: before.traceId,
      actor: 'aaoe-action',
      action: 'deploy_report',
      reason: `${report.mode}: ${report.verdict} (${report.outcome}): ${report.title}`.slice(0, 2000),
      data: { sha: report.sha, run: report.run?.url ?? null },
    });
    return { status: 200, body: { state: current.state, applied: true } };
  });
  ports.runtime.queue.wake(QUEUES.effect);
  return answer;
}
