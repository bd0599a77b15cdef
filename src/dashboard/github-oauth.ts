/**
 * GitHub's OAuth web application flow for the app's OAuth client ("Authorizing OAuth apps", "Generating a user
 * access token for a GitHub App"): the authorize URL the browser is sent to, and the exchange of the code for a user
 * access token. Both live on GitHub's web host (github.com, or the GHES host of `GHE_HOST`), not its REST API.
 */

export type OAuthClient = { clientId: string; clientSecret: string };

/** The web host of a REST API base URL: `https://api.github.com` -> `https://github.com`; `http://ghe/api/v3` -> `http://ghe`. */
export function githubWebUrl(apiBaseUrl: string): string {
  const url = new URL(apiBaseUrl);
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '/api/v3' || path === '/api') url.pathname = '/';
  else if (path === '' && url.hostname.startsWith('api.')) url.hostname = url.hostname.slice('api.'.length);
  return url.origin;
}

/**
 * `<web>/login/oauth/authorize?client_id&redirect_uri&state&code_challenge&code_challenge_method=S256` (GitHub Apps
 * take no scope: the app's permissions apply).
 */
export function authorizeUrl(
  webUrl: string,
  client: Pick<OAuthClient, 'clientId'>,
  redirectUri: string,
  state: string,
  codeChallenge: string,
): string {
  const url = new URL('/login/oauth/authorize', webUrl);
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('allow_signup', 'false');
  return url.toString();
}

export type TokenExchange =
  | {
      ok: true;
      token: string;
      /** Seconds the token is good for, when GitHub says (expiring user tokens). */ expiresIn?: number;
    }
  | { ok: false; reason: string };

/** What GitHub's `error` answer to a code exchange means, and what to do about it. */
function refusalReason(error: string, errorDescription: unknown): string {
  const description = typeof errorDescription === 'string' ? errorDescription : '';
  const hint =
    error === 'incorrect_client_credentials'
      ? ' (check GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET: the OAuth credentials of the GitHub App)'
      : error === 'redirect_uri_mismatch'
        ? " (add this dashboard's /aaoe/callback URL to the app's callback URLs, or set AAOE_PUBLIC_URL)"
        : error === 'bad_verification_code'
          ? ' (the sign-in took too long or was replayed: sign in again)'
          : '';
  return `GitHub refused the sign-in: ${error}${description ? `: ${description}` : ''}${hint}`;
}

/**
 * `POST <web>/login/oauth/access_token`: the user access token for a code. GitHub answers errors with 200 and an
 * `error` field; every failure comes back as a reason in words, never thrown.
 */
export async function exchangeCode(
  webUrl: string,
  client: OAuthClient,
  code: string,
  redirectUri: string,
  codeVerifier: string,
  fetchImpl: typeof fetch = fetch,
): Promise<TokenExchange> {
  let res: Response;
  try {
    res = await fetchImpl(new URL('/login/oauth/access_token', webUrl), {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'aaoe-dashboard',
      },
      body: new URLSearchParams({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        code,
        redirect_uri: redirectUri,
        code_verifier: codeVerifier,
      }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    return {
      ok: false,
      reason: `GitHub did not answer the code exchange (${(error as Error).message}): try again in a moment`,
    };
  }
  if (!res.ok) return { ok: false, reason: `GitHub answered the code exchange with HTTP ${res.status}` };
  let body: Record<string, unknown>;
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'GitHub answered the code exchange with something other than JSON' };
  }
  if (typeof body.error === 'string') return { ok: false, reason: refusalReason(body.error, body.error_description) };
  if (typeof body.access_token !== 'string' || body.access_token === '')
    return { ok: false, reason: 'GitHub answered the code exchange without an access token' };
  return {
    ok: true,
    token: body.access_token,
    ...(typeof body.expires_in === 'number' && body.expires_in > 0 ? { expiresIn: body.expires_in } : {}),
  };
}
