import type { CheckRunPlan } from '../adapters/github/github-facts.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { lockExecution, markDone, type EffectJob } from '../adapters/store/executions.js';
import { type ExecutionRecord, type PullRequestSubject } from '../core/execution/records.js';
import { QUEUES, type Job } from '../adapters/store/job-shapes.js';
import type { Transaction } from '../adapters/store/database.js';
import { decideEvaluation, type EvaluationDecision } from '../core/decisions/pull-request-verdict.js';
import { transition } from '../core/execution/transition.js';
import type { Policy } from '../core/policy/schema.js';
import { type ExecutionEvent } from '../core/execution/execution-model.js';
import { postCheck, postFailure, type PostCheck } from './check-run.js';
import { commitTransition } from './commit-transition.js';
import { recordEvaluatedFacts } from './policy-replay.js';
import { gatherEvaluationFacts, type GatheredEvaluation } from './evaluation-facts.js';
import { CHECK_NAME } from './jobs.js';
import type { PipelinePorts } from './pipeline-ports.js';
import { gatherPullRequestSnapshot } from './pull-request-snapshot.js';

type EvaluateEffect = Extract<EffectJob['effect'], { type: 'evaluate_policy' }>;

/** An `evaluate_policy` job: skipped when what it was for has passed, else the evaluation of its head. */
export async function runEvaluation(
  ports: PipelinePorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  effect: EvaluateEffect,
): Promise<void> {
  const { executionId, traceId } = job.data;
  if (effect.notBefore && execution.state !== 'scheduled') {
    // the end of a wait that something else ended first (a re-run inside the window, a push, a pause)
    const skipped = `no longer waiting (${execution.state})`;
    await ports.runtime.db.transaction((tx) => markDone(tx, job.key, executionId, { skipped }));
    return;
  }
  if (execution.headSha !== effect.headSha) {
    // the head moved on before this ran: GitHub lists the new head's files, so a check on the old commit
    // would judge a diff it does not have; the new head has its own evaluation
    const superseded = execution.headSha ?? null;
    await ports.runtime.db.transaction((tx) => markDone(tx, job.key, executionId, { superseded }));
    return;
  }
  await evaluate(ports, job, execution, effect.headSha, traceId);
}

/** Gather (one snapshot pinned to base and head), decide (pure), apply (the check, then state + audit + jobs). */
async function evaluate(
  ports: PipelinePorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  headSha: string,
  traceId: string,
): Promise<void> {
  const { context, github } = await ports.connect(execution.installationId, execution.repo, traceId, execution.id);
  const subject = execution.subject;
  const post: PostCheck = (conclusion, text, findings = []) =>
    postCheck(github, job.attempt, {
      name: CHECK_NAME,
      headSha,
      conclusion,
      ...text,
      findings,
      ...(subject ? { detailsUrl: subject.htmlUrl } : {}),
      externalId: job.key,
    });
  try {
    if (execution.pullRequest === null || !subject)
      throw new Error(`execution ${execution.id} has no pull request to evaluate`);
    const repoPolicy = await ports.policyFor(context);
    if (!repoPolicy.ok) throw new Error('the policy became invalid; the next delivery reports where');
    // one snapshot pinned to (base, head): the files of exactly the head this verdict is posted on, or nothing
    const gathered = await gatherPullRequestSnapshot(github, execution.pullRequest, headSha, subject.baseRef);
    if (gathered.outcome === 'superseded') {
      await supersede(ports, job, execution, headSha, gathered);
      return;
    }
    const facts = await gatherEvaluationFacts(ports, github, execution, repoPolicy, gathered, traceId);
    const decision = decideEvaluation(facts.facts);
    await applyEvaluation(ports, job, execution, github, facts, decision, repoPolicy.policy);
    context.log.info(
      {
        conclusion: decision.check.conclusion,
        risk: facts.facts.evaluation.risk.level,
        governedBecause: subject.governedBecause,
        ...(decision.waiting ? { opensAt: decision.waiting.opensAt } : {}),
      },
      'policy evaluated',
    );
  } catch (error) {
    context.log.error({ err: error }, 'policy evaluation failed');
    await postFailure(post, error, traceId);
    throw error;
  }
}

/** Posts the verdict's check, then commits the execution's event, the judged pair and the declared cost. */
async function applyEvaluation(
  ports: PipelinePorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  github: GitHubAdapter,
  gathered: GatheredEvaluation,
  decision: EvaluationDecision,
  policy: Policy,
): Promise<void> {
  for (const id of decision.reevaluate) {
    const other = gathered.sharers.get(id);
    if (other) await requestEvaluation(ports, other, job.data.traceId);
  }
  const headSha = decision.event.headSha;
  const plan: CheckRunPlan = {
    name: CHECK_NAME,
    headSha,
    ...decision.check,
    ...(execution.subject ? { detailsUrl: execution.subject.htmlUrl } : {}),
  };
  // a waiting check is one check run from the wait to its end: the evaluation that ends the wait completes it
  const waitingId = `waiting:${execution.id}:${headSha}`;
  const waited =
    execution.state === 'scheduled' ? await github.findCheckRun(headSha, CHECK_NAME, waitingId) : undefined;
  const checkRunId = waited
    ? await github.updateCheckRun(waited.id, plan, waited.annotations === 0)
    : await postCheck(github, job.attempt, { ...plan, externalId: decision.waiting ? waitingId : job.key });
  await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, execution.id, { checkRunId, conclusion: decision.check.conclusion }))) return;
    const before = await lockExecution(tx, execution.id);
    if (!before) throw new Error(`execution ${execution.id} vanished`);
    const result = transition(before, decision.event, ports.now());
    // what the pull request's declaration says the work cost, recorded as declared (AAOE measures only its own agent)
    // (the declaration of the head judged last counts: one removed since is no longer recorded)
    const cost = gathered.change.declared?.cost;
    const declared = !execution.work?.proposal && cost ? { declaredCost: { tokens: cost.tokens, usd: cost.usd } } : {};
    const subjectAfter =
      result.outcome === 'applied' && before.subject
        ? judgedSubject(before.subject, decision, declared)
        : before.subject;
    const after = { ...before, ...result.execution, subject: subjectAfter };
    await commitTransition(tx, ports.runtime.queue, before, after, result.effects, job.data.traceId);
    // the facts this verdict judged, for a policy preview to replay later without asking GitHub again (issue 25)
    if (execution.pullRequest !== null)
      await recordEvaluatedFacts(tx, {
        executionId: execution.id,
        repo: execution.repo,
        number: execution.pullRequest,
        judged: decision.judged,
        change: gathered.change,
        evaluation: gathered.facts.evaluation,
        policy,
        at: ports.now(),
      });
  });
  ports.runtime.queue.wake(QUEUES.effect);
}

/** The subject bound to the pair the verdict judged, with the cost declared for that head (or none). */
function judgedSubject(
  subject: PullRequestSubject,
  decision: EvaluationDecision,
  declared: Pick<PullRequestSubject, 'declaredCost'>,
): PullRequestSubject {
  const { declaredCost: _previous, ...kept } = subject;
  return { ...kept, judged: decision.judged, ...declared };
}

/**
 * GitHub's head is not the head this evaluation was for: it posts nothing (the files it could list belong to
 * another commit). The execution moves to GitHub's head (a push seen late), whose own evaluation follows.
 */
async function supersede(
  ports: PipelinePorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
  headSha: string,
  gathered: { headSha: string; reason: string },
): Promise<void> {
  await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, job.key, execution.id, { superseded: gathered.headSha, reason: gathered.reason }))) return;
    const before = await lockExecution(tx, execution.id);
    if (!before || before.headSha !== headSha) return; // a delivery moved it on already
    await moveOn(
      ports,
      tx,
      before,
      { type: 'evaluation_requested', headSha: gathered.headSha, by: 'aaoe' },
      job.data.traceId,
    );
  });
  ports.runtime.queue.wake(QUEUES.effect);
}

/** Asks for the policy to be evaluated again on an execution's current head. */
async function requestEvaluation(ports: PipelinePorts, execution: ExecutionRecord, traceId: string): Promise<void> {
  await ports.runtime.db.transaction(async (tx) => {
    const before = await lockExecution(tx, execution.id);
    if (!before?.headSha) return;
    await moveOn(ports, tx, before, { type: 'evaluation_requested', headSha: before.headSha, by: 'aaoe' }, traceId);
  });
}

/** Applies an event when the state machine allows it (nothing otherwise). */
async function moveOn(
  ports: PipelinePorts,
  tx: Transaction,
  before: ExecutionRecord,
  event: ExecutionEvent,
  traceId: string,
): Promise<void> {
  const result = transition(before, event, ports.now());
  if (result.outcome === 'applied')
    await commitTransition(
      tx,
      ports.runtime.queue,
      before,
      { ...before, ...result.execution },
      result.effects,
      traceId,
    );
}
