import { agentWorkflowPath, BUILT_IN_AGENT, type AgentResult } from '../../contracts/agent-result.js';
import type { ChangedFile } from '../policy/change.js';
import { evaluateProtectedPathsGate } from '../policy/gates/protected-paths.js';
import { evaluateSecretsGate } from '../policy/gates/secrets-gate.js';
import type { Policy } from '../policy/schema.js';
import type { Classification, Edit, Proposal } from './proposal.js';
import type { FilePatch } from './handback-patch.js';

/**
 * The pure decisions of bring-your-own-agent work: which agent a task goes to, what the job may spend, whether a
 * hand-back is the result of the run AAOE dispatched for the execution, and whether its change may be committed at
 * all. Each refusal says why, for the status comment and the audit log.
 */

/** What AAOE recorded when it dispatched an agent job (kept with the execution's work). */
export type AgentRun = {
  agent: string;
  eventType: string;
  workflowPath: string;
  baseSha: string;
  dispatchedAt: string;
  /** The execution's version it was dispatched at: a retry (a new version) dispatches again. */
  version?: number;
  /** The run whose result was taken (once taken, no other run's is). */
  runId?: string;
};

/** A workflow run as GitHub describes it (`GET /repos/{owner}/{repo}/actions/runs/{run_id}`). */
export type RunFacts = { id: number; event: string; headSha: string; path: string; createdAt: string };

export type HandbackCheck = { ok: true } | { ok: false; status: number; reason: string };

/** How far a run's creation may precede the dispatch time (clock skew between GitHub and the app). */
const RUN_SKEW_MS = 60_000;

/** The agent for a task: `/aaoe retry --agent`'s, else the policy's for the class, else its default. */
export function chooseAgent(policy: Policy, classification: Classification | undefined, asked?: string): string {
  if (asked) return asked;
  const choice = policy.agent;
  return (classification ? choice.tasks[classification] : undefined) ?? choice.default;
}

export function isBuiltInAgent(agent: string): boolean {
  return agent === BUILT_IN_AGENT;
}

/** Whether a verified hand-back is the result of the run AAOE dispatched for this execution, on its base commit. */
export function checkHandback(input: {
  result: AgentResult;
  state: string;
  dispatched: AgentRun | undefined;
  run: RunFacts | undefined;
}): HandbackCheck {
  const { result, dispatched, run } = input;
  const refuse = (status: number, reason: string): HandbackCheck => ({ ok: false, status, reason });
  if (!dispatched) return refuse(409, `execution ${result.executionId} dispatched no agent job`);
  if (input.state !== 'proposing') return refuse(409, `execution ${result.executionId} is ${input.state}`);
  if (dispatched.runId !== undefined && dispatched.runId !== result.run.runId)
    return refuse(409, `the result of run ${dispatched.runId} was taken already; run ${result.run.runId} is another`);
  if (result.agent !== dispatched.agent)
    return refuse(409, `AAOE dispatched the agent ${dispatched.agent}, the result is from ${result.agent}`);
  if (result.baseSha !== dispatched.baseSha)
    return refuse(409, `the result is for base ${result.baseSha}, AAOE dispatched base ${dispatched.baseSha}`);
  if (!run) return refuse(409, `run ${result.run.runId} is not a workflow run of this repository`);
  if (run.path !== dispatched.workflowPath)
    return refuse(409, `run ${run.id} is of ${run.path}, AAOE dispatched ${dispatched.workflowPath}`);
  if (run.event !== 'repository_dispatch')
    return refuse(409, `run ${run.id} was started by ${run.event}, not by AAOE's dispatch`);
  if (run.headSha !== dispatched.baseSha)
    return refuse(409, `run ${run.id} ran at ${run.headSha}, AAOE dispatched base ${dispatched.baseSha}`);
  if (Date.parse(run.createdAt) < Date.parse(dispatched.dispatchedAt) - RUN_SKEW_MS)
    return refuse(
      409,
      `run ${run.id} started at ${run.createdAt}, before AAOE dispatched (${dispatched.dispatchedAt})`,
    );
  return { ok: true };
}

/** The run AAOE expects for a dispatch of `agent`. */
export function expectedWorkflow(agent: string): string {
  return agentWorkflowPath(agent);
}

/**
 * Why the change may never be committed, if it may not: a workflow file (whatever the policy releases: the agent job
 * must not widen its own authority), a path the policy protects, or a secret in an added line.
 */
export async function refuseChange(files: readonly FilePatch[], policy: Policy, at: Date): Promise<string[]> {
  const reasons: string[] = [];
  const workflows = files.filter((f) => f.path.startsWith('.github/workflows/')).map((f) => f.path);
  if (workflows.length > 0) reasons.push(`it changes workflow files (${workflows.join(', ')})`);
  const change = {
    files: files.map((f): ChangedFile => ({ ...f, patch: f.patch })),
    author: { login: 'agent', isAgent: true },
    spent: { tokens: 0, usd: 0 },
    at: at.toISOString(),
  };
  const protectedGate = evaluateProtectedPathsGate(change, policy.protectedPaths);
  const secrets = await evaluateSecretsGate(change, policy.secrets);
  for (const gate of [protectedGate, secrets])
    if (gate.outcome === 'failed') reasons.push(`${gate.reason} (${gate.evidence.slice(0, 5).join('; ')})`);
  return reasons;
}

/** Whether the reported spend went past the per-execution caps (the cost gate then fails under hardFailOnBreach). */
export function overrunOf(result: AgentResult, policy: Policy, spentBefore: { usd: number; tokens: number }) {
  const usage = result.usage;
  if (!usage) return undefined;
  const usd = spentBefore.usd + usage.costUsd;
  const tokens = spentBefore.tokens + usage.inputTokens + usage.outputTokens;
  const { maxUsd, maxTokens } = policy.cost;
  if (maxUsd !== undefined && usd > maxUsd)
    return `the agent ${result.agent} reported $${usd.toFixed(4)} spent, over cost.maxUsd $${maxUsd}`;
  if (maxTokens !== undefined && tokens > maxTokens)
    return `the agent ${result.agent} reported ${tokens} tokens spent, over cost.maxTokens ${maxTokens}`;
  return undefined;
}

/**
 * The proposal AAOE records for the agent's change: the files as the patch left them (whole contents), the agent's
 * own summary, and nothing the agent did not say (AAOE computes the risk from the change).
 */
export function agentProposal(input: {
  result: AgentResult;
  files: ReadonlyMap<string, { status: FilePatch['status']; text: string | null }>;
  classification: Classification;
}): Proposal {
  const { result } = input;
  const edits: Edit[] = [...input.files].map(([path, f]): Edit => {
    if (f.text === null) return { action: 'delete', path };
    return f.status === 'added'
      ? { action: 'create', path, content: f.text }
      : { action: 'update', path, content: f.text };
  });
  const summary = firstLine(result.summary) || `The agent ${result.agent} changed ${edits.length} file(s).`;
  return {
    summary,
    classification: input.classification,
    edits,
    risk: {
      level: 'low',
      rationale: `Not declared by the agent ${result.agent}: AAOE computes the risk from the change.`,
    },
    cost: {
      estimatedTokens: result.usage ? result.usage.inputTokens + result.usage.outputTokens : 0,
      estimatedUsd: result.usage?.costUsd ?? 0,
    },
    deployment: { strategy: 'canary' },
    rollbackPlan: 'Not declared by the agent: revert the merge commit.',
    blastRadius: `The ${edits.length} file(s) the agent changed.`,
  };
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.slice(0, 500).trim();
}
