import type { CommentFacts } from '../adapters/github/github-facts.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { RepoContext } from '../adapters/github/repo-context.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { isDone, markDone } from '../adapters/store/executions.js';
import { QUEUES, type Job } from '../adapters/store/job-shapes.js';
import { getPlanRun, planOfTrackingIssue, recordPlanRollbackBy, type PlanRecord } from '../adapters/store/plans.js';
import { COMMAND_TEXT, type Command, type ParsedCommand } from '../core/commands/commands.js';
import { HUMAN_ONLY_VERBS } from '../core/policy/governance.js';
import { describePlan, planCommandRefused, PLAN_REFUSAL } from '../core/text/plan.js';
import type { DeliveryOf } from './jobs.js';
import { advanceStoredPlan } from './plan-advance.js';
import { PLAN_ROLES, roleOn, type PlanWorkPorts } from './plan-ports.js';
import { startPlan, type PlanCommandAt, type PlanReply } from './plan-start.js';

/**
 * The comments of plans: `/aaoe plan start plans/<file>.yml` on an issue of the architecture repository, and
 * `/aaoe pause|resume|rollback|status` on a plan's tracking issue. Each command gets a reply (one comment per
 * comment, found again by its marker) and the comment a reaction.
 */

const MAX_COMMANDS = 5;

/**
 * A comment that starts a plan, or any command comment on a plan's tracking issue: handled here (true); any other
 * comment is left to the execution commands (false).
 */
export async function onPlanComment(
  ports: PlanWorkPorts,
  job: Job<DeliveryOf<'comment'>>,
  context: RepoContext,
  github: GitHubAdapter,
  read: { comment: CommentFacts | undefined; commands: ParsedCommand[] },
): Promise<boolean> {
  const facts = job.data.comment;
  if (facts.onPullRequest) return false;
  const { owner, repo } = context.repo();
  const archRepo = `${owner}/${repo}`;
  const db = ports.runtime.db;
  const tracked = await planOfTrackingIssue(db, archRepo, facts.number);
  const { comment } = read;
  if (!comment) return tracked !== undefined;
  const parsed = read.commands.slice(0, MAX_COMMANDS);
  const starts = parsed.some(
    (p) => (p.type === 'command' && p.command.verb === 'plan') || (p.type === 'invalid' && p.verb === 'plan'),
  );
  if (!tracked && !starts) return false;
  const key = `${job.key}:comment:${facts.id}`;
  if (await isDone(db, key)) return true;
  const botLogin = await ports.botLogin();
  if (comment.author.login.toLowerCase() === botLogin.toLowerCase()) {
    await db.transaction((tx) => markDone(tx, key, null));
    return true;
  }
  const at: PlanCommandAt = {
    archRepo,
    installationId: job.data.installationId,
    github,
    actor: { login: comment.author.login, type: comment.author.type },
    traceId: job.data.id,
    issue: facts.number,
    commentId: facts.id,
    viaApp: comment.viaApp,
  };
  const outcomes: PlanReply[] = [];
  for (const p of parsed) outcomes.push(await planCommand(ports, p, tracked, at));
  const replies = outcomes.map((o) => o.text).filter((t): t is string => !!t);
  const marker = `<!-- aaoe:reply:${facts.id} -->`;
  if (replies.length > 0) await github.upsertComment(facts.number, marker, [marker, ...replies].join('\n\n'), botLogin);
  await github.addCommentReaction(facts.id, outcomes.every((o) => o.ok) ? '+1' : 'confused');
  await db.transaction((tx) => markDone(tx, key, null, { commands: parsed.length, plan: tracked ?? null }));
  ports.runtime.queue.wake(QUEUES.effect);
  return true;
}

async function planCommand(
  ports: PlanWorkPorts,
  parsed: ParsedCommand,
  tracked: string | undefined,
  at: PlanCommandAt,
): Promise<PlanReply> {
  if (parsed.type !== 'command') return { ok: false, text: parsed.reply };
  const { command } = parsed;
  if (command.verb === 'help') return { ok: true, text: COMMAND_TEXT.help() };
  const refuse = (why: string): PlanReply => ({ ok: false, text: planCommandRefused(command, at.actor.login, why) });
  if (at.viaApp && (command.verb === 'plan' || HUMAN_ONLY_VERBS.has(command.verb))) {
    // starting a plan spends money in many repositories and resuming or rolling one back is a person's decision: a
    // comment a GitHub App posted on someone's behalf (an agent platform, say) carries none of that authority
    return refuse(PLAN_REFUSAL.viaApp(at.viaApp, at.actor.login));
  }
  if (command.verb === 'plan') return startPlan(ports, command.path, at, refuse);
  if (!tracked) return refuse(PLAN_REFUSAL.notTracking());
  const record = await getPlanRun(ports.runtime.db, at.archRepo, tracked);
  if (!record) return refuse(PLAN_REFUSAL.notStored(tracked));
  if (command.verb === 'status' || command.verb === 'explain') return { ok: true, text: describePlan(record.run) };
  if (command.verb !== 'pause' && command.verb !== 'resume' && command.verb !== 'rollback')
    return refuse(PLAN_REFUSAL.notATrackingCommand(command.verb));
  const role = at.actor.type === 'User' ? await at.github.getRole(at.actor.login) : 'none';
  if (!PLAN_ROLES.includes(role)) return refuse(PLAN_REFUSAL.needsRole(PLAN_ROLES, at.archRepo, at.actor, role));
  if (command.verb === 'rollback') {
    const denied = await rollbackDenied(ports, record, at);
    if (denied) return refuse(denied);
  }
  const refused = await applyPlanCommand(ports, command.verb, tracked, at);
  return refused !== undefined ? refuse(refused) : { ok: true };
}

/** Every completed step is rolled back in this person's name: their permission on each step's repository counts too. */
async function rollbackDenied(
  ports: PlanWorkPorts,
  record: PlanRecord,
  at: PlanCommandAt,
): Promise<string | undefined> {
  const { run } = record;
  const repositories = new Set(
    run.plan.steps.filter((s) => run.steps[s.id]?.status === 'succeeded').map((s) => s.repository),
  );
  for (const repository of repositories) {
    const there = await roleOn(ports, repository, at.actor.login, at.traceId);
    if (!PLAN_ROLES.includes(there))
      return PLAN_REFUSAL.rollbackNeedsRole(PLAN_ROLES, repository, at.actor.login, there);
  }
  return undefined;
}

/** `pause`, `resume` or `rollback`: the plan moves (and the move is audited) in one transaction, or says why not. */
async function applyPlanCommand(
  ports: PlanWorkPorts,
  verb: Extract<Command['verb'], 'pause' | 'resume' | 'rollback'>,
  tracked: string,
  at: PlanCommandAt,
): Promise<string | undefined> {
  const moved = await ports.runtime.db.transaction(async (tx) => {
    const plan = { repo: at.archRepo, planId: tracked };
    const result = await advanceStoredPlan(ports, tx, plan, { type: verb, by: at.actor.login }, at.traceId);
    if (result.refused === undefined) {
      if (verb === 'rollback') await recordPlanRollbackBy(tx, at.archRepo, tracked, at.actor.login);
      await appendAudit(tx, {
        executionId: null,
        traceId: at.traceId,
        actor: at.actor.login,
        action: `plan:${verb}`,
        reason: `plan ${tracked} of ${at.archRepo}: ${result.status}`,
        data: { plan: tracked, repo: at.archRepo, comment: at.commentId },
      });
    }
    return result;
  });
  return moved.refused;
}
