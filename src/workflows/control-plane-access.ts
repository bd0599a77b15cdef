import type { RepositoryRole } from '../adapters/github/github-facts.js';
import type { ApiUser, GitHubAccess, RepoConnection } from '../adapters/github/github-access.js';
import type { Presets } from '../core/policy/policy-source.js';
import type { Runtime } from '../adapters/store/runtime.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { getExecution } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import type { ApiError, ErrorCode, ExecutionVerb } from '../contracts/api.js';
import { loadRepoPolicy, type RepoPolicy } from './load-repo-policy.js';

/**
 * Who may see what through the control plane, read through the API each time (never taken from the request): the
 * user's role on a repository from the collaborator-permission API, the repository's visibility, its policy from the
 * default branch. A repository the user cannot read answers 404, the same as one that does not exist.
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
export type Access = { conn: RepoConnection; role: RepositoryRole };

/** The policy as the webhooks read it, fresh (an authority decision never rests on a cached policy). */
export function policyOf(ports: ControlPlanePorts, context: RepoConnection['context']): Promise<RepoPolicy> {
  return loadRepoPolicy(context, ports.presets);
}

/** The repository and the user's role on it, when the user can read it (a public one, or their role allows). */
export async function readable(
  ports: ControlPlanePorts,
  user: ApiUser,
  repo: string,
  traceId: string,
): Promise<Access | undefined> {
  const conn = await ports.access.connect(repo, traceId);
  if (!conn) return undefined;
  const role = await conn.github.getRole(user.login);
  if (role === 'none' && conn.private) return undefined;
  return { conn, role };
}

/** An execution and the user's access to its repository, when the user can read that repository. */
export async function visibleExecution(
  ports: ControlPlanePorts,
  user: ApiUser,
  id: string,
  traceId: string,
): Promise<{ execution: ExecutionRecord; access: Access } | undefined> {
  const execution = await getExecution(ports.runtime.db, id);
  if (!execution) return undefined;
  const access = await readable(ports, user, execution.repo, traceId);
  return access ? { execution, access } : undefined;
}

/** A refusal of a verb: audited as a refused command is, then answered. */
export type Refusal = {
  executionId: string | null;
  traceId: string;
  user: ApiUser;
  verb: ExecutionVerb | 'execute' | 'schedule';
  status: number;
  code: ErrorCode;
  why: string;
};

export async function refuse(ports: ControlPlanePorts, refusal: Refusal): Promise<Answer<never>> {
  const { executionId, traceId, user, verb, status, code, why } = refusal;
  await appendAudit(ports.runtime.db, {
    executionId,
    traceId,
    actor: user.login,
    action: `command:${verb}`,
    reason: `refused: ${why}`,
    data: { source: 'api' },
  });
  return apiError(status, code, why);
}

export function notFoundRepo(repo: string): Answer<never> {
  return apiError(404, 'not_found', `no repository ${repo} that AAOE is installed on and you can read`);
}

export function notFoundExecution(id: string): Answer<never> {
  return apiError(404, 'not_found', `no execution ${id} in a repository you can read`);
}

export function policyInvalid(repoPolicy: Extract<RepoPolicy, { ok: false }>): string {
  const first = repoPolicy.errors[0];
  return `the repository's policy does not validate, so nothing is decided until it does${first ? ` (${first.file}:${first.line}: ${first.message})` : ''}`;
}
