import type { RepoContext as Context } from '../adapters/github/repo-context.js';
import { transition, type ExecutionEvent } from '../core/execution/transition.js';
import { isOutage } from '../adapters/github/github-errors.js';
import type { CommentFacts, GitHubAdapter, PullRequestFacts } from '../adapters/github/github-adapter.js';
import {
  APPROVAL_TEXT,
  evaluateApprovals,
  type ApprovalsEvaluation,
  type PermissionFact,
} from '../core/policy/approvals.js';
import { matchingRule, parseCodeowners } from '../core/agent/codeowners.js';
import type { Policy } from '../core/policy/schema.js';
import {
  executionOfCheckRun,
  headSince,
  listApprovals,
  previousHeads,
  recordApproval,
  toCandidate,
  type ApprovalRecord,
} from '../adapters/store/approvals.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { activeFreeze, liftFreeze } from '../adapters/store/breaker.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import {
  getExecution,
  getIssueExecution,
  getPullRequestExecution,
  isDone,
  lockIssueExecution,
  lockPullRequestExecution,
  markDone,
  type ExecutionRecord,
} from '../adapters/store/executions.js';
import { commitTransition } from './commit-transition.js';
import { QUEUES, type Job } from '../adapters/store/job-queue.js';
import { changedPaths } from '../core/policy/change.js';
import { DEFAULT_ENVIRONMENT } from './deploy-work.js';
import { COMMAND_TEXT, type Command, type ParsedCommand } from '../core/commands/commands.js';
import type { DeliveryOf } from './jobs.js';
import type { AgentWorkPorts } from './agent-work.js';
import type { RepoPolicy } from './load-repo-policy.js';
import { HUMAN_ONLY_VERBS, agentIdentity } from '../core/policy/governance.js';

/**
 * Comment commands (`/aaoe approve` and friends) and the check run's buttons. Who may do what is decided here,
 * through the API and never from the payload alone: the commenter's permission is read with the collaborator
 * API, the comment itself is read again (so an edited one is seen as edited), approvals are bound to the pull
 * request and its head commit, and whether they count is `evaluateApprovals`' judgement each time the policy is
 * evaluated. Every command is acknowledged with a reaction and recorded in the audit log.
 */

/** What commands need of the app: the store, the clock, the policy, the app's login (no GitHub client of their own). */
export type CommandPorts = Omit<AgentWorkPorts, 'connect'>;

/** Commands read from one comment at most; the rest are ignored (a comment is not a script). */
const MAX_COMMANDS = 5;

type Outcome = {
  ok: boolean;
  text?: string;
  /** Set when refused: why, in words (the reply's text without the command). */ reason?: string;
};

/** The verbs the control-plane API asks for; the same decision as the comment command of that name. */
export type ApiVerb = 'approve' | 'pause' | 'resume' | 'rollback';

export type VerbOutcome = { ok: true; text?: string } | { ok: false; reason: string };

/** Where a command came from: the approval binds to what each source names (the API and `/aaoe approve <sha>` name the head). */
type Source =
  | { kind: 'comment'; id: number; createdAt: string; updatedAt: string; viaApp?: string; sha?: string }
  | { kind: 'button'; id: number; headSha: string }
  | { kind: 'api'; id: number; sha?: string };

export class CommandWork {
  constructor(private readonly ports: CommandPorts) {}

  /** An `issue_comment.created` delivery that may hold commands: `comment` as GitHub has it now (undefined: deleted). */
  async onComment(
    job: Job<DeliveryOf<'comment'>>,
    context: Context,
    github: GitHubAdapter,
    comment: CommentFacts | undefined,
    commands: ParsedCommand[],
  ): Promise<void> {
    const facts = job.data.comment;
    if (!facts) return;
    const db = this.ports.runtime.db;
    const key = `${job.key}:comment:${facts.id}`;
    if (await isDone(db, key)) return;
    const botLogin = await this.ports.botLogin();
    if (!comment || comment.author.login.toLowerCase() === botLogin.toLowerCase())
      return void (await db.transaction((tx) => markDone(tx, key, null)));
    const parsed = commands.slice(0, MAX_COMMANDS);
    if (parsed.length === 0) return void (await db.transaction((tx) => markDone(tx, key, null)));

    const { owner, repo } = context.repo();
    const fullName = `${owner}/${repo}`;
    const execution = facts.onPullRequest
      ? await getPullRequestExecution(db, fullName, facts.number)
      : await getIssueExecution(db, fullName, facts.number);
    const repoPolicy = await this.ports.policyFor(context);
    const actor = { login: comment.author.login, type: comment.author.type };
    const outcomes: Outcome[] = [];
    for (const p of parsed) {
      const sha = approvedSha(p, comment.body);
      const command: ParsedCommand = sha ? { type: 'command', line: p.line, command: { verb: 'approve' } } : p;
      const source: Source = {
        kind: 'comment',
        id: facts.id,
        createdAt: comment.createdAt,
        updatedAt: comment.updatedAt,
        ...(comment.viaApp ? { viaApp: comment.viaApp } : {}),
        ...(sha ? { sha } : {}),
      };
      outcomes.push(
        await this.run(command, {
          execution,
          repoPolicy,
          github,
          actor,
          source,
          traceId: job.data.id,
          number: facts.number,
          onPullRequest: facts.onPullRequest,
        }),
      );
    }
    const replies = outcomes.map((o) => o.text).filter((t): t is string => !!t);
    if (replies.length > 0)
      await github.upsertComment(
        facts.number,
        `<!-- aaoe:reply:${facts.id} -->`,
        [`<!-- aaoe:reply:${facts.id} -->`, ...replies].join('\n\n'),
        botLogin,
      );
    await github.addCommentReaction(facts.id, outcomes.every((o) => o.ok) ? '+1' : 'confused');
    await db.transaction((tx) => markDone(tx, key, execution?.id ?? null, { commands: parsed.length }));
    this.ports.runtime.queue.wake(QUEUES.effect);
  }

  /** A `check_run.requested_action` delivery: a button of the `aaoe/policy` check was pressed. */
  async onButton(job: Job<DeliveryOf<'button'>>, context: Context, github: GitHubAdapter): Promise<void> {
    const facts = job.data.button;
    if (!facts) return;
    const db = this.ports.runtime.db;
    const key = `${job.key}:button:${facts.checkRunId}`;
    if (await isDone(db, key)) return;
    const { owner, repo } = context.repo();
    const fullName = `${owner}/${repo}`;
    // the button belongs to the check run pressed, and that to the execution that posted it (the effects ledger): never
    // to whichever pull request GitHub lists first for the commit, which several pull requests can share
    const executionId = await executionOfCheckRun(db, facts.checkRunId);
    const found = executionId ? await getExecution(db, executionId) : undefined;
    const execution = found && found.repo.toLowerCase() === fullName.toLowerCase() ? found : undefined;
    if (!execution) {
      const numbers = job.data.pullRequestNumbers;
      const about = numbers.length > 0 ? numbers[0]! : undefined;
      const text = `The ${facts.identifier === 'rerun' ? 'Re-run policy' : 'Approve'} button by @${job.data.sender ?? 'ghost'} did nothing: AAOE cannot tell which execution check run ${facts.checkRunId} belongs to, so it is not applied to any. Use \`/aaoe approve <sha>\` on the pull request instead.`;
      if (about !== undefined && numbers.length === 1)
        await github.upsertComment(
          about,
          `<!-- aaoe:reply:button:${job.data.id} -->`,
          `<!-- aaoe:reply:button:${job.data.id} -->\n${text}`,
          await this.ports.botLogin(),
        );
      await db.transaction((tx) => markDone(tx, key, null, { ok: false, reason: 'check run of no known execution' }));
      return;
    }
    const repoPolicy = await this.ports.policyFor(context);
    const actor = { login: job.data.sender ?? 'ghost', type: job.data.senderType ?? 'User' };
    const command: ParsedCommand = {
      type: 'command',
      line: 1,
      command: { verb: facts.identifier === 'approve' ? 'approve' : 'explain' },
    };
    const outcome =
      facts.identifier === 'rerun'
        ? await this.rerun(execution, repoPolicy, github, actor, job.data.id)
        : await this.run(command, {
            execution,
            repoPolicy,
            github,
            actor,
            source: { kind: 'button', id: facts.checkRunId, headSha: facts.headSha },
            traceId: job.data.id,
            number: execution?.pullRequest ?? 0,
            onPullRequest: true,
          });
    if (outcome.text && execution?.pullRequest) {
      await github.upsertComment(
        execution.pullRequest,
        `<!-- aaoe:reply:button:${job.data.id} -->`,
        `<!-- aaoe:reply:button:${job.data.id} -->\n${outcome.text}`,
        await this.ports.botLogin(),
      );
    }
    await db.transaction((tx) => markDone(tx, key, execution?.id ?? null, { ok: outcome.ok }));
    this.ports.runtime.queue.wake(QUEUES.effect);
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
    const source: Source = { kind: 'api', id: requestId, ...(sha ? { sha } : {}) };
    const outcome = await this.run(
      { type: 'command', line: 1, command: { verb } },
      { ...rest, execution, source, number, onPullRequest: execution.pullRequest !== null },
    );
    if (outcome.ok) return { ok: true, ...(outcome.text ? { text: outcome.text } : {}) };
    return { ok: false, reason: outcome.reason ?? outcome.text ?? `${verb} was refused` };
  }

  // ------------------------------------------------------------------ one command

  private async run(
    parsed: ParsedCommand,
    at: {
      execution: ExecutionRecord | undefined;
      repoPolicy: RepoPolicy;
      github: GitHubAdapter;
      actor: { login: string; type: string };
      source: Source;
      traceId: string;
      number: number;
      onPullRequest: boolean;
    },
  ): Promise<Outcome> {
    if (parsed.type !== 'command') return { ok: false, text: parsed.reply };
    const command = parsed.command;
    if (command.verb === 'help') return { ok: true, text: COMMAND_TEXT.help() };
    const { execution, github, actor } = at;
    if (!execution)
      return {
        ok: false,
        text: `\`/aaoe ${command.verb}\`: AAOE has no execution for #${at.number}. It governs pull requests opened by agents (or labelled \`aaoe\`) and issues labelled by a maintainer.`,
      };
    if (!at.repoPolicy.ok)
      return {
        ok: false,
        text: `\`/aaoe ${command.verb}\`: the repository's policy does not validate, so nothing is decided until it does (the \`aaoe/policy\` check says where).`,
      };
    const policy = at.repoPolicy.policy;
    if (command.verb === 'status' || command.verb === 'explain') return { ok: true, text: describe(execution) };
    const agent = HUMAN_ONLY_VERBS.has(command.verb) ? agentIdentity(actor, policy) : undefined;
    if (agent)
      return this.refuse(
        execution,
        at.traceId,
        actor.login,
        command,
        `@${actor.login} is an agent identity (${agent}): agents may propose and read, never ${command.verb} (bounded autonomy); a person with ${policy.approvals.permissions.join(', ')} permission must do it`,
      );
    if (HUMAN_ONLY_VERBS.has(command.verb) && at.source.kind === 'comment' && at.source.viaApp) {
      return this.refuse(
        execution,
        at.traceId,
        actor.login,
        command,
        `this comment was posted by the GitHub App "${at.source.viaApp}" on @${actor.login}'s behalf, and a comment an app posts never carries authority (approve, resume, rollback); @${actor.login} must write \`/aaoe ${command.verb}\` on GitHub themselves`,
      );
    }

    const audit = (tx: SqlExecutor, outcome: string) =>
      appendAudit(tx, {
        executionId: execution.id,
        traceId: at.traceId,
        actor: actor.login,
        action: `command:${command.verb}`,
        reason: outcome,
        data: { source: at.source.kind, sourceId: at.source.id },
      });

    if (command.verb === 'approve') {
      if (execution.pullRequest === null)
        return this.refuse(
          execution,
          at.traceId,
          actor.login,
          command,
          'approve on the pull request: an approval is bound to its head commit, and this execution has no pull request yet',
        );
      // who may approve is checked before anything is written: a stranger's approval leaves no row
      const role = actor.type === 'User' ? await github.getRole(actor.login) : 'none';
      if (!(policy.approvals.permissions as string[]).includes(role)) {
        return this.refuse(
          execution,
          at.traceId,
          actor.login,
          command,
          APPROVAL_TEXT.rejection(actor.login, {
            rule: 'permission',
            permission: role === 'none' ? 'none' : role,
            allowed: [...policy.approvals.permissions],
          }),
        );
      }
      const pr = await github.getPullRequest(execution.pullRequest);
      const unbound = await this.unboundApproval(execution, pr, at.source);
      if (unbound) return this.refuse(execution, at.traceId, actor.login, command, unbound);
      const record: ApprovalRecord = {
        executionId: execution.id,
        pullRequest: execution.pullRequest,
        // bound to the pull request, its base and the head the approver saw (checked above to be the head now)
        baseSha: pr.baseSha,
        headSha: pr.headSha,
        actor,
        source: at.source.kind,
        sourceId: at.source.id,
        at: at.source.kind === 'comment' ? at.source.createdAt : this.ports.now().toISOString(),
      };
      await this.ports.runtime.db.transaction((tx) => recordApproval(tx, record));
      const judged = await judgeApprovals(
        this.ports,
        github,
        execution,
        policy,
        pr,
        changedPaths(await github.listChangedFiles(execution.pullRequest)),
      );
      const refused = judged.rejected.find(
        (r) =>
          (r.ref.source === 'comment'
            ? r.ref.commentId
            : r.ref.source === 'button'
              ? r.ref.checkRunId
              : r.ref.source === 'api'
                ? r.ref.requestId
                : -1) === at.source.id && r.ref.source === at.source.kind,
      );
      if (refused) return this.refuse(execution, at.traceId, actor.login, command, refused.message);
      await this.move(
        execution,
        { type: 'evaluation_requested', headSha: execution.headSha ?? pr.headSha, by: actor.login },
        at.traceId,
        (tx) => audit(tx, `approval recorded on ${record.headSha}: ${judged.summary}`),
      );
      return {
        ok: true,
        ...(judged.status === 'unsatisfied' ? { text: `Approval by @${actor.login} recorded. ${judged.summary}` } : {}),
      };
    }

    // every other command changes the execution: the same people who may approve may do it, never a bot
    const permission = actor.type === 'User' ? await github.getRole(actor.login) : 'none';
    if (command.verb === 'resume') {
      const freeze = await activeFreeze(this.ports.runtime.db, execution.repo, DEFAULT_ENVIRONMENT, this.ports.now());
      if (freeze) {
        // lifting the circuit breaker's freeze early is an admin's decision
        if (permission !== 'admin')
          return this.refuse(
            execution,
            at.traceId,
            actor.login,
            command,
            `execution is frozen until ${freeze.until} (${freeze.reason}); only an admin of the repository lifts a freeze early, @${actor.login} has ${permission}`,
          );
        await this.ports.runtime.db.transaction(async (tx) => {
          await liftFreeze(tx, execution.repo, DEFAULT_ENVIRONMENT, actor.login, this.ports.now());
          await appendAudit(tx, {
            executionId: execution.id,
            traceId: at.traceId,
            actor: actor.login,
            action: 'freeze_lifted',
            reason: `lifted the freeze that ran until ${freeze.until}: ${freeze.reason}`,
            data: { until: freeze.until },
          });
        });
        if (execution.headSha && execution.pullRequest !== null)
          await this.move(
            execution,
            { type: 'evaluation_requested', headSha: execution.headSha, by: actor.login },
            at.traceId,
          );
        return {
          ok: true,
          text: `@${actor.login} lifted the freeze (it ran until ${freeze.until}). Executions are judged again as their checks re-run.`,
        };
      }
    }
    if (actor.type !== 'User' || !(policy.approvals.permissions as string[]).includes(permission)) {
      return this.refuse(
        execution,
        at.traceId,
        actor.login,
        command,
        `@${actor.login} has ${actor.type !== 'User' ? `no say (${actor.type})` : `${permission} permission`}; \`/aaoe ${command.verb}\` needs ${policy.approvals.permissions.join(', ')}`,
      );
    }
    const event = eventFor(command, actor.login);
    if (!event)
      return this.refuse(
        execution,
        at.traceId,
        actor.login,
        command,
        `\`/aaoe ${command.verb}\` is not available in this release`,
      );
    const moved = await this.move(execution, event, at.traceId, (tx) => audit(tx, 'accepted'));
    if (!moved.ok) return this.refuse(execution, at.traceId, actor.login, command, moved.reason);
    return { ok: true };
  }

  /**
   * Why an approval cannot be bound to the pull request's current (base, head), or undefined when it can: the head
   * AAOE judged must be the head GitHub has now; a named SHA (`/aaoe approve <sha>`, the API's `sha`, the check
   * run's commit) must be that head; a plain comment must have been written after AAOE saw that head.
   */
  private async unboundApproval(
    execution: ExecutionRecord,
    pr: PullRequestFacts,
    source: Source,
  ): Promise<string | undefined> {
    const head = pr.headSha.toLowerCase();
    const short = (sha: string) => sha.slice(0, 7);
    if (!execution.headSha || execution.headSha.toLowerCase() !== head) {
      return `the pull request's head is now ${short(head)}, and AAOE has not judged that commit yet${execution.headSha ? ` (it judged ${short(execution.headSha)})` : ''}; approve again once the aaoe/policy check has run on ${short(head)}, with \`/aaoe approve ${short(head)}\``;
    }
    const named =
      source.kind === 'button'
        ? source.headSha
        : source.kind === 'comment' || source.kind === 'api'
          ? source.sha
          : undefined;
    if (named !== undefined && !head.startsWith(named.toLowerCase())) {
      return source.kind === 'button'
        ? `this button belongs to the check run on ${short(named)}, and the head is now ${short(head)}; approve the new head with the button of its own check run, or \`/aaoe approve ${short(head)}\``
        : `the approval names ${short(named)}, and the pull request's head is ${short(head)}; review ${short(head)} and approve it by name (\`/aaoe approve ${short(head)}\`)`;
    }
    // GitHub's created_at has whole seconds: a head AAOE recorded within that second is taken as seen
    const since =
      source.kind === 'comment' && named === undefined
        ? await headSince(this.ports.runtime.db, execution.id, head)
        : undefined;
    if (
      source.kind === 'comment' &&
      named === undefined &&
      (!since || !(since.getTime() <= Date.parse(source.createdAt) + 999))
    ) {
      return `the comment was written before the head moved to ${short(head)}, so it approves an earlier commit, not this one; review ${short(head)} and approve it by name (\`/aaoe approve ${short(head)}\`)`;
    }
    return undefined;
  }

  private async rerun(
    execution: ExecutionRecord | undefined,
    repoPolicy: RepoPolicy,
    github: GitHubAdapter,
    actor: { login: string; type: string },
    traceId: string,
  ): Promise<Outcome> {
    if (!execution?.headSha)
      return { ok: false, text: 'Re-run policy: AAOE has no execution with a head commit for this check.' };
    if (!repoPolicy.ok)
      return {
        ok: false,
        text: 'Re-run policy: the repository policy does not validate, so nothing is evaluated until it does.',
      };
    // re-running decides nothing by itself: anyone who may triage the repository may ask for it
    const permission = actor.type === 'User' ? await github.getRole(actor.login) : 'none';
    if (!['triage', 'write', 'maintain', 'admin'].includes(permission))
      return {
        ok: false,
        text: `Re-run policy by @${actor.login} was refused: it needs triage permission or more, and @${actor.login} has ${permission}.`,
      };
    const moved = await this.move(
      execution,
      { type: 'evaluation_requested', headSha: execution.headSha, by: actor.login },
      traceId,
    );
    return moved.ok ? { ok: true } : { ok: false, text: `Re-run policy: ${moved.reason}` };
  }

  /** Applies an event to the execution (locked), committing its effects; the reason when it is not allowed now. */
  private async move(
    execution: ExecutionRecord,
    event: ExecutionEvent,
    traceId: string,
    also?: (tx: SqlExecutor) => Promise<unknown>,
  ): Promise<{ ok: true } | { ok: false; reason: string }> {
    return this.ports.runtime.db.transaction(async (tx) => {
      const before =
        execution.pullRequest !== null
          ? await lockPullRequestExecution(tx, execution.repo, execution.pullRequest)
          : await lockIssueExecution(tx, execution.repo, execution.issue!);
      if (!before) return { ok: false as const, reason: 'the execution vanished' };
      const result = transition(before, event, this.ports.now());
      await commitTransition(
        tx,
        this.ports.runtime.queue,
        before,
        { ...before, ...result.execution },
        result.effects,
        traceId,
      );
      if (result.outcome === 'illegal') return { ok: false as const, reason: result.reason };
      await also?.(tx);
      return { ok: true as const };
    });
  }

  private async refuse(
    execution: ExecutionRecord,
    traceId: string,
    login: string,
    command: Command,
    why: string,
  ): Promise<Outcome> {
    await this.ports.runtime.db.transaction((tx) =>
      appendAudit(tx, {
        executionId: execution.id,
        traceId,
        actor: login,
        action: `command:${command.verb}`,
        reason: `refused: ${why}`,
        data: null,
      }),
    );
    return { ok: false, text: `\`/aaoe ${command.verb}\` by @${login} was refused: ${why}`, reason: why };
  }
}

/**
 * Whether a pull request's approvals hold, judged now: the recorded approvals, each commenter's permission read
 * through the API, comments read again (an edited one never counts), the execution's earlier heads, and the
 * CODEOWNERS of the default branch when the policy asks for owners.
 */
export async function judgeApprovals(
  ports: Pick<CommandPorts, 'runtime' | 'botLogin'>,
  github: GitHubAdapter,
  execution: ExecutionRecord,
  policy: Policy,
  pr: PullRequestFacts,
  changedPaths: readonly string[],
): Promise<ApprovalsEvaluation> {
  const db = ports.runtime.db;
  const records = await listApprovals(db, execution.id);
  const permissions: Record<string, PermissionFact> = {};
  const candidates = [];
  for (const r of records) {
    const login = r.actor.login;
    if (!(login in permissions))
      permissions[login] = r.actor.type === 'User' ? await github.getRole(login).catch(unknownRole) : 'none';
    const comment = r.source === 'comment' ? await github.getComment(r.sourceId) : undefined;
    // a comment deleted since counts as edited: it is no longer what was approved
    candidates.push(
      r.source === 'comment' && !comment
        ? toCandidate(r, { createdAt: r.at, updatedAt: 'deleted' })
        : toCandidate(r, comment),
    );
  }
  let codeowners: { path: string; text: string } | undefined;
  if (policy.approvals.owners === 'codeowners') {
    for (const path of ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS']) {
      const text = await github.readFile(path);
      if (text !== undefined) {
        codeowners = { path, text };
        break;
      }
    }
  }
  const headSha = execution.headSha ?? pr.headSha;
  const reviews = policy.approvals.countReviews
    ? (await github.listReviews(pr.number)).map((r) => ({
        reviewId: r.id,
        actor: { login: r.login, type: r.type === 'User' ? ('User' as const) : ('Bot' as const) },
        state:
          (['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING'] as const).find(
            (s) => s === r.state,
          ) ?? 'COMMENTED',
        commitId: r.commitId,
        pullRequest: pr.number,
        submittedAt: r.submittedAt,
      }))
    : [];
  for (const r of reviews) {
    if (r.state === 'APPROVED' && !(r.actor.login in permissions))
      permissions[r.actor.login] =
        r.actor.type === 'User' ? await github.getRole(r.actor.login).catch(unknownRole) : 'none';
  }
  // the teams the policy names and the CODEOWNERS teams of the touched paths: which approvers are members
  const teamNames = new Set(policy.approvals.teams.map((t) => t.toLowerCase()));
  if (codeowners) {
    const parsed = parseCodeowners(codeowners.text);
    for (const path of changedPaths)
      for (const owner of matchingRule(parsed, path)?.owners ?? [])
        if (/^@[\w.-]+\/[\w.-]+$/.test(owner)) teamNames.add(owner.slice(1).toLowerCase());
  }
  const approvers = [
    ...new Set([
      ...candidates.map((c) => c.actor.login),
      ...reviews.filter((r) => r.state === 'APPROVED').map((r) => r.actor.login),
    ]),
  ];
  const teams: Record<string, string[]> = {};
  for (const team of teamNames) {
    const members: string[] = [];
    let known = true;
    for (const login of approvers) {
      const member = await github.isTeamMember(team, login);
      if (member === 'unknown') known = false;
      else if (member) members.push(login);
    }
    // a team whose membership could not be read is left out: no approval counts for it (fails closed)
    if (known || members.length > 0) teams[team] = members;
  }
  return evaluateApprovals(
    {
      pullRequest: {
        number: pr.number,
        baseSha: pr.baseSha,
        headSha,
        previousHeadShas: await previousHeads(db, execution.id, headSha),
        author: { login: pr.author.login, type: pr.author.type === 'Bot' ? 'Bot' : 'User' },
        ...(pr.forkOwner ? { fork: { owner: pr.forkOwner } } : {}),
      },
      proposer: {
        app: await ports.botLogin(),
        agents: [...policy.agents, ...(execution.subject?.isAgent ? [execution.subject.author.login] : [])],
        ...(execution.work?.issue.labelledBy ? { requester: execution.work.issue.labelledBy } : {}),
      },
      candidates,
      reviews,
      permissions,
      teams,
      ...(codeowners ? { codeowners } : {}),
      changedPaths,
    },
    policy.approvals,
  );
}

/** The check run's part on approvals: what counted, what did not and why, and what is still needed. */
export function explainApprovals(judged: ApprovalsEvaluation): string {
  const lines = ['### Approvals', '', judged.summary];
  for (const c of judged.counted) lines.push(`- ✅ @${c.login} (${c.permission})`);
  for (const r of judged.rejected) lines.push(`- ❌ ${r.message}`);
  for (const req of judged.requirements)
    if (req.kind !== 'minimum') lines.push(`- ${req.status === 'satisfied' ? '✅' : '⏳'} ${req.message}`);
  if (judged.status === 'unsatisfied')
    lines.push(
      '',
      'Approve with a `/aaoe approve <sha>` comment on the pull request (the head commit you reviewed) or the **Approve** button above; an approval counts for that head commit and the current base only.',
    );
  return lines.join('\n');
}

function eventFor(command: Command, by: string): ExecutionEvent | undefined {
  switch (command.verb) {
    case 'reject':
      return { type: 'rejected', by, reason: command.reason ?? `rejected by ${by}` };
    case 'pause':
      return { type: 'paused', by };
    case 'resume':
      return { type: 'resumed', by };
    case 'retry':
      return { type: 'retry', by };
    case 'rollback':
      return { type: 'rollback_requested', by, reason: `requested by ${by}` };
    default:
      return undefined;
  }
}

function describe(x: ExecutionRecord): string {
  return [
    `**AAOE execution \`${x.id}\`**: ${x.state.replaceAll('_', ' ')}${x.headSha ? ` at ${x.headSha.slice(0, 7)}` : ''}.`,
    x.pullRequest !== null ? `The \`aaoe/policy\` check on the head commit shows every gate and the approvals.` : '',
    `\`npx aaoe audit show ${x.id}\` prints its whole history (trace \`${x.traceId}\`).`,
  ]
    .filter(Boolean)
    .join(' ');
}

/** The 7-40 hex digits of `/aaoe approve <sha>` (the line read again: the parser refuses arguments to `approve`). */
const APPROVE_SHA = /^[ \t]*\/aaoe[ \t]+approve[ \t]+([0-9a-f]{7,40})[ \t]*$/i;

/** The SHA a parsed `/aaoe approve <sha>` line names, or undefined (any other line, or a malformed argument). */
export function approvedSha(parsed: ParsedCommand, body: string): string | undefined {
  if (parsed.type === 'command') {
    const named = (parsed.command as { sha?: unknown }).sha;
    return parsed.command.verb === 'approve' && typeof named === 'string' && /^[0-9a-f]{7,40}$/i.test(named)
      ? named.toLowerCase()
      : undefined;
  }
  if (parsed.type !== 'invalid' || parsed.verb !== 'approve') return undefined;
  const line = lineAt(body, parsed.line);
  return line === undefined || line.length > 200 ? undefined : APPROVE_SHA.exec(line)?.[1]?.toLowerCase();
}

/** Line `n` (1-based) of a text, found by one scan. */
function lineAt(text: string, n: number): string | undefined {
  let start = 0;
  for (let line = 1; line < n; line++) {
    const next = nextLineStart(text, start);
    if (next === undefined) return undefined;
    start = next;
  }
  let end = start;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  return text.slice(start, end);
}

function nextLineStart(text: string, from: number): number | undefined {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\r') return text[i + 1] === '\n' ? i + 2 : i + 1;
    if (text[i] === '\n') return i + 1;
  }
  return undefined;
}

/**
 * A role GitHub would not tell (the person is gone, the installation may not read it) is `unknown`, which never
 * counts; GitHub being away is not an answer: thrown, so the evaluation is retried instead of judging without it.
 */
function unknownRole(error: unknown): 'unknown' {
  if (isOutage(error)) throw error;
  return 'unknown';
}
