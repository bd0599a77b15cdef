import type { RepoContext as Context } from '../adapters/github/repo-context.js';
import { FINAL_STATES, transition, type ExecutionState } from '../core/execution/transition.js';
import type { CommentFacts, GitHubAdapter, Octokit, RepositoryRole } from '../adapters/github/github-adapter.js';
import { checkPlanWorld } from '../core/plan/check-world.js';
import { githubPlanWorld } from '../adapters/github/github-plan-world.js';
import { formatPlanError, loadPlan } from '../core/plan/load-plan.js';
import { renderStepPackages, type RenderedPackage } from '../core/plan/render-package.js';
import {
  advancePlan,
  newPlanRun,
  renderTrackingIssue,
  stepOutcome,
  trackingMarker,
  type PlanEffect,
  type PlanEvent,
  type PlanRun,
} from '../core/plan/run-plan.js';
import type { Step } from '../core/plan/schema.js';
import { planWindows } from '../core/plan/windows.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import {
  getExecution,
  getIssueExecution,
  isDone,
  listInFlightExecutions,
  lockExecution,
  markDone,
  type StepEndedJob,
} from '../adapters/store/executions.js';
import { commitTransition } from './commit-transition.js';
import { QUEUES, type Job } from '../adapters/store/job-queue.js';
import {
  getPlanRun,
  lockPlanRun,
  planOfTrackingIssue,
  recordPlanRollbackBy,
  recordPlanStart,
  savePlanRun,
  type PlanRecord,
} from '../adapters/store/plans.js';
import { setTimer } from '../adapters/store/timers.js';
import { startIssueExecution, type AgentWorkPorts } from './agent-work.js';
import { COMMAND_TEXT, type ParsedCommand } from '../core/commands/commands.js';
import { DEFAULT_ENVIRONMENT } from './deploy-work.js';
import type { DeliveryOf } from './jobs.js';
import { HUMAN_ONLY_VERBS } from '../core/policy/governance.js';

/**
 * Architecture plans run by the app (docs/plans.md). The plan's state machine is `advancePlan` (pure); this is its
 * I/O edge:
 *
 * - `/aaoe plan start plans/<file>.yml` on an issue of the architecture repository, by someone with write, maintain
 *   or admin there (read through the collaborator API): the file is read from the default branch and validated, the
 *   world checks run (`checkPlanWorld`), the run is stored and a tracking issue opened (found again by its marker).
 * - Every effect of the plan is a keyed job on the effect queue: `start_step` opens an issue in the step's repository
 *   and starts its governed execution with the consent of the person who started the plan, whose permission on
 *   that repository is read through the API first; `rollback_step` asks the step's execution to roll back as
 *   `/aaoe rollback` on it would; `propose_fix` opens an issue; `update_tracking_issue` rewrites the tracking issue;
 *   `look_again` is a timer.
 * - An execution that carries a step and ends enqueues `step_execution_ended` in the transaction of its transition
 *   (`commitTransition`), and the plan moves on here.
 * - `/aaoe pause|resume|rollback|status` on the tracking issue act on the plan.
 */

/** A job of a plan's effect (on the effect queue; `executionId` names the plan, for the timers table). */
export type PlanEffectJob = {
  plan: { repo: string; planId: string };
  traceId: string;
  executionId: string;
  effect: PlanEffect;
};
export type PlanJob = PlanEffectJob | StepEndedJob;

export type PlanWorkPorts = Omit<AgentWorkPorts, 'policyFor'> & {
  /** An Octokit authenticated as the app (JWT). */
  appOctokit: () => Promise<Octokit>;
  /** An Octokit of an installation. */
  installationOctokit: (installationId: number) => Promise<Octokit>;
};

/** Who may start, pause, resume or roll back a plan, on the architecture repository and on every step's repository. */
const PLAN_ROLES: readonly RepositoryRole[] = ['write', 'maintain', 'admin'];
const PLAN_LABEL = 'aaoe-plan';
const MAX_COMMANDS = 5;
const MAX_ERRORS_SHOWN = 30;

/** The pseudo execution id of a plan's jobs and timers. */
export function planRef(repo: string, planId: string): string {
  return `plan:${repo}:${planId}`;
}

export function isPlanJob(data: unknown): data is PlanJob {
  return typeof data === 'object' && data !== null && 'plan' in data;
}

export class PlanWork {
  constructor(private readonly ports: PlanWorkPorts) {}

  // ------------------------------------------------------------------ comments

  /**
   * A comment that starts a plan, or any command comment on a plan's tracking issue: handled here (true); any other
   * comment is left to the execution commands (false).
   */
  async onComment(
    job: Job<DeliveryOf<'comment'>>,
    context: Context,
    github: GitHubAdapter,
    comment: CommentFacts | undefined,
    commands: ParsedCommand[],
  ): Promise<boolean> {
    const facts = job.data.comment;
    if (!facts || facts.onPullRequest) return false;
    const { owner, repo } = context.repo();
    const archRepo = `${owner}/${repo}`;
    const db = this.ports.runtime.db;
    const tracked = await planOfTrackingIssue(db, archRepo, facts.number);
    if (!comment) return tracked !== undefined;
    const parsed = commands.slice(0, MAX_COMMANDS);
    const starts = parsed.some(
      (p) => (p.type === 'command' && p.command.verb === 'plan') || (p.type === 'invalid' && p.verb === 'plan'),
    );
    if (!tracked && !starts) return false;
    const key = `${job.key}:comment:${facts.id}`;
    if (await isDone(db, key)) return true;
    const botLogin = await this.ports.botLogin();
    if (comment.author.login.toLowerCase() === botLogin.toLowerCase()) {
      await db.transaction((tx) => markDone(tx, key, null));
      return true;
    }

    const actor = { login: comment.author.login, type: comment.author.type };
    const at = {
      archRepo,
      installationId: job.data.installationId,
      github,
      actor,
      traceId: job.data.id,
      issue: facts.number,
      commentId: facts.id,
      viaApp: comment.viaApp,
    };
    const outcomes: Array<{ ok: boolean; text?: string }> = [];
    for (const p of parsed) outcomes.push(await this.command(p, tracked, at));
    const replies = outcomes.map((o) => o.text).filter((t): t is string => !!t);
    if (replies.length > 0)
      await github.upsertComment(
        facts.number,
        `<!-- aaoe:reply:${facts.id} -->`,
        [`<!-- aaoe:reply:${facts.id} -->`, ...replies].join('\n\n'),
        botLogin,
      );
    await github.addCommentReaction(facts.id, outcomes.every((o) => o.ok) ? '+1' : 'confused');
    await db.transaction((tx) => markDone(tx, key, null, { commands: parsed.length, plan: tracked ?? null }));
    this.ports.runtime.queue.wake(QUEUES.effect);
    return true;
  }

  private async command(
    parsed: ParsedCommand,
    tracked: string | undefined,
    at: {
      archRepo: string;
      installationId: number;
      github: GitHubAdapter;
      actor: { login: string; type: string };
      traceId: string;
      issue: number;
      commentId: number;
      viaApp?: string | undefined;
    },
  ): Promise<{ ok: boolean; text?: string }> {
    if (parsed.type !== 'command') return { ok: false, text: parsed.reply };
    const { command } = parsed;
    if (command.verb === 'help') return { ok: true, text: COMMAND_TEXT.help() };
    const refuse = (why: string) => ({
      ok: false,
      text: `\`/aaoe ${command.verb}${command.verb === 'plan' ? ` ${command.action} ${command.path}` : ''}\` by @${at.actor.login} was refused: ${why}`,
    });
    if (at.viaApp && (command.verb === 'plan' || HUMAN_ONLY_VERBS.has(command.verb))) {
      // starting a plan spends money in many repositories and resuming or rolling one back is a person's decision: a
      // comment a GitHub App posted on someone's behalf (an agent platform, say) carries none of that authority
      return refuse(
        `this comment was posted by the GitHub App "${at.viaApp}" on @${at.actor.login}'s behalf, and a comment an app posts never starts, resumes or rolls back a plan; @${at.actor.login} must write it on GitHub themselves`,
      );
    }
    if (command.verb === 'plan') return this.start(command.path, at, refuse);
    if (!tracked)
      return refuse(
        "on an issue that is not a plan's tracking issue, only `/aaoe plan start` is read; write other commands in a comment of their own",
      );
    const record = await getPlanRun(this.ports.runtime.db, at.archRepo, tracked);
    if (!record) return refuse(`plan ${tracked} is not stored`);
    if (command.verb === 'status' || command.verb === 'explain') return { ok: true, text: describePlan(record) };
    if (command.verb !== 'pause' && command.verb !== 'resume' && command.verb !== 'rollback') {
      return refuse(
        `on a plan's tracking issue the commands are \`/aaoe pause\`, \`/aaoe resume\`, \`/aaoe rollback\` and \`/aaoe status\`; \`/aaoe ${command.verb}\` acts on a step's own issue or pull request`,
      );
    }
    const role = at.actor.type === 'User' ? await at.github.getRole(at.actor.login) : 'none';
    if (!PLAN_ROLES.includes(role))
      return refuse(
        `it needs ${PLAN_ROLES.join(', ')} on ${at.archRepo}, and @${at.actor.login} has ${at.actor.type === 'User' ? role : `no say (${at.actor.type})`}`,
      );
    if (command.verb === 'rollback') {
      // every completed step is rolled back in this person's name: their permission on each step's repository counts too
      for (const repository of new Set(
        record.run.plan.steps.filter((s) => record.run.steps[s.id]?.status === 'succeeded').map((s) => s.repository),
      )) {
        const there = await this.roleOn(repository, at.actor.login, at.traceId);
        if (!PLAN_ROLES.includes(there))
          return refuse(
            `rolling back needs ${PLAN_ROLES.join(', ')} on ${repository} as well, and @${at.actor.login} has ${there}`,
          );
      }
    }
    const event: PlanEvent = { type: command.verb, by: at.actor.login };
    const moved = await this.runtime().db.transaction(async (tx) => {
      const result = await this.advance(tx, at.archRepo, tracked, event, at.traceId);
      if (result.refused === undefined) {
        if (command.verb === 'rollback') await recordPlanRollbackBy(tx, at.archRepo, tracked, at.actor.login);
        await appendAudit(tx, {
          executionId: null,
          traceId: at.traceId,
          actor: at.actor.login,
          action: `plan:${command.verb}`,
          reason: `plan ${tracked} of ${at.archRepo}: ${result.status}`,
          data: { plan: tracked, repo: at.archRepo, comment: at.commentId },
        });
      }
      return result;
    });
    if (moved.refused !== undefined) return refuse(moved.refused);
    return { ok: true };
  }

  /** `/aaoe plan start <path>`: validate, check the world, store the run, open the tracking issue, start the ready steps. */
  private async start(
    path: string,
    at: {
      archRepo: string;
      installationId: number;
      github: GitHubAdapter;
      actor: { login: string; type: string };
      traceId: string;
      commentId: number;
    },
    refuse: (why: string) => { ok: boolean; text?: string },
  ): Promise<{ ok: boolean; text?: string }> {
    const { github, actor, archRepo } = at;
    const role = actor.type === 'User' ? await github.getRole(actor.login) : 'none';
    if (!PLAN_ROLES.includes(role))
      return refuse(
        `starting a plan needs ${PLAN_ROLES.join(', ')} on ${archRepo}, and @${actor.login} has ${actor.type === 'User' ? role : `no say (${actor.type})`}`,
      );
    const text = await github.readFile(path);
    if (text === undefined) return refuse(`there is no file \`${path}\` on the default branch of ${archRepo}`);
    const loaded = loadPlan(text, path);
    if (!loaded.ok) return refuse(planErrors(path, loaded.errors));
    const { plan } = loaded;
    const db = this.runtime().db;
    // a plan id runs once: the comment that started it may be run again (its job retried), any other is refused
    const existing = await getPlanRun(db, archRepo, plan.id);
    if (existing && existing.startedBy?.comment !== at.commentId) {
      return refuse(
        `plan \`${plan.id}\` was started before (it is ${existing.run.status.replace('_', ' ')}${existing.trackingIssue ? `, tracked in #${existing.trackingIssue}` : ''}); a plan id runs once, so give a new plan a new id`,
      );
    }
    // the world is checked before a plan is stored; the same comment's job run again finds the run it stored
    if (!existing) {
      const appOctokit = await this.ports.appOctokit();
      const world = githubPlanWorld({
        app: appOctokit,
        organization: async (org) => {
          const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
          const found = installations.find(
            (i) => (i.account as { login?: string } | null)?.login?.toLowerCase() === org.toLowerCase(),
          );
          return found ? this.ports.installationOctokit(found.id) : undefined;
        },
        // executions record no environment of their own: they deploy to the default one
        inFlight: (repository) => listInFlightExecutions(this.runtime().db, repository, DEFAULT_ENVIRONMENT),
      });
      const worldErrors = await checkPlanWorld(plan, world, path, loaded.locate);
      if (worldErrors.length > 0) return refuse(planErrors(path, worldErrors));
    }

    const now = this.ports.now();
    const fresh = newPlanRun(plan);
    const botLogin = await this.ports.botLogin();
    const tracking =
      (await github.findOpenIssueWithMarker(trackingMarker(plan.id), PLAN_LABEL, botLogin)) ??
      (await github.createIssue({
        title: `Plan ${plan.id}: ${oneLine(plan.goal, 200)}`,
        body: renderTrackingIssue(fresh, now, planWindows(plan)),
        labels: [PLAN_LABEL],
      }));
    await db.transaction(async (tx) => {
      if (!existing) {
        await savePlanRun(tx, {
          repo: archRepo,
          path,
          installationId: at.installationId,
          trackingIssue: tracking.number,
          run: fresh,
        });
        await recordPlanStart(tx, archRepo, plan.id, { login: actor.login, comment: at.commentId });
        await appendAudit(tx, {
          executionId: null,
          traceId: at.traceId,
          actor: actor.login,
          action: 'plan:start',
          reason: `plan ${plan.id} from ${path} (${plan.steps.length} steps), tracked in ${archRepo}#${tracking.number}; steps run with the consent of @${actor.login}`,
          data: { plan: plan.id, repo: archRepo, path },
        });
      }
      await this.advance(tx, archRepo, plan.id, { type: 'tick' }, at.traceId);
    });
    return {
      ok: true,
      text: `Plan \`${plan.id}\` started by @${actor.login}: ${plan.steps.length} steps, at most ${plan.policy.maxParallel} at once. Follow it in #${tracking.number}.`,
    };
  }

  // ------------------------------------------------------------------ jobs

  async onJob(job: Job<PlanJob>): Promise<void> {
    const db = this.runtime().db;
    if (await isDone(db, job.key)) return;
    const data = job.data;
    const { repo, planId } = data.plan;
    const record = await getPlanRun(db, repo, planId);
    if (!record) {
      await db.transaction((tx) => markDone(tx, job.key, null, { skipped: `plan ${planId} of ${repo} is not stored` }));
      return;
    }
    const effect = data.effect;
    switch (effect.type) {
      case 'step_execution_ended':
        await db.transaction(async (tx) => {
          if (!(await markDone(tx, job.key, effect.executionId))) return;
          await this.stepExecutionEnded(tx, repo, planId, effect.step, effect.executionId, effect.state, data.traceId);
        });
        break;
      case 'look_again':
        await db.transaction(async (tx) => {
          if (!(await markDone(tx, job.key, null))) return;
          await this.advance(tx, repo, planId, { type: 'tick' }, data.traceId);
        });
        break;
      case 'start_step':
        await this.startStep(job.key, record, effect.step, data.traceId);
        break;
      case 'rollback_step':
        await this.rollbackStep(job.key, record, effect.step, effect.executionId, data.traceId);
        break;
      case 'propose_fix':
        await this.proposeFix(job.key, record, effect.step, data.traceId);
        break;
      case 'update_tracking_issue':
        await this.updateTrackingIssue(job.key, record, data.traceId);
        break;
    }
    this.runtime().queue.wake(QUEUES.effect);
  }

  /** A step's execution ended: the step ends with its outcome, or (during a plan rollback) is rolled back. */
  private async stepExecutionEnded(
    tx: SqlExecutor,
    repo: string,
    planId: string,
    step: string,
    executionId: string,
    state: ExecutionState,
    traceId: string,
  ): Promise<void> {
    const record = await lockPlanRun(tx, repo, planId);
    const s = record?.run.steps[step];
    if (!record || !s || s.executionId !== executionId) return;
    if (state === 'rolled_back' && record.run.rollingBack === step) {
      await this.advance(tx, repo, planId, { type: 'step_rolled_back', step }, traceId);
      return;
    }
    if (record.run.rollingBack === step && FINAL_STATES.has(state)) {
      // the step's rollback itself failed: the plan cannot go on by itself, and says so (it stays rolling back)
      await appendAudit(tx, {
        executionId,
        traceId,
        actor: 'aaoe',
        action: 'plan:rollback_step_failed',
        reason: `step ${step} of plan ${planId}: its execution ended ${state.replaceAll('_', ' ')} instead of rolled back; the plan waits in rolling back until a person restores the step`,
        data: { plan: planId, repo, step },
      });
      return;
    }
    const outcome = stepOutcome(state);
    if (outcome && s.status === 'running')
      await this.advance(tx, repo, planId, { type: 'step_ended', step, outcome }, traceId);
  }

  /**
   * `start_step`: the starter's permission on the step's repository (read through the API; without it the step
   * fails and never runs), an issue there with the step's task and packages, and its governed execution.
   */
  private async startStep(key: string, record: PlanRecord, stepId: string, traceId: string): Promise<void> {
    const db = this.runtime().db;
    const { run, repo: archRepo } = record;
    const step = run.plan.steps.find((s) => s.id === stepId)!;
    const state = run.steps[stepId];
    if (state?.status !== 'running' || state.executionId) {
      await db.transaction((tx) =>
        markDone(tx, key, null, {
          skipped: `step ${stepId} is ${state?.status ?? 'unknown'}${state?.executionId ? ` with execution ${state.executionId}` : ''}`,
        }),
      );
      return;
    }
    const fail = (why: string) => this.failStep(key, record, stepId, why, traceId);
    const starter = record.startedBy?.login;
    if (!starter) return fail('the plan has no record of who started it, so no one consents to its steps');
    const installationId = await this.installationOf(step.repository);
    if (installationId === undefined) return fail(`the app is not installed on ${step.repository}`);
    const { github } = await this.ports.connect(installationId, step.repository, traceId);
    const role = await github.getRole(starter);
    if (!PLAN_ROLES.includes(role))
      return fail(
        `@${starter}, who started the plan and consents to its steps, has ${role} permission on ${step.repository}; a step runs only with ${PLAN_ROLES.join(', ')} there`,
      );

    // the step's change packages go into its issue and its pull request as rendered, whatever the model proposes
    // (a plan is validated with its templates before it starts, so this fails only for a plan stored by an older release)
    const rendered = renderStepPackages(run.plan, step);
    if (!rendered.ok)
      return fail(`its change packages do not render: ${rendered.errors.map((e) => e.message).join('; ')}`);
    const botLogin = await this.ports.botLogin();
    // one issue per attempt (the job's key names the plan's version): a step retried after `/aaoe resume` gets a new
    // issue and a new execution, while a job run again finds the issue it opened
    const marker = `<!-- aaoe:plan-step:${key} -->`;
    const title = `${run.plan.id}/${stepId}: ${oneLine(step.task ?? step.change?.title ?? `the change packages of step ${stepId}`, 180)}`;
    const issue =
      (await github.findOpenIssueWithMarker(marker, PLAN_LABEL, botLogin)) ??
      (await github.createIssue({
        title,
        body: stepIssueBody(run.plan.id, step, rendered.packages, archRepo, record.trackingIssue, starter, marker),
        labels: [PLAN_LABEL],
      }));
    const packages = rendered.packages.map((p) => ({ path: p.path, type: p.type, content: p.content }));
    const started = await startIssueExecution(this.ports, {
      key: `${key}:execution`,
      repo: step.repository,
      installationId,
      issue: { number: issue.number, title, htmlUrl: issue.htmlUrl },
      consentBy: starter,
      traceId,
      packages,
    });
    const executionId = started.executionId ?? (await getIssueExecution(db, step.repository, issue.number))?.id;
    if (!executionId)
      throw new Error(
        `step ${stepId}: the execution of ${step.repository}#${issue.number} did not start (${started.outcome}); retried`,
      );
    await db.transaction(async (tx) => {
      if (!(await markDone(tx, key, executionId, { issue: issue.number, executionId }))) return;
      await appendAudit(tx, {
        executionId,
        traceId,
        actor: starter,
        action: 'plan:start_step',
        reason: `step ${stepId} of plan ${run.plan.id} (${archRepo}#${record.trackingIssue ?? '?'}), with the consent of @${starter} (${role} on ${step.repository})`,
        data: { plan: run.plan.id, repo: archRepo, step: stepId },
      });
      await this.advance(tx, archRepo, run.plan.id, { type: 'step_started', step: stepId, executionId }, traceId);
      // an execution that ended before the step recorded it (its end found no plan step) ends the step now
      const x = await lockExecution(tx, executionId);
      if (x && FINAL_STATES.has(x.state))
        await this.stepExecutionEnded(tx, archRepo, run.plan.id, stepId, executionId, x.state, traceId);
    });
  }

  /** The step cannot start: it fails with the reason (in the audit log and on the tracking issue), and the plan pauses. */
  private async failStep(key: string, record: PlanRecord, stepId: string, why: string, traceId: string): Promise<void> {
    const db = this.runtime().db;
    const failed = await db.transaction(async (tx) => {
      if (!(await markDone(tx, key, null, { failed: why }))) return false;
      await appendAudit(tx, {
        executionId: null,
        traceId,
        actor: 'aaoe',
        action: 'plan:step_failed',
        reason: `step ${stepId} of plan ${record.run.plan.id}: ${why}`,
        data: { plan: record.run.plan.id, repo: record.repo, step: stepId },
      });
      await this.advance(
        tx,
        record.repo,
        record.run.plan.id,
        { type: 'step_ended', step: stepId, outcome: 'failed' },
        traceId,
      );
      return true;
    });
    if (failed && record.trackingIssue) {
      const { github } = await this.ports.connect(record.installationId, record.repo, traceId);
      await github.upsertComment(
        record.trackingIssue,
        `<!-- aaoe:plan-step-failed:${key} -->`,
        `<!-- aaoe:plan-step-failed:${key} -->\nStep \`${stepId}\` did not start: ${why}.`,
        await this.ports.botLogin(),
      );
    }
  }

  /** `rollback_step`: the step's execution is asked to roll back, as `/aaoe rollback` on it asks, by whoever asked for the plan's rollback. */
  private async rollbackStep(
    key: string,
    record: PlanRecord,
    stepId: string,
    executionId: string | undefined,
    traceId: string,
  ): Promise<void> {
    const db = this.runtime().db;
    const by = record.rollbackBy ?? 'aaoe';
    const execution = executionId ? await getExecution(db, executionId) : undefined;
    const refused = async (why: string) => {
      await db.transaction(async (tx) => {
        if (!(await markDone(tx, key, executionId ?? null, { refused: why }))) return;
        await appendAudit(tx, {
          executionId: executionId ?? null,
          traceId,
          actor: by,
          action: 'plan:rollback_step',
          reason: `refused: step ${stepId}: ${why}`,
          data: { plan: record.run.plan.id, repo: record.repo, step: stepId },
        });
      });
      if (record.trackingIssue) {
        const { github } = await this.ports.connect(record.installationId, record.repo, traceId);
        await github.upsertComment(
          record.trackingIssue,
          `<!-- aaoe:plan-rollback:${key} -->`,
          `<!-- aaoe:plan-rollback:${key} -->\nStep \`${stepId}\` was not rolled back: ${why}. Roll its execution back by hand (\`/aaoe rollback\` on its pull request): the plan goes on once it is rolled back.`,
          await this.ports.botLogin(),
        );
      }
    };
    if (!execution) return refused('the step has no execution');
    const moved = await db.transaction(async (tx) => {
      const before = await lockExecution(tx, execution.id);
      if (!before) return 'the execution vanished';
      if (before.state === 'rolled_back') {
        // rolled back already (by hand, before the plan's rollback reached it): the step is rolled back
        if (!(await markDone(tx, key, execution.id, { by, already: 'rolled_back' }))) return undefined;
        await appendAudit(tx, {
          executionId: execution.id,
          traceId,
          actor: by,
          action: 'plan:rollback_step',
          reason: `step ${stepId} of plan ${record.run.plan.id}: its execution was rolled back already`,
          data: { plan: record.run.plan.id, repo: record.repo, step: stepId },
        });
        await this.advance(tx, record.repo, record.run.plan.id, { type: 'step_rolled_back', step: stepId }, traceId);
        return undefined;
      }
      if (before.state === 'rolling_back') {
        // rolling back already (by hand): its end moves the plan on, as the end of a rollback the plan asked for does
        if (!(await markDone(tx, key, execution.id, { by, already: 'rolling_back' }))) return undefined;
        await appendAudit(tx, {
          executionId: execution.id,
          traceId,
          actor: by,
          action: 'plan:rollback_step',
          reason: `step ${stepId} of plan ${record.run.plan.id}: its execution is rolling back already; the plan goes on when it ends`,
          data: { plan: record.run.plan.id, repo: record.repo, step: stepId },
        });
        return undefined;
      }
      const result = transition(
        before,
        { type: 'rollback_requested', by, reason: `plan ${record.run.plan.id} rolls back (requested by ${by})` },
        this.ports.now(),
      );
      if (result.outcome === 'illegal') return result.reason;
      if (!(await markDone(tx, key, execution.id, { by }))) return undefined;
      await commitTransition(
        tx,
        this.runtime().queue,
        before,
        { ...before, ...result.execution },
        result.effects,
        traceId,
      );
      await appendAudit(tx, {
        executionId: execution.id,
        traceId,
        actor: by,
        action: 'command:rollback',
        reason: `accepted: plan ${record.run.plan.id} (${record.repo}#${record.trackingIssue ?? '?'}) rolls back step ${stepId}`,
        data: { source: 'plan', plan: record.run.plan.id },
      });
      return undefined;
    });
    if (moved) await refused(moved);
  }

  /** `propose_fix`: an issue in the failed step's repository that says what failed and how the plan goes on. */
  private async proposeFix(key: string, record: PlanRecord, stepId: string, traceId: string): Promise<void> {
    const { run } = record;
    const step = run.plan.steps.find((s) => s.id === stepId)!;
    const executionId = run.steps[stepId]?.executionId;
    if (!executionId) {
      // the step never ran (it could not start: the tracking issue says why), so there is nothing to fix in its repository
      await this.runtime().db.transaction((tx) =>
        markDone(tx, key, null, { notDone: `step ${stepId} never ran: no fix issue in ${step.repository}` }),
      );
      return;
    }
    const installationId = await this.installationOf(step.repository);
    const execution = await getExecution(this.runtime().db, executionId);
    if (installationId === undefined) {
      await this.runtime().db.transaction((tx) =>
        markDone(tx, key, executionId, { notDone: `the app is not installed on ${step.repository}: no fix issue` }),
      );
      return;
    }
    const { github } = await this.ports.connect(installationId, step.repository, traceId);
    const marker = `<!-- aaoe:plan-fix:${key} -->`;
    const botLogin = await this.ports.botLogin();
    const tracking = record.trackingIssue ? `${record.repo}#${record.trackingIssue}` : record.repo;
    const issue =
      (await github.findOpenIssueWithMarker(marker, PLAN_LABEL, botLogin)) ??
      (await github.createIssue({
        title: `Fix step ${stepId} of plan ${run.plan.id}`,
        body: [
          marker,
          `Step \`${stepId}\` of plan \`${run.plan.id}\` (${tracking}) failed${execution ? `: its execution \`${execution.id}\` ended ${execution.state.replaceAll('_', ' ')}${execution.work?.failure ? ` (${execution.work.failure})` : ''}` : ''}.`,
          '',
          `The step's task: ${step.task ?? step.change?.title ?? 'its change packages'}`,
          '',
          `The plan is paused: nothing new starts. Fix what made the step fail here, then comment \`/aaoe resume\` on ${tracking} to run the step again, or \`/aaoe rollback\` there to roll the completed steps back.`,
          execution ? `\n\`npx aaoe audit show ${execution.id}\` prints the execution's history.` : '',
        ].join('\n'),
        labels: [PLAN_LABEL],
      }));
    await this.runtime().db.transaction((tx) => markDone(tx, key, executionId ?? null, { issue: issue.number }));
  }

  /** `update_tracking_issue`: the tracking issue's body, rendered from the run as stored now (one PATCH). */
  private async updateTrackingIssue(key: string, record: PlanRecord, traceId: string): Promise<void> {
    if (!record.trackingIssue) {
      await this.runtime().db.transaction((tx) => markDone(tx, key, null, { skipped: 'no tracking issue' }));
      return;
    }
    const urls = new Map<string, string>();
    for (const s of Object.values(record.run.steps)) {
      if (!s.executionId) continue;
      const x = await getExecution(this.runtime().db, s.executionId);
      const url = x?.subject?.htmlUrl ?? x?.work?.issue.htmlUrl;
      if (url) urls.set(s.executionId, url);
    }
    const { github } = await this.ports.connect(record.installationId, record.repo, traceId);
    await github.updateIssueBody(
      record.trackingIssue,
      renderTrackingIssue(record.run, this.ports.now(), planWindows(record.run.plan), (_step, id) => urls.get(id)),
    );
    await this.runtime().db.transaction((tx) => markDone(tx, key, null, { version: record.run.version }));
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Applies an event to the stored plan (locked in `tx`), saves it and enqueues its effects as jobs (a `look_again`
   * as a timer). Returns why it was refused, when it was.
   */
  private async advance(
    tx: SqlExecutor,
    repo: string,
    planId: string,
    event: PlanEvent,
    traceId: string,
  ): Promise<{ refused?: string; status: PlanRun['status'] }> {
    const record = await lockPlanRun(tx, repo, planId);
    if (!record) return { refused: `plan ${planId} is not stored`, status: 'done' };
    const { run, effects, refused } = advancePlan(record.run, event, this.ports.now(), planWindows(record.run.plan));
    if (refused !== undefined) return { refused, status: record.run.status };
    if (run !== record.run) await savePlanRun(tx, { ...record, run }, record.run.version);
    for (const effect of effects) {
      const job: PlanEffectJob = { plan: { repo, planId }, traceId, executionId: planRef(repo, planId), effect };
      const key = `${repo}:${effect.key}`;
      if (effect.type === 'look_again') await setTimer(tx, new Date(effect.at), { ...job, effect: { ...effect, key } });
      else await this.runtime().queue.enqueue(tx, QUEUES.effect, key, job);
    }
    return { status: run.status };
  }

  private async installationOf(repository: string): Promise<number | undefined> {
    const [owner = '', repo = ''] = repository.split('/');
    try {
      const { data } = await (await this.ports.appOctokit()).rest.apps.getRepoInstallation({ owner, repo });
      return data.id;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  private async roleOn(repository: string, login: string, traceId: string): Promise<RepositoryRole> {
    const installationId = await this.installationOf(repository);
    if (installationId === undefined) return 'none';
    const { github } = await this.ports.connect(installationId, repository, traceId);
    return github.getRole(login);
  }

  private runtime() {
    return this.ports.runtime;
  }
}

function planErrors(path: string, errors: ReadonlyArray<Parameters<typeof formatPlanError>[0]>): string {
  const shown = errors.slice(0, MAX_ERRORS_SHOWN).map((e) => formatPlanError(e));
  const more = errors.length > shown.length ? `\n… and ${errors.length - shown.length} more` : '';
  return `\`${path}\` has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix ${errors.length === 1 ? 'it' : 'them'} on the default branch and comment again:\n\n\`\`\`\n${shown.join('\n').replaceAll('```', "'''")}${more}\n\`\`\``;
}

/** The step's issue: its task (or ready change), its rendered change packages, where it comes from. */
function stepIssueBody(
  planId: string,
  step: Step,
  packages: readonly RenderedPackage[],
  archRepo: string,
  trackingIssue: number | null,
  starter: string,
  marker: string,
): string {
  const lines = [step.task ?? `Propose this change as written: ${step.change?.title ?? ''}`];
  if (step.change) for (const file of step.change.files) lines.push('', `\`${file.path}\`:`, fence(file.content));
  if (packages.length > 0) {
    lines.push(
      '',
      "AAOE adds these files to the pull request as they are (the change packages of the step, rendered from the plan's templates):",
    );
    for (const p of packages) lines.push('', `\`${p.path}\` (${p.type}):`, fence(p.content));
  }
  lines.push(
    '',
    '---',
    `Step \`${step.id}\` of plan \`${planId}\` (${archRepo}${trackingIssue ? `#${trackingIssue}` : ''}), ${step.environment}, ${step.rollout}; owner team ${step.team}. Started with the consent of @${starter}.`,
    marker,
  );
  return lines.join('\n');
}

function fence(text: string): string {
  const ticks = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}\n${text.replace(/\n$/, '')}\n${ticks}`;
}

function describePlan(record: PlanRecord): string {
  const { run } = record;
  const steps = run.plan.steps.map((s) => {
    const st = run.steps[s.id];
    return `\`${s.id}\` ${st?.status.replace('_', ' ') ?? 'pending'}${st?.executionId ? ` (execution \`${st.executionId}\`)` : ''}`;
  });
  return `**Plan \`${run.plan.id}\`**: ${run.status.replace('_', ' ')}${run.rollingBack ? `, rolling back \`${run.rollingBack}\`` : ''}. Steps: ${steps.join(', ')}.`;
}

function oneLine(text: string, max: number): string {
  const line = text.trim().split(/\r?\n/)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
