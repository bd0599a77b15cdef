import { randomUUID } from 'node:crypto';
import type { CheckRunPlan, PullRequestFacts } from '../adapters/github/github-facts.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { RepoContext } from '../adapters/github/repo-context.js';
import { ONBOARDING_PATHS } from '../adapters/files/onboarding-files.js';
import {
  getExecutionByBranch,
  getPullRequestExecution,
  insertExecution,
  isDone,
  lockPullRequestExecution,
  markDone,
} from '../adapters/store/executions.js';
import { type ExecutionRecord, type PullRequestSubject } from '../core/execution/records.js';
import { QUEUES, type Job } from '../adapters/store/job-shapes.js';
import { isOnboardingCommit } from '../adapters/store/onboarding-commits.js';
import type { Transaction } from '../adapters/store/database.js';
import { decideOnboardingExemption, type OnboardingFacts } from '../core/decisions/onboarding-exemption.js';
import { decidePullRequestDelivery } from '../core/decisions/pull-request-event.js';
import { newPullRequestExecution, transition } from '../core/execution/transition.js';
import { ONBOARDING_BRANCH, ONBOARDING_CHECK_TEXT } from '../core/onboarding/onboarding-plan.js';
import type { Governance } from '../core/policy/governance.js';
import { explainInvalidPolicy, explainUngoverned } from '../core/policy/explain.js';
import { postCheck, postFailure, type PostCheck } from './check-run.js';
import { commitTransition } from './commit-transition.js';
import { CommitsNotCaughtUpError, decidePullRequestGovernance } from './governance-facts.js';
import { CHECK_NAME, type DeliveryJob } from './jobs.js';
import type { RepoPolicy } from './load-repo-policy.js';
import { onMerged } from './merged.js';
import type { PipelinePorts } from './pipeline-ports.js';

/** Decides governance; an ungoverned pull request gets its neutral check here, a governed one an execution event. */
export async function onPullRequest(
  ports: PipelinePorts,
  job: Job<DeliveryJob>,
  context: RepoContext,
  github: GitHubAdapter,
  pr: PullRequestFacts,
): Promise<void> {
  const key = `${job.key}:pr:${pr.number}`;
  if (await isDone(ports.runtime.db, key)) return;
  const log = context.log.child({ pullRequest: pr.number, headSha: pr.headSha });
  const post: PostCheck = (conclusion, text, findings = []) =>
    postCheck(github, job.attempt, {
      name: CHECK_NAME,
      headSha: pr.headSha,
      conclusion,
      ...text,
      findings,
      detailsUrl: pr.htmlUrl,
      externalId: key,
    });
  try {
    if (job.data.kind === 'merged') await onMerged(ports, key, context, pr, job.data);
    else await judgePullRequest(ports, { key, delivery: job.data, post }, context, github, pr);
  } catch (error) {
    // GitHub's commit list not caught up with the head yet is no failure of the change: the retry decides
    if (error instanceof CommitsNotCaughtUpError) {
      log.info({ err: error }, 'the commit list lags the head; retried');
      throw error;
    }
    log.error({ err: error }, 'the pull request could not be judged');
    await postFailure(post, error, context.id);
    throw error;
  }
}

type Judging = { key: string; delivery: DeliveryJob; post: PostCheck };

async function judgePullRequest(
  ports: PipelinePorts,
  judging: Judging,
  context: RepoContext,
  github: GitHubAdapter,
  pr: PullRequestFacts,
): Promise<void> {
  const { key, post } = judging;
  const { db } = ports.runtime;
  const log = context.log.child({ pullRequest: pr.number, headSha: pr.headSha });
  const { owner, repo } = context.repo();
  const agents = pr.headRef ? await getExecutionByBranch(db, `${owner}/${repo}`, pr.headRef) : undefined;
  if (agents && agents.pullRequest === null) {
    // AAOE's own pull request, seen before the step that opened it recorded it: that step moves its execution on
    await db.transaction((tx) => markDone(tx, key, null, { openedBy: agents.id }));
    log.info({ execution: agents.id }, 'the agent work that opened this pull request evaluates it');
    return;
  }
  const governedBefore = await getPullRequestExecution(db, `${owner}/${repo}`, pr.number);
  if (!governedBefore && (await isOwnOnboarding(ports, `${owner}/${repo}`, github, pr))) {
    const checkRunId = await post('neutral', ONBOARDING_CHECK_TEXT);
    await db.transaction((tx) => markDone(tx, key, null, { checkRunId, conclusion: 'neutral', onboarding: true }));
    return;
  }
  const repoPolicy = await ports.policyFor(context);
  if (!repoPolicy.ok) {
    log.warn({ errors: repoPolicy.errors.length }, 'policy invalid');
    const checkRunId = await post(
      'failure',
      explainInvalidPolicy(repoPolicy.errors),
      invalidPolicyFindings(repoPolicy),
    );
    await db.transaction((tx) => markDone(tx, key, null, { checkRunId, conclusion: 'failure' }));
    return;
  }
  const appLogin = await ports.botLogin();
  const governance = await decidePullRequestGovernance(github, pr, repoPolicy.policy, appLogin, governedBefore);
  if (governance.governed !== true) {
    const reason = governance.governed === false ? governance.reason : 'Governance could not be decided.';
    const checkRunId = await post('neutral', explainUngoverned(reason));
    await db.transaction((tx) => markDone(tx, key, null, { checkRunId, conclusion: 'neutral' }));
    log.info('not governed');
    return;
  }
  await applyPullRequestEvent(ports, judging, context, pr, subjectOf(pr, governance));
}

/** AAOE's own onboarding pull request, at the commit AAOE wrote: facts read only as the decision asks for them. */
async function isOwnOnboarding(
  ports: PipelinePorts,
  fullName: string,
  github: GitHubAdapter,
  pr: PullRequestFacts,
): Promise<boolean> {
  let facts: OnboardingFacts = {
    governedBefore: false,
    headRef: pr.headRef,
    onboardingBranch: ONBOARDING_BRANCH,
    authorLogin: pr.author.login,
    appLogin: '',
    onboardingPaths: ONBOARDING_PATHS,
  };
  if (facts.headRef === facts.onboardingBranch) facts = { ...facts, appLogin: await ports.botLogin() };
  for (;;) {
    const decision = decideOnboardingExemption(facts);
    if (decision.exempt !== 'unknown') return decision.exempt;
    if (decision.need === 'headCommit')
      facts = { ...facts, headWrittenByAaoe: await isOnboardingCommit(ports.runtime.db, fullName, pr.headSha) };
    else facts = { ...facts, files: await github.listChangedFiles(pr.number) };
  }
}

function invalidPolicyFindings(repoPolicy: Extract<RepoPolicy, { ok: false }>): CheckRunPlan['findings'] {
  return repoPolicy.errors.map((e) => ({
    path: e.file,
    startLine: e.line,
    endLine: e.line,
    startColumn: e.column,
    endColumn: e.column,
    level: 'failure' as const,
    rule: 'invalid-policy',
    message: `${e.message} (at ${e.path}). Fix: ${e.hint}`,
  }));
}

function subjectOf(pr: PullRequestFacts, governance: Extract<Governance, { governed: true }>): PullRequestSubject {
  return {
    author: { ...pr.author, ...(pr.authorId ? { id: pr.authorId } : {}) },
    isAgent: governance.isAgent,
    htmlUrl: pr.htmlUrl,
    governedBecause: governance.reason,
    updatedAt: pr.updatedAt,
    ...(governance.agent ? { agent: governance.agent } : {}),
    ...(pr.baseRef ? { baseRef: pr.baseRef } : {}),
  };
}

/** Creates the pull request's execution, or moves it on, in one transaction with its audit entries and jobs. */
async function applyPullRequestEvent(
  ports: PipelinePorts,
  { key, delivery }: Judging,
  context: RepoContext,
  pr: PullRequestFacts,
  subject: PullRequestSubject,
): Promise<void> {
  const { owner, repo } = context.repo();
  const fullName = `${owner}/${repo}`;
  const sender = delivery.sender ?? 'github';
  const now = ports.now();
  const state = await ports.runtime.db.transaction(async (tx) => {
    if (!(await markDone(tx, key, null))) return undefined;
    const before =
      (await lockPullRequestExecution(tx, fullName, pr.number)) ??
      (await startExecution(ports, tx, { fullName, pr, subject, sender, delivery, now }));
    if (typeof before === 'string') return before;
    const decision = decidePullRequestDelivery({
      name: delivery.name,
      action: delivery.action,
      headSha: pr.headSha,
      updatedAt: pr.updatedAt,
      sender,
      executionHead: before.headSha,
      seenUpdatedAt: before.subject?.updatedAt,
    });
    if (decision.outcome === 'stale') {
      const stale = { pullRequest: pr.number, headSha: pr.headSha, current: before.headSha };
      context.log.info(stale, 'stale delivery: the pull request has moved on');
      return 'stale';
    }
    if (decision.outcome === 'unchanged') return 'unchanged';
    const result = transition(before, decision.event, now);
    // the pair the latest verdict was posted for stays with the execution (a delivery does not carry it)
    const kept: PullRequestSubject = {
      ...subject,
      ...(before.subject?.judged ? { judged: before.subject.judged } : {}),
    };
    const after = { ...before, ...result.execution, subject: kept };
    await commitTransition(tx, ports.runtime.queue, before, after, result.effects, delivery.id);
    return result.execution.state;
  });
  ports.runtime.queue.wake(QUEUES.effect);
  context.log.info({ pullRequest: pr.number, state }, state ? 'execution moved on' : 'already acted on');
}

type Start = {
  fullName: string;
  pr: PullRequestFacts;
  subject: PullRequestSubject;
  sender: string;
  delivery: DeliveryJob;
  now: Date;
};

/**
 * The pull request's first execution, committed: its state. Or the one another delivery created meanwhile, to move
 * on like any other.
 */
async function startExecution(
  ports: PipelinePorts,
  tx: Transaction,
  { fullName, pr, subject, sender, delivery, now }: Start,
): Promise<ExecutionRecord | string> {
  const started = newPullRequestExecution(randomUUID(), pr.headSha, sender, now);
  const record: ExecutionRecord = {
    ...started.execution,
    repo: fullName,
    installationId: delivery.installationId,
    pullRequest: pr.number,
    traceId: delivery.id,
    subject,
    issue: null,
    work: null,
  };
  if (await insertExecution(tx, record)) {
    await commitTransition(tx, ports.runtime.queue, undefined, record, started.effects, delivery.id);
    return record.state;
  }
  const before = await lockPullRequestExecution(tx, fullName, pr.number); // created meanwhile by another delivery
  if (!before) throw new Error(`the execution of ${fullName}#${pr.number} vanished`);
  return before;
}
