import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { ModelRouterError } from '../adapters/model/model-router.js';
import type { AgentConfig } from '../adapters/model/models-config.js';
import { promptToken } from '../adapters/model/prompt-token.js';
import { lockExecution, saveWork, type EffectJob } from '../adapters/store/executions.js';
import type { Job } from '../adapters/store/job-shapes.js';
import { buildContext, rankFiles } from '../core/agent/context.js';
import { withholdSecrets } from '../core/agent/context-secrets.js';
import { decideIssueConsent } from '../core/agent/issue-consent.js';
import { proposalMessages } from '../core/agent/prompt.js';
import { Proposal } from '../core/agent/proposal.js';
import { withPackages } from '../core/agent/proposal-packages.js';
import type { AgentWork as Work, ExecutionRecord } from '../core/execution/records.js';
import type { Policy } from '../core/policy/schema.js';
import { NO_MODEL, POLICY_INVALID, proposalFailed } from '../core/text/agent-failures.js';
import type { AgentDeps } from './agent-ports.js';
import { consentOf, failExecution, modelCaps, recordCalls, skipEffect, voidConsent } from './agent-steps.js';
import { openPullRequest } from './open-pull-request.js';

/** Files read for the context at most (the best-ranked first), and the largest one read. */
const MAX_FILES_READ = 40;
const MAX_FILE_BYTES = 256 * 1024;

type Base = NonNullable<Work['base']>;
/** Where the proposal is asked for: the repository, its policy, the base commit's files and their sizes. */
type Seen = { github: GitHubAdapter; policy: Policy; work: Work; base: Base; sizes: ReadonlyMap<string, number> };

/** `request_proposal`: the proposal (asked once), its edits applied, committed on a branch, the pull request opened. */
export async function proposeChange(deps: AgentDeps, job: Job<EffectJob>, execution: ExecutionRecord): Promise<void> {
  const { ports, agent } = deps;
  if (execution.state !== 'proposing' || !execution.work?.base)
    return skipEffect(ports, job, execution, `request_proposal in ${execution.state}`);
  const { context, github } = await ports.connect(
    execution.installationId,
    execution.repo,
    job.data.traceId,
    execution.id,
  );
  const repoPolicy = await ports.policyFor(context);
  if (!repoPolicy.ok) return failExecution(ports, job, execution, POLICY_INVALID);
  const base = execution.work.base;
  const { files } = await github.listTree(base.treeSha);
  const sizes = new Map(files.map((f) => [f.path, f.size]));

  let work = execution.work;
  if (!work.proposal) {
    if (!agent) return failExecution(ports, job, execution, NO_MODEL);
    const saved = await askForProposal(deps, agent, job, execution, {
      github,
      policy: repoPolicy.policy,
      work,
      base,
      sizes,
    });
    if (!saved) return;
    work = saved;
  }
  return openPullRequest(ports, job, execution, { github, work, base, sizes });
}

/**
 * The proposal, asked for once, on the text consented to, with the best-ranked files as context (secrets withheld):
 * saved with the work, or the execution failed or moved on (undefined).
 */
async function askForProposal(
  { ports }: AgentDeps,
  agent: AgentConfig,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  seen: Seen,
): Promise<Work | undefined> {
  const { github, work, sizes, policy } = seen;
  const issue = await github.getIssue(work.issue.number);
  const consent = consentOf(work);
  const decided = decideIssueConsent(consent, issue, policy.trigger.label);
  if (!decided.ok) {
    await voidConsent(ports, job, execution, decided, consent);
    return undefined;
  }
  const prompt = await proposalPrompt(agent, seen, issue);
  let result;
  try {
    result = await agent.router.complete({
      task: 'propose',
      messages: prompt,
      schema: Proposal,
      schemaName: 'proposal',
      maxOutputTokens: agent.maxOutputTokens,
      caps: await modelCaps(ports, execution, policy),
    });
  } catch (error) {
    if (!(error instanceof ModelRouterError)) throw error;
    const why = proposalFailed(error.message, error.overCap);
    await failExecution(ports, job, execution, why, { calls: error.calls });
    return undefined;
  }
  const proposed: Work = {
    ...work,
    proposal: { ...result.value, edits: withPackages(result.value.edits, work.packages ?? [], sizes) },
    model: result.model,
    proposedAt: ports
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    branch: `aaoe/issue-${work.issue.number}-${execution.id.slice(0, 8)}-${execution.version}`,
    ...(result.overrun ? { overrun: result.overrun } : {}),
  };
  const saved = await ports.runtime.db.transaction(async (tx) => {
    const before = await lockExecution(tx, execution.id);
    if (!before || before.state !== 'proposing' || before.work?.proposal) return before?.work ?? undefined;
    await recordCalls(ports, tx, before, result.calls, `proposal from ${result.model}`);
    await saveWork(tx, execution.id, proposed);
    return proposed;
  });
  if (saved?.proposal) return saved;
  await skipEffect(ports, job, execution, 'the execution moved on while the model answered');
  return undefined;
}

/** The proposal's messages: the issue, the tree, and the best-ranked files that fit (secret lines withheld). */
async function proposalPrompt(
  agent: AgentConfig,
  { github, base, sizes }: Seen,
  issue: { title: string; body: string },
) {
  const tree = new Map<string, string | undefined>([...sizes.keys()].map((path) => [path, undefined]));
  const toRead = rankFiles(issue, [...tree.keys()])
    .filter((r) => (sizes.get(r.path) ?? 0) <= MAX_FILE_BYTES)
    .slice(0, MAX_FILES_READ);
  for (const r of toRead) tree.set(r.path, await github.readFile(r.path, base.commitSha));
  // secret-like paths are never read (rankFiles), and lines the secret scanner flags are withheld from the model
  const context = await withholdSecrets(buildContext(issue, tree, agent.contextBudgetTokens));
  return proposalMessages(issue, context, promptToken());
}
