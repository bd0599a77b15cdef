import { generateKeyPairSync } from 'node:crypto';
import { createProbot, ProbotOctokit, type Probot } from 'probot';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSimulator } from './github-simulator.js';
import { OpenApiValidator } from './openapi-validator.js';

/**
 * The loopback GitHub simulator, driven by the same client the app uses (ProbotOctokit, with its app
 * authentication, pagination and config plugins), with every answer of the simulator checked against
 * GitHub's response schemas (`validateResponses`).
 */

const OWNER = 'octo-org';
const REPO = 'widgets';
const INSTALLATION_ID = 7001;
const OTHER_INSTALLATION_ID = 7002;

type Octokit = InstanceType<typeof ProbotOctokit>;

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

let sim: GitHubSimulator;

function client(auth: Record<string, unknown>, baseUrl = `${sim.url}/api/v3`): Octokit {
  // no retries or throttling: a refused request must fail at once
  return new ProbotOctokit({ auth, baseUrl, log: silent, retry: { enabled: false }, throttle: { enabled: false } });
}
const appClient = (privateKey = sim.privateKey) => client({ appId: sim.appId, privateKey });
const installationClient = (installationId = INSTALLATION_ID) =>
  client({ appId: sim.appId, privateKey: sim.privateKey, installationId });
const tokenClient = (installationId = INSTALLATION_ID) =>
  client({ token: sim.createInstallationToken(installationId) });

async function failure(promise: Promise<unknown>): Promise<{ status: number; data: any }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status: number; response?: { data: unknown } };
    return { status: e.status, data: e.response?.data };
  }
  throw new Error('the request succeeded');
}

function files(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    filename: `src/file-${String(i).padStart(4, '0')}.ts`,
    status: 'added' as const,
    additions: 1,
    deletions: 0,
    patch: `@@ -0,0 +1 @@\n+line ${i}`,
  }));
}

function annotations(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    path: 'src/a.ts',
    start_line: i + 1,
    end_line: i + 1,
    annotation_level: 'warning' as const,
    message: `finding ${i}`,
  }));
}

beforeAll(async () => {
  const started = performance.now();
  sim = await GitHubSimulator.start({ validateResponses: true });
  console.info(
    `simulator started in ${Math.round(performance.now() - started)} ms; OpenAPI descriptions loaded in`,
    OpenApiValidator.loadTimes(),
  );
  sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  sim.addInstallation({ id: OTHER_INSTALLATION_ID, account: 'someone-else' });
  sim.addRepo({ owner: OWNER, name: REPO, installationId: INSTALLATION_ID });
  sim.addRepo({ owner: OWNER, name: '.github', installationId: INSTALLATION_ID });
  sim.addRepo({ owner: 'someone-else', name: 'private-stuff', private: true, installationId: OTHER_INSTALLATION_ID });
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(() => {
  sim.resetRequests();
  sim.rejections.length = 0;
  sim.unimplemented.length = 0;
});

describe('authentication', () => {
  it('serves GET /app to the app JWT', async () => {
    const { data, status } = await appClient().request('GET /app');
    expect(status).toBe(200);
    expect(data).toMatchObject({ id: sim.appId, slug: 'aaoe' });
    expect(sim.rejections).toEqual([]);
  });

  it('refuses a JWT signed with another key, with 401 and a rejection', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const { status, data } = await failure(appClient(privateKey).request('GET /app'));
    expect(status).toBe(401);
    expect(data.message).toBe('A JSON web token could not be decoded');
    expect(sim.rejections).toEqual([
      expect.objectContaining({ method: 'GET', path: '/app', status: 401, reason: expect.stringMatching(/JWT/) }),
    ]);
  });

  it('refuses /app without a JWT and repository routes without a token', async () => {
    expect((await failure(client({ token: 'ghs_not-a-token' }).request('GET /app'))).status).toBe(401);
    expect(
      (await failure(client({ token: 'ghs_not-a-token' }).rest.repos.get({ owner: OWNER, repo: REPO }))).status,
    ).toBe(401);
    expect(sim.rejections.map((r) => r.status)).toEqual([401, 401]);
  });

  it('creates installation tokens for the app, and repository routes take them', async () => {
    const octokit = installationClient();
    const { data } = await octokit.rest.repos.get({ owner: OWNER, repo: REPO });
    expect(data).toMatchObject({ full_name: `${OWNER}/${REPO}`, default_branch: 'main', private: false });
    expect(sim.requests.map((r) => `${r.status} ${r.method} ${r.path}`)).toEqual([
      `201 POST /app/installations/${INSTALLATION_ID}/access_tokens`,
      `200 GET /repos/${OWNER}/${REPO}`,
    ]);
    expect(sim.requests[0]).toMatchObject({ operationId: 'apps/create-installation-access-token', query: {} });
  });

  it('answers 404 for a repository the installation cannot see (not a rejection: GitHub does the same)', async () => {
    expect((await failure(tokenClient().rest.repos.get({ owner: 'someone-else', repo: 'private-stuff' }))).status).toBe(
      404,
    );
    expect((await failure(tokenClient().rest.repos.get({ owner: OWNER, repo: 'no-such-repo' }))).status).toBe(404);
    expect(
      (await tokenClient(OTHER_INSTALLATION_ID).rest.repos.get({ owner: 'someone-else', repo: 'private-stuff' }))
        .status,
    ).toBe(200);
    expect(sim.rejections).toEqual([]);
  });

  it('scopes tokens to the repositories and permissions asked for, and refuses more than the installation has', async () => {
    const app = appClient();
    const { data } = await app.rest.apps.createInstallationAccessToken({
      installation_id: INSTALLATION_ID,
      repositories: ['.github'],
      permissions: { contents: 'read' },
    });
    expect(data).toMatchObject({
      permissions: { contents: 'read' },
      repository_selection: 'selected',
      repositories: [expect.objectContaining({ name: '.github' })],
    });
    const scoped = client({ token: data.token });
    expect((await failure(scoped.rest.repos.get({ owner: OWNER, repo: REPO }))).status).toBe(404);
    // contents:read only: checks cannot be written
    expect(
      (await failure(scoped.rest.checks.create({ owner: OWNER, repo: '.github', name: 'x', head_sha: 'a'.repeat(40) })))
        .status,
    ).toBe(403);
    const excess = await failure(
      app.rest.apps.createInstallationAccessToken({
        installation_id: INSTALLATION_ID,
        permissions: { administration: 'write' },
      }),
    );
    expect(excess.status).toBe(422);
    expect(sim.rejections.map((r) => r.status)).toEqual([403, 422]);
  });

  it('serves routes without the /api/v3 prefix too', async () => {
    const { data } = await client({ token: sim.createInstallationToken(INSTALLATION_ID) }, sim.url).rest.repos.get({
      owner: OWNER,
      repo: REPO,
    });
    expect(data.name).toBe(REPO);
  });
});

describe('OpenAPI validation', () => {
  it('answers an unknown route with 404 and records a rejection', async () => {
    const { status, data } = await failure(
      tokenClient().request('GET /repos/{owner}/{repo}/no-such-thing', { owner: OWNER, repo: REPO }),
    );
    expect(status).toBe(404);
    expect(data).toMatchObject({ message: 'Not Found', documentation_url: expect.any(String) });
    expect(sim.rejections).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: `/repos/${OWNER}/${REPO}/no-such-thing`,
        status: 404,
        reason: expect.stringMatching(/no such route/),
      }),
    ]);
    expect(sim.requests).toEqual([expect.objectContaining({ status: 404 })]);
    expect(sim.requests[0]?.operationId).toBeUndefined();
  });

  it('answers a method the route does not have with 404', async () => {
    expect((await failure(appClient().request('DELETE /app'))).status).toBe(404);
    expect(sim.rejections[0]?.errors.join()).toMatch(/it has GET for this path/);
  });

  it('refuses a check run whose conclusion is not in the enum, with 422 and GitHub-like errors', async () => {
    const pr = sim.addPullRequest({ owner: OWNER, repo: REPO, user: { login: 'octocat' }, files: [] });
    const headSha = (pr.head as { sha: string }).sha;
    const { status, data } = await failure(
      tokenClient().rest.checks.create({
        owner: OWNER,
        repo: REPO,
        name: 'ci',
        head_sha: headSha,
        status: 'completed',
        conclusion: 'maybe' as never,
      }),
    );
    expect(status).toBe(422);
    expect(data.message).toMatch(/^Invalid request\./);
    expect(data.documentation_url).toMatch(/^https:\/\/docs\.github\.com\/.*check-run/);
    expect(data.errors).toEqual([
      {
        code: 'invalid',
        message: expect.stringMatching(
          /^api\.github\.com, ghes-3\.17: body \/conclusion must be equal to one of the allowed values/,
        ),
      },
    ]);
    expect(sim.rejections).toHaveLength(1);
    expect(sim.rejections[0]).toMatchObject({
      method: 'POST',
      path: `/repos/${OWNER}/${REPO}/check-runs`,
      status: 422,
      operationId: 'checks/create',
    });
    expect(sim.checkRuns({ owner: OWNER, repo: REPO }).filter((r) => r.head_sha === headSha)).toEqual([]);
  });

  it('refuses an annotation without its required fields', async () => {
    const pr = sim.addPullRequest({ owner: OWNER, repo: REPO, user: { login: 'octocat' }, files: [] });
    const { status, data } = await failure(
      tokenClient().rest.checks.create({
        owner: OWNER,
        repo: REPO,
        name: 'ci',
        head_sha: (pr.head as { sha: string }).sha,
        output: {
          title: 't',
          summary: 's',
          annotations: [{ path: 'a.ts', start_line: 1, end_line: 1, message: 'no level' } as never],
        },
      }),
    );
    expect(status).toBe(422);
    expect(data.errors.map((e: { message: string }) => e.message).join('\n')).toMatch(
      /body \/output\/annotations\/0 must have required property 'annotation_level'/,
    );
  });

  it('refuses a path parameter of the wrong type with 404 and a query value outside its enum with 422', async () => {
    const octokit = tokenClient();
    expect(
      (
        await failure(
          octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
            owner: OWNER,
            repo: REPO,
            pull_number: 'abc' as unknown as number,
          }),
        )
      ).status,
    ).toBe(404);
    expect(
      (await failure(octokit.rest.pulls.list({ owner: OWNER, repo: REPO, state: 'merged' as never }))).status,
    ).toBe(422);
    expect(sim.rejections.map((r) => [r.status, r.errors.join()])).toEqual([
      [404, expect.stringMatching(/path \/pull_number must be integer/)],
      [422, expect.stringMatching(/query \/state must be equal to one of the allowed values/)],
    ]);
  });

  it('refuses undeclared query parameters and body fields (strict mode, on by default)', async () => {
    const octokit = tokenClient();
    const pr = sim.addPullRequest({ owner: OWNER, repo: REPO, user: { login: 'octocat' }, files: [] });
    expect(
      (
        await failure(
          octokit.rest.pulls.listFiles({
            owner: OWNER,
            repo: REPO,
            pull_number: pr.number as number,
            perpage: 5,
          } as never),
        )
      ).status,
    ).toBe(422);
    expect(
      (
        await failure(
          octokit.rest.checks.create({
            owner: OWNER,
            repo: REPO,
            name: 'ci',
            head_sha: (pr.head as { sha: string }).sha,
            detail_url: 'https://x',
          } as never),
        )
      ).status,
    ).toBe(422);
    expect(sim.rejections.map((r) => r.errors.join())).toEqual([
      expect.stringMatching(/query has the undeclared perpage/),
      expect.stringMatching(/body: detail_url is not a field of checks\/create/),
    ]);
  });

  it('answers valid routes it does not implement with 501, recorded in sim.unimplemented', async () => {
    const { status } = await failure(tokenClient().rest.repos.listBranches({ owner: OWNER, repo: REPO }));
    expect(status).toBe(501);
    expect(sim.unimplemented).toEqual([
      {
        method: 'GET',
        path: `/repos/${OWNER}/${REPO}/branches`,
        operationId: 'repos/list-branches',
        template: '/repos/{owner}/{repo}/branches',
        enabledForGitHubApps: true,
      },
    ]);
    expect(sim.rejections).toEqual([]);
  });

  it('requires a route to exist in every description: github.com-only routes are refused unless only github.com is asked for', async () => {
    const route = 'GET /repos/{owner}/{repo}/actions/runs/{run_id}/timing';
    expect((await failure(tokenClient().request(route, { owner: OWNER, repo: REPO, run_id: 1 }))).status).toBe(404);
    expect(sim.rejections[0]?.errors).toEqual([expect.stringMatching(/^ghes-3\.17: no operation GET/)]);

    const dotcom = await GitHubSimulator.start({ specs: ['api.github.com'] });
    try {
      dotcom.addInstallation({ id: 1, account: OWNER });
      dotcom.addRepo({ owner: OWNER, name: REPO, installationId: 1 });
      const octokit = new ProbotOctokit({
        auth: { token: dotcom.createInstallationToken(1) },
        baseUrl: `${dotcom.url}/api/v3`,
        log: silent,
        retry: { enabled: false },
        throttle: { enabled: false },
      });
      expect((await failure(octokit.request(route, { owner: OWNER, repo: REPO, run_id: 1 }))).status).toBe(501);
      expect(dotcom.rejections).toEqual([]);
    } finally {
      await dotcom.close();
    }
  });

  it('loads the descriptions once per process', () => {
    const started = performance.now();
    new OpenApiValidator();
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe('repository contents and Probot config', () => {
  beforeAll(() => {
    sim.setFile({
      owner: OWNER,
      repo: REPO,
      path: '.github/aaoe.yml',
      content: "_extends: .github\nagents: ['bot[bot]']\n",
    });
    sim.setFile({
      owner: OWNER,
      repo: '.github',
      path: '.github/aaoe.yml',
      content: 'trigger: { label: aaoe }\nagents: [org-agent]\n',
    });
    sim.setFile({ owner: OWNER, repo: REPO, branch: 'feature', path: 'README.md', content: 'feature readme\n' });
    sim.setFile({ owner: OWNER, repo: REPO, path: 'README.md', content: 'héllo\n'.repeat(20) });
  });

  it('reads a raw file, follows _extends into the .github repository, as context.config does', async () => {
    const { config, files } = await installationClient().config.get({
      owner: OWNER,
      repo: REPO,
      path: '.github/aaoe.yml',
    });
    expect(config).toEqual({ trigger: { label: 'aaoe' }, agents: ['bot[bot]'] });
    expect(files.map((f) => `${f.owner}/${f.repo}`)).toEqual([`${OWNER}/${REPO}`, `${OWNER}/.github`]);
    const reads = sim.requests.filter((r) => r.operationId === 'repos/get-content');
    expect(reads.map((r) => r.path)).toEqual([
      `/repos/${OWNER}/${REPO}/contents/.github/aaoe.yml`,
      `/repos/${OWNER}/.github/contents/.github/aaoe.yml`,
    ]);
    expect(sim.rejections).toEqual([]);
  });

  it("falls back to the owner's .github repository when the repository has no config", async () => {
    sim.addRepo({ owner: OWNER, name: 'bare', installationId: INSTALLATION_ID });
    const { config } = await installationClient().config.get({ owner: OWNER, repo: 'bare', path: '.github/aaoe.yml' });
    expect(config).toEqual({ trigger: { label: 'aaoe' }, agents: ['org-agent'] });
    expect(sim.requests.filter((r) => r.operationId === 'repos/get-content').map((r) => r.status)).toEqual([404, 200]);
  });

  it('answers the raw media type with the text and application/vnd.github.raw', async () => {
    const res = await tokenClient().rest.repos.getContent({
      owner: OWNER,
      repo: REPO,
      path: 'README.md',
      mediaType: { format: 'raw' },
    });
    expect(res.headers['content-type']).toBe('application/vnd.github.v3.raw; charset=utf-8');
    expect(res.data).toBe('héllo\n'.repeat(20));
  });

  it('answers the JSON media type with base64 content, on the default branch or a ref', async () => {
    const octokit = tokenClient();
    const { data } = await octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'README.md' });
    expect(data).toMatchObject({ type: 'file', encoding: 'base64', path: 'README.md', name: 'README.md' });
    expect(Buffer.from((data as { content: string }).content, 'base64').toString('utf8')).toBe('héllo\n'.repeat(20));
    const feature = await octokit.rest.repos.getContent({
      owner: OWNER,
      repo: REPO,
      path: 'README.md',
      ref: 'feature',
      mediaType: { format: 'raw' },
    });
    expect(feature.data).toBe('feature readme\n');
    const dir = await octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: '.github' });
    expect(dir.data).toEqual([expect.objectContaining({ type: 'file', path: '.github/aaoe.yml' })]);
  });

  it('answers 404 Not Found for a missing file or ref, without a rejection', async () => {
    const octokit = tokenClient();
    const missing = await failure(octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'nope.txt' }));
    expect(missing).toEqual({ status: 404, data: expect.objectContaining({ message: 'Not Found' }) });
    expect(
      (await failure(octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'README.md', ref: 'no-branch' })))
        .status,
    ).toBe(404);
    expect(sim.rejections).toEqual([]);
  });
});

describe('pull requests', () => {
  it('serves a pull request exactly as addPullRequest returned it', async () => {
    const pr = sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number: 500,
      title: 'Add x',
      user: { login: 'agent[bot]', type: 'Bot' },
      headRef: 'agent/x',
      labels: ['aaoe'],
      files: files(3),
    });
    const { data } = await tokenClient().rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 500 });
    expect(data).toEqual(pr);
    expect(data).toMatchObject({
      number: 500,
      state: 'open',
      changed_files: 3,
      additions: 3,
      user: { login: 'agent[bot]', type: 'Bot' },
      labels: [expect.objectContaining({ name: 'aaoe' })],
      head: { ref: 'agent/x' },
      base: { ref: 'main' },
    });
  });

  it('paginates 250 files with Link headers so that octokit.paginate gets them all', async () => {
    sim.addPullRequest({ owner: OWNER, repo: REPO, number: 501, user: { login: 'octocat' }, files: files(250) });
    const octokit = tokenClient();
    const all = await octokit.paginate(octokit.rest.pulls.listFiles, {
      owner: OWNER,
      repo: REPO,
      pull_number: 501,
      per_page: 100,
    });
    expect(all).toHaveLength(250);
    expect(all.map((f) => f.filename)).toEqual(files(250).map((f) => f.filename));
    expect(sim.requests.map((r) => r.query)).toEqual([
      { per_page: '100' },
      { per_page: '100', page: '2' },
      { per_page: '100', page: '3' },
    ]);

    const first = await octokit.rest.pulls.listFiles({ owner: OWNER, repo: REPO, pull_number: 501 });
    expect(first.data).toHaveLength(30);
    expect(first.headers.link).toBe(
      `<${sim.url}/api/v3/repos/${OWNER}/${REPO}/pulls/501/files?per_page=30&page=2>; rel="next", <${sim.url}/api/v3/repos/${OWNER}/${REPO}/pulls/501/files?per_page=30&page=9>; rel="last"`,
    );
  });

  it('lists at most 3000 files, as GitHub does', async () => {
    sim.addPullRequest({ owner: OWNER, repo: REPO, number: 502, user: { login: 'octocat' }, files: files(3100) });
    const octokit = tokenClient();
    const started = performance.now();
    const all = await octokit.paginate(octokit.rest.pulls.listFiles, {
      owner: OWNER,
      repo: REPO,
      pull_number: 502,
      per_page: 100,
    });
    expect(all).toHaveLength(3000);
    expect(sim.requests).toHaveLength(30);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('lists pull requests by state, head and base', async () => {
    sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number: 503,
      user: { login: 'octocat' },
      headRef: 'topic-503',
      files: [],
    });
    sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number: 504,
      user: { login: 'octocat' },
      headRef: 'topic-504',
      state: 'closed',
      files: [],
    });
    const octokit = tokenClient();
    const byHead = await octokit.rest.pulls.list({ owner: OWNER, repo: REPO, head: `${OWNER}:topic-503` });
    expect(byHead.data.map((p) => p.number)).toEqual([503]);
    const closed = await octokit.rest.pulls.list({ owner: OWNER, repo: REPO, state: 'closed', base: 'main' });
    expect(closed.data.map((p) => p.number)).toEqual([504]);
  });

  it('pages issue events, including the labeled events of labels a pull request was opened with', async () => {
    sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number: 505,
      user: { login: 'octocat' },
      labels: ['aaoe'],
      files: [],
    });
    sim.addIssueEvent({
      owner: OWNER,
      repo: REPO,
      issueNumber: 505,
      event: 'unlabeled',
      label: 'aaoe',
      actor: 'octocat',
    });
    for (let i = 0; i < 120; i++)
      sim.addIssueEvent({
        owner: OWNER,
        repo: REPO,
        issueNumber: 505,
        event: 'labeled',
        label: { name: `l${i}`, color: 'ff0000' },
        actor: 'octocat',
      });
    const octokit = tokenClient();
    const events = await octokit.paginate(octokit.rest.issues.listEvents, {
      owner: OWNER,
      repo: REPO,
      issue_number: 505,
      per_page: 100,
    });
    expect(events).toHaveLength(122);
    expect(events.slice(0, 2)).toEqual([
      expect.objectContaining({
        event: 'labeled',
        label: { name: 'aaoe', color: 'ededed' },
        actor: expect.objectContaining({ login: 'octocat' }),
      }),
      expect.objectContaining({ event: 'unlabeled', label: { name: 'aaoe', color: 'ededed' } }),
    ]);
    expect(
      (await failure(octokit.rest.issues.listEvents({ owner: OWNER, repo: REPO, issue_number: 99999 }))).status,
    ).toBe(404);
  });

  it("answers a collaborator's permission and role", async () => {
    sim.setPermission({ owner: OWNER, repo: REPO, username: 'maintainer', permission: 'maintain' });
    const octokit = tokenClient();
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: OWNER,
      repo: REPO,
      username: 'maintainer',
    });
    expect(data).toMatchObject({ permission: 'write', role_name: 'maintain', user: { login: 'maintainer' } });
    const stranger = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: OWNER,
      repo: REPO,
      username: 'stranger',
    });
    expect(stranger.data).toMatchObject({ permission: 'read', role_name: 'read' });
  });

  it('creates, updates and lists comments', async () => {
    sim.addPullRequest({ owner: OWNER, repo: REPO, number: 506, user: { login: 'octocat' }, files: [] });
    sim.addComment({ owner: OWNER, repo: REPO, issueNumber: 506, body: '/aaoe approve', user: 'maintainer' });
    const octokit = tokenClient();
    const created = await octokit.rest.issues.createComment({
      owner: OWNER,
      repo: REPO,
      issue_number: 506,
      body: 'first',
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ body: 'first', user: { login: 'aaoe[bot]', type: 'Bot' } });
    await octokit.rest.issues.updateComment({ owner: OWNER, repo: REPO, comment_id: created.data.id, body: 'edited' });
    const listed = await octokit.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: 506 });
    expect(listed.data.map((c) => c.body)).toEqual(['/aaoe approve', 'edited']);
    expect(sim.comments({ owner: OWNER, repo: REPO, issueNumber: 506 }).map((c) => c.body)).toEqual([
      '/aaoe approve',
      'edited',
    ]);
    expect(
      (
        await failure(
          octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 506, body: 'x'.repeat(65537) }),
        )
      ).status,
    ).toBe(422);
  });
});

describe('check runs', () => {
  let headSha: string;
  beforeAll(() => {
    const pr = sim.addPullRequest({ owner: OWNER, repo: REPO, number: 600, user: { login: 'agent[bot]' }, files: [] });
    headSha = (pr.head as { sha: string }).sha;
  });

  it('stores what was sent and appends annotations across updates, as GitHub does', async () => {
    const octokit = tokenClient();
    const created = await octokit.rest.checks.create({
      owner: OWNER,
      repo: REPO,
      name: 'aaoe/policy',
      head_sha: headSha,
      status: 'completed',
      conclusion: 'action_required',
      details_url: 'https://aaoe.example/runs/1',
      external_id: 'run-1',
      output: { title: 'Needs approval', summary: 'summary', annotations: annotations(50) },
      actions: [{ label: 'Approve', description: 'Approve the change', identifier: 'approve' }],
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      name: 'aaoe/policy',
      status: 'completed',
      conclusion: 'action_required',
      output: { annotations_count: 50 },
      pull_requests: [expect.objectContaining({ number: 600 })],
    });
    const updated = await octokit.rest.checks.update({
      owner: OWNER,
      repo: REPO,
      check_run_id: created.data.id,
      output: { title: 'Needs approval', summary: 'summary', annotations: annotations(30) },
    });
    expect(updated.data.output.annotations_count).toBe(80);

    const [stored] = sim.checkRuns({ owner: OWNER, repo: REPO }).filter((r) => r.id === created.data.id);
    expect(stored).toMatchObject({
      conclusion: 'action_required',
      details_url: 'https://aaoe.example/runs/1',
      external_id: 'run-1',
      actions: [expect.objectContaining({ identifier: 'approve' })],
    });
    expect(stored!.output.annotations).toHaveLength(80);
    expect(stored!.output.annotations[50]).toEqual(annotations(30)[0]);

    const listed = await octokit.paginate(octokit.rest.checks.listAnnotations, {
      owner: OWNER,
      repo: REPO,
      check_run_id: created.data.id,
      per_page: 100,
    });
    expect(listed).toHaveLength(80);
    expect(sim.rejections).toEqual([]);
  });

  it('refuses 51 annotations in one request', async () => {
    const { status } = await failure(
      tokenClient().rest.checks.create({
        owner: OWNER,
        repo: REPO,
        name: 'big',
        head_sha: headSha,
        output: { title: 't', summary: 's', annotations: annotations(51) },
      }),
    );
    expect(status).toBe(422);
    expect(sim.rejections).toEqual([
      expect.objectContaining({
        status: 422,
        reason: expect.stringMatching(/annotations must NOT have more than 50 items/),
      }),
    ]);
  });

  it('enforces the documented rules the schema does not express', async () => {
    const octokit = tokenClient();
    const attempts: Array<[string, Record<string, unknown>]> = [
      ['a completed status without a conclusion', { status: 'completed' }],
      ['completed_at without a conclusion', { completed_at: '2024-01-01T00:00:00Z' }],
      ['the stale conclusion', { conclusion: 'stale' }],
      [
        'columns on a multi-line annotation',
        {
          output: {
            title: 't',
            summary: 's',
            annotations: [{ ...annotations(1)[0], end_line: 3, start_column: 1, end_column: 2 }],
          },
        },
      ],
      [
        'an annotation title over 255 characters',
        { output: { title: 't', summary: 's', annotations: [{ ...annotations(1)[0], title: 'x'.repeat(256) }] } },
      ],
    ];
    for (const [what, body] of attempts) {
      const res = await failure(
        octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'rules', head_sha: headSha, ...body } as never),
      );
      expect(res.status, what).toBe(422);
    }
    const unknownSha = await failure(
      octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'rules', head_sha: 'f'.repeat(40) }),
    );
    expect(unknownSha.data.message).toBe(`No commit found for SHA: ${'f'.repeat(40)}`);
    const { data: run } = await octokit.rest.checks.create({
      owner: OWNER,
      repo: REPO,
      name: 'rules',
      head_sha: headSha,
      status: 'in_progress',
    });
    const noTitle = await failure(
      octokit.rest.checks.update({ owner: OWNER, repo: REPO, check_run_id: run.id, output: { summary: 's' } }),
    );
    expect(noTitle.status).toBe(422);
    expect(sim.rejections).toHaveLength(attempts.length + 2);
  });

  it('sets status completed when a conclusion is given, and finds runs by ref and check name', async () => {
    const octokit = tokenClient();
    const { data: run } = await octokit.rest.checks.create({
      owner: OWNER,
      repo: REPO,
      name: 'lint',
      head_sha: headSha,
      status: 'in_progress',
    });
    expect(run).toMatchObject({ status: 'in_progress', conclusion: null, completed_at: null });
    const { data: done } = await octokit.rest.checks.update({
      owner: OWNER,
      repo: REPO,
      check_run_id: run.id,
      conclusion: 'success',
    });
    expect(done).toMatchObject({ status: 'completed', conclusion: 'success', completed_at: expect.any(String) });
    expect((await octokit.rest.checks.get({ owner: OWNER, repo: REPO, check_run_id: run.id })).data.conclusion).toBe(
      'success',
    );

    const byName = await octokit.rest.checks.listForRef({ owner: OWNER, repo: REPO, ref: headSha, check_name: 'lint' });
    expect(byName.data.total_count).toBe(1);
    expect(byName.data.check_runs.map((r) => r.id)).toEqual([run.id]);
    const byBranch = await octokit.rest.checks.listForRef({
      owner: OWNER,
      repo: REPO,
      ref: 'pr-600',
      check_name: 'lint',
    });
    expect(byBranch.data.check_runs.map((r) => r.id)).toEqual([run.id]);
  });

  it('can refuse action_required without details_url when asked to', async () => {
    const strict = await GitHubSimulator.start({ requireDetailsUrlForActionRequired: true });
    try {
      strict.addInstallation({ id: 1, account: OWNER });
      strict.addRepo({ owner: OWNER, name: REPO, installationId: 1 });
      const pr = strict.addPullRequest({ owner: OWNER, repo: REPO, user: { login: 'octocat' }, files: [] });
      const octokit = new ProbotOctokit({
        auth: { token: strict.createInstallationToken(1) },
        baseUrl: `${strict.url}/api/v3`,
        log: silent,
        retry: { enabled: false },
        throttle: { enabled: false },
      });
      const res = await failure(
        octokit.rest.checks.create({
          owner: OWNER,
          repo: REPO,
          name: 'x',
          head_sha: (pr.head as { sha: string }).sha,
          conclusion: 'action_required',
        }),
      );
      expect(res.status).toBe(422);
      expect(strict.rejections[0]?.errors.join()).toMatch(/details_url/);
    } finally {
      await strict.close();
    }
  });
});

describe('Probot pointed at the simulator with GHE_HOST', () => {
  it('authenticates as the installation of a delivery and makes only requests GitHub accepts', async () => {
    const probot: Probot = createProbot({
      env: {
        APP_ID: String(sim.appId),
        PRIVATE_KEY: sim.privateKey,
        WEBHOOK_SECRET: 'secret',
        GHE_HOST: sim.host,
        GHE_PROTOCOL: 'http',
        LOG_LEVEL: 'fatal',
      },
    });
    const seen: Record<string, unknown> = {};
    await probot.load((app) => {
      app.on('pull_request.opened', async (context) => {
        seen.config = await context.config('aaoe.yml');
        const { data: pr } = await context.octokit.rest.pulls.get(context.pullRequest());
        seen.files = (
          await context.octokit.paginate(context.octokit.rest.pulls.listFiles, context.pullRequest({ per_page: 100 }))
        ).length;
        const { data: run } = await context.octokit.rest.checks.create(
          context.repo({ name: 'aaoe/policy', head_sha: pr.head.sha, status: 'in_progress' as const }),
        );
        await context.octokit.rest.checks.update(
          context.repo({
            check_run_id: run.id,
            conclusion: 'success' as const,
            output: { title: 'ok', summary: 'ok' },
          }),
        );
      });
    });
    const pr = sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number: 700,
      user: { login: 'agent[bot]' },
      files: files(120),
    });
    await probot.receive({
      id: 'delivery-1',
      name: 'pull_request',
      payload: {
        action: 'opened',
        number: 700,
        pull_request: pr,
        repository: { name: REPO, owner: { login: OWNER } },
        installation: { id: INSTALLATION_ID },
      } as never,
    });
    // context.config deep-merges the extended file (arrays concatenate)
    expect(seen).toEqual({ config: { trigger: { label: 'aaoe' }, agents: ['org-agent', 'bot[bot]'] }, files: 120 });
    expect(
      sim.checkRuns({ owner: OWNER, repo: REPO }).find((r) => r.head_sha === (pr.head as { sha: string }).sha),
    ).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(sim.requests.map((r) => `${r.status} ${r.method} ${r.operationId}`)).toEqual([
      '201 POST apps/create-installation-access-token',
      '200 GET repos/get-content',
      '200 GET repos/get-content',
      '200 GET pulls/get',
      '200 GET pulls/list-files',
      '200 GET pulls/list-files',
      '201 POST checks/create',
      '200 PATCH checks/update',
    ]);
    expect(sim.rejections).toEqual([]);
    expect(sim.unimplemented).toEqual([]);
  });
});

describe('issues, reactions, the Git Data API and opening pull requests', () => {
  const WRITER_INSTALLATION = 7003;
  const owner = 'agent-org';
  const repo = 'service';

  beforeAll(() => {
    sim.addInstallation({
      id: WRITER_INSTALLATION,
      account: owner,
      permissions: { contents: 'write', issues: 'write', pull_requests: 'write', checks: 'write', metadata: 'read' },
    });
    sim.addRepo({ owner, name: repo, installationId: WRITER_INSTALLATION });
    sim.setFile({ owner, repo, path: 'README.md', content: '# service\n' });
    sim.setFile({ owner, repo, path: 'src/app.ts', content: 'export const a = 1;\n' });
    sim.setFile({ owner, repo, path: 'src/old.ts', content: 'old\n' });
    sim.setPermission({ owner, repo, username: 'alice', permission: 'write' });
  });

  it('serves an issue, and a reaction once per content (201, then 200)', async () => {
    const octokit = installationClient(WRITER_INSTALLATION);
    const opened = sim.addIssue({
      owner,
      repo,
      title: 'Add a health endpoint',
      body: 'please',
      user: 'alice',
      labels: ['aaoe'],
    });
    const number = opened.number as number;
    const { data: issue } = await octokit.rest.issues.get({ owner, repo, issue_number: number });
    expect(issue).toMatchObject({
      title: 'Add a health endpoint',
      body: 'please',
      labels: [expect.objectContaining({ name: 'aaoe' })],
      user: expect.objectContaining({ login: 'alice' }),
    });
    const first = await octokit.rest.reactions.createForIssue({ owner, repo, issue_number: number, content: 'eyes' });
    const second = await octokit.rest.reactions.createForIssue({ owner, repo, issue_number: number, content: 'eyes' });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(sim.reactions({ owner, repo, issueNumber: number })).toEqual([{ content: 'eyes', user: 'aaoe[bot]' }]);
    expect(sim.rejections).toEqual([]);
  });

  it('writes a commit on a new branch and opens a pull request whose files are the difference to its base', async () => {
    const octokit = installationClient(WRITER_INSTALLATION);
    const { data: ref } = await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' });
    const { data: base } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: ref.object.sha });
    const { data: tree } = await octokit.rest.git.getTree({ owner, repo, tree_sha: base.tree.sha, recursive: '1' });
    expect(tree.tree.map((e) => `${e.type} ${e.path}`)).toEqual([
      'blob README.md',
      'tree src',
      'blob src/app.ts',
      'blob src/old.ts',
    ]);
    const { data: blob } = await octokit.rest.git.createBlob({
      owner,
      repo,
      content: 'export const a = 2;\n',
      encoding: 'utf-8',
    });
    const { data: newTree } = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: base.tree.sha,
      tree: [
        { path: 'src/app.ts', mode: '100644', type: 'blob', sha: blob.sha },
        { path: 'src/new.ts', mode: '100644', type: 'blob', content: 'export const b = 1;\n' },
        { path: 'src/old.ts', mode: '100644', type: 'blob', sha: null },
      ],
    });
    const author = { name: 'aaoe[bot]', email: 'bot@example.com', date: '2026-11-23T10:00:00Z' };
    const { data: commit } = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: 'change',
      tree: newTree.sha,
      parents: [ref.object.sha],
      author,
    });
    const { data: again } = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: 'change',
      tree: newTree.sha,
      parents: [ref.object.sha],
      author,
    });
    expect(again.sha).toBe(commit.sha); // the same object, as git would name it
    await octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/aaoe/change', sha: commit.sha });
    const exists = await failure(
      octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/aaoe/change', sha: commit.sha }),
    );
    expect(exists).toMatchObject({ status: 422, data: { message: 'Reference already exists' } });
    const { data: pr } = await octokit.rest.pulls.create({
      owner,
      repo,
      head: 'aaoe/change',
      base: 'main',
      title: 'Change',
      body: 'body',
    });
    expect(pr).toMatchObject({ head: { ref: 'aaoe/change', sha: commit.sha }, user: { login: 'aaoe[bot]' } });
    const { data: files } = await octokit.rest.pulls.listFiles({ owner, repo, pull_number: pr.number });
    expect(files.map((f) => `${f.status} ${f.filename} +${f.additions} -${f.deletions}`)).toEqual([
      'modified src/app.ts +1 -1',
      'added src/new.ts +1 -0',
      'removed src/old.ts +0 -1',
    ]);
    const twice = await failure(
      octokit.rest.pulls.create({ owner, repo, head: 'aaoe/change', base: 'main', title: 'Change' }),
    );
    expect(twice.status).toBe(422);
    const { data: reviewed } = await octokit.rest.pulls.requestReviewers({
      owner,
      repo,
      pull_number: pr.number,
      reviewers: ['alice'],
      team_reviewers: ['platform'],
    });
    expect(reviewed.requested_reviewers?.map((u) => u.login)).toEqual(['alice']);
    const stranger = await failure(
      octokit.rest.pulls.requestReviewers({ owner, repo, pull_number: pr.number, reviewers: ['mallory'] }),
    );
    expect(stranger).toMatchObject({ status: 422, data: { message: 'Validation Failed' } });
    expect(sim.rejections.map((r) => `${r.status} ${r.operationId}`)).toEqual([
      '422 git/create-ref',
      '422 pulls/create',
      '422 pulls/request-reviewers',
    ]);
  });

  it('refuses Git writes to an installation that may only read contents', async () => {
    sim.addRepo({ owner: OWNER, name: 'read-only', installationId: INSTALLATION_ID });
    const refused = await failure(
      installationClient().rest.git.createBlob({ owner: OWNER, repo: 'read-only', content: 'x' }),
    );
    expect(refused.status).toBe(403);
  });
});

describe("a pull request's commits", () => {
  const owner = OWNER;
  const repo = REPO;
  const claude = {
    name: 'claude[bot]',
    email: '209825114+claude[bot]@users.noreply.github.com',
    account: { login: 'claude[bot]', type: 'Bot' as const, id: 209825114 },
  };

  it("lists them oldest first in GitHub's JSON, the last one the head, with the matched accounts (null when none)", async () => {
    const pr: any = sim.addPullRequest({
      owner,
      repo,
      number: 901,
      user: { login: 'alice' },
      headSha: 'a'.repeat(40),
      files: files(1),
      commits: [
        { message: 'first', author: claude },
        {
          message: 'second\n\nCo-authored-by: Claude <noreply@anthropic.com>',
          author: { name: 'Alice', email: 'alice@example.com' },
        },
      ],
    });
    expect(pr.commits).toBe(2);
    const { data } = await installationClient().rest.pulls.listCommits({ owner, repo, pull_number: 901 });
    expect(data.map((c) => c.commit.message)).toEqual([
      'first',
      'second\n\nCo-authored-by: Claude <noreply@anthropic.com>',
    ]);
    expect(data.at(-1)!.sha).toBe('a'.repeat(40));
    expect(data[1]!.parents[0]!.sha).toBe(data[0]!.sha);
    expect(data[0]).toMatchObject({
      author: { login: 'claude[bot]', id: 209825114, type: 'Bot' },
      commit: { author: { email: claude.email } },
    });
    expect(data[1]).toMatchObject({
      author: null,
      committer: null,
      commit: { author: { name: 'Alice', email: 'alice@example.com' } },
    });
  });

  it("without given commits: one by the pull request's author; a push adds one, a force-push replaces them", async () => {
    sim.addPullRequest({ owner, repo, number: 902, user: { login: 'bob' }, headSha: 'b'.repeat(40), files: files(1) });
    const octokit = installationClient();
    const list = async () => (await octokit.rest.pulls.listCommits({ owner, repo, pull_number: 902 })).data;
    expect((await list()).map((c) => [c.sha, c.author?.login])).toEqual([['b'.repeat(40), 'bob']]);
    sim.pushToPullRequest({
      owner,
      repo,
      number: 902,
      headSha: 'c'.repeat(40),
      files: files(1),
      commits: [{ message: 'more', author: claude }],
    });
    expect((await list()).map((c) => c.sha)).toEqual(['b'.repeat(40), 'c'.repeat(40)]);
    sim.pushToPullRequest({
      owner,
      repo,
      number: 902,
      headSha: 'd'.repeat(40),
      files: files(1),
      force: true,
      commits: [{ message: 'rewritten' }],
    });
    expect((await list()).map((c) => [c.sha, c.commit.message, c.author?.login])).toEqual([
      ['d'.repeat(40), 'rewritten', 'bob'],
    ]);
  });

  it('lists at most 250 (the oldest), 100 a page', async () => {
    const commits = Array.from({ length: 260 }, (_, i) => ({ message: `c${i}` }));
    sim.addPullRequest({
      owner,
      repo,
      number: 903,
      user: { login: 'bob' },
      headSha: 'e'.repeat(40),
      files: files(1),
      commits,
    });
    const all = await installationClient().paginate(installationClient().rest.pulls.listCommits, {
      owner,
      repo,
      pull_number: 903,
      per_page: 100,
    });
    expect(all).toHaveLength(250);
    expect([all[0]!.commit.message, all.at(-1)!.commit.message]).toEqual(['c0', 'c249']);
  });
});

describe('workflow files and the `workflows` permission', () => {
  const owner = 'wf-org';
  const repo = 'wf';
  const NO_WORKFLOWS = 7011;
  const WITH_WORKFLOWS = 7012;

  beforeAll(() => {
    sim.addInstallation({ id: NO_WORKFLOWS, account: owner, permissions: { contents: 'write', metadata: 'read' } });
    sim.addRepo({ owner, name: repo, installationId: NO_WORKFLOWS });
    sim.setFile({ owner, repo, path: '.github/workflows/ci.yml', content: 'on: push\n' });
    sim.setFile({ owner, repo, path: 'README.md', content: 'x\n' });
    sim.addInstallation({
      id: WITH_WORKFLOWS,
      account: 'wf-other',
      permissions: { contents: 'write', workflows: 'write', metadata: 'read' },
    });
    sim.addRepo({ owner: 'wf-other', name: repo, installationId: WITH_WORKFLOWS });
    sim.setFile({ owner: 'wf-other', repo, path: '.github/workflows/ci.yml', content: 'on: push\n' });
  });

  /** A commit on main's head that writes `path`. */
  async function commitWriting(octokit: Octokit, who: string, path: string) {
    const { data: ref } = await octokit.rest.git.getRef({ owner: who, repo, ref: 'heads/main' });
    const { data: base } = await octokit.rest.git.getCommit({ owner: who, repo, commit_sha: ref.object.sha });
    const { data: tree } = await octokit.rest.git.createTree({
      owner: who,
      repo,
      base_tree: base.tree.sha,
      tree: [{ path, mode: '100644', type: 'blob', content: `changed ${path}\n` }],
    });
    const { data: commit } = await octokit.rest.git.createCommit({
      owner: who,
      repo,
      message: `write ${path}`,
      tree: tree.sha,
      parents: [ref.object.sha],
    });
    return commit.sha;
  }

  it("refuses a ref to a commit that changes a workflow without `workflows: write` (422, GitHub's message)", async () => {
    const octokit = installationClient(NO_WORKFLOWS);
    const sha = await commitWriting(octokit, owner, '.github/workflows/ci.yml');
    const created = await failure(octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/wf-change', sha }));
    expect(created).toMatchObject({
      status: 422,
      data: {
        message:
          'refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission',
      },
    });
    const updated = await failure(octokit.rest.git.updateRef({ owner, repo, ref: 'heads/main', sha }));
    expect(updated.status).toBe(422);
    expect(sim.rejections.map((r) => `${r.status} ${r.operationId}`)).toEqual([
      '422 git/create-ref',
      '422 git/update-ref',
    ]);
    expect(sim.branchFiles({ owner, repo, branch: 'main' })!.get('.github/workflows/ci.yml')).toBe('on: push\n');
  });

  it('allows a commit that changes no workflow, and updates a branch only by fast-forward unless forced', async () => {
    const octokit = installationClient(NO_WORKFLOWS);
    const sha = await commitWriting(octokit, owner, 'README.md');
    await octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/docs', sha });
    const { data } = await octokit.rest.git.updateRef({ owner, repo, ref: 'heads/main', sha });
    expect(data.object.sha).toBe(sha);
    expect(sim.branchFiles({ owner, repo, branch: 'main' })!.get('README.md')).toBe('changed README.md\n');
    // a sibling of `sha` (same parent, another tree) is not a fast-forward of `docs`
    const { data: shaCommit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: sha });
    const { data: tree } = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: shaCommit.tree.sha,
      tree: [{ path: 'other.md', mode: '100644', type: 'blob', content: 'other\n' }],
    });
    const { data: back } = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: 'sibling',
      tree: tree.sha,
      parents: [shaCommit.parents[0]!.sha],
    });
    expect(await failure(octokit.rest.git.updateRef({ owner, repo, ref: 'heads/docs', sha: back.sha }))).toMatchObject({
      status: 422,
      data: { message: 'Update is not a fast forward' },
    });
    await octokit.rest.git.updateRef({ owner, repo, ref: 'heads/docs', sha: back.sha, force: true });
  });

  it('allows a workflow change with `workflows: write`', async () => {
    const octokit = installationClient(WITH_WORKFLOWS);
    const sha = await commitWriting(octokit, 'wf-other', '.github/workflows/ci.yml');
    await octokit.rest.git.createRef({ owner: 'wf-other', repo, ref: 'refs/heads/wf-change', sha });
    expect(sim.rejections).toEqual([]);
  });
});

describe('the simulator itself', () => {
  it('checks responses against the response schemas', () => {
    const validator = new OpenApiValidator();
    expect(validator.checkResponse('pulls/get', 200, { number: 'one' })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^api\.github\.com, ghes-3\.17: response \/number must be integer/),
        expect.stringMatching(/must have required property 'head'/),
      ]),
    );
  });

  it('answered every request of this file with JSON that matches GitHub’s response schemas', () => {
    expect(sim.invalidResponses).toEqual([]);
  });
});
