import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 19, hole 2: the base branch was ignored. A governed pull request into a branch the attacker filled
 * (`typo-fix -> evil-base`) was judged on its one-line diff, passed, was merged by `merge: auto`, and its merge
 * commit was dispatched. Only changes into the default branch (or `deployment.branches`) are ever merged or
 * deployed by AAOE, the check names the base, and a merge whose head is not the judged head is not deployed.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ reportSecret: 'test-report-secret' });
  h.sim.addInstallation({
    id: INSTALLATION_ID,
    account: OWNER,
    permissions: {
      checks: 'write',
      contents: 'write',
      issues: 'write',
      pull_requests: 'write',
      deployments: 'write',
      actions: 'read',
      metadata: 'read',
    },
  });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'wendy-writer', permission: 'write' });
});
afterAll(async () => {
  await h?.close();
});

const flow = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: 'test-report-secret',
  firstPullRequest: 700,
});

// medium risk passes without a person: the attack needs no approval at all
const PASSING = `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: medium }\nmerge: auto\n`;

beforeEach(async () => {
  await flow.setConfig(PASSING);
});

/** An agent's pull request of one docs file into `baseRef`, delivered as opened. */
async function openInto(baseRef: string) {
  const number = flow.nextNumber();
  const headSha = (number.toString(16) + 'c'.repeat(40)).slice(0, 40);
  const pr: any = h.sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    user: { login: AGENT, type: 'Bot' },
    headRef: `typo-fix-${number}`,
    headSha,
    baseRef,
    body: flow.mediumBody,
    files: [flow.file(`docs/typo-${number}.md`)] as never,
  });
  await h.deliver('pull_request', flow.pullRequestPayload('opened', pr));
  return { number, headSha, pr };
}

const pull = (number: number) =>
  h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === number) as any;
const execution = async (number: number) =>
  (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((x) => x.pullRequest === number)!;

describe('a governed pull request into another base', () => {
  it('is judged, its check names the base and says AAOE will not merge or deploy it; merge: auto does not merge it', async () => {
    const { number, headSha } = await openInto('evil-base');
    const check = flow.latestCheck(headSha);
    expect(check.output.summary).toContain('`evil-base`');
    expect(check.output.summary).toMatch(/not a deploy branch/);
    expect(check.output.summary).toMatch(/never merges or deploys/);
    expect(pull(number)).toMatchObject({ merged: false, state: 'open' });
    expect(
      h.sim.requests.filter((r) => r.operationId === 'pulls/merge' && r.path.endsWith(`/pulls/${number}/merge`)),
    ).toEqual([]);
  });

  it('merged by a person, it is not deployed: nothing is dispatched and the audit log says why', async () => {
    const { number, pr } = await openInto('evil-base');
    const before = h.sim.dispatches({ owner: OWNER, repo: REPO }).length;
    await h.deliver(
      'pull_request',
      flow.pullRequestPayload('closed', { ...pr, state: 'closed', merged: true, merge_commit_sha: 'e'.repeat(40) }),
    );
    expect(h.sim.dispatches({ owner: OWNER, repo: REPO })).toHaveLength(before);
    expect((await execution(number)).state).not.toMatch(/merged|deploying/);
    expect((await flow.auditOf(number)).map((e) => e.reason).join('\n')).toMatch(/evil-base.*not a deploy branch/);
  });

  it('a change into the default branch says so and is merged and deployed as before', async () => {
    const { number, headSha } = await openInto('master');
    expect(flow.latestCheck(headSha).output.summary).toMatch(/into `master` \(the default branch\)/);
    const merged = pull(number);
    expect(merged).toMatchObject({ merged: true });
    const before = h.sim.dispatches({ owner: OWNER, repo: REPO }).length;
    await h.deliver('pull_request', flow.pullRequestPayload('closed', merged));
    expect(h.sim.dispatches({ owner: OWNER, repo: REPO })).toHaveLength(before + 1);
  });

  it('deployment.branches names other deploy branches', async () => {
    await flow.setConfig(`${PASSING}deployment: { branches: [release] }\n`);
    const { number, headSha } = await openInto('release');
    expect(flow.latestCheck(headSha).output.summary).toMatch(/into `release` \(a deploy branch/);
    expect(pull(number)).toMatchObject({ merged: true });
  });
});

describe('a merge whose head is not the judged head', () => {
  it('is not deployed (a push after the approval, merged before AAOE saw it)', async () => {
    await flow.setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: medium }\n`);
    const { number, headSha, pr } = await openInto('master');
    expect(flow.latestCheck(headSha).conclusion).toBe('success');
    expect((await execution(number)).state).toBe('approved');
    const pushed = 'd'.repeat(40);
    const before = h.sim.dispatches({ owner: OWNER, repo: REPO }).length;
    await h.deliver(
      'pull_request',
      flow.pullRequestPayload('closed', {
        ...pr,
        head: { ...pr.head, sha: pushed },
        state: 'closed',
        merged: true,
        merge_commit_sha: 'e'.repeat(40),
      }),
    );
    expect(h.sim.dispatches({ owner: OWNER, repo: REPO })).toHaveLength(before);
    expect((await flow.auditOf(number)).map((e) => e.reason).join('\n')).toMatch(/ddddddd.*not the judged head/);
  });
});
