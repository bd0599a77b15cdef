import { randomUUID } from 'node:crypto';
import type { Probot } from 'probot';
import { repoContext, type RepoContext as Context } from '../adapters/github/repo-context.js';
import { newPullRequestExecution, transition, type ExecutionEvent } from '../core/execution/transition.js';
import {
  GitHubAdapter,
  type CheckRunPlan,
  type Octokit,
  type PullRequestFacts,
} from '../adapters/github/github-adapter.js';
import { classifyGitHubError, isOutage } from '../adapters/github/github-errors.js';
import { changedPaths, type Change } from '../core/policy/change.js';
import type { ChangePackageType } from '../core/policy/schema.js';
import { evaluatePolicy } from '../core/policy/evaluate-policy.js';
import {
  explainEvaluation,
  explainIncomplete,
  explainInvalidPolicy,
  explainSnapshot,
  explainUngoverned,
  withPreamble,
} from '../core/policy/explain.js';
import { checkCompleteness, decideDeployTarget, decideMergeDeploy } from '../core/policy/snapshot.js';
import { gatherPullRequestSnapshot } from './pull-request-snapshot.js';
import { CommitsNotCaughtUpError, decidePullRequestGovernance } from './governance-facts.js';
import { proposalFacts } from './proposal-facts.js';
import { isOnboardingCommit, recordOnboardingCommit } from '../adapters/store/onboarding-commits.js';
import type { Presets } from '../adapters/files/presets.js';
import { AgentWork, startIssueExecution } from './agent-work.js';
import { DEFAULT_ENVIRONMENT, dispatchDeploy, dispatchRollback } from './deploy-work.js';
import { reviewDeployment } from './deployment-review.js';
import { CommandWork, explainApprovals, judgeApprovals } from './command-work.js';
import { PlanWork, isPlanJob } from './plan-work.js';
import { parseCommands } from '../core/commands/commands.js';
import type { AgentConfig } from '../adapters/model/models-config.js';
import { executionModelCost } from '../adapters/store/model-calls.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { activeFreeze, recordFailure } from '../adapters/store/breaker.js';
import { scheduleAt } from '../core/schedule/windows.js';
import { checkDriftOnPush } from './drift-work.js';
import { ONBOARDING_BRANCH, ONBOARDING_CHECK_TEXT } from '../core/onboarding/onboarding-plan.js';
import { ONBOARDING_PATHS } from '../adapters/files/onboarding-files.js';
import { onboardRepositories } from './onboard.js';
import { NO_DESTINATIONS, type NotifyDestinations } from '../adapters/notify/config.js';
import { SELF_HEAL_CONSENT, notify, openDebugIssue, type NotifyPorts } from './notify-work.js';
import {
  getExecution,
  getExecutionByBranch,
  getPullRequestExecution,
  listExecutionsAtHead,
  insertExecution,
  isDone,
  lockExecution,
  lockPullRequestExecution,
  markDone,
  type EffectJob,
  type ExecutionRecord,
  type PullRequestSubject,
} from '../adapters/store/executions.js';
import { commitTransition } from './commit-transition.js';
import { QUEUES, type Job } from '../adapters/store/job-queue.js';
import { CHECK_NAME, withKind, type DeliveryJob, type DeliveryOf } from './jobs.js';
import { loadRepoPolicy, type RepoPolicy } from './load-repo-policy.js';
import { PolicyCache } from './policy-cache.js';
import type { Runtime } from '../adapters/store/runtime.js';

type Conclusion = CheckRunPlan['conclusion'];

type CheckText = { title: string; summary: string };

/**
 * What the job runner does with deliveries and effects. Every GitHub write is keyed: a check run carries its
 * job's key as `external_id`, and an attempt after a crash looks for it before creating another; every
 * outcome is committed with `markDone(key)` in the same transaction, so a job that runs again does nothing.
 */
export class Pipeline {
  private readonly policies: PolicyCache<RepoPolicy>;
  private appLogin: Promise<string> | undefined;

  constructor(
    private readonly app: Probot,
    private readonly runtime: Runtime,
    private readonly options: {
      now: () => Date;
      presets: Presets;
      policyTtlMs: number;
      agent?: AgentConfig | undefined;
      notify?: NotifyDestinations | undefined;
      reportSecret?: string | undefined;
    },
  ) {
    this.policies = new PolicyCache<RepoPolicy>(options.policyTtlMs);
    this.agentWork = new AgentWork(
      {
        runtime,
        now: options.now,
        policyFor: (context) => this.policyFor(context),
        botLogin: () => this.botLogin(),
        connect: (installationId, repo, traceId, executionId) =>
          this.connect(installationId, repo, traceId, executionId),
      },
      options.agent,
    );
    this.commandWork = new CommandWork({
      runtime,
      now: options.now,
      policyFor: (context) => this.policyFor(context),
      botLogin: () => this.botLogin(),
    });
    this.planWork = new PlanWork({
      runtime,
      now: options.now,
      botLogin: () => this.botLogin(),
      connect: (installationId, repo, traceId, executionId) => this.connect(installationId, repo, traceId, executionId),
      appOctokit: async () => (await this.app.auth()) as Octokit,
      installationOctokit: async (installationId) => (await this.app.auth(installationId)) as Octokit,
    });
  }

  private readonly planWork: PlanWork;

  private readonly agentWork: AgentWork;
  private readonly commandWork: CommandWork;

  /** A Probot context and the adapter for one repository of an installation, for a job. */
  private async connect(
    installationId: number,
    fullName: string,
    traceId: string,
    executionId?: string,
  ): Promise<{ context: Context; github: GitHubAdapter }> {
    const [owner = '', repo = ''] = fullName.split('/');
    const octokit = (await this.app.auth(installationId)) as Octokit;
    const context = repoContext(
      traceId,
      octokit,
      this.app.log.child({ trace: traceId, repo: fullName, ...(executionId ? { execution: executionId } : {}) }),
      { owner, repo },
    );
    return { context, github: new GitHubAdapter(octokit, { owner, repo }) };
  }

  /** A push to a default branch (or to an owner's `.github` repository) may change the policy. */
  invalidatePolicy(owner: string, repo?: string): void {
    this.policies.invalidate(owner, repo);
  }

  // ------------------------------------------------------------------ deliveries

  /**
   * A delivery's job. GitHub refusing for good (a permission the installation lacks, a repository gone: what no retry
   * fixes, src/adapters/github/github-errors.ts) ends the job, logged, instead of retrying it for minutes; an outage is retried.
   */
  async onDelivery(job: Job<DeliveryJob>): Promise<void> {
    try {
      await this.runDelivery({ ...job, data: withKind(job.data) });
    } catch (error) {
      const verdict = classifyGitHubError(error);
      // a 404 right after a delivery can be GitHub's replicas not caught up yet (a new pull request, a new commit)
      if (verdict.kind !== 'permanent' || verdict.status === 404) throw error;
      this.app.log.warn(
        { delivery: job.data.id, event: `${job.data.name}.${job.data.action}`, reason: verdict.reason },
        'GitHub refused for good: the delivery is not retried',
      );
    }
  }

  private async runDelivery(job: Job<DeliveryJob>): Promise<void> {
    const { id, name, action, installationId, repository } = job.data;
    const octokit = (await this.app.auth(installationId)) as Octokit;
    const context = repoContext(id, octokit, this.app.log.child({ delivery: id, event: `${name}.${action}` }), {
      owner: repository.owner,
      repo: repository.name,
    });
    const github = new GitHubAdapter(octokit, context.repo());
    const delivery = job.data;
    switch (delivery.kind) {
      case 'onboarding': {
        const ports = {
          botLogin: await this.botLogin(),
          recordCommit: (repo: string, sha: string) => recordOnboardingCommit(this.runtime.db, repo, sha),
        };
        return void (await onboardRepositories(octokit, delivery.onboarding, context.log, ports));
      }
      case 'push': {
        const ports = {
          runtime: this.runtime,
          now: this.options.now,
          botLogin: () => this.botLogin(),
          policyOf: (c: Context) => this.policyFor(c),
        };
        return void (await checkDriftOnPush(ports, { ...job, data: delivery }, context, github));
      }
      case 'issue':
        return this.agentWork.onIssue({ ...job, data: delivery }, context, github);
      case 'comment': {
        // read once (it may have been edited or deleted since the delivery), for the plan commands and the execution's
        const comment = await github.getComment(delivery.comment.id);
        // its commands are read once, by a linear scan, for both (a comment is untrusted text of any size)
        const commands = comment ? parseCommands(comment.body) : [];
        const commented = { ...job, data: delivery };
        return (await this.planWork.onComment(commented, context, github, comment, commands))
          ? undefined
          : this.commandWork.onComment(commented, context, github, comment, commands);
      }
      case 'button':
        return this.commandWork.onButton({ ...job, data: delivery }, context, github);
      case 'protection': {
        const ports = { runtime: this.runtime, now: this.options.now, policyFor: (c: Context) => this.policyFor(c) };
        return reviewDeployment(ports, { ...job, data: delivery }, context, github);
      }
      case 'pull_request':
      case 'merged':
        return this.onPullRequest(job, context, github, delivery.pullRequest);
      case 'check':
        for (const number of delivery.pullRequestNumbers)
          await this.onPullRequest(job, context, github, await github.getPullRequest(number));
        return;
      default:
        return unhandled(delivery);
    }
  }

  /** Decides governance; an ungoverned pull request gets its neutral check here, a governed one an execution event. */
  private async onPullRequest(
    job: Job<DeliveryJob>,
    context: Context,
    github: GitHubAdapter,
    pr: PullRequestFacts,
  ): Promise<void> {
    const key = `${job.key}:pr:${pr.number}`;
    if (await isDone(this.runtime.db, key)) return;
    const log = context.log.child({ pullRequest: pr.number, headSha: pr.headSha });
    const post = (conclusion: Conclusion, text: CheckText, findings: CheckRunPlan['findings'] = []) =>
      this.postCheck(github, job.attempt, {
        name: CHECK_NAME,
        headSha: pr.headSha,
        conclusion,
        ...text,
        findings,
        detailsUrl: pr.htmlUrl,
        externalId: key,
      });

    try {
      const { owner, repo } = context.repo();
      if (job.data.kind === 'merged') return await this.onMerged(key, context, pr, job.data);
      const agents = pr.headRef
        ? await getExecutionByBranch(this.runtime.db, `${owner}/${repo}`, pr.headRef)
        : undefined;
      if (agents && agents.pullRequest === null) {
        // AAOE's own pull request, seen before the step that opened it recorded it: that step moves its execution on
        await this.runtime.db.transaction((tx) => markDone(tx, key, null, { openedBy: agents.id }));
        log.info({ execution: agents.id }, 'the agent work that opened this pull request evaluates it');
        return;
      }
      const governedBefore = await getPullRequestExecution(this.runtime.db, `${owner}/${repo}`, pr.number);
      if (
        !governedBefore &&
        pr.headRef === ONBOARDING_BRANCH &&
        pr.author.login.toLowerCase() === (await this.botLogin()).toLowerCase() &&
        (await isOnboardingCommit(this.runtime.db, `${owner}/${repo}`, pr.headSha))
      ) {
        // AAOE's onboarding pull request adds the config (and the AAOE section of the agent instructions) a person
        // reviews and merges: not agent work, so it is not judged by the policy (which forbids touching the config)
        // while its head is the very commit AAOE wrote (recorded when it wrote it) and it changes nothing but those
        // files; any other head on the branch is judged
        const files = await github.listChangedFiles(pr.number);
        if (
          files.every((f) => ONBOARDING_PATHS.has(f.path) && (!f.previousPath || ONBOARDING_PATHS.has(f.previousPath)))
        ) {
          const checkRunId = await post('neutral', ONBOARDING_CHECK_TEXT);
          await this.runtime.db.transaction((tx) =>
            markDone(tx, key, null, { checkRunId, conclusion: 'neutral', onboarding: true }),
          );
          return;
        }
      }
      const repoPolicy = await this.policyFor(context);
      if (!repoPolicy.ok) {
        log.warn({ errors: repoPolicy.errors.length }, 'policy invalid');
        const checkRunId = await post(
          'failure',
          explainInvalidPolicy(repoPolicy.errors),
          repoPolicy.errors.map((e) => ({
            path: e.file,
            startLine: e.line,
            endLine: e.line,
            startColumn: e.column,
            endColumn: e.column,
            level: 'failure' as const,
            rule: 'invalid-policy',
            message: `${e.message} (at ${e.path}). Fix: ${e.hint}`,
          })),
        );
        await this.runtime.db.transaction((tx) => markDone(tx, key, null, { checkRunId, conclusion: 'failure' }));
        return;
      }
      const governance = await decidePullRequestGovernance(
        github,
        pr,
        repoPolicy.policy,
        await this.botLogin(),
        governedBefore,
      );
      if (governance.governed !== true) {
        const reason = governance.governed === false ? governance.reason : 'Governance could not be decided.';
        const checkRunId = await post('neutral', explainUngoverned(reason));
        await this.runtime.db.transaction((tx) => markDone(tx, key, null, { checkRunId, conclusion: 'neutral' }));
        log.info('not governed');
        return;
      }
      const subject: PullRequestSubject = {
        author: { ...pr.author, ...(pr.authorId ? { id: pr.authorId } : {}) },
        isAgent: governance.isAgent,
        htmlUrl: pr.htmlUrl,
        governedBecause: governance.reason,
        updatedAt: pr.updatedAt,
        ...(governance.agent ? { agent: governance.agent } : {}),
        ...(pr.baseRef ? { baseRef: pr.baseRef } : {}),
      };
      const sender = job.data.sender ?? 'github';
      await this.applyPullRequestEvent(key, context, pr, subject, sender, job.data);
    } catch (error) {
      // GitHub's commit list not caught up with the head yet is no failure of the change: the retry decides
      if (error instanceof CommitsNotCaughtUpError) {
        log.info({ err: error }, 'the commit list lags the head; retried');
        throw error;
      }
      log.error({ err: error }, 'the pull request could not be judged');
      await this.postFailure(post, error, context.id);
      throw error;
    }
  }

  /**
   * A governed pull request was merged: an approved execution is deployed (`dispatch_deploy`); one merged
   * without approval is not, and the audit log says so (the state machine refuses the event). Only the judged
   * head, merged into the judged base when that is a deploy branch, is deployed: the merge delivery says which
   * head GitHub merged and into which base.
   */
  private async onMerged(
    key: string,
    context: Context,
    pr: PullRequestFacts,
    delivery: DeliveryOf<'merged'>,
  ): Promise<void> {
    const { owner, repo } = context.repo();
    const repoPolicy = await this.policyFor(context);
    const branches = repoPolicy.ok ? repoPolicy.policy.deployment.branches : [];
    const state = await this.runtime.db.transaction(async (tx) => {
      if (!(await markDone(tx, key, null))) return undefined;
      const before = await lockPullRequestExecution(tx, `${owner}/${repo}`, pr.number);
      if (!before) return 'not governed';
      const judged = before.subject?.judged;
      const deploy = decideMergeDeploy({
        mergedHead: pr.headSha,
        baseRef: pr.baseRef,
        defaultBranch: pr.defaultBranch ?? '',
        branches,
        judgedHead: before.headSha,
      });
      const notDeployed = !deploy.deploy
        ? deploy.reason
        : judged && (judged.baseRef !== pr.baseRef || judged.headSha !== pr.headSha)
          ? `merged into \`${pr.baseRef}\`, but the verdict was for \`${judged.headSha.slice(0, 7)}\` into \`${judged.baseRef}\`: not deployed`
          : undefined;
      const event: ExecutionEvent = {
        type: 'merged',
        sha: delivery.mergedSha,
        headSha: pr.headSha,
        ...(notDeployed ? { notDeployed } : {}),
      };
      const result = transition(before, event, this.options.now());
      await commitTransition(
        tx,
        this.runtime.queue,
        before,
        { ...before, ...result.execution },
        result.effects,
        delivery.id,
      );
      return result.outcome === 'applied' ? result.execution.state : `refused: ${result.reason}`;
    });
    this.runtime.queue.wake(QUEUES.effect);
    context.log.info({ pullRequest: pr.number, mergedSha: delivery.mergedSha, state }, 'merged');
  }

  /** Creates the pull request's execution, or moves it on, in one transaction with its audit entries and jobs. */
  private async applyPullRequestEvent(
    key: string,
    context: Context,
    pr: PullRequestFacts,
    subject: PullRequestSubject,
    sender: string,
    delivery: DeliveryJob,
  ): Promise<void> {
    const { owner, repo } = context.repo();
    const fullName = `${owner}/${repo}`;
    const now = this.options.now();
    const installationId = delivery.installationId;
    const state = await this.runtime.db.transaction(async (tx) => {
      if (!(await markDone(tx, key, null))) return undefined;
      let before = await lockPullRequestExecution(tx, fullName, pr.number);
      if (!before) {
        const started = newPullRequestExecution(randomUUID(), pr.headSha, sender, now);
        const record: ExecutionRecord = {
          ...started.execution,
          repo: fullName,
          installationId,
          pullRequest: pr.number,
          traceId: delivery.id,
          subject,
          issue: null,
          work: null,
        };
        if (await insertExecution(tx, record)) {
          await commitTransition(tx, this.runtime.queue, undefined, record, started.effects, delivery.id);
          return record.state;
        }
        before = await lockPullRequestExecution(tx, fullName, pr.number); // created meanwhile by another delivery
        if (!before) throw new Error(`the execution of ${fullName}#${pr.number} vanished`);
      }
      // deliveries are not ordered: one that shows an older state of the pull request than the one already
      // applied (another head, earlier `updated_at`) must not move the execution back to the older commit
      const seen = before.subject?.updatedAt;
      if (seen !== undefined && pr.headSha !== before.headSha && Date.parse(pr.updatedAt) < Date.parse(seen)) {
        context.log.info(
          { pullRequest: pr.number, headSha: pr.headSha, current: before.headSha },
          'stale delivery: the pull request has moved on',
        );
        return 'stale';
      }
      if (delivery.name === 'pull_request' && delivery.action === 'opened' && pr.headSha === before.headSha) {
        return 'unchanged'; // AAOE opened it, and the head it proposed is being evaluated already
      }
      if (delivery.name === 'pull_request' && delivery.action === 'synchronize' && pr.headSha === before.headSha) {
        // an evaluation that found GitHub's head moved on already moved the execution to it (`supersede`), and that
        // head's evaluation is under way: the push's own delivery adds nothing (a second would post a second check)
        return 'unchanged';
      }
      const event: ExecutionEvent =
        delivery.name === 'pull_request' && delivery.action === 'synchronize'
          ? { type: 'pushed', headSha: pr.headSha }
          : { type: 'evaluation_requested', headSha: pr.headSha, by: sender };
      const result = transition(before, event, now);
      // the pair the latest verdict was posted for stays with the execution (a delivery does not carry it)
      const kept: PullRequestSubject = {
        ...subject,
        ...(before.subject?.judged ? { judged: before.subject.judged } : {}),
      };
      await commitTransition(
        tx,
        this.runtime.queue,
        before,
        { ...before, ...result.execution, subject: kept },
        result.effects,
        delivery.id,
      );
      return result.execution.state;
    });
    this.runtime.queue.wake(QUEUES.effect);
    context.log.info({ pullRequest: pr.number, state }, state ? 'execution moved on' : 'already acted on');
  }

  // ------------------------------------------------------------------ effects

  async onEffect(job: Job<EffectJob>): Promise<void> {
    if (isPlanJob(job.data)) return this.planWork.onJob({ ...job, data: job.data });
    if (await isDone(this.runtime.db, job.key)) return;
    const { effect, executionId, traceId } = job.data;
    const execution = await getExecution(this.runtime.db, executionId);
    if (!execution) throw new Error(`effect ${effect.key}: execution ${executionId} does not exist`);
    try {
      return await this.runEffect(job, execution);
    } catch (error) {
      // GitHub refused in a way no retry changes: the job ends here, visibly, instead of retrying for minutes
      const failure = classifyGitHubError(error);
      if (failure.kind !== 'permanent') throw error;
      await this.endOnRefusal(job, execution, failure.reason);
    }
  }

  /**
   * A permanent GitHub refusal of an effect (`ON_REFUSAL` says what it does): the job is done, not retried, and the
   * audit log has the reason; for an effect that is the execution's next step, the execution ends `failed` with the
   * reason as its `work.failure` (the issue's status comment shows it, the `failed` notification carries it).
   */
  private async endOnRefusal(job: Job<EffectJob>, execution: ExecutionRecord, reason: string): Promise<void> {
    const { effect, traceId } = job.data;
    const outcome = ON_REFUSAL[effect.type];
    await this.runtime.db.transaction(async (tx) => {
      if (!(await markDone(tx, job.key, execution.id, { refused: reason, outcome }))) return;
      await appendAudit(tx, {
        executionId: execution.id,
        traceId,
        actor: 'aaoe',
        action: 'github_refused',
        reason: `${effect.type}: ${reason}`.slice(0, 2000),
        data: { effect: effect.type, outcome },
      });
      if (outcome !== 'fail') return;
      const before = await lockExecution(tx, execution.id);
      if (!before) return;
      const result = transition(
        before,
        { type: 'failed', reason: `${effect.type.replaceAll('_', ' ')}: ${reason}` },
        this.options.now(),
      );
      if (result.outcome !== 'applied') return;
      const work = before.work ? { work: { ...before.work, failure: reason } } : {};
      await commitTransition(
        tx,
        this.runtime.queue,
        before,
        { ...before, ...result.execution, ...work },
        result.effects,
        traceId,
      );
    });
    this.runtime.queue.wake(QUEUES.effect);
  }

  private async runEffect(job: Job<EffectJob>, execution: ExecutionRecord): Promise<void> {
    const { effect, executionId, traceId } = job.data;
    switch (effect.type) {
      case 'evaluate_policy':
        if (effect.notBefore && execution.state !== 'scheduled') {
          // the end of a wait that something else ended first (a re-run inside the window, a push, a pause)
          await this.runtime.db.transaction((tx) =>
            markDone(tx, job.key, executionId, { skipped: `no longer waiting (${execution.state})` }),
          );
          return;
        }
        if (execution.headSha !== effect.headSha) {
          // the head moved on before this ran: GitHub lists the new head's files, so a check on the old commit
          // would judge a diff it does not have; the new head has its own evaluation
          await this.runtime.db.transaction((tx) =>
            markDone(tx, job.key, executionId, { superseded: execution.headSha ?? null }),
          );
          return;
        }
        return this.evaluate(job, execution, effect.headSha, traceId);
      case 'merge_pull_request':
        return this.merge(job, execution, effect.headSha, traceId);
      case 'dispatch_deploy':
      case 'dispatch_rollback': {
        const { context, github } = await this.connect(execution.installationId, execution.repo, traceId, execution.id);
        const repoPolicy = await this.policyFor(context);
        if (!repoPolicy.ok)
          throw new Error('the repository policy does not validate: nothing is dispatched until it does');
        const ports = { runtime: this.runtime, now: this.options.now, reportSecret: this.options.reportSecret };
        return effect.type === 'dispatch_deploy'
          ? dispatchDeploy(ports, job, execution, effect.sha, github, repoPolicy.policy)
          : dispatchRollback(ports, job, execution, github, repoPolicy.policy);
      }
      case 'promote':
        // the companion action promotes on its own verdict and reported it; nothing is left to do here
        await this.runtime.db.transaction((tx) =>
          markDone(tx, job.key, executionId, { promotedBy: 'the companion action' }),
        );
        return;
      case 'record_breaker_failure': {
        const { context } = await this.connect(execution.installationId, execution.repo, traceId, execution.id);
        // a policy GitHub refuses to show (a permanent answer) counts the failure all the same, with the strictest breaker
        const repoPolicy = await this.policyFor(context).catch((error: unknown) => {
          if (classifyGitHubError(error).kind !== 'permanent') throw error;
          return undefined;
        });
        const breaker = repoPolicy?.ok ? repoPolicy.policy.circuitBreaker : { maxFailures: 1, freezeMinutes: 30 }; // no valid policy: the strictest
        const tripped = await this.runtime.db.transaction(async (tx) => {
          if (!(await markDone(tx, job.key, executionId, { failure: effect.reason }))) return undefined;
          const freeze = await recordFailure(
            tx,
            {
              repo: execution.repo,
              environment: DEFAULT_ENVIRONMENT,
              executionId,
              reason: effect.reason,
              now: this.options.now(),
            },
            breaker,
          );
          if (freeze) {
            await appendAudit(tx, {
              executionId,
              traceId,
              actor: 'aaoe',
              action: 'breaker_tripped',
              reason: `frozen until ${freeze.until}: ${freeze.reason}`,
              data: { until: freeze.until },
            });
            // the freeze is news of its own: a job of its own, so a failing notifier never holds the breaker back
            const frozen: EffectJob = {
              executionId,
              traceId,
              effect: { type: 'notify', about: 'frozen', key: `${job.key}:frozen` },
            };
            await this.runtime.queue.enqueue(tx, QUEUES.effect, frozen.effect.key, frozen);
          }
          return freeze;
        });
        if (tripped) this.runtime.queue.wake(QUEUES.effect);
        return;
      }
      case 'classify':
        return this.agentWork.classify(job, execution);
      case 'request_proposal':
        return this.agentWork.propose(job, execution);
      case 'post_status':
        return this.agentWork.postStatus(job, execution);
      case 'notify':
      case 'open_debug_issue': {
        const { context, github } = await this.connect(execution.installationId, execution.repo, traceId, execution.id);
        const repoPolicy = await this.policyFor(context);
        const policy = repoPolicy.ok ? repoPolicy.policy : undefined;
        if (effect.type === 'open_debug_issue')
          await openDebugIssue(this.notifyPorts(), job, execution, github, policy);
        else await notify(this.notifyPorts(), job, execution, effect.about, policy, github);
        return;
      }
      default:
        throw new Error(
          `no handler for effect "${effect.type}" in this release: the job stays failed and can be re-run once one exists`,
        );
    }
  }

  private async evaluate(
    job: Job<EffectJob>,
    execution: ExecutionRecord,
    headSha: string,
    traceId: string,
  ): Promise<void> {
    const [owner = '', repo = ''] = execution.repo.split('/');
    const octokit = (await this.app.auth(execution.installationId)) as Octokit;
    const context = repoContext(traceId, octokit, this.app.log.child({ execution: execution.id, trace: traceId }), {
      owner,
      repo,
    });
    const github = new GitHubAdapter(octokit, { owner, repo });
    const subject = execution.subject;
    const post = (conclusion: Conclusion, text: CheckText, findings: CheckRunPlan['findings'] = []) =>
      this.postCheck(github, job.attempt, {
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
      const repoPolicy = await this.policyFor(context);
      if (!repoPolicy.ok) throw new Error('the policy became invalid; the next delivery reports where');
      // one snapshot pinned to (base, head): the files of exactly the head this verdict is posted on, or nothing
      const gathered = await gatherPullRequestSnapshot(github, execution.pullRequest, headSha, subject.baseRef);
      if (gathered.outcome === 'superseded') return await this.supersede(job, execution, headSha, gathered, traceId);
      const { snapshot } = gathered;
      const target = decideDeployTarget(
        snapshot.baseRef,
        snapshot.defaultBranch,
        repoPolicy.policy.deployment.branches,
      );
      const completeness = checkCompleteness(snapshot);
      const spent = await executionModelCost(this.runtime.db, execution.id);
      const frozen = await activeFreeze(this.runtime.db, execution.repo, DEFAULT_ENVIRONMENT, this.options.now());
      const change: Change = {
        files: snapshot.files,
        author: { login: subject.author.login, isAgent: subject.isAgent },
        ...(await proposalFacts({ execution, snapshot, policy: repoPolicy.policy, github })),
        freeze: frozen ? { until: frozen.until, reason: frozen.reason } : null,
        ...(execution.work?.packages?.length
          ? { packages: execution.work.packages.map((p) => ({ path: p.path, type: p.type as ChangePackageType })) }
          : {}),
        spent: { tokens: spent.tokens, usd: spent.usd },
        at: this.options.now().toISOString(),
      };
      const evaluation = await evaluatePolicy(change, repoPolicy.policy);
      const text = explainEvaluation(evaluation, { policySource: repoPolicy.source, traceId });
      text.summary = withPreamble(text.summary, explainSnapshot(snapshot, target));
      let conclusion = evaluation.conclusion;
      if (!completeness.complete) {
        // GitHub lists at most 3,000 files: what it did not list was never judged, so the change does not pass
        conclusion = 'failure';
        Object.assign(text, explainIncomplete(text, completeness));
      }
      const approvalPorts = { runtime: this.runtime, botLogin: () => this.botLogin() };
      let actions: CheckRunPlan['actions'] = [];
      let approvedBy = '';
      // the gates ask for a person, or the policy's owners/teams do (whatever the risk): the approvals decide, judged now
      const owned = repoPolicy.policy.approvals.owners === 'codeowners' || repoPolicy.policy.approvals.teams.length > 0;
      if (conclusion === 'action_required' || (conclusion === 'success' && owned)) {
        const pr = gathered.pullRequest; // the pull request as the snapshot read it
        const judged = await judgeApprovals(
          approvalPorts,
          github,
          execution,
          repoPolicy.policy,
          pr,
          changedPaths(change.files),
        );
        const asked = conclusion === 'action_required' || judged.requirements.some((r) => r.kind !== 'minimum');
        if (asked) text.summary = `${text.summary}\n\n${explainApprovals(judged)}`;
        if (asked && judged.status === 'satisfied') {
          conclusion = 'success';
          approvedBy = judged.counted.map((c) => c.login).join(', ');
          text.title = `Approved by ${approvedBy}: ${evaluation.title}`;
        } else if (asked) {
          if (conclusion === 'success')
            text.title = `${judged.summary} (owners or teams of the policy): ${evaluation.title}`;
          conclusion = 'action_required';
          actions = [
            { label: 'Approve', identifier: 'approve', description: 'Approve this head commit' },
            { label: 'Re-run policy', identifier: 'rerun', description: 'Evaluate the policy again' },
          ];
        }
      }
      if (conclusion === 'success') {
        // a check run belongs to a commit, not to a pull request: while another open pull request with this head
        // commit is not approved, a success here would pass its required check too
        const sharing = (await listExecutionsAtHead(this.runtime.db, execution.repo, headSha))
          .filter((x) => x.id !== execution.id && ['proposed', 'blocked', 'awaiting_approval'].includes(x.state))
          .sort((a, b) => a.pullRequest! - b.pullRequest!);
        const others: number[] = [];
        for (const other of sharing) {
          // its own snapshot, pinned to this head: one whose head moved on shares nothing (its own evaluation follows)
          const theirs = await gatherPullRequestSnapshot(github, other.pullRequest!, headSha, other.subject?.baseRef);
          if (theirs.outcome === 'superseded') continue;
          // one that waits only for this commit's check holds its own approvals: it is judged again, not in the way
          const held =
            other.state === 'awaiting_approval' &&
            (
              await judgeApprovals(
                approvalPorts,
                github,
                other,
                repoPolicy.policy,
                theirs.pullRequest,
                changedPaths(theirs.snapshot.files),
              )
            ).status === 'satisfied';
          if (held) await this.requestEvaluation(other, traceId);
          else others.push(other.pullRequest!);
        }
        if (others.length > 0) {
          conclusion = 'action_required';
          const list = others.map((n) => `#${n}`).join(', ');
          text.title = `Shared commit: ${list} ${others.length === 1 ? 'has' : 'have'} this head too and ${others.length === 1 ? 'is' : 'are'} not approved`;
          text.summary = `${text.summary}\n\n### Shared head commit\n\nThis commit is also the head of ${list}. A check run belongs to the commit, so this one passes only once every open pull request with this head passes; approve or close ${list}.`;
        }
      }
      let waiting: { reason: string; opensAt: string | null } | undefined;
      if (conclusion === 'success') {
        // approved, and the schedule decides when: outside a change window (or in a freeze) the check waits
        const decision = scheduleAt(repoPolicy.policy.schedule, this.options.now());
        if (!decision.open) {
          waiting = { reason: decision.reason, opensAt: decision.opensAt?.toISOString() ?? null };
          Object.assign(text, explainWaiting(text, waiting, approvedBy));
        }
      }
      const plan: CheckRunPlan = {
        name: CHECK_NAME,
        headSha,
        conclusion: waiting ? 'waiting' : conclusion,
        ...text,
        findings: evaluation.gates.flatMap((g) => g.findings),
        ...(subject ? { detailsUrl: subject.htmlUrl } : {}),
        actions,
      };
      // a waiting check is one check run from the wait to its end: the evaluation that ends the wait completes it
      const waitingId = `waiting:${execution.id}:${headSha}`;
      const waited =
        execution.state === 'scheduled' ? await github.findCheckRun(headSha, CHECK_NAME, waitingId) : undefined;
      const checkRunId = waited
        ? await github.updateCheckRun(waited.id, plan, waited.annotations === 0)
        : await this.postCheck(github, job.attempt, { ...plan, externalId: waiting ? waitingId : job.key });
      const reason = `${waiting ? 'waiting' : conclusion}: ${evaluation.gates.map((g) => `${g.gate} ${g.outcome}`).join(', ')}; risk ${evaluation.risk.level}${approvedBy ? `; approved by ${approvedBy}` : ''}${waiting ? `; ${waiting.reason}` : ''}`;
      await this.runtime.db.transaction(async (tx) => {
        if (!(await markDone(tx, job.key, execution.id, { checkRunId, conclusion: waiting ? 'waiting' : conclusion })))
          return;
        const before = await lockExecution(tx, execution.id);
        if (!before) throw new Error(`execution ${execution.id} vanished`);
        const event: ExecutionEvent = waiting
          ? { type: 'policy_evaluated', headSha, conclusion: 'waiting', reason, opensAt: waiting.opensAt }
          : {
              type: 'policy_evaluated',
              headSha,
              conclusion,
              reason,
              autoMerge: repoPolicy.policy.merge === 'auto' && target.deployable,
            };
        const result = transition(before, event, this.options.now());
        // the verdict is bound to the pair it judged: a merge deploys only this head, merged into this base
        const judgedPair = {
          baseRef: snapshot.baseRef,
          baseSha: snapshot.baseSha,
          headSha: snapshot.headSha,
          deployable: target.deployable,
        };
        // what the pull request's declaration says the work cost, recorded as declared (AAOE measures only its own agent)
        // (the declaration of the head judged last counts: one removed since is no longer recorded)
        const declared =
          !execution.work?.proposal && change.declared?.cost
            ? { declaredCost: { tokens: change.declared.cost.tokens, usd: change.declared.cost.usd } }
            : {};
        const { declaredCost: _previous, ...kept } = before.subject ?? ({} as PullRequestSubject);
        const subjectAfter =
          result.outcome === 'applied' && before.subject
            ? { ...kept, judged: judgedPair, ...declared }
            : before.subject;
        await commitTransition(
          tx,
          this.runtime.queue,
          before,
          { ...before, ...result.execution, subject: subjectAfter },
          result.effects,
          traceId,
        );
      });
      this.runtime.queue.wake(QUEUES.effect);
      context.log.info(
        {
          conclusion: waiting ? 'waiting' : conclusion,
          risk: evaluation.risk.level,
          governedBecause: subject.governedBecause,
          ...(waiting ? { opensAt: waiting.opensAt } : {}),
        },
        'policy evaluated',
      );
    } catch (error) {
      context.log.error({ err: error }, 'policy evaluation failed');
      await this.postFailure(post, error, traceId);
      throw error;
    }
  }

  // ------------------------------------------------------------------ helpers

  /** `merge: auto`: AAOE merges the approved head (never a later one); the agent never merges. */
  private async merge(
    job: Job<EffectJob>,
    execution: ExecutionRecord,
    headSha: string,
    traceId: string,
  ): Promise<void> {
    if (execution.pullRequest === null || execution.state !== 'approved' || execution.headSha !== headSha) {
      await this.runtime.db.transaction((tx) =>
        markDone(tx, job.key, execution.id, { skipped: `not approved at ${headSha} (${execution.state})` }),
      );
      return;
    }
    const { context, github } = await this.connect(execution.installationId, execution.repo, traceId, execution.id);
    // only into a deploy branch, and only into the base the verdict judged (a retargeted pull request is not merged)
    const pr = await github.getPullRequest(execution.pullRequest);
    const repoPolicy = await this.policyFor(context);
    const target = decideDeployTarget(
      pr.baseRef,
      pr.defaultBranch ?? '',
      repoPolicy.ok ? repoPolicy.policy.deployment.branches : [],
    );
    const judged = execution.subject?.judged;
    const refusal = !target.deployable
      ? target.why
      : judged && judged.baseRef !== pr.baseRef
        ? `the base is \`${pr.baseRef}\` now, the verdict was for \`${judged.baseRef}\``
        : undefined;
    if (refusal) {
      await this.runtime.db.transaction(async (tx) => {
        if (!(await markDone(tx, job.key, execution.id, { skipped: refusal }))) return;
        await appendAudit(tx, {
          executionId: execution.id,
          traceId,
          actor: 'aaoe',
          action: 'merge_refused',
          reason: `not merged: ${refusal}`,
          data: { headSha, baseRef: pr.baseRef },
        });
      });
      return;
    }
    const merged = await github.mergePullRequest(execution.pullRequest, headSha);
    await this.runtime.db.transaction(async (tx) => {
      if (!(await markDone(tx, job.key, execution.id, merged))) return;
      await appendAudit(tx, {
        executionId: execution.id,
        traceId,
        actor: 'aaoe',
        action: merged.merged ? 'merge' : 'merge_refused',
        reason: merged.merged
          ? `merged ${headSha} as ${merged.sha} (merge: auto)`
          : `GitHub did not merge ${headSha}: ${merged.reason}`,
        data: { headSha },
      });
    });
  }

  /**
   * GitHub's head is not the head this evaluation was for: it posts nothing (the files it could list belong to
   * another commit). The execution moves to GitHub's head (a push seen late), whose own evaluation follows.
   */
  private async supersede(
    job: Job<EffectJob>,
    execution: ExecutionRecord,
    headSha: string,
    gathered: { headSha: string; reason: string },
    traceId: string,
  ): Promise<void> {
    await this.runtime.db.transaction(async (tx) => {
      if (!(await markDone(tx, job.key, execution.id, { superseded: gathered.headSha, reason: gathered.reason })))
        return;
      const before = await lockExecution(tx, execution.id);
      if (!before || before.headSha !== headSha) return; // a delivery moved it on already
      const result = transition(
        before,
        { type: 'evaluation_requested', headSha: gathered.headSha, by: 'aaoe' },
        this.options.now(),
      );
      if (result.outcome === 'applied')
        await commitTransition(
          tx,
          this.runtime.queue,
          before,
          { ...before, ...result.execution },
          result.effects,
          traceId,
        );
    });
    this.runtime.queue.wake(QUEUES.effect);
  }

  /** Asks for the policy to be evaluated again on an execution's current head. */
  private async requestEvaluation(execution: ExecutionRecord, traceId: string): Promise<void> {
    await this.runtime.db.transaction(async (tx) => {
      const before = await lockExecution(tx, execution.id);
      if (!before?.headSha) return;
      const result = transition(
        before,
        { type: 'evaluation_requested', headSha: before.headSha, by: 'aaoe' },
        this.options.now(),
      );
      if (result.outcome === 'applied')
        await commitTransition(
          tx,
          this.runtime.queue,
          before,
          { ...before, ...result.execution },
          result.effects,
          traceId,
        );
    });
  }

  /**
   * Posts the check run for one job. The first attempt creates it; a later attempt first looks for the one an
   * earlier attempt may have created (same `external_id`) and updates that instead: never two for one job.
   */
  private async postCheck(
    github: GitHubAdapter,
    attempt: number,
    plan: CheckRunPlan & { externalId: string },
  ): Promise<number> {
    if (attempt > 0) {
      const existing = await github.findCheckRun(plan.headSha, plan.name, plan.externalId);
      if (existing) return github.updateCheckRun(existing.id, plan, existing.annotations === 0);
    }
    return github.postCheckRun(plan);
  }

  /**
   * Fail closed: a change that cannot be judged gets a failing check (replaced when a retry succeeds). A refusal no
   * retry changes says so: AAOE does not retry it, and the check says what to fix. Not while GitHub is away (an
   * outage, a rate limit): the job is retried, the check it posts then is the only one, and the missing required
   * check blocks the merge meanwhile.
   */
  private async postFailure(
    post: (c: Conclusion, t: CheckText) => Promise<number>,
    error: unknown,
    traceId: string,
  ): Promise<void> {
    if (isOutage(error)) return;
    const failure = classifyGitHubError(error);
    const retried =
      failure.kind === 'permanent'
        ? 'AAOE does not retry a refusal like this one: fix the cause, then push or re-run this check.'
        : 'AAOE retries on its own; you can also re-run this check.';
    try {
      await post('failure', {
        title: 'AAOE could not evaluate the policy',
        summary: `The evaluation failed: ${failure.kind === 'permanent' ? failure.reason : error instanceof Error ? error.message : String(error)}.\n\nA change that cannot be judged does not pass. ${retried} The app's logs (trace ${traceId}) have the details.`,
      });
    } catch {
      // The check stays missing, which keeps a required check blocking the merge.
    }
  }

  private notifyPorts(): NotifyPorts {
    return {
      runtime: this.runtime,
      now: this.options.now,
      destinations: this.options.notify ?? NO_DESTINATIONS,
      botLogin: () => this.botLogin(),
      startFix: (failed, issue, key, traceId) =>
        startIssueExecution(
          { runtime: this.runtime, now: this.options.now },
          {
            key,
            repo: failed.repo,
            installationId: failed.installationId,
            issue,
            consentBy: `${SELF_HEAL_CONSENT} (debug issue of execution ${failed.id})`,
            traceId,
          },
        ),
    };
  }

  private async policyFor(context: Context): Promise<RepoPolicy> {
    const { owner, repo } = context.repo();
    const cached = this.policies.get(owner, repo);
    if (cached) return cached;
    const loaded = await loadRepoPolicy(context, this.options.presets);
    this.policies.set(owner, repo, loaded);
    return loaded;
  }

  private botLogin(): Promise<string> {
    this.appLogin ??= this.app
      .auth()
      .then((octokit) => octokit.rest.apps.getAuthenticated())
      .then(({ data }) => `${data?.slug ?? 'aaoe'}[bot]`)
      .catch((error: unknown) => {
        this.appLogin = undefined;
        throw error;
      });
    return this.appLogin;
  }
}

/** The check's text while an approved change waits for its change window. */
export function explainWaiting(
  text: CheckText,
  waiting: { reason: string; opensAt: string | null },
  approvedBy: string,
): CheckText {
  const when = waiting.opensAt
    ? `opens ${waiting.opensAt.replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC')}`
    : 'no window opens within a year';
  return {
    title: `Waiting for the change window (${when})`,
    summary: `${text.summary}\n\n### Schedule\n\nEvery gate passes${approvedBy ? ` and the approvals hold (${approvedBy})` : ''}, but not now: ${waiting.reason}.\n\n${
      waiting.opensAt
        ? `AAOE evaluates this change again at ${waiting.opensAt} and it goes on from there (merged when \`merge: auto\`, deployed after merge). This check stays in progress until then.`
        : 'Nothing opens within a year: change `schedule` in the policy, then re-run this check.'
    }`,
  };
}

/**
 * What a permanent GitHub refusal of each effect does. `fail`: the effect is the execution's next step, and without it
 * the execution cannot go on: it ends `failed` with the reason. `end`: only the job ends (the audit log says why),
 * because the execution goes on without it or another surface carries the refusal: a report (`post_status`, `notify`,
 * the debug issue) does not undo the work it reports; a refused merge leaves the approved pull request to a person;
 * a pull request's evaluation posts a failing check with the reason and stays open to the next push or re-run (a
 * failed execution would ignore them, and the required check would stay missing).
 */
export const ON_REFUSAL: Record<EffectJob['effect']['type'], 'fail' | 'end'> = {
  classify: 'fail',
  request_proposal: 'fail',
  dispatch_deploy: 'fail',
  dispatch_rollback: 'fail',
  evaluate_policy: 'end',
  merge_pull_request: 'end',
  post_status: 'end',
  notify: 'end',
  open_debug_issue: 'end',
  promote: 'end',
  record_breaker_failure: 'end',
  audit: 'end',
};

/** A delivery kind no case handles: a compile error where the switch is, and a loud failure if one is stored. */
function unhandled(delivery: never): never {
  throw new Error(`no work handles the delivery kind ${(delivery as { kind?: unknown }).kind as string}`);
}
