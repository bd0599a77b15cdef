import { expect } from 'vitest';
import { INSTALLATION_ID, examplePayload, type Harness } from '../support/app-harness.js';
import { proposalBody } from '../support/proposal-body.js';

/** A file of a pull request as GitHub's files API lists it. */
export type FileSpec = {
  filename: string;
  status?: string;
  patch?: string;
  additions?: number;
  deletions?: number;
  previous_filename?: string;
};

export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
export const AGENT = 'my-agent[bot]';

/** A file added with `lines`, with the patch GitHub would show. */
export function added(filename: string, lines: string[]): FileSpec {
  return {
    filename,
    status: 'added',
    additions: lines.length,
    deletions: 0,
    patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`,
  };
}

/** The governed pull requests of the security suites: an agent's, with a valid proposal, delivered as GitHub sends it. */
export function prFlow(harness: () => Harness, firstNumber: number) {
  let next = firstNumber;

  async function setConfig(content: string) {
    harness().sim.setFile({ owner: OWNER, repo: REPO, branch: 'master', path: '.github/aaoe.yml', content });
    const push = examplePayload('push', undefined, (e: any) => e.ref === 'refs/heads/master' && !!e.installation);
    push.installation = { id: INSTALLATION_ID };
    expect((await harness().deliver('push', push)).status).toBe(200);
  }

  function pullRequest(files: FileSpec[]) {
    const number = next++;
    const headSha = (number.toString(16) + 'c'.repeat(40)).slice(0, 40);
    const pr = harness().sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      user: { login: AGENT, type: 'Bot' },
      headRef: `change-${number}`,
      headSha,
      baseRef: 'master',
      labels: [],
      body: proposalBody(),
      files: files as never,
    });
    const payload = examplePayload('pull_request', 'opened');
    payload.number = number;
    payload.pull_request = { ...payload.pull_request, ...pr };
    payload.installation = { id: INSTALLATION_ID };
    return { number, headSha, payload };
  }

  function checkFor(headSha: string) {
    const runs = harness()
      .sim.checkRuns({ owner: OWNER, repo: REPO })
      .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy');
    expect(runs.length).toBeGreaterThan(0);
    return runs.at(-1) as any;
  }

  return { setConfig, pullRequest, checkFor };
}
