import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyCache } from '../../src/workflows/policy-cache.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { proposalBody } from '../support/proposal-body.js';

/**
 * Issue 19, low: the files a config `_extends` are policy too. A governed pull request that edits an extended file
 * of its own repository rewrites the policy that judges every later change, so it is a protected path like
 * `.github/aaoe.yml`; and a push to the default branch of a repository whose file a cached policy extends drops that
 * cached policy (until now only the repository's own pushes and the owner's `.github` repository did).
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const SHARED = 'policies';
const AGENT = 'my-agent[bot]';

let h: Harness;
let nextPr = 300;

beforeAll(async () => {
  h = await startHarness(); // policies are cached for 5 minutes: far longer than this test runs
  h.sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  h.sim.addRepo({ owner: OWNER, name: SHARED, defaultBranch: 'main', installationId: INSTALLATION_ID });
});
afterAll(async () => {
  await h?.close();
});

/** A push to the default branch of `repo`, delivered as GitHub sends it (GitHub's example, pointed at that repository). */
async function pushTo(repo: string, branch: string) {
  const push = examplePayload('push', undefined, (e: any) => e.ref === 'refs/heads/master' && !!e.installation);
  push.installation = { id: INSTALLATION_ID };
  push.ref = `refs/heads/${branch}`;
  push.repository = {
    ...push.repository,
    name: repo,
    full_name: `${OWNER}/${repo}`,
    default_branch: branch,
    master_branch: branch,
  };
  expect((await h.deliver('push', push)).status).toBe(200);
}

function setFile(repo: string, branch: string, path: string, content: string) {
  h.sim.setFile({ owner: OWNER, repo, branch, path, content });
}

/** An agent's pull request that changes `files`, delivered; returns the `aaoe/policy` check on its head. */
async function agentPullRequest(files: string[]) {
  const number = nextPr++;
  const headSha = (number.toString(16) + 'e'.repeat(40)).slice(0, 40);
  const pr = h.sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    user: { login: AGENT, type: 'Bot' },
    headRef: `change-${number}`,
    headSha,
    baseRef: 'master',
    labels: [],
    body: proposalBody(),
    files: files.map((filename) => ({
      filename,
      status: 'modified',
      additions: 1,
      deletions: 0,
      patch: '@@ -1,0 +1 @@\n+x',
    })) as never,
  });
  const payload = examplePayload('pull_request', 'opened');
  payload.number = number;
  payload.pull_request = { ...payload.pull_request, ...pr };
  payload.installation = { id: INSTALLATION_ID };
  await h.deliver('pull_request', payload);
  const runs = h.sim
    .checkRuns({ owner: OWNER, repo: REPO })
    .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy');
  expect(runs.length).toBeGreaterThan(0);
  return runs.at(-1) as any;
}

describe('_extends', () => {
  it('an extended file of the same repository is a protected path for a governed pull request', async () => {
    setFile(REPO, 'master', 'config/aaoe-base.yml', 'cost: { maxUsd: 100 }\n');
    setFile(REPO, 'master', '.github/aaoe.yml', `_extends: ${REPO}:config/aaoe-base.yml\nagents: ['${AGENT}']\n`);
    await pushTo(REPO, 'master');

    const check = await agentPullRequest(['config/aaoe-base.yml']);
    expect(check.conclusion).toBe('failure');
    expect(check.output.summary).toMatch(/config\/aaoe-base\.yml/);
    expect(check.output.annotations).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'config/aaoe-base.yml', title: 'protected-path' })]),
    );
    // a file nobody extends is not protected by this
    const other = await agentPullRequest(['config/other.yml']);
    expect(other.output.annotations ?? []).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ title: 'protected-path' })]),
    );
  });

  it('a push to the default branch of the repository a policy extends drops the cached policy', async () => {
    setFile(SHARED, 'main', 'aaoe/base.yml', "protectedPaths: { paths: ['nothing/**'] }\n");
    setFile(REPO, 'master', '.github/aaoe.yml', `_extends: ${SHARED}:aaoe/base.yml\nagents: ['${AGENT}']\n`);
    await pushTo(REPO, 'master');
    const before = await agentPullRequest(['docs/guide.md']);
    expect(before.output.annotations ?? []).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ title: 'protected-path' })]),
    );

    // the organisation protects docs/** in its shared file and pushes it: the next evaluation judges by it
    setFile(SHARED, 'main', 'aaoe/base.yml', "protectedPaths: { paths: ['docs/**'] }\n");
    await pushTo(SHARED, 'main');
    const after = await agentPullRequest(['docs/guide.md']);
    expect(after.conclusion).toBe('failure');
    expect(after.output.annotations).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'docs/guide.md', title: 'protected-path' })]),
    );
  });

  it('a push to another branch of the extended repository keeps the cached policy (extended files are read from the default branch)', async () => {
    setFile(SHARED, 'main', 'aaoe/base.yml', "protectedPaths: { paths: ['nothing/**'] }\n");
    await pushTo(SHARED, 'main');
    const judged = await agentPullRequest(['docs/guide.md']);
    expect(judged.output.annotations ?? []).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ title: 'protected-path' })]),
    );
    // a branch of the shared repository is not what the policy reads: its push changes nothing (and drops nothing)
    setFile(SHARED, 'experiment', 'aaoe/base.yml', "protectedPaths: { paths: ['docs/**'] }\n");
    await pushTo(SHARED, 'experiment');
    const still = await agentPullRequest(['docs/guide.md']);
    expect(still.output.annotations ?? []).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ title: 'protected-path' })]),
    );
  });
});

describe('PolicyCache', () => {
  it('drops an entry on a push to a repository it was read from, and keeps the others', () => {
    const cache = new PolicyCache<{ id: string; sources?: Array<{ owner: string; repo: string }> }>(60_000, () => 0);
    cache.set('acme', 'api', {
      id: 'api',
      sources: [
        { owner: 'acme', repo: 'api' },
        { owner: 'acme', repo: 'policies' },
      ],
    });
    cache.set('acme', 'web', { id: 'web', sources: [{ owner: 'acme', repo: 'web' }] });
    cache.set('other', 'x', { id: 'x', sources: [{ owner: 'Acme', repo: 'Policies' }] });
    cache.invalidate('acme', 'policies');
    expect(cache.get('acme', 'api')).toBeUndefined();
    expect(cache.get('other', 'x')).toBeUndefined();
    expect(cache.get('acme', 'web')).toEqual({ id: 'web', sources: [{ owner: 'acme', repo: 'web' }] });
    cache.set('other', 'y', { id: 'y', sources: [{ owner: 'acme', repo: '.github' }] });
    cache.invalidate('acme');
    expect(cache.get('acme', 'web')).toBeUndefined();
    expect(cache.get('other', 'y')).toBeUndefined();
  });
});
