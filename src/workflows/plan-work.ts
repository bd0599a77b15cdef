import type { CommentFacts } from '../adapters/github/github-facts.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { RepoContext } from '../adapters/github/repo-context.js';
import type { Job } from '../adapters/store/job-shapes.js';
import type { ParsedCommand } from '../core/commands/commands.js';
import type { DeliveryOf } from './jobs.js';
import { onPlanComment } from './plan-commands.js';
import { onPlanJob } from './plan-effects.js';
import type { PlanJob, PlanWorkPorts } from './plan-ports.js';

/**
 * Architecture plans run by the app (docs/plans.md). The plan's state machine is `advancePlan` (pure,
 * core/plan/run-plan.ts); the workflows around it are its I/O edge, one file per part:
 *
 * - `plan-commands` / `plan-start`: `/aaoe plan start plans/<file>.yml` on an issue of the architecture repository,
 *   by someone with write, maintain or admin there (read through the collaborator API): the file is read from the
 *   default branch and validated, the world checks run (`checkPlanWorld`), the run is stored and a tracking issue
 *   opened (found again by its marker). `/aaoe pause|resume|rollback|status` on the tracking issue act on the plan.
 * - `plan-effects`: every effect of the plan is a keyed job on the effect queue: `start_step` (`plan-start-step`)
 *   opens an issue in the step's repository and starts its governed execution with the consent of the person who
 *   started the plan, whose permission on that repository is read through the API first; `rollback_step`
 *   (`plan-rollback-step`) asks the step's execution to roll back as `/aaoe rollback` on it would; `propose_fix`
 *   opens an issue; `update_tracking_issue` rewrites the tracking issue; `look_again` is a timer.
 * - `plan-advance`: an execution that carries a step and ends enqueues `step_execution_ended` in the transaction of
 *   its transition (`commitTransition`), and the plan moves on there, through `advancePlan`.
 *
 * Every sentence they say is in core/text/plan.ts.
 */
export class PlanWork {
  constructor(private readonly ports: PlanWorkPorts) {}

  /**
   * A comment that starts a plan, or any command comment on a plan's tracking issue: handled here (true); any other
   * comment is left to the execution commands (false).
   */
  onComment(
    job: Job<DeliveryOf<'comment'>>,
    context: RepoContext,
    github: GitHubAdapter,
    comment: CommentFacts | undefined,
    commands: ParsedCommand[],
  ): Promise<boolean> {
    return onPlanComment(this.ports, job, context, github, { comment, commands });
  }

  /** A job of a plan's effect, or the end of a step's execution. */
  onJob(job: Job<PlanJob>): Promise<void> {
    return onPlanJob(this.ports, job);
  }
}
