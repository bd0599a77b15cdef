import { expect } from 'vitest';
import { openRuntime, type Runtime } from '../../src/adapters/store/runtime.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { GitHubSimulator } from '../simulator/github-simulator.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { EXTERNAL_PROPOSAL, proposalBody } from '../support/proposal-body.js';

/**
 * The real app over HTTP with the dashboard configured (a session secret, the simulator's OAuth client, its
 * callback URL registered), a public and a private repository with people of every role, and helpers to open
 * governed pull requests and to sign in the way a browser does (following GitHub's web flow by hand).
 */

export const OWNER = 'Codertocat';
export const PUBLIC = 'Hello-World';
export const PRIVATE = 'Secret-Plans';
export const AGENT = 'my-agent[bot]';
export const SESSION_SECRET = 'dashboard-test-secret-0123456789abcdef';
export const REPORT_SECRET = 'dashboard-report-secret';

/** Who has which role where: wendy writes both, ada administers both, rita reads only the public one (as anyone), paula reads the private one. */
export const ROLES: Array<[string, 'admin' | 'write' | 'read', string[]]> = [
  ['wendy-writer', 'write', [PUBLIC, PRIVATE]],
  ['ada-admin', 'admin', [PUBLIC, PRIVATE]],
  ['paula-private-reader', 'read', [PRIVATE]],
  [AGENT, 'write', [PUBLIC, PRIVATE]],
];

export type DashboardWorld = {
  h: Harness;
  sim: GitHubSimulator;
  runtime: Runtime;
  close: () => Promise<void>;
};

export async function startDashboardWorld(options: { now?: () => Date } = {}): Promise<DashboardWorld> {
  const sim = await GitHubSimulator.start();
  const runtime = await openRuntime({ database: { memory: true }, queue: { retryDelaySeconds: 1 } });
  process.env.AAOE_SESSION_SECRET = SESSION_SECRET;
  process.env.GITHUB_CLIENT_ID = sim.oauth.clientId;
  process.env.GITHUB_CLIENT_SECRET = sim.oauth.clientSecret;
  const h = await startHarness({
    sim,
    runtime,
    reportSecret: REPORT_SECRET,
    ...(options.now ? { now: options.now } : {}),
  });
  sim.oauth.callbackUrls = [`${h.url}/aaoe/callback`];
  sim.addInstallation({
    id: INSTALLATION_ID,
    account: OWNER,
    permissions: {
      checks: 'write',
      contents: 'write',
      issues: 'write',
      pull_requests: 'write',
      deployments: 'write',
      actions: 'read',
      members: 'read',
      metadata: 'read',
    },
  });
  sim.addRepo({ owner: OWNER, name: PUBLIC, defaultBranch: 'master', installationId: INSTALLATION_ID });
  sim.addRepo({ owner: OWNER, name: PRIVATE, defaultBranch: 'master', private: true, installationId: INSTALLATION_ID });
  for (const [username, permission, repos] of ROLES)
    for (const repo of repos) sim.setPermission({ owner: OWNER, repo, username, permission });
  return {
    h,
    sim,
    runtime,
    close: async () => {
      await h.close();
      await runtime.close();
      await sim.close();
    },
  };
}

/** The repository's policy on its default branch, and the push that tells the app. */
export async function setConfig(w: DashboardWorld, repo: string, content: string): Promise<void> {
  w.sim.setFile({ owner: OWNER, repo, branch: 'master', path: '.github/aaoe.yml', content });
  const push = examplePayload('push', undefined, (e: any) => e.ref === 'refs/heads/master' && !!e.installation);
  push.installation = { id: INSTALLATION_ID };
  push.repository = { ...push.repository, name: repo, full_name: `${OWNER}/${repo}` };
  expect((await w.h.deliver('push', push)).status).toBe(200);
}

let nextPr = 900;
const mediumBody = proposalBody({ ...EXTERNAL_PROPOSAL, risk: { level: 'medium', rationale: 'Touches two areas.' } });

/** A governed pull request by the agent that needs an approval, delivered; returns it with its execution id. */
export async function openPullRequest(
  w: DashboardWorld,
  repo: string,
  author: string = AGENT,
): Promise<{ number: number; headSha: string; id: string }> {
  const number = nextPr++;
  const headSha = (number.toString(16) + 'c'.repeat(40)).slice(0, 40);
  const pr = w.sim.addPullRequest({
    owner: OWNER,
    repo,
    number,
    user: { login: author, type: 'Bot' },
    headRef: `change-${number}`,
    headSha,
    baseRef: 'master',
    labels: [],
    body: mediumBody,
    files: [
      { filename: `docs/${number}.md`, status: 'added', additions: 1, deletions: 0, patch: '@@ -0,0 +1 @@\n+x' },
    ] as never,
  });
  await w.h.deliver('pull_request', pullRequestPayload(repo, 'opened', pr));
  expect(latestCheck(w, repo, headSha).conclusion).toBe('action_required');
  const execution = (await listExecutions(w.runtime.db, `${OWNER}/${repo}`)).find((x) => x.pullRequest === number)!;
  return { number, headSha, id: execution.id };
}

export function pullRequestPayload(repo: string, action: string, pr: Record<string, any>) {
  const payload = examplePayload('pull_request', action);
  payload.number = pr.number;
  payload.pull_request = { ...payload.pull_request, ...pr };
  payload.repository = { ...payload.repository, name: repo, full_name: `${OWNER}/${repo}`, private: repo === PRIVATE };
  payload.installation = { id: INSTALLATION_ID };
  return payload;
}

export function latestCheck(w: DashboardWorld, repo: string, headSha: string): any {
  const runs = w.sim
    .checkRuns({ owner: OWNER, repo })
    .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy');
  expect(runs.length).toBeGreaterThan(0);
  return runs.at(-1);
}

/** The `name=value` of a Set-Cookie header. */
function cookiePair(setCookie: string): string {
  return setCookie.split(';', 1)[0]!;
}

/**
 * Signs `login` in as a browser does: `/aaoe/login` (the state cookie), GitHub's authorize form posted as that
 * user, the callback with the code. Returns the session cookie (`aaoe_session=...`) and every Set-Cookie seen.
 */
export async function signIn(
  w: DashboardWorld,
  login: string,
): Promise<{ cookie: string; setCookies: string[]; authorizeUrl: URL }> {
  const start = await fetch(`${w.h.url}/aaoe/login`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const authorizeUrl = new URL(start.headers.get('location')!);
  const stateCookie = start.headers.getSetCookie().find((c) => c.startsWith('aaoe_oauth_state='))!;
  const form = new URLSearchParams({
    client_id: authorizeUrl.searchParams.get('client_id')!,
    redirect_uri: authorizeUrl.searchParams.get('redirect_uri')!,
    state: authorizeUrl.searchParams.get('state')!,
    code_challenge: authorizeUrl.searchParams.get('code_challenge')!,
    login,
    authorize: '1',
  });
  const authorized = await fetch(new URL('/login/oauth/authorize', w.sim.url), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  expect(authorized.status).toBe(302);
  const callback = await fetch(authorized.headers.get('location')!, {
    headers: { cookie: cookiePair(stateCookie) },
    redirect: 'manual',
  });
  expect(callback.status).toBe(303);
  const setCookies = [stateCookie, ...callback.headers.getSetCookie()];
  const session = callback.headers.getSetCookie().find((c) => c.startsWith('aaoe_session='))!;
  return { cookie: cookiePair(session), setCookies, authorizeUrl };
}

/** A page of the dashboard with the session cookie. */
export async function page(
  w: DashboardWorld,
  cookie: string,
  path: string,
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${w.h.url}${path}`, { headers: { cookie }, redirect: 'manual' });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The CSRF token of the session's forms (the sign-out form is on every page). */
export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  expect(match).not.toBeNull();
  return match![1]!;
}

/** A form posted with the session cookie, as a browser would (or as someone forging one). */
export async function postForm(
  w: DashboardWorld,
  cookie: string,
  path: string,
  fields: Record<string, string>,
): Promise<{ status: number; text: string; location: string | null }> {
  const res = await fetch(`${w.h.url}${path}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}
