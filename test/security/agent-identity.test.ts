import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listExecutions } from '../../src/adapters/store/executions.js';
import type { CommitIdentity } from '../simulator/github-json.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 20, agent identity by what GitHub shows: the known coding agents are recognised by their accounts (by id where
 * known) and by the commits they write, including the `Co-authored-by:` trailers of agents that work under a person's
 * account; the shipped presets exempt the dependency bots; a trailer governs once and for good; a forged trailer of a
 * non-agent email governs nothing; a commit message of any size costs linear time. Every case goes through signed
 * deliveries to the running app against the loopback GitHub.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';

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
  agent: 'unused[bot]',
  reportSecret: 'unused',
  firstPullRequest: 2000,
});
// a governed change to a workflow fails (a protected path), so a governed pull request's check is `failure`
const WORKFLOW = {
  filename: '.github/workflows/deploy.yml',
  status: 'modified',
  additions: 1,
  deletions: 1,
  patch: '@@ -1 +1 @@\n-a: 1\n+a: 2',
};
const PERSON = { login: 'octocat', type: 'User' as const };
const alice: CommitIdentity = {
  name: 'Octo Cat',
  email: 'octocat@example.com',
  account: { login: 'octocat', type: 'User' },
};
const claudeTrailer = 'Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>';

beforeEach(async () => {
  // the shipped default (the `standard` preset), as a repository that extends it
  await flow.setConfig('extends: standard\n');
});

type Opened = { number: number; headSha: string; pr: any };

/** A pull request touching a workflow, opened by `user` with `commits`, delivered as GitHub sends it. */
async function open(
  user: { login: string; type: 'User' | 'Bot'; id?: number },
  commits?: Array<{ message: string; author?: CommitIdentity }>,
): Promise<Opened> {
  const number = flow.nextNumber();
  const headSha = (number.toString(16) + 'a'.repeat(40)).slice(0, 40);
  const pr: any = h.sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    user,
    headRef: `change-${number}`,
    headSha,
    baseRef: 'master',
    body: 'A change.',
    files: [WORKFLOW] as never,
    ...(commits ? { commits } : {}),
  });
  await h.deliver('pull_request', flow.pullRequestPayload('opened', pr));
  return { number, headSha, pr };
}

async function execution(number: number) {
  return (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.pullRequest === number);
}

function expectNotGoverned(headSha: string) {
  expect(flow.latestCheck(headSha)).toMatchObject({ conclusion: 'neutral', output: { title: 'Not governed by AAOE' } });
}

describe('an agent Bot the policy does not list', () => {
  it('is governed and recorded as the catalogue agent (Devin, by its account id)', async () => {
    const { number, headSha } = await open({ login: 'devin-ai-integration[bot]', type: 'Bot', id: 158243242 });
    expect(flow.latestCheck(headSha).conclusion).toBe('failure');
    expect((await execution(number))?.subject).toMatchObject({ isAgent: true, agent: 'devin' });
  });

  it('a login that looks like a catalogue agent but has another id is governed by the Bot default, not named as it', async () => {
    const { number, headSha } = await open({ login: 'claude[bot]', type: 'Bot', id: 12345 });
    expect(flow.latestCheck(headSha).conclusion).toBe('failure');
    expect((await execution(number))?.subject).toMatchObject({
      isAgent: true,
      agent: 'claude[bot]',
      governedBecause: expect.stringMatching(/a Bot account/),
    });
  });
});

describe("a person's pull request with an agent's commits", () => {
  it("is governed when a commit carries a catalogue agent's `Co-authored-by:` trailer", async () => {
    const { number, headSha } = await open(PERSON, [
      { message: 'first', author: alice },
      { message: `Fix the parser\n\n${claudeTrailer}\n`, author: alice },
    ]);
    expect(flow.latestCheck(headSha).conclusion).toBe('failure');
    expect((await execution(number))?.subject).toMatchObject({
      isAgent: true,
      agent: 'claude',
      governedBecause: expect.stringMatching(/Co-authored-by:.*Claude.*noreply@anthropic\.com/),
    });
  });

  it("is governed when a commit was authored by a catalogue agent's account (Jules, by id)", async () => {
    const jules: CommitIdentity = {
      name: 'google-labs-jules[bot]',
      email: '161369871+google-labs-jules[bot]@users.noreply.github.com',
      account: { login: 'google-labs-jules[bot]', type: 'Bot', id: 161369871 },
    };
    const { number } = await open(PERSON, [{ message: 'Jules did this', author: jules }]);
    expect((await execution(number))?.subject).toMatchObject({
      agent: 'jules',
      governedBecause: expect.stringMatching(/authored by google-labs-jules\[bot\]/),
    });
  });

  it('stays governed after a force-push that removes the trailer', async () => {
    const { number, headSha } = await open(PERSON, [
      { message: `Change\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>`, author: alice },
    ]);
    expect(flow.latestCheck(headSha).conclusion).toBe('failure');
    const next = (number.toString(16) + 'f'.repeat(40)).slice(0, 40);
    const pushed = h.sim.pushToPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      headSha: next,
      files: [WORKFLOW] as never,
      force: true,
      commits: [{ message: 'Change (rewritten by hand)', author: alice }],
    });
    await h.deliver('pull_request', flow.pullRequestPayload('synchronize', pushed));
    expect(flow.latestCheck(next).conclusion).toBe('failure');
    expect((await execution(number))?.subject).toMatchObject({ agent: 'cursor' });
  });

  it('is judged by the commits of the head it is about, not by commits pushed after it', async () => {
    // the delivery of the first head is processed after a second push, whose commit carries the trailer
    const number = flow.nextNumber();
    const first = (number.toString(16) + '1'.repeat(40)).slice(0, 40);
    const pr: any = h.sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      user: PERSON,
      headRef: `change-${number}`,
      headSha: first,
      baseRef: 'master',
      body: 'x',
      files: [WORKFLOW] as never,
      commits: [{ message: 'mine', author: alice }],
    });
    const second = (number.toString(16) + '2'.repeat(40)).slice(0, 40);
    const pushed = h.sim.pushToPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      headSha: second,
      files: [WORKFLOW] as never,
      commits: [{ message: `agent's\n\n${claudeTrailer}`, author: alice }],
    });
    await h.deliver('pull_request', flow.pullRequestPayload('opened', pr));
    expectNotGoverned(first);
    await h.deliver('pull_request', flow.pullRequestPayload('synchronize', pushed));
    expect(flow.latestCheck(second).conclusion).toBe('failure');
  });

  it("is not governed by a forged trailer whose email is no agent's (the name says Claude)", async () => {
    const { number, headSha } = await open(PERSON, [
      {
        message:
          'Change\n\nCo-authored-by: Claude <claude@example.com>\nCo-authored-by: Cursor Agent <cursoragent@cursor.com.evil.example>',
        author: alice,
      },
    ]);
    expectNotGoverned(headSha);
    expect(await execution(number)).toBeUndefined();
  });

  it('reads a huge commit message in linear time (only its end holds trailers)', async () => {
    // 2 MB of lines that each start a trailer and never close it, then the real trailer
    const junk = 'Co-authored-by: x '
      .repeat(16)
      .concat('\n')
      .repeat(Math.ceil((2 * 1024 * 1024) / 289));
    const started = performance.now();
    const { number, headSha } = await open(PERSON, [{ message: `Big\n\n${junk}\n${claudeTrailer}`, author: alice }]);
    expect(flow.latestCheck(headSha).conclusion).toBe('failure');
    expect((await execution(number))?.subject).toMatchObject({ agent: 'claude' });
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('the dependency bots under the shipped presets', () => {
  it.each(['standard', 'prod-policy'])('a Dependabot pull request is not governed under %s', async (preset) => {
    await flow.setConfig(`extends: ${preset}\n`);
    // GitHub's example pull request, opened by Dependabot's real account (the examples have no Dependabot one)
    const { number, headSha } = await open({ login: 'dependabot[bot]', type: 'Bot', id: 49699333 });
    expectNotGoverned(headSha);
    expect(flow.latestCheck(headSha).output.summary).toMatch(/dependabot\[bot\], a Bot the policy exempts/);
    expect(await execution(number)).toBeUndefined();
  });

  it('a Dependabot pull request is governed when the repository drops the exemption (every Bot author is)', async () => {
    await flow.setConfig('extends: standard\ngovernance: { exemptBots: [] }\n');
    const { headSha } = await open({ login: 'dependabot[bot]', type: 'Bot', id: 49699333 });
    expect(flow.latestCheck(headSha).conclusion).toBe('failure');
  });
});

it('made only requests GitHub accepts', () => {
  expect(h.sim.rejections).toEqual([]);
});
