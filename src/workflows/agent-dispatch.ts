import { signAgentDispatch, type UnsignedAgentDispatch } from '../adapters/github/agent-signature.js';
import { repositoryKey } from '../adapters/github/dispatch-signature.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import { lockExecution, markDone, saveWork, type EffectJob } from '../adapters/store/executions.js';
import type { Job } from '../adapters/store/job-shapes.js';
import { executionModelCost, monthlySpendUsd } from '../adapters/store/model-calls.js';
import { agentEventType, agentWorkflowPath, type AgentBudget } from '../contracts/agent-result.js';
import { chooseAgent, isBuiltInAgent, type AgentRun } from '../core/agent/handback.js';
import { decideIssueConsent } from '../core/agent/issue-consent.js';
import type { AgentWork as Work, ExecutionRecord } from '../core/execution/records.js';
import type { Policy } from '../core/policy/schema.js';
import type { AgentDeps } from './agent-ports.js';
import { consentOf, failExecution, skipEffect, voidConsent } from './agent-steps.js';
import { proposeChange } from './propose-change.js';

/**
 * `request_proposal` with bring-your-own-agent: the policy's agent for the task's class (or the one `/aaoe retry
 * --agent` asked for) either is AAOE's own (`proposeChange`) or runs in its workflow, `.github/workflows/
 * aaoe-agent-<name>.yml`: AAOE dispatches it with a signed payload (the base commit, the issue text consented to, the
 * budget left and the time limit), records the dispatch, and waits for the job's hand-back (`agent-handback.ts`).
 * Nothing is dispatched when the month's budget is spent: the execution fails with the reason on the issue.
 */

/** The agent's part of an execution's work (kept in its `work` JSON). */
export type AgentRunWork = Work & { agentRun?: AgentRun; retryAgent?: string };

export function agentRunOf(work: Work | null | undefined): AgentRun | undefined {
  return work ? (work as AgentRunWork).agentRun : undefined;
}

function retryAgentOf(work: Work): string | undefined {
  return (work as AgentRunWork).retryAgent;
}

export type AgentDispatchDeps = AgentDeps & { reportSecret: string | undefined };

export async function proposeWithAgent(
  deps: AgentDispatchDeps,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
): Promise<void> {
  const { ports } = deps;
  const work = execution.work;
  if (execution.state !== 'proposing' || !work?.base || work.proposal) return proposeChange(deps, job, execution);
  const { context, github } = await ports.connect(
    execution.installationId,
    execution.repo,
    job.data.traceId,
    execution.id,
  );
  const repoPolicy = await ports.policyFor(context);
  if (!repoPolicy.ok) return proposeChange(deps, job, execution);
  const policy = repoPolicy.policy;
  const agent = chooseAgent(policy, work.triage?.classification, retryAgentOf(work));
  if (isBuiltInAgent(agent)) return proposeChange(deps, job, execution);
  const dispatched = agentRunOf(work);
  if (dispatched?.version === execution.version)
    return skipEffect(ports, job, execution, `the agent ${dispatched.agent} was dispatched already`);

  const issue = await github.getIssue(work.issue.number);
  const consent = consentOf(work);
  const decided = decideIssueConsent(consent, issue, policy.trigger.label);
  if (!decided.ok) return voidConsent(ports, job, execution, decided, consent);
  const budget = await budgetLeft(deps, execution, policy);
  if (!budget.ok) return failExecution(ports, job, execution, budget.reason);
  if (!deps.reportSecret)
    return failExecution(
      ports,
      job,
      execution,
      `The agent ${agent} runs in GitHub Actions and hands its result back signed, but this AAOE has no AAOE_REPORT_SECRET: set it (and the workflow's report-secret), then apply the label again.`,
    );
  const task = { issue: work.issue.number, title: issue.title.slice(0, 1_000), body: issue.body.slice(0, 65_536) };
  const budgetFull = { ...budget.value, timeLimitSeconds: policy.agent.timeLimitMinutes * 60 };
  return dispatchAgent({ ...deps, reportSecret: deps.reportSecret }, job, execution, {
    agent,
    baseSha: work.base.commitSha,
    task,
    budget: budgetFull,
    github,
  });
}

type Dispatch = {
  agent: string;
  baseSha: string;
  task: UnsignedAgentDispatch['task'];
  budget: AgentBudget;
  github: GitHubAdapter;
};

/** The dispatch signed, recorded with the work and audited (once per attempt), then sent. */
async function dispatchAgent(
  { ports, reportSecret }: AgentDeps & { reportSecret: string },
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  { agent, baseSha, task, budget, github }: Dispatch,
): Promise<void> {
  const now = ports.now();
  const unsigned: UnsignedAgentDispatch = {
    version: 1,
    executionId: execution.id,
    agent,
    repository: execution.repo,
    baseSha,
    issuedAt: now.toISOString(),
    task,
    budget,
  };
  const key = repositoryKey(reportSecret, execution.installationId, execution.repo);
  const payload = { ...unsigned, signature: signAgentDispatch(unsigned, key) };
  const agentRun: AgentRun = {
    agent,
    eventType: agentEventType(agent),
    workflowPath: agentWorkflowPath(agent),
    baseSha,
    dispatchedAt: now.toISOString(),
    version: execution.version,
  };
  const recorded = await ports.runtime.db.transaction(async (tx) => {
    const before = await lockExecution(tx, execution.id);
    if (!before?.work || before.state !== 'proposing' || before.version !== execution.version) return false;
    await saveWork(tx, execution.id, { ...before.work, agentRun } as AgentRunWork);
    await appendAudit(tx, {
      executionId: execution.id,
      traceId: job.data.traceId,
      actor: 'aaoe',
      action: 'agent_dispatched',
      reason: `the agent ${agent} dispatched (${agentRun.workflowPath}) on ${agentRun.baseSha}`,
      data: { agent, workflow: agentRun.workflowPath, baseSha: agentRun.baseSha, budget: unsigned.budget },
    });
    return true;
  });
  if (!recorded) return skipEffect(ports, job, execution, 'the execution moved on before the agent was dispatched');
  await github.dispatch(agentRun.eventType, payload);
  await ports.runtime.db.transaction((tx) => markDone(tx, job.key, execution.id, { dispatched: agent }));
}

type Budget = { ok: true; value: Pick<AgentBudget, 'usd' | 'tokens'> } | { ok: false; reason: string };

/**
 * What the agent may still spend: the per-execution caps less what the execution spent, and the month's remainder
 * (the lower); nothing is dispatched when either is spent.
 */
async function budgetLeft({ ports }: AgentDeps, execution: ExecutionRecord, policy: Policy): Promise<Budget> {
  const db = ports.runtime.db;
  const spent = await executionModelCost(db, execution.id);
  const { maxUsd, maxTokens, monthlyUsd } = policy.cost;
  let usd = maxUsd === undefined ? null : maxUsd - spent.usd;
  if (monthlyUsd !== undefined) {
    const month = await monthlySpendUsd(db, execution.repo, ports.now());
    const left = monthlyUsd - month;
    if (left <= 0)
      return {
        ok: false,
        reason: `The monthly budget of $${monthlyUsd} (cost.monthlyUsd) for this repository is spent ($${month.toFixed(2)} this month, every agent counted): no agent job was dispatched. It resumes next month, or raise cost.monthlyUsd.`,
      };
    usd = usd === null ? left : Math.min(usd, left);
  }
  if (usd !== null && usd <= 0)
    return { ok: false, reason: `The execution spent its cost.maxUsd of $${maxUsd}: no agent job was dispatched.` };
  const tokens = maxTokens === undefined ? null : Math.max(0, maxTokens - spent.tokens);
  if (tokens === 0)
    return {
      ok: false,
      reason: `The execution spent its cost.maxTokens of ${maxTokens}: no agent job was dispatched.`,
    };
  return { ok: true, value: { usd: usd === null ? null : Math.round(usd * 10_000) / 10_000, tokens } };
}

/**
 * `/aaoe retry --agent <name>` on the issue: the next attempt goes to that agent, whatever the policy chooses (kept
 * with the work, in the transaction that retries the execution). The agent's command is still its workflow's.
 */
export async function chooseRetryAgent(tx: SqlExecutor, executionId: string, agent: string): Promise<void> {
  const before = await lockExecution(tx, executionId);
  if (!before?.work) return;
  await saveWork(tx, executionId, { ...before.work, retryAgent: agent } as AgentRunWork);
}
