import { verifySignature } from '../github/signature.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { transition, type ExecutionEvent } from '../execution/transition.js';
import type { GitHubAdapter } from '../github/github-adapter.js';
import type { Policy } from '../policy/schema.js';
import { appendAudit } from '../store/audit-log.js';
import { commitTransition, dispatchedSha, lockExecution, markDone, type EffectJob, type ExecutionRecord } from '../store/executions.js';
import { acquireDeployLock } from '../store/deploy-locks.js';
import { saveDeployReport } from '../store/deploy-reports.js';
import { QUEUES, type Job } from '../store/job-queue.js';
import { setTimer } from '../store/timers.js';
import { scheduleAt, type ScheduleDecision } from '../schedule/windows.js';
import { deployHold } from '../store/deploy-holds.js';
import { traceparent } from './tracing.js';
import { readBody } from './http-body.js';
import type { Runtime } from './runtime.js';

/**
 * After merge: the app starts the companion workflow and moves the execution on from what the action reports.
 *
 * - `dispatch_deploy`: `POST /repos/{owner}/{repo}/dispatches` with event type `aaoe-deploy` and the dispatch payload
 *   (version 1, `action/README.md`); the execution is then `deploying`.
 * - The report: `POST /aaoe/deploy-report`, signed with `AAOE_REPORT_SECRET` like a webhook
 *   (`X-AAOE-Signature-256`). A report is a claim about one execution and the commit AAOE dispatched: anything
 *   else is refused, and it can only end a deployment (promoted, or rolled back), never approve anything.
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

/** The dispatch payload (version 1) the companion workflow reads; `action/src/dispatch-payload.ts` validates it. */
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

export type DeployPorts = { runtime: Runtime; now: () => Date };

/**
 * `dispatch_deploy`: starts the companion workflow for the merged commit; the execution is then `deploying`.
 * Not before the schedule allows it (a change merged outside its window waits for the next one, on a timer), and
 * one deployment at a time per environment: one that finds another in flight is queued behind it and dispatched
 * when that one ends (`releaseDeployLock`, run when an execution ends).
 */
export async function dispatchDeploy(ports: DeployPorts, job: Job<EffectJob>, execution: ExecutionRecord, sha: string, github: GitHubAdapter, policy: Policy): Promise<void> {
  if (execution.state !== 'merged') {
    await ports.runtime.db.transaction((tx) => markDone(tx, job.key, execution.id, { skipped: `dispatch in ${execution.state}` }));
    return;
  }
  const now = ports.now();
  const decision = await deployDecision(ports, execution.id, policy, now);
  if (!decision.open) {
    await ports.runtime.db.transaction(async (tx) => {
      if (!(await markDone(tx, job.key, execution.id, { waiting: decision.opensAt?.toISOString() ?? null }))) return;
      if (decision.opensAt) {
        const effect = { type: 'dispatch_deploy' as const, sha, notBefore: decision.opensAt.toISOString(), key: `${job.key}:at:${decision.opensAt.toISOString()}` };
        await setTimer(tx, decision.opensAt, { executionId: execution.id, traceId: job.data.traceId, effect });
      }
      await appendAudit(tx, {
        executionId: execution.id, traceId: job.data.traceId, actor: 'aaoe', action: 'deploy_waiting',
        reason: `merged, not deployed yet: ${decision.reason}; ${decision.opensAt ? `dispatched at ${decision.opensAt.toISOString()}` : 'nothing opens within a year: change the schedule, then /aaoe retry'}`, data: { sha, opensAt: decision.opensAt?.toISOString() ?? null },
      });
    });
    return;
  }
  const lock = await ports.runtime.db.transaction(async (tx) => {
    const outcome = await acquireDeployLock(tx, { repo: execution.repo, environment: DEFAULT_ENVIRONMENT, executionId: execution.id, sha, traceId: job.data.traceId, priority: deployPriority(execution), now });
    if (!outcome.acquired && (await markDone(tx, job.key, execution.id, { queuedBehind: outcome.holder, position: outcome.position }))) {
      await appendAudit(tx, {
        executionId: execution.id, traceId: job.data.traceId, actor: 'aaoe', action: 'deploy_queued',
        reason: `${DEFAULT_ENVIRONMENT} has a deployment in flight (execution ${outcome.holder}): queued, position ${outcome.position}; dispatched when it ends`, data: { sha, holder: outcome.holder },
      });
    }
    return outcome;
  });
  if (!lock.acquired) return;
  await github.dispatch(DEPLOY_EVENT_TYPE, dispatchPayload(execution, sha, policy));
  await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, execution.id, { sha }))) return;
    const before = await lockExecution(tx, execution.id);
    if (!before) return;
    const result = transition(before, { type: 'deploy_started' }, ports.now());
    await commitTransition(tx, ports.runtime.queue, before, { ...before, ...result.execution }, result.effects, job.data.traceId);
  });
}

/**
 * Whether a merged change may be dispatched now: the policy's change windows and freezes, and a time someone
 * scheduled it for (`deploy_holds`); if not, when it next may (the first opening at or after the hold).
 */
export async function deployDecision(ports: DeployPorts, executionId: string, policy: Policy, now: Date): Promise<ScheduleDecision> {
  const hold = await deployHold(ports.runtime.db, executionId);
  if (!hold || Date.parse(hold.notBefore) <= now.getTime()) return scheduleAt(policy.schedule, now);
  const at = new Date(hold.notBefore);
  const then = scheduleAt(policy.schedule, at);
  return { open: false, reason: `scheduled by @${hold.by} for ${hold.notBefore}`, opensAt: then.open ? at : then.opensAt };
}

/**
 * Where a change waiting for its environment stands in the queue: fixes (triaged `bug` or `ops`) go before the
 * rest; within one priority, first merged, first deployed.
 */
export function deployPriority(execution: Pick<ExecutionRecord, 'work'>): number {
  const kind = execution.work?.triage?.classification;
  return kind === 'bug' || kind === 'ops' ? 1 : 0;
}

/** `dispatch_rollback`: the action rolls back on its own verdict; after `/aaoe rollback` the app asks it to. */
export async function dispatchRollback(ports: DeployPorts, job: Job<EffectJob>, execution: ExecutionRecord, github: GitHubAdapter, policy: Policy): Promise<void> {
  const sha = await dispatchedSha(ports.runtime.db, execution.id);
  if (execution.state === 'rolling_back' && sha) await github.dispatch(ROLLBACK_EVENT_TYPE, dispatchPayload(execution, sha, policy));
  await ports.runtime.db.transaction((tx) => markDone(tx, job.key, execution.id, execution.state === 'rolling_back' ? { dispatched: sha ?? null } : { skipped: `already ${execution.state}` }));
}

type Answer = { status: number; body: Record<string, unknown> };

/** The report endpoint, for Probot's `addHandler`: true when it answered the request. */
export function reportHandler(ports: DeployPorts, secret: string | undefined, log: { info(meta: object, msg: string): void; warn(meta: object, msg: string): void }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== REPORT_PATH) return false;
    const send = ({ status, body }: Answer) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return true;
    };
    if (req.method !== 'POST') return send({ status: 405, body: { error: 'POST a report' } });
    if (!secret) return send({ status: 503, body: { error: 'reports are not accepted: set AAOE_REPORT_SECRET (the report-secret of the action)' } });
    const raw = await readBody(req, 256 * 1024);
    if (raw === undefined) return send({ status: 413, body: { error: 'a report is at most 256 KB' } });
    if (!verifySignature(raw, String(req.headers['x-aaoe-signature-256'] ?? ''), secret)) {
      log.warn({ path: REPORT_PATH }, 'deploy report refused: bad signature');
      return send({ status: 401, body: { error: 'the X-AAOE-Signature-256 signature does not match' } });
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return send({ status: 400, body: { error: 'the body is not JSON' } });
    }
    const parsed = DeployReport.safeParse(json);
    if (!parsed.success) return send({ status: 400, body: { error: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') } });
    const answer = await applyReport(ports, parsed.data);
    log.info({ execution: parsed.data.executionId, verdict: parsed.data.verdict, status: answer.status }, 'deploy report');
    return send(answer);
  };
}

/** Moves the execution on from a verified report, once; the report goes into the audit log as evidence. */
export async function applyReport(ports: DeployPorts, report: DeployReport): Promise<Answer> {
  const sha = await dispatchedSha(ports.runtime.db, report.executionId);
  const answer = await ports.runtime.db.transaction(async (tx): Promise<Answer> => {
    const before = await lockExecution(tx, report.executionId);
    if (!before) return { status: 404, body: { error: `no execution ${report.executionId}` } };
    if (!sha || sha !== report.sha) return { status: 409, body: { error: `execution ${before.id} dispatched ${sha ?? 'nothing'}, not ${report.sha}` } };
    const rolledBack = report.commands.some((c) => c.name === 'rollback' && c.exitCode === 0);
    const events: ExecutionEvent[] = [];
    if (report.mode === 'rollback') {
      if (before.state !== 'rolling_back') return { status: 200, body: { state: before.state, applied: false } };
      if (report.outcome === 'success') events.push({ type: 'rollback_finished' });
    } else {
      if (before.state !== 'deploying' && before.state !== 'verifying') return { status: 200, body: { state: before.state, applied: false } };
      if (before.state === 'deploying') events.push({ type: 'analysis_started' });
      const promoted = report.verdict === 'promote' && report.outcome === 'success';
      // anything but a promotion is a failure: an inconclusive canary never promotes
      events.push({ type: 'canary_verdict', verdict: promoted ? 'pass' : report.verdict === 'inconclusive' ? 'inconclusive' : 'fail', reason: `${report.title}: ${report.reason}`.slice(0, 2000) });
      if (promoted) events.push({ type: 'promotion_finished' });
      else if (rolledBack) events.push({ type: 'rollback_finished' });
    }
    await saveDeployReport(tx, before.id, report, ports.now());
    let current = before;
    for (const event of events) {
      const result = transition(current, event, ports.now());
      if (result.outcome === 'illegal') return { status: 409, body: { error: result.reason } };
      await commitTransition(tx, ports.runtime.queue, current, { ...current, ...result.execution }, result.effects, before.traceId);
      current = { ...current, ...result.execution };
    }
    await appendAudit(tx, {
      executionId: before.id, traceId: before.traceId, actor: 'aaoe-action', action: 'deploy_report',
      reason: `${report.mode}: ${report.verdict} (${report.outcome}): ${report.title}`.slice(0, 2000), data: { sha: report.sha, run: report.run?.url ?? null },
    });
    return { status: 200, body: { state: current.state, applied: true } };
  });
  ports.runtime.queue.wake(QUEUES.effect);
  return answer;
}

