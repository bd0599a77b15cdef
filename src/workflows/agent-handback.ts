import type { IncomingMessage, ServerResponse } from 'node:http';
import { repositoryKey } from '../adapters/github/dispatch-signature.js';
import { verifySignature } from '../adapters/github/signature.js';
import { readBody } from '../adapters/http/http-body.js';
import { getExecution } from '../adapters/store/executions.js';
import { AGENT_RESULT_PATH, AgentResult, MAX_AGENT_RESULT_BYTES } from '../contracts/agent-result.js';
import { REPORT_SIGNATURE_HEADER } from '../contracts/report.js';
import type { AgentWorkPorts } from './agent-ports.js';
import { takeAgentResult, type Answer } from './agent-result-take.js';

/**
 * The hand-back endpoint: `POST /aaoe/agent-result`, the agent job's result signed like a webhook
 * (`X-AAOE-Signature-256`) with the key of the execution's own installation and repository. A verified, well-formed
 * result is then taken (`agent-result-take.ts`): checked against the run AAOE dispatched, refused before any commit
 * when the policy never allows it, applied to the base commit and opened as a pull request.
 */

type Log = { info(meta: object, msg: string): void; warn(meta: object, msg: string): void };

export function agentResultHandler(ports: AgentWorkPorts, secret: string | undefined, log: Log) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== AGENT_RESULT_PATH) return false;
    const answer = await answer_(ports, secret, log, req);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    return true;
  };
}

async function answer_(
  ports: AgentWorkPorts,
  secret: string | undefined,
  log: Log,
  req: IncomingMessage,
): Promise<Answer> {
  if (req.method !== 'POST') return { status: 405, body: { error: 'POST an agent result' } };
  if (!secret) return { status: 503, body: { error: 'agent results are not accepted: set AAOE_REPORT_SECRET' } };
  const raw = await readBody(req, MAX_AGENT_RESULT_BYTES);
  if (raw === undefined)
    return { status: 413, body: { error: `an agent result is at most ${MAX_AGENT_RESULT_BYTES} bytes` } };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { status: 400, body: { error: 'the body is not JSON' } };
  }
  const named = (json as { executionId?: unknown } | null)?.executionId;
  const execution =
    typeof named === 'string' && named ? await getExecution(ports.runtime.db, named.slice(0, 128)) : undefined;
  const key = execution ? repositoryKey(secret, execution.installationId, execution.repo) : undefined;
  if (!execution || !key || !verifySignature(raw, String(req.headers[REPORT_SIGNATURE_HEADER] ?? ''), key)) {
    log.warn({ path: AGENT_RESULT_PATH }, 'agent result refused: bad signature');
    return {
      status: 401,
      body: { error: "the X-AAOE-Signature-256 signature does not match the key of the execution's repository" },
    };
  }
  const parsed = AgentResult.safeParse(json);
  if (!parsed.success)
    return {
      status: 400,
      body: { error: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') },
    };
  const answer = await takeAgentResult(ports, execution, parsed.data);
  log.info({ execution: execution.id, agent: parsed.data.agent, status: answer.status }, 'agent result');
  return answer;
}
