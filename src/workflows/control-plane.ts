import { randomInt, randomUUID } from 'node:crypto';
import type { RepositoryRole } from '../adapters/github/github-adapter.js';
import type { Presets } from '../adapters/files/presets.js';
import type { Policy } from '../core/policy/schema.js';
import { startIssueExecution } from './agent-work.js';
import { CommandWork } from './command-work.js';
import { loadRepoPolicy, type RepoPolicy } from './load-repo-policy.js';
import type { Runtime } from '../adapters/store/runtime.js';
import { listApprovals } from '../adapters/store/approvals.js';
import { appendAudit, showExecution } from '../adapters/store/audit-log.js';
import { getExecution, listExecutions, type ExecutionRecord } from '../adapters/store/executions.js';
import { readAgentFigures } from '../adapters/store/agent-figures.js';
import { executionStatus, executionSummary } from '../core/views/execution-view.js';
import type { ApiUser, GitHubAccess, RepoConnection } from '../adapters/github/github-access.js';
import { formatPlanError, loadPlan } from '../core/plan/load-plan.js';
import { PACKAGE_RISK, renderStepPackages } from '../core/plan/render-package.js';
import { Repository as PlanRepository } from '../core/plan/schema.js';
import { parseDocument } from 'yaml';
import { decideDeployHold, setDeployHold } from '../adapters/store/deploy-holds.js';
import {
  type GeneratePackagesRequest,
  type GeneratedPackages,
  type ScheduleRequest,
  type ApiError,
  type ErrorCode,
  type ExecuteRequest,
  type ExecuteResult,
  type ExecutionList,
  type AgentList,
  type ExecutionStatus,
  type ExecutionVerb,
  type VerbResult,
} from '../contracts/api.js';
import { agentIdentity } from '../core/policy/governance.js';
import { APPROVAL_TEXT } from '../core/policy/approvals.js';

/**
 * The control plane's decisions, one method per verb of `/api/v1`, for a user whose token GitHub vouched for.
 * Who may see and do what is read through the API each time, never taken from the request: the user's role on the
 * execution's repository from the collaborator-permission API (with the installation's client), the repository's
 * visibility, its policy from the default branch. A repository the user cannot read answers 404, the same as one
 * that does not exist. The verbs on an execution are the comment commands' own decision (`CommandWork.runVerb`);
 * an agent identity (a `Bot`, or a login in the policy's `agents`) may propose and read, never approve, resume or
 * roll back. Every refusal of a verb is audited as a refused command is.
 */

export type ControlPlanePorts = {
  runtime: Runtime;
  now: () => Date;
  access: GitHubAccess;
  presets: Presets;
};

export type Answer<T> = { status: number; body: T | ApiError };

export function apiError(status: number, code: ErrorCode, message: string): Answer<never> {
  return { status, body: { error: { code, message } } };
}

/** What a user may do on a repository: read it (else it does not exist for them), and their role. */
type Access = { conn: RepoConnection; role: RepositoryRole };

/** How many executions `list` returns unless asked for fewer or more (at most `LIST_LIMIT_MAX`). */
export const LIST_LIMIT_DEFAULT = 100;
export const LIST_LIMIT_MAX = 500;

export class ControlPlane {
  private readonly commands: CommandWork;

  constructor(private readonly ports: ControlPlanePorts) {
    this.commands = new CommandWork({
      runtime: ports.runtime,
      now: ports.now,
      policyFor: (context) => this.policyOf(context),
      botLogin: ports.access.botLogin,
    });
  }

  /** `GET /api/v1/executions?repo=owner/name&limit=n`: the repository's executions, newest first, at most `limit`. */
  async list(user: ApiUser, repo: string, limit = LIST_LIMIT_DEFAULT): Promise<Answer<ExecutionList>> {
    const traceId = randomUUID();
    const access = await this.readable(user, repo, traceId);
    if (!access) return notFoundRepo(repo);
    const executions = await listExecutions(this.ports.runtime.db, access.conn.repo, { newestFirst: true, limit });
    return { status: 200, body: { repo: access.conn.repo, executions: executions.map(executionSummary) } };
  }

  /**
   * `GET /api/v1/agents?repo=owner/name`: executions, outcomes and spend per agent in a repository the user can read
   * (as `list` decides), so a platform team can compare agents. Spend is measured for AAOE's own agent and declared
   * for the others (what their pull requests said), never mixed.
   */
  async agents(user: ApiUser, repo: string): Promise<Answer<AgentList>> {
    const access = await this.readable(user, repo, randomUUID());
    if (!access) return notFoundRepo(repo);
    return {
      status: 200,
      body: { repo: access.conn.repo, agents: await readAgentFigures(this.ports.runtime.db, [access.conn.repo]) },
    };
  }

  /** Whether the user may read the repository's executions (as `list` and `status` decide). */
  async canRead(user: ApiUser, repo: string): Promise<boolean> {
    return (await this.readable(user, repo, randomUUID())) !== undefined;
  }

  /** `GET /api/v1/executions/{id}`: state, the latest policy evaluation, approvals, cost and the audit timeline. */
  async status(user: ApiUser, id: string): Promise<Answer<ExecutionStatus>> {
    const found = await this.visibleExecution(user, id, randomUUID());
    if (!found) return notFoundExecution(id);
    const db = this.ports.runtime.db;
    return {
      status: 200,
      body: executionStatus(found.execution, await showExecution(db, id), await listApprovals(db, id)),
    };
  }

  /**
   * `POST /api/v1/executions/{id}/{verb}`: the comment command's decision, for the token's user. An approval names the
   * head commit it approves (`sha`, 7 to 40 hex digits), refused unless it is the pull request's head now.
   */
  async verb(
    user: ApiUser,
    id: string,
    verb: ExecutionVerb,
    request: { sha?: string } = {},
  ): Promise<Answer<VerbResult>> {
    const traceId = randomUUID();
    const found = await this.visibleExecution(user, id, traceId);
    if (!found) return notFoundExecution(id);
    const { execution, access } = found;
    const repoPolicy = await this.policyOf(access.conn.context);
    if (!repoPolicy.ok)
      return this.refuse(execution.id, traceId, user, verb, 409, 'policy_invalid', policyInvalid(repoPolicy));
    // who may act is checked before anything is written (no approval row for a stranger); the refusal is audited
    const allowed = repoPolicy.policy.approvals.permissions as string[];
    if (!allowed.includes(access.role)) {
      const why =
        verb === 'approve'
          ? APPROVAL_TEXT.rejection(user.login, {
              rule: 'permission',
              permission: access.role,
              allowed: [...repoPolicy.policy.approvals.permissions],
            })
          : `@${user.login} has ${access.role} permission; \`/aaoe ${verb}\` needs ${allowed.join(', ')}`;
      return this.refuse(execution.id, traceId, user, verb, 403, 'refused', why);
    }
    if (verb === 'approve' && !request.sha)
      return apiError(
        400,
        'invalid_request',
        'sha: name the head commit you approve (7 to 40 hex digits), as the aaoe/policy check shows it',
      );
    // an agent identity is refused by the command's own rule (bounded autonomy), as its comment would be
    const outcome = await this.commands.runVerb(verb, {
      execution,
      repoPolicy,
      github: access.conn.github,
      actor: user,
      requestId: randomInt(1, 2 ** 47),
      traceId,
      ...(request.sha ? { sha: request.sha } : {}),
    });
    // (a refusal was audited by the command's own path)
    if (!outcome.ok) return apiError(403, 'refused', outcome.reason);
    const after = (await getExecution(this.ports.runtime.db, execution.id)) ?? execution;
    return {
      status: 200,
      body: { executionId: execution.id, verb, state: after.state, message: outcome.text ?? DONE[verb](user.login) },
    };
  }

  /**
   * `POST /api/v1/executions`: the task becomes an issue opened by the app with the trigger label, and its execution
   * starts as it does when a maintainer applies the label, with the token's user recorded as the one who consented.
   */
  async execute(user: ApiUser, request: ExecuteRequest): Promise<Answer<ExecuteResult>> {
    const traceId = randomUUID();
    const access = await this.readable(user, request.repo, traceId);
    if (!access) return notFoundRepo(request.repo);
    const repoPolicy = await this.policyOf(access.conn.context);
    if (!repoPolicy.ok)
      return this.refuse(null, traceId, user, 'execute', 409, 'policy_invalid', policyInvalid(repoPolicy));
    const trigger = repoPolicy.policy.trigger;
    if (!(trigger.permissions as string[]).includes(access.role)) {
      return this.refuse(
        null,
        traceId,
        user,
        'execute',
        403,
        'refused',
        `starting agent work spends money: it needs ${trigger.permissions.join(', ')} permission on ${access.conn.repo}, and @${user.login} has ${access.role}`,
      );
    }
    const issue = await access.conn.openIssue({
      title: request.title ?? firstLine(request.task),
      body: `${request.task}\n\n---\nRequested through the AAOE API by @${user.login}.`,
      labels: [trigger.label],
    });
    const started = await startIssueExecution(this.ports, {
      key: `api:${traceId}:issue:${issue.number}`,
      repo: access.conn.repo,
      installationId: access.conn.installationId,
      // consent is to the text this caller sent, as GitHub stored it: an edit of the issue stops the work before any model call
      issue,
      consentBy: user.login,
      traceId,
    });
    const execution = started.executionId ? await getExecution(this.ports.runtime.db, started.executionId) : undefined;
    if (!execution)
      return apiError(409, 'refused', `issue #${issue.number} was opened but no execution started: ${started.outcome}`);
    await appendAudit(this.ports.runtime.db, {
      executionId: execution.id,
      traceId,
      actor: user.login,
      action: 'command:execute',
      reason: `accepted: issue #${issue.number} opened through the API; @${user.login} (${access.role}${agentIdentity(user, repoPolicy.policy) ? ', an agent' : ''}) consented`,
      data: { source: 'api', issue: issue.number },
    });
    return {
      status: 202,
      body: { execution: executionSummary(execution), issue: { number: issue.number, url: issue.htmlUrl } },
    };
  }

  /**
   * `POST /api/v1/executions/{id}/schedule`: the change is not deployed before `notBefore` (and still only inside
   * the policy's change windows), at most a week ahead. It holds back an approved change, so a person who may start
   * agent work in the repository (`trigger.permissions`) may schedule it, never an agent; only before it is dispatched.
   */
  async schedule(user: ApiUser, id: string, request: ScheduleRequest): Promise<Answer<VerbResult>> {
    const traceId = randomUUID();
    const found = await this.visibleExecution(user, id, traceId);
    if (!found) return notFoundExecution(id);
    const { execution, access } = found;
    const repoPolicy = await this.policyOf(access.conn.context);
    if (!repoPolicy.ok)
      return this.refuse(execution.id, traceId, user, 'schedule', 409, 'policy_invalid', policyInvalid(repoPolicy));
    const trigger = repoPolicy.policy.trigger;
    if (!(trigger.permissions as string[]).includes(access.role)) {
      return this.refuse(
        execution.id,
        traceId,
        user,
        'schedule',
        403,
        'refused',
        `scheduling needs ${trigger.permissions.join(', ')} permission on ${access.conn.repo}, and @${user.login} has ${access.role}`,
      );
    }
    const where = progressOf(execution);
    if (!SCHEDULABLE.has(where))
      return this.refuse(
        execution.id,
        traceId,
        user,
        'schedule',
        409,
        'refused',
        `execution ${execution.id} is ${execution.state.replaceAll('_', ' ')}${where !== execution.state ? ` (from ${where.replaceAll('_', ' ')})` : ''}: only a change not yet dispatched can be scheduled`,
      );
    const now = this.ports.now();
    // agents never hold a deployment, and no hold is longer than MAX_HOLD_DAYS (`decideDeployHold`)
    const hold = decideDeployHold({
      login: user.login,
      agent: agentIdentity(user, repoPolicy.policy),
      notBefore: new Date(request.notBefore),
      now,
    });
    if (!hold.ok)
      return hold.status === 403
        ? this.refuse(execution.id, traceId, user, 'schedule', 403, 'refused', hold.message)
        : apiError(400, 'invalid_request', hold.message);
    const notBefore = hold.notBefore;
    await this.ports.runtime.db.transaction(async (tx) => {
      await setDeployHold(tx, {
        executionId: execution.id,
        notBefore: notBefore.toISOString(),
        by: user.login,
        at: now.toISOString(),
      });
      await appendAudit(tx, {
        executionId: execution.id,
        traceId,
        actor: user.login,
        action: 'command:schedule',
        reason: `accepted: not deployed before ${notBefore.toISOString()}`,
        data: { source: 'api', notBefore: notBefore.toISOString() },
      });
    });
    return {
      status: 200,
      body: {
        executionId: execution.id,
        verb: 'schedule',
        state: execution.state,
        message: `Not deployed before ${notBefore.toISOString()} (and only inside the policy's change windows), set by @${user.login}.`,
      },
    };
  }

  /**
   * `POST /api/v1/packages`: a plan step's change packages, rendered from the plan's templates (nothing is written).
   * Only for a user who can read the step's repository on an installation of AAOE (404 otherwise, before anything is
   * rendered); the rendering is bounded (`RENDER_LIMITS`), so no request holds the process.
   */
  async generatePackages(user: ApiUser, request: GeneratePackagesRequest): Promise<Answer<GeneratedPackages>> {
    // who may ask is decided first, from the step's repository as the YAML names it (loading the plan renders templates)
    const named = stepRepository(request.plan, request.step);
    if (named && !(await this.readable(user, named, randomUUID()))) return notFoundRepo(named);
    const loaded = loadPlan(request.plan, request.file ?? 'plan.yml');
    if (!loaded.ok) return apiError(400, 'invalid_request', loaded.errors.slice(0, 5).map(formatPlanError).join('\n'));
    const step = loaded.plan.steps.find((s) => s.id === request.step);
    if (!step)
      return apiError(
        400,
        'invalid_request',
        `step: no step "${request.step}" in plan ${loaded.plan.id} (steps: ${loaded.plan.steps
          .slice(0, 20)
          .map((s) => s.id)
          .join(', ')})`,
      );
    if (step.repository !== named && !(await this.readable(user, step.repository, randomUUID())))
      return notFoundRepo(step.repository);
    const rendered = renderStepPackages(loaded.plan, step);
    if (!rendered.ok) {
      const listed = rendered.errors.map((e) => `${e.template}:${e.line}:${e.column}: ${e.message}. Fix: ${e.hint}`);
      if (rendered.more) listed.push(`...and ${rendered.more} more not listed (fix these first)`);
      return apiError(400, 'invalid_request', listed.join('\n'));
    }
    return {
      status: 200,
      body: {
        plan: loaded.plan.id,
        step: step.id,
        packages: rendered.packages.map((p) => ({
          path: p.path,
          type: p.type,
          template: p.template,
          risk: PACKAGE_RISK[p.type].level,
          content: p.content,
        })),
      },
    };
  }

  // ------------------------------------------------------------------ helpers

  /** The policy as the webhooks read it, fresh (an authority decision never rests on a cached policy). */
  private policyOf(context: RepoConnection['context']): Promise<RepoPolicy> {
    return loadRepoPolicy(context, this.ports.presets);
  }

  /** The repository and the user's role on it, when the user can read it (a public one, or their role allows). */
  private async readable(user: ApiUser, repo: string, traceId: string): Promise<Access | undefined> {
    const conn = await this.ports.access.connect(repo, traceId);
    if (!conn) return undefined;
    const role = await conn.github.getRole(user.login);
    if (role === 'none' && conn.private) return undefined;
    return { conn, role };
  }

  private async visibleExecution(
    user: ApiUser,
    id: string,
    traceId: string,
  ): Promise<{ execution: ExecutionRecord; access: Access } | undefined> {
    const execution = await getExecution(this.ports.runtime.db, id);
    if (!execution) return undefined;
    const access = await this.readable(user, execution.repo, traceId);
    return access ? { execution, access } : undefined;
  }

  private async refuse(
    executionId: string | null,
    traceId: string,
    user: ApiUser,
    verb: ExecutionVerb | 'execute' | 'schedule',
    status: number,
    code: ErrorCode,
    why: string,
  ): Promise<Answer<never>> {
    await appendAudit(this.ports.runtime.db, {
      executionId,
      traceId,
      actor: user.login,
      action: `command:${verb}`,
      reason: `refused: ${why}`,
      data: { source: 'api' },
    });
    return apiError(status, code, why);
  }
}

/** How far a change has come: its state, or for a paused (or frozen) one, the state it resumes to. */
export function progressOf(execution: Pick<ExecutionRecord, 'state' | 'resumeTo'>): string {
  return (execution.state === 'paused' || execution.state === 'frozen') && execution.resumeTo
    ? execution.resumeTo
    : execution.state;
}

/** States of a change that is not dispatched yet (what `schedule` may hold). */
export const SCHEDULABLE: ReadonlySet<string> = new Set([
  'received',
  'classified',
  'proposing',
  'proposed',
  'blocked',
  'awaiting_approval',
  'approved',
  'scheduled',
  'merged',
]);

const DONE: Record<ExecutionVerb, (login: string) => string> = {
  approve: (login) => `Approval by @${login} recorded; the aaoe/policy check is evaluated again.`,
  pause: (login) => `Paused by @${login}.`,
  resume: (login) => `Resumed by @${login}.`,
  rollback: (login) => `Rollback requested by @${login}.`,
};

/**
 * The repository of step `stepId` of a plan's YAML, read without loading the plan (which renders its templates), so
 * the caller's access is checked before any work on the plan; undefined when the text does not name one plainly.
 */
function stepRepository(text: string, stepId: string): string | undefined {
  let value: unknown;
  try {
    value = parseDocument(text, { logLevel: 'silent' }).toJS({ maxAliasCount: 100 });
  } catch {
    return undefined;
  }
  const steps = typeof value === 'object' && value !== null ? (value as { steps?: unknown }).steps : undefined;
  if (!Array.isArray(steps)) return undefined;
  const step = steps.find(
    (s): s is { repository?: unknown } => typeof s === 'object' && s !== null && (s as { id?: unknown }).id === stepId,
  );
  const parsed = PlanRepository.safeParse(step?.repository);
  return parsed.success ? parsed.data : undefined;
}

function notFoundRepo(repo: string): Answer<never> {
  return apiError(404, 'not_found', `no repository ${repo} that AAOE is installed on and you can read`);
}

function notFoundExecution(id: string): Answer<never> {
  return apiError(404, 'not_found', `no execution ${id} in a repository you can read`);
}

function policyInvalid(repoPolicy: Extract<RepoPolicy, { ok: false }>): string {
  const first = repoPolicy.errors[0];
  return `the repository's policy does not validate, so nothing is decided until it does${first ? ` (${first.file}:${first.line}: ${first.message})` : ''}`;
}

function firstLine(text: string): string {
  const line = text.trim().split(/\r?\n/)[0]!.trim();
  return line.length > 72 ? `${line.slice(0, 71)}…` : line;
}
