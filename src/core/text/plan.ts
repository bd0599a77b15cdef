import type { ExecutionState } from '../execution/execution-model.js';
import { formatPlanError, type PlanError } from '../plan/load-plan.js';
import type { RenderedPackage } from '../plan/render-package.js';
import type { PlanRun } from '../plan/run-plan.js';
import type { Step } from '../plan/schema.js';
import { firstLine } from './markdown.js';

/**
 * Every sentence a plan says to people (docs/plans.md): the replies to `/aaoe plan ...` and the tracking issue's
 * commands, the reasons a command or a step is refused, the step's issue, the fix issue, and the comments on the
 * tracking issue. The tracking issue's body is rendered by `renderTrackingIssue` (core/plan/run-plan.ts).
 */

const MAX_ERRORS_SHOWN = 30;

/** The roles that may start, pause, resume or roll back a plan, as a list in a sentence. */
type Roles = readonly string[];
type Actor = { login: string; type: string };

/** `@login has <role>`, or `no say (<type>)` for an account that is not a person. */
function roleOf(actor: Actor, role: string): string {
  return actor.type === 'User' ? role : `no say (${actor.type})`;
}

/** A plan command's refusal, as its reply: the command as written, who wrote it, and why. */
export function planCommandRefused(
  command: { verb: string; action?: string; path?: string },
  login: string,
  why: string,
): string {
  const written = command.verb === 'plan' ? ` ${command.action ?? ''} ${command.path ?? ''}` : '';
  return `\`/aaoe ${command.verb}${written}\` by @${login} was refused: ${why}`;
}

export const PLAN_REFUSAL = {
  viaApp: (app: string, login: string) =>
    `this comment was posted by the GitHub App "${app}" on @${login}'s behalf, and a comment an app posts never starts, resumes or rolls back a plan; @${login} must write it on GitHub themselves`,
  notTracking: () =>
    "on an issue that is not a plan's tracking issue, only `/aaoe plan start` is read; write other commands in a comment of their own",
  notStored: (planId: string) => `plan ${planId} is not stored`,
  notATrackingCommand: (verb: string) =>
    `on a plan's tracking issue the commands are \`/aaoe pause\`, \`/aaoe resume\`, \`/aaoe rollback\` and \`/aaoe status\`; \`/aaoe ${verb}\` acts on a step's own issue or pull request`,
  needsRole: (roles: Roles, repo: string, actor: Actor, role: string) =>
    `it needs ${roles.join(', ')} on ${repo}, and @${actor.login} has ${roleOf(actor, role)}`,
  rollbackNeedsRole: (roles: Roles, repository: string, login: string, role: string) =>
    `rolling back needs ${roles.join(', ')} on ${repository} as well, and @${login} has ${role}`,
  startNeedsRole: (roles: Roles, repo: string, actor: Actor, role: string) =>
    `starting a plan needs ${roles.join(', ')} on ${repo}, and @${actor.login} has ${roleOf(actor, role)}`,
  noFile: (path: string, repo: string) => `there is no file \`${path}\` on the default branch of ${repo}`,
  startedBefore: (planId: string, status: PlanRun['status'], trackingIssue: number | null) =>
    `plan \`${planId}\` was started before (it is ${status.replace('_', ' ')}${trackingIssue ? `, tracked in #${trackingIssue}` : ''}); a plan id runs once, so give a new plan a new id`,
} as const;

/** The reply to a plan file with errors: the first ones, each with its place, in a code block. */
export function planErrors(path: string, errors: readonly PlanError[]): string {
  const shown = errors.slice(0, MAX_ERRORS_SHOWN).map((e) => formatPlanError(e));
  const more = errors.length > shown.length ? `\n… and ${errors.length - shown.length} more` : '';
  const count = `${errors.length} error${errors.length === 1 ? '' : 's'}`;
  const list = `${shown.join('\n').replaceAll('```', "'''")}${more}`;
  return `\`${path}\` has ${count}; fix ${errors.length === 1 ? 'it' : 'them'} on the default branch and comment again:\n\n\`\`\`\n${list}\n\`\`\``;
}

export function planStarted(
  planId: string,
  login: string,
  steps: number,
  maxParallel: number,
  trackingIssue: number,
): string {
  return `Plan \`${planId}\` started by @${login}: ${steps} steps, at most ${maxParallel} at once. Follow it in #${trackingIssue}.`;
}

export function trackingIssueTitle(planId: string, goal: string): string {
  return `Plan ${planId}: ${firstLine(goal, 200)}`;
}

/** `/aaoe status` (or `explain`) on the tracking issue. */
export function describePlan(run: PlanRun): string {
  const steps = run.plan.steps.map((s) => {
    const st = run.steps[s.id];
    return `\`${s.id}\` ${st?.status.replace('_', ' ') ?? 'pending'}${st?.executionId ? ` (execution \`${st.executionId}\`)` : ''}`;
  });
  return `**Plan \`${run.plan.id}\`**: ${run.status.replace('_', ' ')}${run.rollingBack ? `, rolling back \`${run.rollingBack}\`` : ''}. Steps: ${steps.join(', ')}.`;
}

// ------------------------------------------------------------------ steps

export const STEP_REFUSAL = {
  noStarter: () => 'the plan has no record of who started it, so no one consents to its steps',
  notInstalled: (repository: string) => `the app is not installed on ${repository}`,
  starterRole: (starter: string, role: string, repository: string, roles: Roles) =>
    `@${starter}, who started the plan and consents to its steps, has ${role} permission on ${repository}; a step runs only with ${roles.join(', ')} there`,
  packagesDoNotRender: (messages: readonly string[]) => `its change packages do not render: ${messages.join('; ')}`,
  noExecution: () => 'the step has no execution',
  executionVanished: () => 'the execution vanished',
} as const;

/** The title of a step's issue: the plan and step, and the first line of its task. */
export function stepIssueTitle(planId: string, step: Step): string {
  return `${planId}/${step.id}: ${firstLine(step.task ?? step.change?.title ?? `the change packages of step ${step.id}`, 180)}`;
}

/** The step's issue: its task (or ready change), its rendered change packages, where it comes from. */
export function stepIssueBody(
  planId: string,
  step: Step,
  packages: readonly RenderedPackage[],
  where: { archRepo: string; trackingIssue: number | null; starter: string; marker: string },
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
  const tracked = `${where.archRepo}${where.trackingIssue ? `#${where.trackingIssue}` : ''}`;
  lines.push(
    '',
    '---',
    `Step \`${step.id}\` of plan \`${planId}\` (${tracked}), ${step.environment}, ${step.rollout}; owner team ${step.team}. Started with the consent of @${where.starter}.`,
    where.marker,
  );
  return lines.join('\n');
}

/** A code fence longer than any run of backticks in `text`. */
export function fence(text: string): string {
  const ticks = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}\n${text.replace(/\n$/, '')}\n${ticks}`;
}

/** The comment on the tracking issue when a step could not start. */
export function stepDidNotStart(marker: string, stepId: string, why: string): string {
  return `${marker}\nStep \`${stepId}\` did not start: ${why}.`;
}

/** The comment on the tracking issue when a step's rollback was refused. */
export function stepNotRolledBack(marker: string, stepId: string, why: string): string {
  return `${marker}\nStep \`${stepId}\` was not rolled back: ${why}. Roll its execution back by hand (\`/aaoe rollback\` on its pull request): the plan goes on once it is rolled back.`;
}

/** The issue in a failed step's repository: what failed, and how the plan goes on. */
export function fixIssue(
  marker: string,
  planId: string,
  step: Step,
  tracking: string,
  execution: { id: string; state: ExecutionState; failure?: string | undefined } | undefined,
): { title: string; body: string } {
  const ended = execution
    ? `: its execution \`${execution.id}\` ended ${execution.state.replaceAll('_', ' ')}${execution.failure ? ` (${execution.failure})` : ''}`
    : '';
  const body = [
    marker,
    `Step \`${step.id}\` of plan \`${planId}\` (${tracking}) failed${ended}.`,
    '',
    `The step's task: ${step.task ?? step.change?.title ?? 'its change packages'}`,
    '',
    `The plan is paused: nothing new starts. Fix what made the step fail here, then comment \`/aaoe resume\` on ${tracking} to run the step again, or \`/aaoe rollback\` there to roll the completed steps back.`,
    execution ? `\n\`npx @aaoe-dev/aaoe@0.2.0 audit show ${execution.id}\` prints the execution's history.` : '',
  ].join('\n');
  return { title: `Fix step ${step.id} of plan ${planId}`, body };
}
