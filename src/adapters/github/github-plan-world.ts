import type { Octokit } from './github-facts.js';
import type { InFlightExecution, PlanWorld } from '../../core/plan/check-world.js';

/**
 * The plan checks' port over GitHub's REST API:
 *
 * - installed: `GET /repos/{owner}/{repo}/installation` with the app's JWT (`apps.getRepoInstallation`): 200 is
 *   installed, 404 is not installed or no such repository (GitHub does not tell them apart for an app).
 * - team: `GET /orgs/{org}/teams/{team_slug}` with the installation on that organisation (`teams.getByName`,
 *   needs the organization permission Members: read): 200 exists, 404 missing; anything else is unknown.
 * - in flight: the app's own store (executions that have not ended), through `inFlight`.
 */
export type GitHubPlanWorldOptions = {
  /** An Octokit authenticated as the app (JWT): Probot's `app.auth()`. */
  app: Octokit;
  /** An Octokit of the app's installation on an organisation, or undefined when the app is not installed there. */
  organization: (org: string) => Promise<Octokit | undefined>;
  inFlight: (repository: string) => Promise<InFlightExecution[]>;
};

export function githubPlanWorld(options: GitHubPlanWorldOptions): PlanWorld {
  return {
    async installation(repository) {
      const [owner = '', repo = ''] = repository.split('/');
      try {
        await options.app.rest.apps.getRepoInstallation({ owner, repo });
        return 'installed';
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) return 'not_installed';
        return {
          unknown: `GitHub answered ${status ?? (error as Error).message} to GET /repos/${repository}/installation`,
        };
      }
    },
    async team(team) {
      const [org = '', slug = ''] = team.replace(/^@/, '').split('/');
      const client = await options.organization(org);
      if (!client)
        return { unknown: `the app is not installed on the organisation ${org}, so its teams cannot be read` };
      try {
        await client.rest.teams.getByName({ org, team_slug: slug });
        return 'exists';
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) return 'missing';
        if (status === 403)
          return {
            unknown: `the installation on ${org} may not read teams (it needs the organization permission Members: read)`,
          };
        return { unknown: `GitHub answered ${status ?? (error as Error).message} to GET /orgs/${org}/teams/${slug}` };
      }
    },
    inFlight: options.inFlight,
  };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}
