import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/**
 * GitHub's OAuth web application flow for the simulated app's OAuth client ("Authorizing OAuth apps", "Generating a
 * user access token for a GitHub App" on docs.github.com). These endpoints live on the web host, not under the REST
 * API, and are not in GitHub's OpenAPI description:
 *
 * - `GET /login/oauth/authorize?client_id&redirect_uri&state&login&code_challenge&code_challenge_method`: an
 *   unknown `client_id` is a 404 page; a
 *   `redirect_uri` that is not exactly one of the registered callback URLs sends the browser to the first callback
 *   URL with `error=redirect_uri_mismatch`. Otherwise the page GitHub shows: sign in (the login field, prefilled
 *   from `login`) and authorize the app. "Authorize" posts back; "Cancel" too.
 * - `POST /login/oauth/authorize`: redirects to the redirect URI with `code` and `state`, or `error=access_denied`
 *   when cancelled. A code is good for one exchange, within 10 minutes.
 * - PKCE (RFC 7636): a `code_challenge` is bound to the code; only `S256` is accepted (as GitHub does), and the
 *   exchange must then send the matching `code_verifier`.
 * - `POST /login/oauth/access_token` (`client_id`, `client_secret`, `code`, `redirect_uri`, `code_verifier`, from the query or a form
 *   or JSON body): the user access token, as JSON with `Accept: application/json`, else form-encoded; errors are
 *   answered 200 with `error`, `error_description` and `error_uri`, as GitHub does (`incorrect_client_credentials`,
 *   `redirect_uri_mismatch`, `bad_verification_code`). Tokens expire (GitHub Apps' default): `expires_in` 28800 and
 *   a `refresh_token`. The token is a simulator user token: `GET /user` answers with the login that authorized.
 *
 * Requests the real GitHub would refuse are recorded as rejections.
 */

export type OAuthRejection = { method: string; path: string; status: number; reason: string };

type Grant = {
  clientId: string;
  redirectUri: string;
  login: string;
  expiresAt: number;
  used: boolean;
  codeChallenge: string | null;
};

const CODE_LIFETIME_MS = 10 * 60_000;
const DOCS = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/';
const AUTH_DOCS = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/';

export class OAuthWebFlow {
  /** The app's OAuth client (`GITHUB_CLIENT_ID` / `GITHUB_CLIENT_SECRET` in Probot's names). */
  readonly clientId = `Iv23li${randomBytes(7).toString('hex')}`;
  readonly clientSecret = randomBytes(20).toString('hex');
  /** The app's registered callback URLs (a GitHub App has up to 10); the first is the default. */
  callbackUrls: string[] = [];
  /** Every authorization the simulated users granted (login, client), in order. */
  readonly authorizations: Array<{ login: string; clientId: string; redirectUri: string }> = [];
  private readonly grants = new Map<string, Grant>();

  constructor(
    private readonly ports: {
      appName: () => string;
      createUserToken: (user: { login: string }) => string;
      reject: (rejection: OAuthRejection) => void;
      now?: () => number;
    },
  ) {}

  /** Whether the path is one of these endpoints. */
  static handles(pathname: string): boolean {
    return pathname === '/login/oauth/authorize' || pathname === '/login/oauth/access_token';
  }

  serve(method: string, url: URL, body: string, headers: IncomingHttpHeaders, res: ServerResponse): void {
    const now = this.ports.now?.() ?? Date.now();
    if (url.pathname === '/login/oauth/authorize') {
      if (method === 'GET') return this.authorizePage(url, res);
      if (method === 'POST') return this.authorize(url, formOf(body), res, now);
    }
    if (url.pathname === '/login/oauth/access_token' && method === 'POST')
      return this.accessToken(url, body, headers, res, now);
    this.ports.reject({
      method,
      path: url.pathname,
      status: 404,
      reason: `${method} ${url.pathname} is not part of the web application flow`,
    });
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Not Found</h1>');
  }

  private authorizePage(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const clientId = q.get('client_id') ?? '';
    if (clientId !== this.clientId) {
      this.ports.reject({ method: 'GET', path: url.pathname, status: 404, reason: `unknown client_id "${clientId}"` });
      res
        .writeHead(404, { 'content-type': 'text/html; charset=utf-8' })
        .end('<h1>404</h1><p>This is not the web page you are looking for.</p>');
      return;
    }
    const redirect = this.redirectFor(q.get('redirect_uri'));
    if (!redirect.ok) {
      this.ports.reject({ method: 'GET', path: url.pathname, status: 302, reason: redirect.reason });
      return redirectTo(res, redirect.fallback, {
        error: 'redirect_uri_mismatch',
        error_description: 'The redirect_uri MUST match the registered callback URL for this application.',
        error_uri: `${AUTH_DOCS}#redirect-uri-mismatch`,
        state: q.get('state'),
      });
    }
    const method = q.get('code_challenge_method');
    if (q.get('code_challenge') !== null && method !== 'S256') {
      this.ports.reject({
        method: 'GET',
        path: url.pathname,
        status: 302,
        reason: `code_challenge_method ${method ?? '(none)'}: only S256 is accepted`,
      });
      return redirectTo(res, redirect.uri, {
        error: 'invalid_request',
        error_description: 'Only the S256 code challenge method is supported.',
        error_uri: AUTH_DOCS,
        state: q.get('state'),
      });
    }
    const hidden = (name: string, value: string | null) =>
      value === null ? '' : `<input type="hidden" name="${name}" value="${esc(value)}">`;
    const app = esc(this.ports.appName());
    const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Authorize application</title></head><body>
<main>
<h1>Sign in to GitHub to continue to ${app}</h1>
<form method="post" action="/login/oauth/authorize">
${hidden('client_id', clientId)}${hidden('redirect_uri', q.get('redirect_uri'))}${hidden('state', q.get('state'))}${hidden('code_challenge', q.get('code_challenge'))}
<label for="login_field">Username or email address</label>
<input type="text" name="login" id="login_field" autocomplete="username" value="${esc(q.get('login') ?? '')}">
<p>${app} would like permission to verify your GitHub identity and act on your behalf.</p>
<button type="submit" name="authorize" value="1" id="js-oauth-authorize-btn">Authorize ${app}</button>
<button type="submit" name="authorize" value="0">Cancel</button>
</form>
</main></body></html>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  }

  private authorize(url: URL, form: URLSearchParams, res: ServerResponse, now: number): void {
    const clientId = form.get('client_id') ?? '';
    const redirect = this.redirectFor(form.get('redirect_uri'));
    if (clientId !== this.clientId || !redirect.ok) {
      this.ports.reject({
        method: 'POST',
        path: url.pathname,
        status: 422,
        reason:
          clientId !== this.clientId ? `unknown client_id "${clientId}"` : (redirect as { reason: string }).reason,
      });
      res.writeHead(422, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Unprocessable</h1>');
      return;
    }
    const state = form.get('state');
    if (form.get('authorize') !== '1') {
      return redirectTo(res, redirect.uri, {
        error: 'access_denied',
        error_description: 'The user has denied your application access.',
        error_uri: `${AUTH_DOCS}#access-denied`,
        state,
      });
    }
    const login = (form.get('login') ?? '').trim();
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login)) {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<h1>Incorrect username or password.</h1>');
      return;
    }
    const code = randomBytes(10).toString('hex');
    this.grants.set(code, {
      clientId,
      redirectUri: redirect.uri,
      login,
      expiresAt: now + CODE_LIFETIME_MS,
      used: false,
      codeChallenge: form.get('code_challenge'),
    });
    this.authorizations.push({ login, clientId, redirectUri: redirect.uri });
    redirectTo(res, redirect.uri, { code, state });
  }

  private accessToken(url: URL, body: string, headers: IncomingHttpHeaders, res: ServerResponse, now: number): void {
    const params = new URLSearchParams(url.search);
    const type = String(headers['content-type'] ?? '');
    if (/^application\/json/i.test(type)) {
      try {
        for (const [k, v] of Object.entries(JSON.parse(body) as Record<string, unknown>))
          if (typeof v === 'string') params.set(k, v);
      } catch {
        // an unparseable body sends nothing: the checks below answer
      }
    } else {
      for (const [k, v] of formOf(body)) params.set(k, v);
    }
    const json = /application\/json/i.test(String(headers.accept ?? ''));
    const answer = (fields: Record<string, string | number>) => {
      if (json) res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(fields));
      else
        res
          .writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' })
          .end(new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString());
    };
    const fail = (error: string, description: string, anchor: string, reason: string) => {
      this.ports.reject({ method: 'POST', path: url.pathname, status: 200, reason });
      answer({ error, error_description: description, error_uri: `${DOCS}#${anchor}` });
    };
    if (params.get('client_id') !== this.clientId || params.get('client_secret') !== this.clientSecret) {
      return fail(
        'incorrect_client_credentials',
        'The client_id and/or client_secret passed are incorrect.',
        'incorrect-client-credentials',
        'incorrect client_id or client_secret',
      );
    }
    const code = params.get('code') ?? '';
    const grant = this.grants.get(code);
    const redirectUri = params.get('redirect_uri');
    if (grant && redirectUri !== null && redirectUri !== grant.redirectUri) {
      return fail(
        'redirect_uri_mismatch',
        'The redirect_uri MUST match the registered callback URL for this application.',
        'redirect-uri-mismatch2',
        `redirect_uri ${redirectUri} is not the one authorized (${grant.redirectUri})`,
      );
    }
    if (!grant || grant.used || grant.expiresAt <= now || grant.clientId !== this.clientId) {
      return fail(
        'bad_verification_code',
        'The code passed is incorrect or expired.',
        'bad-verification-code',
        !grant ? 'unknown code' : grant.used ? 'the code was exchanged already' : 'the code expired',
      );
    }
    if (grant.codeChallenge !== null) {
      const verifier = params.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== grant.codeChallenge) {
        return fail(
          'bad_verification_code',
          'The code passed is incorrect or expired.',
          'bad-verification-code',
          verifier
            ? 'the code_verifier does not match the code_challenge'
            : 'no code_verifier for a code issued with a code_challenge',
        );
      }
    }
    grant.used = true;
    const token = this.ports.createUserToken({ login: grant.login });
    answer({
      access_token: token,
      expires_in: 28800,
      refresh_token: `ghr_${randomBytes(38).toString('base64url').slice(0, 76)}`,
      refresh_token_expires_in: 15897600,
      scope: '',
      token_type: 'bearer',
    });
  }

  private redirectFor(
    given: string | null,
  ): { ok: true; uri: string } | { ok: false; reason: string; fallback: string } {
    const registered = this.callbackUrls[0];
    if (!registered)
      return {
        ok: false,
        reason: 'the app has no callback URL registered (sim.oauth.callbackUrls)',
        fallback: 'about:blank',
      };
    if (given === null) return { ok: true, uri: registered };
    if (this.callbackUrls.includes(given)) return { ok: true, uri: given };
    return {
      ok: false,
      reason: `redirect_uri ${given} is not a registered callback URL (${this.callbackUrls.join(', ')})`,
      fallback: registered,
    };
  }
}

function redirectTo(res: ServerResponse, base: string, params: Record<string, string | null>): void {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
  res
    .writeHead(302, { location: url.toString(), 'content-type': 'text/html; charset=utf-8' })
    .end(`<a href="${esc(url.toString())}">redirected</a>`);
}

function formOf(body: string): URLSearchParams {
  return new URLSearchParams(body);
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
