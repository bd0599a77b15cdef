import type { Octokit, RepositoryRole } from '../adapters/github/github-facts.js';
import type { StepEndedJob } from '../adapters/store/executions.js';
import type { PlanEffect } from '../core/plan/run-plan.js';
import type { AgentWorkPorts } from './agent-ports.js';

/**
 * What every part of a plan's work shares (docs/plans.md): its ports, its jobs, who may act on a plan, and the
 * lookups of a step's repository through the app's own client.
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
export const PLAN_ROLES: readonly RepositoryRole[] = ['write', 'maintain', 'admin'];
export const PLAN_LABEL = 'aaoe-plan';

/** The pseudo execution id of a plan's jobs and timers. */
export function planRef(repo: string, planId: string): string {
  return `plan:${repo}:${planId}`;
}

export function isPlanJob(data: unknown): data is PlanJob {
  return typeof data === 'object' && data !== null && 'plan' in data;
}

/** The installation of the app on `owner/name`, or undefined when the app is not installed there. */
export async function installationOf(ports: PlanWorkPorts, repository: string): Promise<number | undefined> {
  const [owner = '', repo = ''] = repository.split('/');
  try {
    const { data } = await (await ports.appOctokit()).rest.apps.getRepoInstallation({ owner, repo });
    return data.id;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

/** `login`'s permission on `repository`, read through the API (`none` where the app is not installed). */
export async function roleOn(
  ports: PlanWorkPorts,
  repository: string,
  login: string,
  traceId: string,
): Promise<RepositoryRole> {
  const installationId = await installationOf(ports, repository);
  if (installationId === undefined) return 'none';
  const { github } = await ports.connect(installationId, repository, traceId);
  return github.getRole(login);
}
