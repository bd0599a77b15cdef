import type { IncomingMessage, ServerResponse } from 'node:http';
import { repositoryKey } from '../adapters/github/dispatch-signature.js';
import { verifySignature } from '../adapters/github/signature.js';
import { readBody } from '../adapters/http/http-body.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { saveDeployReport } from '../adapters/store/deploy-reports.js';
import { dispatchedSha, getExecution, lockExecution } from '../adapters/store/executions.js';
import { QUEUES } from '../adapters/store/job-shapes.js';
import { DeployReport, REPORT_PATH, REPORT_SIGNATURE_HEADER } from '../contracts/report.js';
import { decideReport } from '../core/deploy/decide-report.js';
import { transition } from '../core/execution/transition.js';
import { commitTransition } from './commit-transition.js';
import type { DeployPorts } from './deploy-dispatch.js';

/**
 * The report: `POST /aaoe/deploy-report`, signed like a webhook (`X-AAOE-Signature-256`) with the key of the
 * execution's own installation and repository: one repository's key forges nothing for another. What a report may
 * do is decided purely (`src/core/deploy/decide-report.ts`): only end a deployment, for the dispatched commit.
 */

/** The most a report may weigh. */
const REPORT_MAX_BYTES = 256 * 1024;

export type Answer = { status: number; body: Record<string, unknown> };

type ReportLog = { info(meta: object, msg: string): void; warn(meta: object, msg: string): void };

/** The report endpoint, for Probot's `addHandler`: true when it answered the request. */
export function reportHandler(ports: DeployPorts, secret: string | undefined, log: ReportLog) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== REPORT_PATH) return false;
    const answer = await answerReport(ports, secret, log, req);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    return true;
  };
}

async function answerReport(
  ports: DeployPorts,
  secret: string | undefined,
  log: ReportLog,
  req: IncomingMessage,
): Promise<Answer> {
  if (req.method !== 'POST') return { status: 405, body: { error: 'POST a report' } };
  if (!secret)
    return {
      status: 503,
      body: { error: 'reports are not accepted: set AAOE_REPORT_SECRET (the report-secret of the action)' },
    };
  const raw = await readBody(req, REPORT_MAX_BYTES);
  if (raw === undefined) return { status: 413, body: { error: 'a report is at most 256 KB' } };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { status: 400, body: { error: 'the body is not JSON' } };
  }
  if (!(await signedByItsRepository(ports, secret, json, raw, req.headers[REPORT_SIGNATURE_HEADER]))) {
    log.warn({ path: REPORT_PATH }, 'deploy report refused: bad signature');
    return {
      status: 401,
      body: {
        error:
          "the X-AAOE-Signature-256 signature does not match the key of the execution's repository (aaoe report-key)",
      },
    };
  }
  const parsed = DeployReport.safeParse(json);
  if (!parsed.success)
    return {
      status: 400,
      body: { error: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') },
    };
  const answer = await applyReport(ports, parsed.data);
  log.info(
    { execution: parsed.data.executionId, verdict: parsed.data.verdict, status: answer.status },
    'deploy report',
  );
  return answer;
}

/** Whether the body is signed with the key of the installation and repository of the execution it names. */
async function signedByItsRepository(
  ports: DeployPorts,
  secret: string,
  json: unknown,
  raw: string,
  header: string | string[] | undefined,
): Promise<boolean> {
  // the key is the execution's own installation and repository's: a report signed with another's is refused
  const named = (json as { executionId?: unknown } | null)?.executionId;
  const claimed = typeof named === 'string' ? named.slice(0, 128) : '';
  const execution = claimed ? await getExecution(ports.runtime.db, claimed) : undefined;
  const key = execution ? repositoryKey(secret, execution.installationId, execution.repo) : undefined;
  return key !== undefined && verifySignature(raw, String(header ?? ''), key);
}

/** Moves the execution on from a verified report, once; the report goes into the audit log as evidence. */
export async function applyReport(ports: DeployPorts, report: DeployReport): Promise<Answer> {
  const sha = await dispatchedSha(ports.runtime.db, report.executionId);
  const answer = await ports.runtime.db.transaction(async (tx): Promise<Answer> => {
    const before = await lockExecution(tx, report.executionId);
    const decision = decideReport({ report, execution: before, dispatchedSha: sha });
    if (decision.kind === 'refuse') return { status: decision.status, body: { error: decision.error } };
    if (decision.kind === 'stale') return { status: 200, body: { state: decision.state, applied: false } };
    if (!before) throw new Error('a report was applied to no execution');
    await saveDeployReport(tx, before.id, report, ports.now());
    let current = before;
    for (const event of decision.events) {
      const result = transition(current, event, ports.now());
      if (result.outcome === 'illegal') return { status: 409, body: { error: result.reason } };
      const next = { ...current, ...result.execution };
      await commitTransition(tx, ports.runtime.queue, current, next, result.effects, before.traceId);
      current = next;
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
