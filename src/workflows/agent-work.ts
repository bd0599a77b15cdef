import { randomUUID } from 'node:crypto';
import type { RepoContext as Context } from '../adapters/github/repo-context.js';
import { applyEdits } from '../core/agent/apply-edits.js';
import { parseCodeowners } from '../core/agent/codeowners.js';
import {
  decideIssueConsent,
  issueTextDigest,
  type ConsentDecision,
  type IssueConsent,
} from '../core/agent/issue-consent.js';
import { buildContext, rankFiles } from '../core/agent/context.js';
import { withholdSecrets } from '../core/agent/context-secrets.js';
import { ModelRouterError, type CallRecord, type Caps } from '../adapters/model/model-router.js';
import type { AgentConfig } from '../adapters/model/models-config.js';
import { proposalMessages, triageMessages } from '../core/agent/prompt.js';
import { Proposal } from '../core/agent/proposal.js';
import { renderPullRequestBody } from '../core/agent/pull-request-body.js';
import { classFromLabels, conflictsWith, ownersOfPaths, TriageAnswer } from '../core/agent/triage.js';
import { newExecution, transition, type ExecutionEvent } from '../core/execution/transition.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { Policy } from '../core/policy/schema.js';
import { appendAudit, type AuditInput } from '../adapters/store/audit-log.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import {
  getExecution,
  insertExecution,
  isDone,
  listLiveExecutions,
  lockExecution,
  lockIssueExecution,
  markDone,
  saveWork,
  type AgentWork as Work,
  type EffectJob,
  type ExecutionRecord,
} from '../adapters/store/executions.js';
import { commitTransition } from './commit-transition.js';
import { QUEUES, type Job } from '../adapters/store/job-queue.js';
import { executionModelCost, monthlySpendUsd, recordModelCalls } from '../adapters/store/model-calls.js';
import type { DeliveryOf } from './jobs.js';
import type { RepoPolicy } from './load-repo-policy.js';
import type { Runtime } from '../adapters/store/runtime.js';
import { renderStatusComment, STATUS_MARKER } from '../core/text/status-comment.js';

/**
 * The agent's side of the pipeline: a labelled issue becomes an execution (when a person with the configured
 * permission applied the label), is triaged, gets a proposal from the model router within the policy's cost
 * caps, and ends as a branch, a commit and a pull request that the policy check then judges like any other.
 * Each step is an effect job: it records what it produced (`AgentWork`) in the transaction that moves the
 * execution on, so a step that runs again after a crash reuses it instead of asking a model twice.
 */

export type AgentWorkPorts = {
  runtime: Runtime;
  now: () => Date;
  /** The repository's policy (from the default branch). */
  policyFor: (context: Context) => Promise<RepoPolicy>;
  /** The app's own login (`slug[bot]`). */
  botLogin: () => Promise<string>;
  /** A Probot context and the adapter for a repository of an installation. */
  connect: (
    installationId: number,
    repo: string,
    traceId: string,
    executionId?: string,
  ) => Promise<{ context: Context; github: GitHubAdapter }>;
};

/** Where GitHub looks for CODEOWNERS, in its order. */
const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];
/** Files read for the context at most (the best-ranked first), and the largest one read. */
const MAX_FILES_READ = 40;
const MAX_FILE_BYTES = 256 * 1024;

/** How often `post_status` tries for its turn (about 100 ms apart) before its job is retried with backoff. */
const STATUS_WAIT_TURNS = 40;

export class AgentWork {
  constructor(
    private readonly ports: AgentWorkPorts,
    private readonly agent: AgentConfig | undefined,
  ) {}

  // ------------------------------------------------------------------ intake

  /** An `issues.opened` / `issues.labeled` delivery: start an execution when the label is consent. */
  async onIssue(job: Job<DeliveryOf<'issue'>>, context: Context, github: GitHubAdapter): Promise<void> {
    const facts = job.data.issue;
    const key = `${job.key}:issue:${facts.number}`;
    const db = this.ports.runtime.db;
    if (await isDone(db, key)) return;
    const log = context.log.child({ issue: facts.number });
    const done = (why: string) => {
      log.info(why);
      return db.transaction((tx) => markDone(tx, key, null, { ignored: why }));
    };

    const repoPolicy = await this.ports.policyFor(context);
    if (!repoPolicy.ok) return void (await done('the policy does not validate: no agent work until it does'));
    const trigger = repoPolicy.policy.trigger;
    const label = trigger.label.toLowerCase();
    const asked =
      job.data.action === 'labeled'
        ? facts.label?.toLowerCase() === label
        : facts.labels.some((l) => l.toLowerCase() === label);
    if (!asked) return void (await done('not the trigger label'));

    const sender = job.data.sender ?? 'ghost';
    if (job.data.senderType !== 'User')
      return void (await done(
        `a label applied by ${sender} (${job.data.senderType ?? 'unknown type'}) is not consent`,
      ));
    const role = await github.getRole(sender);
    if (!(trigger.permissions as string[]).includes(role)) {
      await github.upsertComment(
        facts.number,
        '<!-- aaoe:consent -->',
        `<!-- aaoe:consent -->\nAAOE did not start: the \`${trigger.label}\` label starts agent work (which spends money) only when it is applied by someone with ${trigger.permissions.join(', ')} permission on this repository. @${sender} has ${role}. Ask a maintainer to apply it.`,
        await this.ports.botLogin(),
      );
      return void (await done(`${sender} has ${role} permission: not consent`));
    }

    const issue = await github.getIssue(facts.number);
    if (issue.state !== 'open') return void (await done('the issue is closed'));
    // consent covers the issue as the delivery shows it (as it was when the label went on), not as it reads now
    const consent: IssueConsent | undefined = facts.textSha256 ? { sha256: facts.textSha256, by: sender } : undefined;
    const decided = decideIssueConsent(consent, issue, trigger.label);
    const { owner, repo } = context.repo();
    if (!decided.ok) {
      await github.upsertComment(
        facts.number,
        '<!-- aaoe:consent -->',
        `<!-- aaoe:consent -->\nAAOE did not start: ${decided.reason}.`,
        await this.ports.botLogin(),
      );
      await db.transaction(async (tx) => {
        if (!(await markDone(tx, key, null, { ignored: 'the issue changed after the consent' }))) return;
        await appendAudit(tx, consentAudit(null, job.data.id, decided, consent, facts.number));
      });
      return void log.info({ labelledBy: sender }, 'the issue changed after the consent: not started');
    }
    await github.addReaction(facts.number, 'eyes');

    const { outcome } = await startIssueExecution(this.ports, {
      key,
      repo: `${owner}/${repo}`,
      installationId: job.data.installationId,
      issue,
      consentBy: sender,
      traceId: job.data.id,
      consent,
    });
    log.info({ labelledBy: sender, role }, outcome);
  }

  // ------------------------------------------------------------------ effects

  /** `classify`: the class (labels, else a model), the owners of the likely paths, conflicts in flight. */
  async classify(job: Job<EffectJob>, execution: ExecutionRecord): Promise<void> {
    if (execution.state !== 'received' || !execution.work)
      return this.skip(job, execution, `classify in ${execution.state}`);
    const { context, github } = await this.ports.connect(
      execution.installationId,
      execution.repo,
      job.data.traceId,
      execution.id,
    );
    const repoPolicy = await this.ports.policyFor(context);
    if (!repoPolicy.ok)
      return this.fail(
        job,
        execution,
        'the repository policy (.github/aaoe.yml) does not validate; the check on any pull request says where',
      );
    const issue = await github.getIssue(execution.work.issue.number);
    // the text consented to, and nothing else, goes to a model; an execution started without the text (the API, a
    // plan step, self-heal: issues the app opened itself) is pinned to the text triage reads
    const consent = consentOf(execution.work) ?? {
      sha256: issueTextDigest(issue),
      by: execution.work.issue.labelledBy,
    };
    const decided = decideIssueConsent(consent, issue, repoPolicy.policy.trigger.label);
    if (!decided.ok) return this.voidConsent(job, execution, decided, consent);
    const base = await github.branchHead();
    const { files } = await github.listTree(base.treeSha);
    const paths = files.map((f) => f.path);

    let calls: CallRecord[] = [];
    let classification = classFromLabels(issue.labels);
    let rationale = classification ? `the labels say ${classification}` : '';
    const source = classification ? ('labels' as const) : ('model' as const);
    if (!classification) {
      if (!this.agent) return this.fail(job, execution, noModel);
      try {
        const answer = await this.agent.router.complete({
          task: 'classify',
          messages: triageMessages(issue),
          schema: TriageAnswer,
          schemaName: 'triage',
          maxOutputTokens: 300,
          caps: await this.caps(execution, repoPolicy.policy),
        });
        calls = answer.calls;
        classification = answer.value.classification;
        rationale = answer.value.rationale;
      } catch (error) {
        if (!(error instanceof ModelRouterError)) throw error;
        return this.fail(job, execution, `no model could classify the issue: ${error.message}`, error.calls);
      }
    }

    const likelyPaths = rankFiles(issue, paths)
      .slice(0, 20)
      .map((r) => r.path);
    let codeowners = '';
    for (const path of CODEOWNERS_PATHS) {
      if (!paths.includes(path)) continue;
      codeowners = (await github.readFile(path, base.commitSha)) ?? '';
      break;
    }
    const ownership = ownersOfPaths(parseCodeowners(codeowners), likelyPaths);
    const live = await listLiveExecutions(this.ports.runtime.db, execution.repo, execution.id);
    const conflicts = conflictsWith(
      likelyPaths,
      live.map((x) => ({ executionId: x.id, paths: touchedPaths(x.work) })),
    );
    const triage: NonNullable<Work['triage']> = {
      classification,
      source,
      rationale,
      likelyPaths,
      owners: Object.fromEntries(ownership.owners),
      unowned: ownership.unowned,
      conflicts,
    };

    await this.ports.runtime.db.transaction(async (tx) => {
      if (!(await markDone(tx, job.key, execution.id, { classification }))) return;
      const before = await lockExecution(tx, execution.id);
      if (!before || before.state !== 'received') return;
      await this.recordCalls(tx, before, calls, 'classify');
      const work: Work = { ...before.work!, triage, base, consent } as Work;
      await this.apply(
        tx,
        before,
        [{ type: 'classified', kind: classification }, { type: 'proposal_requested' }],
        job.data.traceId,
        { work },
      );
    });
    this.ports.runtime.queue.wake(QUEUES.effect);
  }

  /** `request_proposal`: the proposal (asked once), its edits applied, committed on a branch, the pull request opened. */
  async propose(job: Job<EffectJob>, execution: ExecutionRecord): Promise<void> {
    if (execution.state !== 'proposing' || !execution.work?.base)
      return this.skip(job, execution, `request_proposal in ${execution.state}`);
    const { context, github } = await this.ports.connect(
      execution.installationId,
      execution.repo,
      job.data.traceId,
      execution.id,
    );
    const repoPolicy = await this.ports.policyFor(context);
    if (!repoPolicy.ok)
      return this.fail(
        job,
        execution,
        'the repository policy (.github/aaoe.yml) does not validate; the check on any pull request says where',
      );
    const base = execution.work.base;
    const { files } = await github.listTree(base.treeSha);
    const sizes = new Map(files.map((f) => [f.path, f.size]));

    let work = execution.work;
    if (!work.proposal) {
      if (!this.agent) return this.fail(job, execution, noModel);
      const issue = await github.getIssue(work.issue.number);
      const consent = consentOf(work);
      const decided = decideIssueConsent(consent, issue, repoPolicy.policy.trigger.label);
      if (!decided.ok) return this.voidConsent(job, execution, decided, consent);
      const tree = new Map<string, string | undefined>(files.map((f) => [f.path, undefined]));
      const toRead = rankFiles(issue, [...tree.keys()])
        .filter((r) => (sizes.get(r.path) ?? 0) <= MAX_FILE_BYTES)
        .slice(0, MAX_FILES_READ);
      for (const r of toRead) tree.set(r.path, await github.readFile(r.path, base.commitSha));
      // secret-like paths are never read (rankFiles), and lines the secret scanner flags are withheld from the model
      const prompt = proposalMessages(
        issue,
        await withholdSecrets(buildContext(issue, tree, this.agent.contextBudgetTokens)),
      );
      let result;
      try {
        result = await this.agent.router.complete({
          task: 'propose',
          messages: prompt,
          schema: Proposal,
          schemaName: 'proposal',
          maxOutputTokens: this.agent.maxOutputTokens,
          caps: await this.caps(execution, repoPolicy.policy),
        });
      } catch (error) {
        if (!(error instanceof ModelRouterError)) throw error;
        const why = error.overCap
          ? `the request was not sent: ${error.message} (raise \`cost.maxTokens\` / \`cost.maxUsd\` / \`cost.monthlyUsd\` in the policy, or narrow the issue)`
          : `no model gave a usable proposal: ${error.message}`;
        return this.fail(job, execution, why, error.calls);
      }
      const proposed: Work = {
        ...work,
        proposal: { ...result.value, edits: withPackages(result.value.edits, work.packages ?? [], sizes) },
        model: result.model,
        proposedAt: this.ports
          .now()
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        branch: `aaoe/issue-${work.issue.number}-${execution.id.slice(0, 8)}-${execution.version}`,
        ...(result.overrun ? { overrun: result.overrun } : {}),
      };
      const saved = await this.ports.runtime.db.transaction(async (tx) => {
        const before = await lockExecution(tx, execution.id);
        if (!before || before.state !== 'proposing' || before.work?.proposal) return before?.work ?? undefined;
        await this.recordCalls(tx, before, result.calls, `proposal from ${result.model}`);
        await saveWork(tx, execution.id, proposed);
        return proposed;
      });
      if (!saved?.proposal) return this.skip(job, execution, 'the execution moved on while the model answered');
      work = saved;
    }

    const proposal = work.proposal!;
    // the edited files as they are on the base commit (an edit of a file that is not there says so)
    const current = new Map<string, string>();
    for (const edit of proposal.edits) {
      if (!sizes.has(edit.path)) continue;
      const text = await github.readFile(edit.path, base.commitSha);
      if (text !== undefined) current.set(edit.path, text);
    }
    const applied = applyEdits(current, proposal.edits);
    if (!applied.ok)
      return this.fail(
        job,
        execution,
        `the proposal's edits do not apply to ${base.branch} at ${base.commitSha.slice(0, 7)}: ${applied.errors.join('; ')}`,
      );

    const botLogin = await this.ports.botLogin();
    const branch = work.branch!;
    const commitSha = await github.writeCommit(
      {
        baseCommitSha: base.commitSha,
        baseTreeSha: base.treeSha,
        files: new Map(applied.changed.map((c) => [c.path, c.status === 'removed' ? null : applied.tree.get(c.path)!])),
        message: `${firstLine(proposal.summary)}\n\nProposed by AAOE for #${work.issue.number} (execution ${execution.id}, trace ${execution.traceId}).`,
        date: work.proposedAt!,
      },
      { name: botLogin, email: `${botLogin}@users.noreply.github.com` },
    );
    const ref = await github.createBranch(branch, commitSha);
    if (!ref.created && ref.sha !== commitSha) {
      return this.fail(
        job,
        execution,
        `the branch ${branch} exists and points at ${ref.sha.slice(0, 7)}, not at the proposed commit: AAOE does not overwrite it`,
      );
    }
    const cost = await executionModelCost(this.ports.runtime.db, execution.id);
    const pr =
      (await github.findPullRequestFrom(branch)) ??
      (await github.createPullRequest({
        head: branch,
        base: base.branch,
        title: `AAOE: ${work.issue.title}`.slice(0, 256),
        body: renderPullRequestBody({
          proposal,
          issue: work.issue,
          executionId: execution.id,
          traceId: execution.traceId,
          model: work.model ?? 'unknown',
          cost,
          owners: work.triage?.owners ?? {},
          changed: applied.changed,
        }),
      }));
    const owners = Object.keys(work.triage?.owners ?? {});
    const users = owners
      .filter((o) => /^@[\w-]+$/.test(o) && o.slice(1).toLowerCase() !== botLogin.toLowerCase())
      .map((o) => o.slice(1));
    const teams = owners.filter((o) => /^@[\w-]+\/[\w-]+$/.test(o)).map((o) => o.split('/')[1]!);
    const requested = await github.requestReviewers(pr.number, users, teams);
    const reviewers = {
      users,
      teams,
      ...(requested.ok ? {} : { note: `GitHub refused the request: ${requested.message}` }),
    };

    await this.ports.runtime.db.transaction(async (tx) => {
      if (!(await markDone(tx, job.key, execution.id, { pullRequest: pr.number, commitSha }))) return;
      const before = await lockExecution(tx, execution.id);
      if (!before || before.state !== 'proposing') return;
      await this.apply(
        tx,
        before,
        [{ type: 'proposal_ready', pullRequest: pr.number, headSha: commitSha }],
        job.data.traceId,
        {
          work: { ...before.work!, commitSha, reviewers },
          pullRequest: pr.number,
          subject: {
            author: { login: botLogin, type: 'Bot' },
            isAgent: true,
            htmlUrl: pr.htmlUrl,
            governedBecause: `opened by AAOE for issue #${work.issue.number}`,
            updatedAt: pr.updatedAt,
          },
        },
      );
    });
    this.ports.runtime.queue.wake(QUEUES.effect);
  }

  /** `post_status`: the issue's one status comment, rendered from the execution as it is now. */
  async postStatus(job: Job<EffectJob>, execution: ExecutionRecord): Promise<void> {
    const db = this.ports.runtime.db;
    if (execution.issue === null || !execution.work) {
      // a pull request's execution shows its status in the `aaoe/policy` check its evaluation posts
      await db.transaction((tx) => markDone(tx, job.key, execution.id));
      return;
    }
    // one writer per issue at a time: two jobs that both find no comment would post two. A writer finishes within a
    // request or two, so the other waits briefly for its turn here, and only after that is retried with backoff
    const write = () =>
      db.exclusive(`status:${execution.id}`, async () => {
        const latest = (await getExecution(db, execution.id)) ?? execution;
        const { github } = await this.ports.connect(latest.installationId, latest.repo, job.data.traceId, latest.id);
        const body = renderStatusComment({
          executionId: latest.id,
          traceId: latest.traceId,
          state: latest.state,
          work: latest.work ?? execution.work!,
          pullRequest: latest.pullRequest === null ? null : { number: latest.pullRequest },
          cost: await executionModelCost(db, latest.id),
        });
        const commentId = await github.upsertComment(
          execution.issue!,
          STATUS_MARKER,
          body,
          await this.ports.botLogin(),
        );
        await db.transaction((tx) => markDone(tx, job.key, execution.id, { commentId, state: latest.state }));
      });
    for (let turn = 0; turn < STATUS_WAIT_TURNS; turn++) {
      if ((await write()).ran) return;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    }
    throw new Error(`the status comment of execution ${execution.id} is being written by another job; retried`);
  }

  // ------------------------------------------------------------------ helpers

  /** The caps of the next model call: the policy's per-execution caps and what the repository may spend this month. */
  private async caps(execution: ExecutionRecord, policy: Policy): Promise<Caps> {
    const db = this.ports.runtime.db;
    const spent = await executionModelCost(db, execution.id);
    const monthly = policy.cost.monthlyUsd;
    return {
      spent: { tokens: spent.tokens, usd: spent.usd },
      ...(policy.cost.maxTokens !== undefined ? { maxTokens: policy.cost.maxTokens } : {}),
      ...(policy.cost.maxUsd !== undefined ? { maxUsd: policy.cost.maxUsd } : {}),
      ...(monthly !== undefined
        ? { monthlyRemainingUsd: Math.max(0, monthly - (await monthlySpendUsd(db, execution.repo, this.ports.now()))) }
        : {}),
    };
  }

  /** Every model call is recorded with its cost, and an audit entry carries the total. */
  private async recordCalls(
    tx: SqlExecutor,
    execution: ExecutionRecord,
    calls: readonly CallRecord[],
    what: string,
  ): Promise<void> {
    if (calls.length === 0) return;
    await recordModelCalls(tx, { repo: execution.repo, executionId: execution.id, at: this.ports.now() }, calls);
    const tokens = calls.reduce((n, c) => n + c.inputTokens + c.outputTokens, 0);
    const usd = calls.reduce((n, c) => n + c.costUsd, 0);
    await appendAudit(tx, {
      executionId: execution.id,
      traceId: execution.traceId,
      actor: 'aaoe',
      action: 'model_calls',
      reason: `${what}: ${calls.map((c) => `${c.model} ${c.outcome}`).join(', ')}`,
      costUsd: usd.toFixed(8),
      costTokens: tokens,
      data: {
        calls: calls.map((c) => ({
          model: c.model,
          outcome: c.outcome,
          inputTokens: c.inputTokens,
          outputTokens: c.outputTokens,
          costUsd: c.costUsd,
        })),
      },
    });
  }

  /** Applies events in order and commits each transition with its effects; `changes` go with the first. */
  private async apply(
    tx: SqlExecutor,
    before: ExecutionRecord,
    events: ExecutionEvent[],
    traceId: string,
    changes: Partial<ExecutionRecord> = {},
  ): Promise<ExecutionRecord> {
    let current = before;
    for (const [i, event] of events.entries()) {
      const result = transition(current, event, this.ports.now());
      const after: ExecutionRecord = { ...current, ...(i === 0 ? changes : {}), ...result.execution };
      await commitTransition(tx, this.ports.runtime.queue, current, after, result.effects, traceId);
      current = after;
    }
    return current;
  }

  /** The issue read now is not the text consented to: the execution fails before any model call, and the audit log says why. */
  private voidConsent(
    job: Job<EffectJob>,
    execution: ExecutionRecord,
    decided: Extract<ConsentDecision, { ok: false }>,
    consent: IssueConsent | undefined,
  ): Promise<void> {
    const audit = consentAudit(execution.id, job.data.traceId, decided, consent, execution.work?.issue.number ?? null);
    return this.fail(job, execution, decided.reason, [], audit, { consentVoided: true });
  }

  /** Ends the execution as `failed` with a reason the status comment shows; the calls made are recorded. */
  private async fail(
    job: Job<EffectJob>,
    execution: ExecutionRecord,
    reason: string,
    calls: readonly CallRecord[] = [],
    audit?: AuditInput,
    workFacts: Partial<ConsentedWork> = {},
  ): Promise<void> {
    await this.ports.runtime.db.transaction(async (tx) => {
      if (!(await markDone(tx, job.key, execution.id, { failed: reason }))) return;
      const before = await lockExecution(tx, execution.id);
      if (!before) return;
      if (audit) await appendAudit(tx, audit);
      await this.recordCalls(tx, before, calls, 'failed attempt');
      await this.apply(tx, before, [{ type: 'failed', reason }], job.data.traceId, {
        work: { ...before.work!, ...workFacts, failure: reason },
      });
    });
    this.ports.runtime.queue.wake(QUEUES.effect);
  }

  private async skip(job: Job<EffectJob>, execution: ExecutionRecord, why: string): Promise<void> {
    await this.ports.runtime.db.transaction((tx) => markDone(tx, job.key, execution.id, { skipped: why }));
  }
}

/**
 * Starts the execution of an open issue whose trigger a person with the trigger permission consented to (applied the
 * label, or asked through the control-plane API): a new execution, or the same one over again after it failed. Done
 * once per `key`, in one transaction with the execution and its first effects. The caller checked the consent.
 */
export async function startIssueExecution(
  ports: Pick<AgentWorkPorts, 'runtime' | 'now'>,
  start: {
    key: string;
    repo: string;
    installationId: number;
    /** The issue as consented to; with its body, the text is pinned here, else when triage first reads it. */
    issue: { number: number; title: string; htmlUrl: string; body?: string | null };
    consentBy: string;
    traceId: string;
    packages?: Work['packages'];
    /** The digest of the text consented to (the `labeled` delivery's), when the caller has it. */
    consent?: IssueConsent | undefined;
  },
): Promise<{ outcome: string; executionId?: string }> {
  const { issue, consentBy: sender } = start;
  const now = ports.now();
  const consent =
    start.consent ??
    (typeof issue.body === 'string'
      ? { sha256: issueTextDigest({ title: issue.title, body: issue.body }), by: sender }
      : undefined);
  const work = {
    issue: { number: issue.number, title: issue.title, htmlUrl: issue.htmlUrl, labelledBy: sender },
    ...(start.packages?.length ? { packages: start.packages } : {}),
    ...(consent ? { consent } : {}),
  } satisfies ConsentedWork as Work;
  const result = await ports.runtime.db.transaction(async (tx): Promise<{ outcome: string; executionId?: string }> => {
    if (!(await markDone(tx, start.key, null))) return { outcome: 'already acted on' };
    const existing = await lockIssueExecution(tx, start.repo, issue.number);
    if (existing) {
      if (existing.state !== 'failed')
        return { outcome: `execution ${existing.id} is ${existing.state}`, executionId: existing.id };
      // the label applied again after a failure: the same execution starts over, with nothing kept
      const result = transition(existing, { type: 'retry', by: sender }, now);
      await commitTransition(
        tx,
        ports.runtime.queue,
        existing,
        { ...existing, ...result.execution, work },
        result.effects,
        start.traceId,
      );
      return { outcome: `execution ${existing.id} retried`, executionId: existing.id };
    }
    const started = newExecution(randomUUID(), now);
    const record: ExecutionRecord = {
      ...started.execution,
      repo: start.repo,
      installationId: start.installationId,
      pullRequest: null,
      traceId: start.traceId,
      subject: null,
      issue: issue.number,
      work,
    };
    if (!(await insertExecution(tx, record))) return { outcome: 'another delivery started it' };
    await commitTransition(tx, ports.runtime.queue, undefined, record, started.effects, start.traceId);
    return { outcome: `execution ${record.id} started`, executionId: record.id };
  });
  ports.runtime.queue.wake(QUEUES.effect);
  return result;
}

/**
 * The proposal's edits with the required files (a plan step's change packages) as they are: an edit the model made
 * to one of those paths gives way to the package.
 */
export function withPackages(
  edits: Proposal['edits'],
  packages: ReadonlyArray<{ path: string; content: string }>,
  existing: ReadonlyMap<string, unknown>,
): Proposal['edits'] {
  if (packages.length === 0) return edits;
  const required = new Set(packages.map((p) => p.path));
  return [
    ...edits.filter((e) => !required.has(e.path)),
    ...packages.map((p) =>
      existing.has(p.path)
        ? { action: 'update' as const, path: p.path, content: p.content }
        : { action: 'create' as const, path: p.path, content: p.content },
    ),
  ];
}

/** The work of an issue's execution with the consent it was started on (kept in the execution's `work` JSON). */
type ConsentedWork = Work & { consent?: IssueConsent; consentVoided?: true };

function consentOf(work: Work): IssueConsent | undefined {
  return (work as ConsentedWork).consent;
}

/** The audit entry of a consent voided by an edit: who consented to which text, and the digest of the text now. */
function consentAudit(
  executionId: string | null,
  traceId: string,
  decided: { reason: string; current: string },
  consent: IssueConsent | undefined,
  issue: number | null,
): AuditInput {
  return {
    executionId,
    traceId,
    actor: 'aaoe',
    action: 'consent_voided',
    reason:
      `issue #${issue ?? '?'} was edited after the consent of ${consent ? `@${consent.by}` : 'an unknown person'}: ${decided.reason}`.slice(
        0,
        2000,
      ),
    data: {
      issue,
      consentedBy: consent?.by ?? null,
      consentedSha256: consent?.sha256 ?? null,
      currentSha256: decided.current,
    },
  };
}

const noModel =
  'no model is configured for this app: set AAOE_MODELS (a models file), AAOE_MODEL_API_KEY and, for an endpoint other than OpenAI, AAOE_MODEL_BASE_URL';

/** The paths an execution touches, or will likely touch: its proposal's edits, else its triage's likely paths. */
function touchedPaths(work: Work | null): string[] {
  if (!work) return [];
  return work.proposal ? work.proposal.edits.map((e) => e.path) : (work.triage?.likelyPaths ?? []);
}

function firstLine(text: string): string {
  const line = text.trim().split(/\r?\n/)[0] ?? '';
  return line.length > 72 ? `${line.slice(0, 71)}…` : line;
}
