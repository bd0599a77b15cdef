import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { ModelRouterError, type CallRecord } from '../adapters/model/model-router.js';
import { promptToken } from '../adapters/model/prompt-token.js';
import { listLiveExecutions, lockExecution, markDone, type EffectJob } from '../adapters/store/executions.js';
import { QUEUES, type Job } from '../adapters/store/job-shapes.js';
import { parseCodeowners } from '../core/agent/codeowners.js';
import { rankFiles } from '../core/agent/context.js';
import { decideIssueConsent, issueTextDigest } from '../core/agent/issue-consent.js';
import { triageMessages } from '../core/agent/prompt.js';
import type { Classification } from '../core/agent/proposal.js';
import { classFromLabels, conflictsWith, ownersOfPaths, touchedPaths, TriageAnswer } from '../core/agent/triage.js';
import type { AgentWork as Work, ExecutionRecord } from '../core/execution/records.js';
import type { Policy } from '../core/policy/schema.js';
import { classifyFailed, NO_MODEL, POLICY_INVALID } from '../core/text/agent-failures.js';
import type { AgentDeps } from './agent-ports.js';
import {
  applyEvents,
  consentOf,
  failExecution,
  modelCaps,
  recordCalls,
  skipEffect,
  voidConsent,
} from './agent-steps.js';

/** Where GitHub looks for CODEOWNERS, in its order. */
const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];

type IssueText = { title: string; body: string; labels: string[] };
type ClassOf = { classification: Classification; rationale: string; source: 'labels' | 'model'; calls: CallRecord[] };

/** `classify`: the class (labels, else a model), the owners of the likely paths, conflicts in flight. */
export async function classifyIssue(deps: AgentDeps, job: Job<EffectJob>, execution: ExecutionRecord): Promise<void> {
  const { ports } = deps;
  if (execution.state !== 'received' || !execution.work)
    return skipEffect(ports, job, execution, `classify in ${execution.state}`);
  const { context, github } = await ports.connect(
    execution.installationId,
    execution.repo,
    job.data.traceId,
    execution.id,
  );
  const repoPolicy = await ports.policyFor(context);
  if (!repoPolicy.ok) return failExecution(ports, job, execution, POLICY_INVALID);
  const issue = await github.getIssue(execution.work.issue.number);
  // the text consented to, and nothing else, goes to a model; an execution started without the text (the API, a
  // plan step, self-heal: issues the app opened itself) is pinned to the text triage reads
  const consent = consentOf(execution.work) ?? { sha256: issueTextDigest(issue), by: execution.work.issue.labelledBy };
  const decided = decideIssueConsent(consent, issue, repoPolicy.policy.trigger.label);
  if (!decided.ok) return voidConsent(ports, job, execution, decided, consent);
  const base = await github.branchHead();
  const { files } = await github.listTree(base.treeSha);
  const paths = files.map((f) => f.path);

  const classOf = await classOfIssue(deps, execution, repoPolicy.policy, issue);
  if (!classOf.ok) return failExecution(ports, job, execution, classOf.reason, { calls: classOf.calls });
  const { classification, calls } = classOf;
  const triage = await triageOf(deps, execution, github, { issue, paths, commitSha: base.commitSha, classOf });

  await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, execution.id, { classification }))) return;
    const before = await lockExecution(tx, execution.id);
    if (!before?.work || before.state !== 'received') return;
    await recordCalls(ports, tx, before, calls, 'classify');
    const work: Work = { ...before.work, triage, base, consent } as Work;
    const events = [{ type: 'classified', kind: classification }, { type: 'proposal_requested' }] as const;
    await applyEvents(ports, tx, before, [...events], job.data.traceId, { work });
  });
  ports.runtime.queue.wake(QUEUES.effect);
}

/** The class of the issue: its labels settle it, else a model is asked (within the caps). */
async function classOfIssue(
  { ports, agent }: AgentDeps,
  execution: ExecutionRecord,
  policy: Policy,
  issue: IssueText,
): Promise<({ ok: true } & ClassOf) | { ok: false; reason: string; calls: CallRecord[] }> {
  const labelled = classFromLabels(issue.labels);
  if (labelled)
    return { ok: true, classification: labelled, rationale: `the labels say ${labelled}`, source: 'labels', calls: [] };
  if (!agent) return { ok: false, reason: NO_MODEL, calls: [] };
  try {
    const answer = await agent.router.complete({
      task: 'classify',
      messages: triageMessages(issue, promptToken()),
      schema: TriageAnswer,
      schemaName: 'triage',
      maxOutputTokens: 300,
      caps: await modelCaps(ports, execution, policy),
    });
    const { classification, rationale } = answer.value;
    return { ok: true, classification, rationale, source: 'model', calls: answer.calls };
  } catch (error) {
    if (!(error instanceof ModelRouterError)) throw error;
    return { ok: false, reason: classifyFailed(error.message), calls: error.calls };
  }
}

/** The triage: the class, the likely paths, their CODEOWNERS owners, and the executions in flight on them. */
async function triageOf(
  { ports }: AgentDeps,
  execution: ExecutionRecord,
  github: GitHubAdapter,
  seen: { issue: IssueText; paths: string[]; commitSha: string; classOf: ClassOf },
): Promise<NonNullable<Work['triage']>> {
  const { issue, paths, classOf } = seen;
  const likelyPaths = rankFiles(issue, paths)
    .slice(0, 20)
    .map((r) => r.path);
  let codeowners = '';
  for (const path of CODEOWNERS_PATHS) {
    if (!paths.includes(path)) continue;
    codeowners = (await github.readFile(path, seen.commitSha)) ?? '';
    break;
  }
  const ownership = ownersOfPaths(parseCodeowners(codeowners), likelyPaths);
  const live = await listLiveExecutions(ports.runtime.db, execution.repo, execution.id);
  const conflicts = conflictsWith(
    likelyPaths,
    live.map((x) => ({ executionId: x.id, paths: touchedPaths(x.work) })),
  );
  return {
    classification: classOf.classification,
    source: classOf.source,
    rationale: classOf.rationale,
    likelyPaths,
    owners: Object.fromEntries(ownership.owners),
    unowned: ownership.unowned,
    conflicts,
  };
}
