import type { Probot } from 'probot';
import { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { classifyGitHubError } from '../adapters/github/github-errors.js';
import { repoContext, type RepoContext } from '../adapters/github/repo-context.js';
import type { Presets } from '../core/policy/policy-source.js';
import type { AgentConfig } from '../adapters/model/models-config.js';
import { NO_DESTINATIONS, type NotifyDestinations } from '../adapters/notify/config.js';
import { getExecution, isDone, type EffectJob } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import type { Job } from '../adapters/store/job-shapes.js';
import { recordOnboardingCommit } from '../adapters/store/onboarding-commits.js';
import type { Runtime } from '../adapters/store/runtime.js';
import { parseCommands } from '../core/commands/commands.js';
import { AgentWork } from './agent-work.js';
import { startIssueExecution } from './start-issue-execution.js';
import { CommandWork } from './command-work.js';
import { dispatchDeploy } from './deploy-dispatch.js';
import { dispatchRollback } from './deploy-rollback.js';
import { reviewDeployment } from './deployment-review.js';
import { checkDriftOnPush } from './drift-work.js';
import { endOnRefusal, promoted, recordBreakerFailure } from './effects.js';
import { runEvaluation } from './evaluation.js';
import { withKind, type DeliveryJob, type DeliveryOf } from './jobs.js';
import { loadRepoPolicy, type RepoPolicy } from './load-repo-policy.js';
import { mergePullRequest } from './merge.js';
import { SELF_HEAL_CONSENT, openDebugIssue } from './debug-issue-work.js';
import { notify } from './notify-work.js';
import { type NotifyPorts } from './notify-ports.js';
import { onboardRepositories } from './onboard.js';
import type { PipelinePorts } from './pipeline-ports.js';
import { PlanWork } from './plan-work.js';
import { isPlanJob } from './plan-ports.js';
import { PolicyCache } from './policy-cache.js';
import { onPullRequest } from './pull-request.js';
import { previewPolicyChange } from './policy-preview.js';

export type PipelineOptions = {
  now: () => Date;
  presets: Presets;
  policyTtlMs: number;
  agent?: AgentConfig | undefined;
  notify?: NotifyDestinations | undefined;
  reportSecret?: string | undefined;
};

/**
 * What the job runner does with deliveries and effects: one case per delivery kind and per effect type, each handled
 * by its workflow (the compiler checks that every kind has one). Every GitHub write is keyed: a check run carries its
 * job's key as `external_id`, and an attempt after a crash looks for it before creating another; every outcome is
 * committed with `markDone(key)` in the same transaction, so a job that runs again does nothing.
 */
export class Pipeline {
  private readonly policies: PolicyCache<RepoPolicy>;
  private appLogin: Promise<string> | undefined;
  private readonly ports: PipelinePorts;
  private readonly planWork: PlanWork;
  private readonly agentWork: AgentWork;
  private readonly commandWork: CommandWork;

  /** The ports of the agent's work (the agent hand-back endpoint, `agent-handback.ts`, takes results with them). */
  get agentPorts(): PipelinePorts {
    return this.ports;
  }

  constructor(
    private readonly app: Probot,
    private readonly runtime: Runtime,
    private readonly options: PipelineOptions,
  ) {
    this.policies = new PolicyCache<RepoPolicy>(options.policyTtlMs);
    this.ports = {
      runtime,
      now: options.now,
      policyFor: (context) => this.policyFor(context),
      botLogin: () => this.botLogin(),
      connect: (installationId, repo, traceId, executionId) => this.connect(installationId, repo, traceId, executionId),
    };
    this.agentWork = new AgentWork(this.ports, options.agent, options.reportSecret);
    const { connect: _connect, ...commandPorts } = this.ports;
    this.commandWork = new CommandWork(commandPorts);
    this.planWork = new PlanWork({
      runtime,
      now: options.now,
      botLogin: () => this.botLogin(),
      connect: this.ports.connect,
      appOctokit: async () => await this.app.auth(),
      installationOctokit: async (installationId) => await this.app.auth(installationId),
    });
  }

  /** A context and the adapter for one repository of an installation, for a job. */
  private async connect(
    installationId: number,
    fullName: string,
    traceId: string,
    executionId?: string,
  ): Promise<{ context: RepoContext; github: GitHubAdapter }> {
    const [owner = '', repo = ''] = fullName.split('/');
    const octokit = await this.app.auth(installationId);
    const log = this.app.log.child({
      trace: traceId,
      repo: fullName,
      ...(executionId ? { execution: executionId } : {}),
    });
    const context = repoContext(traceId, octokit, log, { owner, repo });
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
        { delivery: job.data.id, event: `${job.data.name}.${String(job.data.action)}`, reason: verdict.reason },
        'GitHub refused for good: the delivery is not retried',
      );
    }
  }

  private async runDelivery(job: Job<DeliveryJob>): Promise<void> {
    const { id, name, action, installationId, repository } = job.data;
    const octokit = await this.app.auth(installationId);
    const log = this.app.log.child({ delivery: id, event: `${name}.${String(action)}` });
    const context = repoContext(id, octokit, log, { owner: repository.owner, repo: repository.name });
    const github = new GitHubAdapter(octokit, context.repo());
    const delivery = job.data;
    switch (delivery.kind) {
      case 'onboarding': {
        const ports = {
          botLogin: await this.botLogin(),
          recordCommit: (repo: string, sha: string) => recordOnboardingCommit(this.runtime.db, repo, sha),
        };
        await onboardRepositories(octokit, delivery.onboarding, context.log, ports);
        return;
      }
      case 'push': {
        const ports = { ...this.ports, policyOf: (c: RepoContext) => this.policyFor(c) };
        await checkDriftOnPush(ports, { ...job, data: delivery }, context, github);
        return;
      }
      case 'issue':
        return this.agentWork.onIssue({ ...job, data: delivery }, context, github);
      case 'comment':
        return this.onComment({ ...job, data: delivery }, context, github);
      case 'button':
        return this.commandWork.onButton({ ...job, data: delivery }, context, github);
      case 'protection':
        return reviewDeployment(this.ports, { ...job, data: delivery }, context, github);
      case 'pull_request':
        await onPullRequest(this.ports, job, context, github, delivery.pullRequest);
        // a pull request that changes AAOE's config gets the preview of its policy (issue 25)
        return previewPolicyChange(
          { ...this.ports, presets: this.options.presets },
          { ...job, data: delivery },
          context,
          github,
        );
      case 'merged':
        return onPullRequest(this.ports, job, context, github, delivery.pullRequest);
      case 'check':
        for (const number of delivery.pullRequestNumbers)
          await onPullRequest(this.ports, job, context, github, await github.getPullRequest(number));
        return;
      default:
        return unhandled(delivery);
    }
  }

  private async onComment(job: Job<DeliveryOf<'comment'>>, context: RepoContext, github: GitHubAdapter): Promise<void> {
    // read once (it may have been edited or deleted since the delivery), for the plan commands and the execution's
    const comment = await github.getComment(job.data.comment.id);
    // its commands are read once, by a linear scan, for both (a comment is untrusted text of any size)
    const commands = comment ? parseCommands(comment.body) : [];
    if (await this.planWork.onComment(job, context, github, comment, commands)) return;
    await this.commandWork.onComment(job, context, github, comment, commands);
  }

  // ------------------------------------------------------------------ effects

  async onEffect(job: Job<EffectJob>): Promise<void> {
    if (isPlanJob(job.data)) return this.planWork.onJob({ ...job, data: job.data });
    if (await isDone(this.runtime.db, job.key)) return;
    const { effect, executionId } = job.data;
    const execution = await getExecution(this.runtime.db, executionId);
    if (!execution) throw new Error(`effect ${effect.key}: execution ${executionId} does not exist`);
    try {
      await this.runEffect(job, execution);
    } catch (error) {
      // GitHub refused in a way no retry changes: the job ends here, visibly, instead of retrying for minutes
      const failure = classifyGitHubError(error);
      if (failure.kind !== 'permanent') throw error;
      await endOnRefusal(this.ports, job, execution, failure.reason);
    }
  }

  private async runEffect(job: Job<EffectJob>, execution: ExecutionRecord): Promise<void> {
    const { effect, traceId } = job.data;
    switch (effect.type) {
      case 'evaluate_policy':
        return runEvaluation(this.ports, job, execution, effect);
      case 'merge_pull_request':
        return mergePullRequest(this.ports, job, execution, effect.headSha, traceId);
      case 'dispatch_deploy':
      case 'dispatch_rollback':
        return this.dispatch(job, execution, effect.type === 'dispatch_deploy' ? effect.sha : undefined);
      case 'promote':
        return promoted(this.ports, job);
      case 'record_breaker_failure':
        return recordBreakerFailure(this.ports, job, execution, effect.reason);
      case 'classify':
        return this.agentWork.classify(job, execution);
      case 'request_proposal':
        return this.agentWork.propose(job, execution);
      case 'post_status':
        return this.agentWork.postStatus(job, execution);
      case 'notify':
      case 'open_debug_issue':
        return this.report(job, execution, effect.type === 'notify' ? effect.about : undefined);
      case 'audit': // written with the transition that decided it, never queued
        return noHandler(effect.type);
      default:
        return noHandler((effect satisfies never as { type: string }).type);
    }
  }

  /** `dispatch_deploy` (with the SHA to deploy) or `dispatch_rollback` (without). */
  private async dispatch(job: Job<EffectJob>, execution: ExecutionRecord, sha: string | undefined): Promise<void> {
    const { context, github } = await this.connect(
      execution.installationId,
      execution.repo,
      job.data.traceId,
      execution.id,
    );
    const repoPolicy = await this.policyFor(context);
    if (!repoPolicy.ok) throw new Error('the repository policy does not validate: nothing is dispatched until it does');
    const ports = { runtime: this.runtime, now: this.options.now, reportSecret: this.options.reportSecret };
    return sha !== undefined
      ? dispatchDeploy(ports, job, execution, sha, github, repoPolicy.policy)
      : dispatchRollback(ports, job, execution, github, repoPolicy.policy);
  }

  /** `notify` (with what it is about) or `open_debug_issue` (without). */
  private async report(
    job: Job<EffectJob>,
    execution: ExecutionRecord,
    about: Extract<EffectJob['effect'], { type: 'notify' }>['about'] | undefined,
  ): Promise<void> {
    const { context, github } = await this.connect(
      execution.installationId,
      execution.repo,
      job.data.traceId,
      execution.id,
    );
    const repoPolicy = await this.policyFor(context);
    const policy = repoPolicy.ok ? repoPolicy.policy : undefined;
    if (about === undefined) await openDebugIssue(this.notifyPorts(), job, execution, github, policy);
    else await notify(this.notifyPorts(), job, execution, about, policy, github);
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

  private async policyFor(context: RepoContext): Promise<RepoPolicy> {
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

/** A delivery kind no case handles: a compile error where the switch is, and a loud failure if one is stored. */
function unhandled(delivery: never): never {
  throw new Error(`no work handles the delivery kind ${(delivery as { kind?: unknown }).kind as string}`);
}

/** An effect type no case handles (a job stored by a later release): it stays failed and can be re-run later. */
function noHandler(type: string): never {
  throw new Error(
    `no handler for effect "${type}" in this release: the job stays failed and can be re-run once one exists`,
  );
}
