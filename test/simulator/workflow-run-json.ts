import { nodeId, repoJson, type JsonObject, type RepoData, type Urls } from './github-json.js';

/**
 * GitHub Actions workflow runs as the simulator holds them (a test adds the run a dispatch or a push started), and
 * their JSON (`GET /repos/{owner}/{repo}/actions/runs/{run_id}`, the `workflow-run` schema: every required field).
 */

export type WorkflowRunData = {
  id: number;
  /** What started it: `repository_dispatch`, `push`, `workflow_dispatch`, ... */
  event: string;
  /** ISO 8601, seconds. */
  createdAt: string;
  headSha: string;
  headBranch: string;
  path: string;
  displayTitle: string;
};

export function workflowRunJson(urls: Urls, repo: RepoData, run: WorkflowRunData): JsonObject {
  const fullName = `${repo.owner}/${repo.name}`;
  const api = `${urls.api}/repos/${fullName}/actions/runs/${run.id}`;
  const workflowId = 1000 + (run.path.length % 97);
  const minimal = repoJson(urls, repo, false);
  return {
    id: run.id,
    name: 'aaoe-deploy',
    node_id: nodeId('WorkflowRun', run.id),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.path,
    display_title: run.displayTitle,
    run_number: run.id % 10_000,
    run_attempt: 1,
    event: run.event,
    status: 'waiting',
    conclusion: null,
    workflow_id: workflowId,
    url: api,
    html_url: `${urls.web}/${fullName}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.createdAt,
    updated_at: run.createdAt,
    run_started_at: run.createdAt,
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${urls.api}/repos/${fullName}/check-suites/${run.id}`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    workflow_url: `${urls.api}/repos/${fullName}/actions/workflows/${workflowId}`,
    head_commit: {
      id: run.headSha,
      tree_id: run.headSha,
      message: run.displayTitle,
      timestamp: run.createdAt,
      author: { name: 'AAOE test', email: 'test@example.com' },
      committer: { name: 'AAOE test', email: 'test@example.com' },
    },
    repository: minimal,
    head_repository: minimal,
  };
}
