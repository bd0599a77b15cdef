import { ok, problem, type Result } from '../../src/core/result.js';

/**
 * `POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses` (GitHub REST; body and states as in
 * GitHub's OpenAPI description: `state` is required, `description` is at most 140 characters).
 */

export type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export type DeploymentStatus = { state: DeploymentState; description: string; logUrl?: string; environment?: string };

export type GitHubTarget = { apiUrl: string; repository: string; token: string; deploymentId: number };

export async function postDeploymentStatus(target: GitHubTarget, status: DeploymentStatus): Promise<Result<undefined>> {
  const [owner, repo] = target.repository.split('/');
  if (!owner || !repo) return problem('bad_repository', `GITHUB_REPOSITORY is not owner/name: ${target.repository}`);
  const url = `${target.apiUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/deployments/${target.deploymentId}/statuses`;
  const body: Record<string, string> = { state: status.state, description: truncate(status.description, 140) };
  if (status.logUrl) body.log_url = status.logUrl;
  if (status.environment) body.environment = status.environment;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${target.token}`,
        'content-type': 'application/json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'aaoe-action',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    if (response.status === 201) return ok(undefined);
    return problem('http_error', `GitHub answered HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
  } catch (error) {
    return problem('unreachable', error instanceof Error ? error.message : String(error));
  }
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
