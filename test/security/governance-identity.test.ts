import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 19, hole 11: governance depended on a mutable login and was decided again on every delivery. A renamed
 * agent account, a change of `agents:` or of the trigger label un-governed a pull request, and a Bot author not
 * listed was never governed. Once governed, always governed (the execution decides); agents are matched by
 * immutable id too; every Bot author is governed unless the policy exempts it by name.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'agent-machine-user'; // an agent that runs as a plain User account

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
  firstPullRequest: 1100,
});
const WORKFLOW = {
  filename: '.github/workflows/deploy.yml',
  status: 'modified',
  additions: 1,
  deletions: 1,
  patch: '@@ -1 +1 @@\n-a: 1\n+a: 2',
};

beforeEach(async () => {
  await flow.setConfig(`agents: ['${AGENT}']\n`);
});

/** A pull request that touches a workflow (a governed one fails), opened by `user`, delivered. */
async function open(user: { login: string; type: 'User' | 'Bot' }, labels: string[] = []) {
  const number = flow.nextNumber();
  const headSha = (number.toString(16) + 'e'.repeat(40)).slice(0, 40);
  const pr: any = h.sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    user,
    headRef: `change-${number}`,
    headSha,
    baseRef: 'master',
    labels,
    body: flow.mediumBody,
    files: [WORKFLOW] as never,
  });
  await h.deliver('pull_request', flow.pullRequestPayload('opened', pr));
  return { number, headSha, pr };
}

/** A push of a new head (the same workflow edit), delivered as `synchronize` with the payload changed by `edit`. */
async function push(number: number, suffix: string, edit: (pr: any) => any = (pr) => pr) {
  const headSha = (number.toString(16) + suffix.repeat(40)).slice(0, 40);
  const pr = h.sim.pushToPullRequest({ owner: OWNER, repo: REPO, number, headSha, files: [WORKFLOW] as never });
  await h.deliver('pull_request', flow.pullRequestPayload('synchronize', edit(pr)));
  return headSha;
}

describe('once governed, always governed', () => {
  it('a renamed agent account does not un-govern its pull request', async () => {
    const { number, headSha } = await open({ login: AGENT, type: 'User' });
    expect(flow.latestCheck(headSha).conclusion).toBe('failure');
    const next = await push(number, '1', (pr) => ({ ...pr, user: { ...pr.user, login: 'innocent-name' } }));
    expect(flow.latestCheck(next).conclusion).toBe('failure');
  });

  it('removing the agent from `agents:` does not un-govern its open pull request', async () => {
    const { number } = await open({ login: AGENT, type: 'User' });
    await flow.setConfig('agents: []\n');
    const next = await push(number, '2');
    expect(flow.latestCheck(next).conclusion).toBe('failure');
  });

  it('changing the trigger label does not un-govern a labelled pull request', async () => {
    const { number, headSha } = await open({ login: 'octocat', type: 'User' }, ['aaoe']);
    expect(flow.latestCheck(headSha).conclusion).toBe('failure');
    await flow.setConfig(`agents: ['${AGENT}']\ntrigger: { label: governed-by-aaoe }\n`);
    const next = await push(number, '3');
    expect(flow.latestCheck(next).conclusion).toBe('failure');
  });
});

describe('who is an agent', () => {
  it('a Bot author not listed under agents is governed', async () => {
    const { number, headSha } = await open({ login: 'some-tool[bot]', type: 'Bot' });
    expect(flow.latestCheck(headSha).conclusion).toBe('failure');
    const x = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.pullRequest === number)!;
    expect(x.subject?.governedBecause).toMatch(/Bot/);
  });

  it('a bot the policy exempts by name is not governed', async () => {
    await flow.setConfig(`agents: ['${AGENT}']\ngovernance: { exemptBots: ['dependabot[bot]'] }\n`);
    const { headSha } = await open({ login: 'dependabot[bot]', type: 'Bot' });
    expect(flow.latestCheck(headSha)).toMatchObject({
      conclusion: 'neutral',
      output: { title: 'Not governed by AAOE' },
    });
  });

  it('an agent listed by its account id is governed whatever its login, and the id is recorded', async () => {
    const probe: any = h.sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number: flow.nextNumber(),
      user: { login: 'id-listed-agent', type: 'User' },
      state: 'closed',
      files: [],
    });
    const id = Number(probe.user.id);
    expect(id).toBeGreaterThan(0);
    await flow.setConfig(`agents: [${id}]\n`);
    const { number, headSha } = await open({ login: 'id-listed-agent', type: 'User' });
    expect(flow.latestCheck(headSha).conclusion).toBe('failure');
    const x = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.pullRequest === number)!;
    expect(x.subject?.author).toMatchObject({ login: 'id-listed-agent', id });
  });
});
