import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 19, hole 9: files of one head, verdict on another. The evaluation listed the pull request's CURRENT files
 * and posted its verdict on the execution's older head: a workflow change at head A, pushed over by a harmless
 * head B before AAOE judged A, got a green check on A (B's files judged); a force-push back to A then carries it.
 * The evaluation now reads one snapshot pinned to (base, head) and posts nothing when GitHub's head moved.
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
  firstPullRequest: 800,
});

beforeEach(async () => {
  // medium risk passes without a person; a workflow change fails the protected-paths gate
  await flow.setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: medium }\n`);
});

const checksOn = (sha: string) =>
  h.sim
    .checkRuns({ owner: OWNER, repo: REPO })
    .filter((r: any) => r.head_sha === sha && r.name === 'aaoe/policy') as any[];

describe('the verdict is posted for exactly the head whose files were judged', () => {
  it("a head pushed over before its evaluation ran gets no verdict judged on the newer head's files", async () => {
    const number = flow.nextNumber();
    const evil = (number.toString(16) + 'a'.repeat(40)).slice(0, 40);
    const harmless = (number.toString(16) + 'b'.repeat(40)).slice(0, 40);
    const workflow = {
      filename: '.github/workflows/deploy.yml',
      status: 'modified',
      additions: 1,
      deletions: 1,
      patch: '@@ -1 +1 @@\n-a: 1\n+a: 2',
    };
    const pr: any = h.sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      user: { login: AGENT, type: 'Bot' },
      headRef: `change-${number}`,
      headSha: evil,
      baseRef: 'master',
      body: flow.mediumBody,
      files: [workflow] as never,
    });
    // the agent pushes a harmless head before AAOE got to the first one (its delivery is still on its way)
    h.sim.pushToPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      headSha: harmless,
      files: [flow.file(`docs/${number}.md`)] as never,
    });
    await h.deliver('pull_request', flow.pullRequestPayload('opened', pr));
    expect(checksOn(evil).map((c) => c.conclusion)).not.toContain('success');

    // the harmless head is judged on its own files
    await h.deliver(
      'pull_request',
      flow.pullRequestPayload(
        'synchronize',
        h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === number)!,
      ),
    );
    expect(flow.latestCheck(harmless).conclusion).toBe('success');

    // a force-push back to the first head: it is judged on its own files, and fails
    const back = h.sim.pushToPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      headSha: evil,
      files: [workflow] as never,
    });
    await h.deliver('pull_request', flow.pullRequestPayload('synchronize', back));
    expect(flow.latestCheck(evil).conclusion).toBe('failure');
    expect(checksOn(evil).map((c) => c.conclusion)).not.toContain('success');
    const x = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.pullRequest === number)!;
    expect(x).toMatchObject({ headSha: evil, state: 'blocked' });
  });

  it('the check names the base and head it judged', async () => {
    const number = flow.nextNumber();
    const headSha = (number.toString(16) + 'c'.repeat(40)).slice(0, 40);
    const pr: any = h.sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      user: { login: AGENT, type: 'Bot' },
      headRef: `change-${number}`,
      headSha,
      baseRef: 'master',
      body: flow.mediumBody,
      files: [flow.file(`docs/${number}.md`)] as never,
    });
    await h.deliver('pull_request', flow.pullRequestPayload('opened', pr));
    const summary = String(flow.latestCheck(headSha).output.summary);
    expect(summary).toContain(
      `Judged \`change-${number}\` at ${headSha.slice(0, 7)} into \`master\` (the default branch) at ${String(pr.base.sha).slice(0, 7)}`,
    );
  });
});
