import type { GitHubSimulator } from '../test/simulator/github-simulator.js';
import { INSTALLATION_ID, examplePayload } from '../test/support/app-harness.js';
import { proposalBody } from '../test/support/proposal-body.js';

/** The repository the benchmarks use: installed, with a config that governs the agent's pull requests. */
export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
export const AGENT = 'my-agent[bot]';

export function governedRepository(sim: GitHubSimulator): void {
  sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  sim.setFile({
    owner: OWNER,
    repo: REPO,
    branch: 'master',
    path: '.github/aaoe.yml',
    content: `agents: ['${AGENT}']\n`,
  });
}

/** A one-line docs change by the agent in the simulator, and its `pull_request.opened` delivery (GitHub's example). */
export function agentPullRequest(sim: GitHubSimulator, number: number, shaFill: string): Record<string, unknown> {
  const pr = sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    headSha: number.toString(16).padStart(40, shaFill),
    headRef: `b${number}`,
    baseRef: 'master',
    user: { login: AGENT, type: 'Bot' },
    body: proposalBody(),
    files: [{ filename: 'docs/a.md', status: 'modified', additions: 1, deletions: 0, patch: '@@ -1 +1,2 @@\n a\n+b' }],
  });
  const payload = examplePayload('pull_request', 'opened') as Record<string, unknown>;
  payload.number = number;
  payload.pull_request = { ...(payload.pull_request as Record<string, unknown>), ...pr };
  payload.installation = { id: INSTALLATION_ID };
  return payload;
}
