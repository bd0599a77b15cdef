import type { Probot } from 'probot';
import { repoContext, type RepoContext } from './repo-context.js';
import { GitHubAdapter } from './github-adapter.js';
import { type Octokit } from './github-facts.js';
import { readConfig } from '../config/config.js';

/**
 * What the control-plane API asks of GitHub besides the adapter's calls: who a token belongs to (`GET /user` with
 * that token, on the host the app talks to: github.com or the GHES of `GHE_HOST`), which installation of the app
 * covers a repository, whether the repository is private, and an issue opened by the app. Everything else goes
 * through `GitHubAdapter` with the installation's client.
 */

/** A token's user as GitHub reports it (`type` is `User` for a person, `Bot` for an app's or a machine's account). */
export type ApiUser = { login: string; type: string };

export type RepoConnection = {
  /** `owner/name` as GitHub spells it (the executions are stored under this name). */
  repo: string;
  private: boolean;
  installationId: number;
  /** The repository as a job sees it (the policy is read through it as the webhooks read it). */
  context: RepoContext;
  github: GitHubAdapter;
  openIssue: (issue: {
    title: string;
    body: string;
    labels: string[];
  }) => Promise<{ number: number; title: string; body: string; htmlUrl: string }>;
};

export type GitHubAccess = {
  /** The user of a token; `undefined` when GitHub does not accept the token. Throws `GitHubUnavailable` when GitHub does not answer. */
  userOf: (token: string) => Promise<ApiUser | undefined>;
  /** The app's installation on `owner/name`, or `undefined` when it has none there (or there is no such repository). */
  connect: (repo: string, traceId: string) => Promise<RepoConnection | undefined>;
  /** The app's own login (`slug[bot]`). */
  botLogin: () => Promise<string>;
  /**
   * Whether a token was issued to AAOE's own OAuth client for `login` (GitHub's "Check a token",
   * `POST /applications/{client_id}/token`): `own`, `foreign` (another app's, a personal token, another user's), or
   * `unconfigured` (no GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET: no token can be told to be AAOE's).
   */
  tokenIssuer: (token: string, login: string) => Promise<TokenIssuer>;
};

export type TokenIssuer = 'own' | 'foreign' | 'unconfigured';

export class GitHubUnavailable extends Error {}

/** The access of a Probot app: its JWT, its installations' clients, and its GitHub host for `GET /user`. */
export function probotAccess(
  app: Probot,
  fetchImpl: typeof fetch = fetch,
  oauthClient: () => { clientId: string; clientSecret: string } | undefined = () => readConfig().github.oauthClient,
): GitHubAccess {
  let appLogin: Promise<string> | undefined;
  const appOctokit = () => appOctokitOf(app);
  return {
    userOf: (token) => userOf(appOctokit, fetchImpl, token),
    connect: (fullName, traceId) => connect(app, fullName, traceId),
    tokenIssuer: (token, login) => tokenIssuer(appOctokit, fetchImpl, oauthClient(), token, login),
    botLogin() {
      appLogin ??= appOctokit()
        .then((octokit) => octokit.rest.apps.getAuthenticated())
        .then(({ data }) => `${data?.slug ?? 'aaoe'}[bot]`)
        .catch((error: unknown) => {
          appLogin = undefined;
          throw error;
        });
      return appLogin;
    },
  };
}

/** The app's own client (its JWT). */
function appOctokitOf(app: Probot): Promise<Octokit> {
  return app.auth();
}

async function userOf(
  appOctokit: () => Promise<Octokit>,
  fetchImpl: typeof fetch,
  token: string,
): Promise<ApiUser | undefined> {
  const baseUrl = (await appOctokit()).request.endpoint.DEFAULTS.baseUrl.replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetchImpl(`${baseUrl}/user`, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'aaoe-control-plane',
      },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new GitHubUnavailable(`GitHub did not answer GET /user: ${(error as Error).message}`);
  }
  if (res.status === 401 || res.status === 403) return undefined;
  if (!res.ok) throw new GitHubUnavailable(`GitHub answered GET /user with ${res.status}`);
  const user = (await res.json()) as { login?: unknown; type?: unknown };
  if (typeof user.login !== 'string' || user.login === '')
    throw new GitHubUnavailable('GET /user answered without a login');
  return { login: user.login, type: typeof user.type === 'string' ? user.type : 'User' };
}

async function connect(app: Probot, fullName: string, traceId: string): Promise<RepoConnection | undefined> {
  const [owner = '', repo = ''] = fullName.split('/');
  let installationId: number;
  try {
    const { data } = await (await appOctokitOf(app)).rest.apps.getRepoInstallation({ owner, repo });
    installationId = data.id;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
  const octokit = await app.auth(installationId);
  const { data: details } = await octokit.rest.repos.get({ owner, repo });
  const ref = { owner: details.owner.login, repo: details.name };
  const context = repoContext(traceId, octokit, app.log.child({ trace: traceId, repo: details.full_name }), ref);
  return {
    repo: details.full_name,
    private: details.private,
    installationId,
    context,
    github: new GitHubAdapter(octokit, ref),
    openIssue: async (issue) => {
      const { data } = await octokit.rest.issues.create({
        ...ref,
        title: issue.title,
        body: issue.body,
        labels: issue.labels,
      });
      return { number: data.number, title: data.title, body: data.body ?? '', htmlUrl: data.html_url };
    },
  };
}

async function tokenIssuer(
  appOctokit: () => Promise<Octokit>,
  fetchImpl: typeof fetch,
  client: { clientId: string; clientSecret: string } | undefined,
  token: string,
  login: string,
): Promise<TokenIssuer> {
  if (!client) return 'unconfigured';
  const { clientId, clientSecret } = client;
  const baseUrl = (await appOctokit()).request.endpoint.DEFAULTS.baseUrl.replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetchImpl(`${baseUrl}/applications/${encodeURIComponent(clientId)}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        accept: 'application/vnd.github+json',
        'content-type': 'application/json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'aaoe-control-plane',
      },
      body: JSON.stringify({ access_token: token }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new GitHubUnavailable(`GitHub did not answer the token check: ${(error as Error).message}`);
  }
  // GitHub answers 404 for a token its client did not issue (and 422 for one it cannot read)
  if (res.status === 404 || res.status === 422) return 'foreign';
  if (!res.ok) throw new GitHubUnavailable(`GitHub answered the token check with ${res.status}`);
  const body = (await res.json()) as { user?: { login?: unknown } | null };
  return typeof body.user?.login === 'string' && body.user.login.toLowerCase() === login.toLowerCase()
    ? 'own'
    : 'foreign';
}
