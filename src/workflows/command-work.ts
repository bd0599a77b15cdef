import type { RepoContext } from '../adapters/github/repo-context.js';
import type { CommentFacts } from '../adapters/github/github-facts.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { getIssueExecution, getPullRequestExecution, isDone, markDone } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import { QUEUES, type Job } from '../adapters/store/job-shapes.js';
import { approvedSha } from '../core/commands/approved-sha.js';
import type { CommandSource } from '../core/commands/command-rules.js';
import type { ParsedCommand } from '../core/commands/commands.js';
import { COMMAND_REPLY_TEXT as TEXT } from '../core/text/commands.js';
import type { CommandPorts, Outcome } from './command-apply.js';
import { onButton } from './command-button.js';
import { runCommand } from './command-run.js';
import type { DeliveryOf } from './jobs.js';
import type { RepoPolicy } from './load-repo-policy.js';

/**
 * Comment commands (`/aaoe approve` and friends), the check run's buttons and the control-plane API's verbs. Who may
 * do what is decided through the API and never from the payload alone: the commenter's permission is read with the
 * collaborator API, the comment itself is read again (so an edited one is seen as edited), approvals are bound to
 * the pull request and its head commit, and whether they count is `evaluateApprovals`' judgement each time the
 * policy is evaluated. Every command is acknowledged with a reaction and recorded in the audit log. The families
 * live next to this file: command-run.ts (one command), command-approve.ts, command-change.ts, command-button.ts.
 */

/** Commands read from one comment at most; the rest are ignored (a comment is not a script). */
const MAX_COMMANDS = 5;

/** The verbs the control-plane API asks for; the same decision as the comment command of that name. */
export type ApiVerb = 'approve' | 'pause' | 'resume' | 'rollback';

export type VerbOutcome = { ok: true; text?: string } | { ok: false; reason: string };

export class CommandWork {
  constructor(private readonly ports: CommandPorts) {}

  /** An `issue_comment.created` delivery that may hold commands: `comment` as GitHub has it now (undefined: deleted). */
  async onComment(
    job: Job<DeliveryOf<'comment'>>,
    context: RepoContext,
    github: GitHubAdapter,
    comment: CommentFacts | undefined,
    commands: ParsedCommand[],
  ): Promise<void> {
    const facts = job.data.comment;
    const db = this.ports.runtime.db;
    const key = `${job.key}:comment:${facts.id}`;
    if (await isDone(db, key)) return;
    const botLogin = await this.ports.botLogin();
    const parsed = commands.slice(0, MAX_COMMANDS);
    if (!comment || comment.author.login.toLowerCase() === botLogin.toLowerCase() || parsed.length === 0) {
      await db.transaction((tx) => markDone(tx, key, null));
      return;
    }
    const { owner, repo } = context.repo();
    const fullName = `${owner}/${repo}`;
    const execution = facts.onPullRequest
      ? await getPullRequestExecution(db, fullName, facts.number)
      : await getIssueExecution(db, fullName, facts.number);
    const repoPolicy = await this.ports.policyFor(context);
    const outcomes = await this.runLines(parsed, comment, {
      execution,
      repoPolicy,
      github,
      traceId: job.data.id,
      facts,
      installationId: job.data.installationId,
    });
    const replies = outcomes.map((o) => o.text).filter((t): t is string => !!t);
    const marker = `<!-- aaoe:reply:${facts.id} -->`;
    if (replies.length > 0)
      await github.upsertComment(facts.number, marker, [marker, ...replies].join('\n\n'), botLogin);
    await github.addCommentReaction(facts.id, outcomes.every((o) => o.ok) ? '+1' : 'confused');
    await db.transaction((tx) => markDone(tx, key, execution?.id ?? null, { commands: parsed.length }));
    this.ports.runtime.queue.wake(QUEUES.effect);
  }

  /** The command lines of one comment, one after the other (`/aaoe approve <sha>` is the approve command naming a head). */
  private async runLines(
    parsed: ParsedCommand[],
    comment: CommentFacts,
    at: {
      execution: ExecutionRecord | undefined;
      repoPolicy: RepoPolicy;
      github: GitHubAdapter;
      traceId: string;
      facts: DeliveryOf<'comment'>['comment'];
      installationId: number;
    },
  ): Promise<Outcome[]> {
    const { facts, ...rest } = at;
    const actor = { login: comment.author.login, type: comment.author.type };
    const outcomes: Outcome[] = [];
    for (const p of parsed) {
      const sha = approvedSha(p, comment.body);
      const command: ParsedCommand = sha ? { type: 'command', line: p.line, command: { verb: 'approve' } } : p;
      const source: CommandSource = {
        kind: 'comment',
        id: facts.id,
        createdAt: comment.createdAt,
        updatedAt: comment.updatedAt,
        ...(comment.viaApp ? { viaApp: comment.viaApp } : {}),
        ...(sha ? { sha } : {}),
      };
      const run = { ...rest, actor, source, number: facts.number, onPullRequest: facts.onPullRequest };
      outcomes.push(await runCommand(this.ports, command, run));
    }
    return outcomes;
  }

  /** A `check_run.requested_action` delivery: a button of the `aaoe/policy` check was pressed. */
  async onButton(job: Job<DeliveryOf<'button'>>, context: RepoContext, github: GitHubAdapter): Promise<void> {
    await onButton(this.ports, job, context, github);
  }

  /**
   * A verb for an actor the caller authenticated (the control-plane API and its MCP tools): the one decision the
   * comment command makes (permission read through the API, approvals recorded bound to the PR's head and judged by
   * `evaluateApprovals`, the transition, the audit entry); a refusal is audited and says why.
   */
  async runVerb(
    verb: ApiVerb,
    at: {
      execution: ExecutionRecord;
      repoPolicy: RepoPolicy;
      github: GitHubAdapter;
      actor: { login: string; type: string };
      requestId: number;
      traceId: string;
      sha?: string;
    },
  ): Promise<VerbOutcome> {
    const { execution, requestId, sha, ...rest } = at;
    const number = execution.pullRequest ?? execution.issue ?? 0;
    const source: CommandSource = { kind: 'api', id: requestId, ...(sha ? { sha } : {}) };
    const outcome = await runCommand(
      this.ports,
      { type: 'command', line: 1, command: { verb } },
      { ...rest, execution, source, number, onPullRequest: execution.pullRequest !== null },
    );
    if (outcome.ok) return { ok: true, ...(outcome.text ? { text: outcome.text } : {}) };
    return { ok: false, reason: outcome.reason ?? outcome.text ?? TEXT.verbRefused(verb) };
  }
}
