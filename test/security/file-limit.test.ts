import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 19, hole 18: GitHub lists at most 3,000 files of a pull request. The files after the limit were never
 * judged: a workflow edit as file 3,001 passed unseen. When the list is shorter than the pull request's
 * `changed_files`, the check fails and says so.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
});
afterAll(async () => {
  await h?.close();
});

const flow = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: 'unused',
  firstPullRequest: 900,
});

beforeEach(async () => {
  await flow.setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: critical, requireHumanApprovalAbove: critical }\n`);
});

describe('a pull request with more files than GitHub lists', () => {
  it('fails the check, saying how many files were listed of how many', async () => {
    const number = flow.nextNumber();
    const headSha = (number.toString(16) + 'f'.repeat(40)).slice(0, 40);
    const files = Array.from({ length: 3000 }, (_, i) => flow.file(`docs/page-${i}.md`));
    files.push({
      filename: '.github/workflows/deploy.yml',
      status: 'modified',
      additions: 1,
      deletions: 1,
      patch: '@@ -1 +1 @@\n-a: 1\n+a: 2',
    });
    const pr: any = h.sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      user: { login: AGENT, type: 'Bot' },
      headRef: `change-${number}`,
      headSha,
      baseRef: 'master',
      body: flow.mediumBody,
      files: files as never,
    });
    expect(pr.changed_files).toBe(3001);
    await h.deliver('pull_request', flow.pullRequestPayload('opened', pr));
    const check = flow.latestCheck(headSha);
    expect(check.conclusion).toBe('failure');
    expect(check.output.title).toMatch(/3,000 of its 3,001 files/);
    expect(check.output.summary).toMatch(/were never seen by the gates/);
  }, 60_000);
});
