import { randomInt, randomUUID } from 'node:crypto';
import { startIssueExecution } from './start-issue-execution.js';
import { CommandWork } from './command-work.js';
import { listApprovals } from '../adapters/store/approvals.js';
import { appendAudit, showExecution } from '../adapters/store/audit-log.js';
import { getExecution, listExecutions } from '../adapters/store/executions.js';
import { readAgentFigures } from '../adapters/store/agent-figures.js';
import { executionStatus, executionSummary } from '../core/views/execution-view.js';
import type { ApiUser } from '../adapters/github/github-access.js';
import type {
  GeneratePackagesRequest,
  GeneratedPackages,
  ScheduleRequest,
  ExecuteRequest,
  ExecuteResult,
  ExecutionList,
  AgentList,
  ExecutionStatus,
  ExecutionVerb,
  VerbResult,
} from '../contracts/api.js';
import { agentIdentity } from '../core/policy/governance.js';
import { APPROVAL_TEXT } from '../core/text/approvals.js';
import { firstLine } from '../core/text/markdown.js';
import {
  apiError,
  notFoundExecution,
  notFoundRepo,
  policyInvalid,
  policyOf,
  readable,
  refuse,
  visibleExecution,
  type Answer,
  type ControlPlanePorts,
  type Refusal,
} from './control-plane-access.js';
import { scheduleExecution } from './control-plane-schedule.js';
import { generatePackages } from './control-plane-packages.js';
import { replayForUser } from './control-plane-replay.js';
import type { PolicyReplayAnswer, PolicyReplayRequest } from '../contracts/policy-replay.js';

/**
 * The control plane's decisions, one method per verb of `/api/v1`, for a user whose token GitHub vouched for.
 * Who may see and do what is read through the API each time, never taken from the request (`control-plane-access.ts`).
 * The verbs on an execution are the comment commands' own decision (`CommandWork.runVerb`); an agent identity (a
 * `Bot`, or a login in the policy's `agents`) may propose and read, never approve, resume or roll back. Every refusal
 * of a verb is audited as a refused command is.
 */

/** How many executions `list` returns unless asked for fewer or more (at most `LIST_LIMIT_MAX`). */
export const LIST_LIMIT_DEFAULT = 100;
export const LIST_LIMIT_MAX = 500;

export class ControlPlane {
  private readonly commands: CommandWork;

  constructor(private readonly ports: ControlPlanePorts) {
    this.commands = new CommandWork({
      runtime: ports.runtime,
      now: ports.now,
      policyFor: (context) => policyOf(ports, context),
      botLogin: ports.access.botLogin,
    });
  }

  /** `GET /api/v1/executions?repo=owner/name&limit=n`: the repository's executions, newest first, at most `limit`. */
  async list(user: ApiUser, repo: string, limit = LIST_LIMIT_DEFAULT): Promise<Answer<ExecutionList>> {
    const traceId = randomUUID();
    const access = await readable(this.ports, user, repo, traceId);
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
    const access = await readable(this.ports, user, repo, randomUUID());
    if (!access) return notFoundRepo(repo);
    return {
      status: 200,
      body: { repo: access.conn.repo, agents: await readAgentFigures(this.ports.runtime.db, [access.conn.repo]) },
    };
  }

  /** Whether the user may read the repository's executions (as `list` and `status` decide). */
  async canRead(user: ApiUser, repo: string): Promise<boolean> {
    return (await readable(this.ports, user, repo, randomUUID())) !== undefined;
  }

  /** `GET /api/v1/executions/{id}`: state, the latest policy evaluation, approvals, cost and the audit timeline. */
  async status(user: ApiUser, id: string): Promise<Answer<ExecutionStatus>> {
    const found = await visibleExecution(this.ports, user, id, randomUUID());
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
    const found = await visibleExecution(this.ports, user, id, traceId);
    if (!found) return notFoundExecution(id);
    const { execution, access } = found;
    const refused = (status: number, code: Refusal['code'], why: string) =>
      refuse(this.ports, { executionId: execution.id, traceId, user, verb, status, code, why });
    const repoPolicy = await policyOf(this.ports, access.conn.context);
    if (!repoPolicy.ok) return refused(409, 'policy_invalid', policyInvalid(repoPolicy));
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
      return refused(403, 'refused', why);
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
    const access = await readable(this.ports, user, request.repo, traceId);
    if (!access) return notFoundRepo(request.repo);
    const refused = (status: number, code: Refusal['code'], why: string) =>
      refuse(this.ports, { executionId: null, traceId, user, verb: 'execute', status, code, why });
    const repoPolicy = await policyOf(this.ports, access.conn.context);
    if (!repoPolicy.ok) return refused(409, 'policy_invalid', policyInvalid(repoPolicy));
    const trigger = repoPolicy.policy.trigger;
    if (!(trigger.permissions as string[]).includes(access.role)) {
      return refused(
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

  /** `POST /api/v1/executions/{id}/schedule` (`control-plane-schedule.ts`). */
  schedule(user: ApiUser, id: string, request: ScheduleRequest): Promise<Answer<VerbResult>> {
    return scheduleExecution(this.ports, user, id, request);
  }

  /** `POST /api/v1/packages` (`control-plane-packages.ts`). */
  generatePackages(user: ApiUser, request: GeneratePackagesRequest): Promise<Answer<GeneratedPackages>> {
    return generatePackages(this.ports, user, request);
  }

  /** `POST /api/v1/policy/replay`: a proposed policy replayed over the repository's recent governed pull requests. */
  replayPolicy(user: ApiUser, request: PolicyReplayRequest): Promise<Answer<PolicyReplayAnswer>> {
    return replayForUser(this.ports, user, request);
  }
}

const DONE: Record<ExecutionVerb, (login: string) => string> = {
  approve: (login) => `Approval by @${login} recorded; the aaoe/policy check is evaluated again.`,
  pause: (login) => `Paused by @${login}.`,
  resume: (login) => `Resumed by @${login}.`,
  rollback: (login) => `Rollback requested by @${login}.`,
};
