import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { lockExecution, saveWork, type EffectJob } from '../adapters/store/executions.js';
import type { Job } from '../adapters/store/job-shapes.js';
import { executionModelCost, recordModelCalls } from '../adapters/store/model-calls.js';
import type { AgentResult } from '../contracts/agent-result.js';
import { agentProposal, checkHandback, overrunOf, refuseChange, type AgentRun } from '../core/agent/handback.js';
import { applyFilePatch, parsePatch, type FilePatch } from '../core/agent/handback-patch.js';
import type { ExecutionRecord } from '../core/execution/records.js';
import type { Policy } from '../core/policy/schema.js';
import type { AgentWorkPorts } from './agent-ports.js';
import { agentRunOf, type AgentRunWork } from './agent-dispatch.js';
import { failExecution } from './agent-steps.js';
import { openPullRequest } from './open-pull-request.js';

/** The endpoint's answer: the HTTP status and its JSON body. */
export type Answer = { status: number; body: Record<string, unknown> };

/**
 * A verified hand-back, taken: it must be the result of the run AAOE dispatched for this execution (run id, the
 * run's workflow path and head SHA read from GitHub, the base commit), taken once. Its reported cost goes into the
 * ledger under the agent (`agent:<name>`), counted by every cap like AAOE's own model calls. Then, before any commit:
 * the agent must have succeeded, its diff must read and apply to the base commit exactly, and the policy must allow
 * every path and added line; otherwise the execution fails with the reason on the issue. What passes becomes the
 * recorded proposal and is committed and opened like AAOE's own (`openPullRequest`), for `aaoe/policy` to judge.
 */
export async function takeAgentResult(
  ports: AgentWorkPorts,
  execution: ExecutionRecord,
  result: AgentResult,
): Promise<Answer> {
  const { context, github } = await ports.connect(
    execution.installationId,
    execution.repo,
    execution.traceId,
    execution.id,
  );
  const run = await github.getWorkflowRun(Number(result.run.runId));
  const checked = checkHandback({ result, state: execution.state, dispatched: agentRunOf(execution.work), run });
  if (!checked.ok) return { status: checked.status, body: { error: checked.reason } };
  const claimed = await claimRun(ports, execution, result);
  if (!claimed.ok) return { status: 409, body: { error: claimed.reason } };
  const job = resultJob(execution, result);
  const repoPolicy = await ports.policyFor(context);
  if (!repoPolicy.ok) return fail(ports, job, execution, 'the policy of the default branch does not load');
  if (result.timedOut || result.exitCode !== 0) {
    const why = result.timedOut ? 'ran past its time limit' : `exited with ${result.exitCode}`;
    return fail(ports, job, execution, `The agent ${result.agent} ${why}: nothing was committed.`);
  }
  const files = parsePatch(result.diff);
  if (!files.ok) return fail(ports, job, execution, `The agent's diff cannot be taken: ${files.problem.message}.`);
  if (files.value.length === 0) return fail(ports, job, execution, `The agent ${result.agent} changed no file.`);
  const refused = await refuseChange(files.value, repoPolicy.policy, ports.now());
  if (refused.length > 0) return fail(ports, job, execution, `Refused before any commit: ${refused.join('; ')}.`);
  const applied = await applyToBase(github, claimed.agentRun.baseSha, files.value);
  if (!applied.ok)
    return fail(
      ports,
      job,
      execution,
      `The agent's diff does not apply to ${claimed.agentRun.baseSha}: ${applied.reason}.`,
    );
  return openAgentPullRequest(ports, job, {
    execution,
    result,
    policy: repoPolicy.policy,
    github,
    applied: applied.files,
  });
}

/** The synthetic effect job the hand-back's steps are keyed by (once per execution and run). */
function resultJob(execution: ExecutionRecord, result: AgentResult): Job<EffectJob> {
  const key = `agent-result:${execution.id}:${result.run.runId}`;
  return {
    id: key,
    key,
    attempt: 1,
    data: { executionId: execution.id, traceId: execution.traceId, effect: { type: 'request_proposal', key } },
  };
}

async function fail(ports: AgentWorkPorts, job: Job<EffectJob>, execution: ExecutionRecord, reason: string) {
  await failExecution(ports, job, execution, reason);
  return { status: 422, body: { error: reason } } satisfies Answer;
}

/**
 * Takes the run once: its id recorded with the dispatch, its reported cost in the ledger, an audit entry. A second
 * delivery of the same run's result is answered as taken already; another run's is refused (`checkHandback`).
 */
async function claimRun(
  ports: AgentWorkPorts,
  execution: ExecutionRecord,
  result: AgentResult,
): Promise<{ ok: true; agentRun: AgentRun } | { ok: false; reason: string }> {
  return ports.runtime.db.transaction(async (tx) => {
    const before = await lockExecution(tx, execution.id);
    const work = before?.work;
    const agentRun = agentRunOf(work);
    if (!before || !work || !agentRun || before.state !== 'proposing')
      return { ok: false, reason: `execution ${execution.id} is no longer waiting for an agent` };
    if (agentRun.runId !== undefined)
      return { ok: false, reason: `the result of run ${agentRun.runId} was taken already` };
    const taken = { ...agentRun, runId: result.run.runId };
    await saveWork(tx, execution.id, { ...work, agentRun: taken } as AgentRunWork);
    const usage = result.usage;
    if (usage)
      await recordModelCalls(tx, { repo: execution.repo, executionId: execution.id, at: ports.now() }, [
        {
          model: `agent:${result.agent}`,
          outcome: 'ok',
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          costUsd: usage.costUsd,
          ms: 0,
        },
      ]);
    await appendAudit(tx, {
      executionId: execution.id,
      traceId: execution.traceId,
      actor: `agent:${result.agent}`,
      action: 'agent_result',
      reason: `run ${result.run.runId} of ${agentRun.workflowPath}: exit ${result.exitCode}, ${result.files.length} file(s)`,
      ...(usage ? { costUsd: usage.costUsd.toFixed(8), costTokens: usage.inputTokens + usage.outputTokens } : {}),
      data: { runId: result.run.runId, agent: result.agent, usage, files: result.files.slice(0, 100) },
    });
    return { ok: true, agentRun: taken };
  });
}

type NewFiles = Map<string, { status: FilePatch['status']; text: string | null }>;

/** Each file of the diff applied to its text at the base commit, exactly. */
async function applyToBase(
  github: GitHubAdapter,
  baseSha: string,
  files: readonly FilePatch[],
): Promise<{ ok: true; files: NewFiles } | { ok: false; reason: string }> {
  const out: NewFiles = new Map();
  for (const file of files) {
    const base = await github.readFile(file.path, baseSha);
    const applied = applyFilePatch(base, file);
    if (!applied.ok) return { ok: false, reason: applied.problem.message };
    out.set(file.path, { status: file.status, text: applied.value });
  }
  return { ok: true, files: out };
}

async function openAgentPullRequest(
  ports: AgentWorkPorts,
  job: Job<EffectJob>,
  taken: { execution: ExecutionRecord; result: AgentResult; policy: Policy; github: GitHubAdapter; applied: NewFiles },
): Promise<Answer> {
  const { execution, result, policy, github } = taken;
  const saved = await ports.runtime.db.transaction(async (tx) => {
    const before = await lockExecution(tx, execution.id);
    const work = before?.work;
    if (!before || !work?.base || before.state !== 'proposing') return undefined;
    const spent = await executionModelCost(tx, execution.id);
    const usage = result.usage;
    // the ledger has the reported cost already: the overrun is what it put past the caps
    const before_ = usage
      ? { usd: spent.usd - usage.costUsd, tokens: spent.tokens - usage.inputTokens - usage.outputTokens }
      : spent;
    const overrun = overrunOf(result, policy, before_);
    const proposal = agentProposal({
      result,
      files: taken.applied,
      classification: work.triage?.classification ?? 'feature',
    });
    const next = {
      ...work,
      proposal,
      model: `agent:${result.agent}`,
      proposedAt: ports
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      branch: `aaoe/issue-${work.issue.number}-${execution.id.slice(0, 8)}-${before.version}`,
      ...(overrun ? { overrun } : {}),
    };
    await saveWork(tx, execution.id, next);
    return { record: { ...before, work: next }, work: next, base: work.base };
  });
  if (!saved) return { status: 409, body: { error: 'the execution moved on while the result was read' } };
  const { files } = await github.listTree(saved.base.treeSha);
  const sizes = new Map(files.map((f) => [f.path, f.size]));
  await openPullRequest(ports, job, saved.record, { github, work: saved.work, base: saved.base, sizes });
  return { status: 200, body: { taken: true, files: taken.applied.size } };
}
