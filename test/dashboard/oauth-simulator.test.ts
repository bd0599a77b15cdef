import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSimulator } from '../simulator/github-simulator.js';

/**
 * The simulator's OAuth web application flow answers as GitHub documents it ("Authorizing OAuth apps",
 * "Troubleshooting authorization request errors", "Troubleshooting OAuth app access token request errors"), so the
 * dashboard's sign-in is tested against GitHub's behaviour, errors included.
 */

let sim: GitHubSimulator;
const CALLBACK = 'http://127.0.0.1:9/aaoe/callback';

beforeAll(async () => {
  sim = await GitHubSimulator.start();
  sim.oauth.callbackUrls = [CALLBACK];
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(() => {
  sim.rejections.length = 0;
});

async function authorize(fields: Record<string, string>): Promise<Response> {
  return fetch(`${sim.url}/login/oauth/authorize`, {
    method: 'POST',
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
}

async function codeFor(login: string): Promise<string> {
  const res = await authorize({
    client_id: sim.oauth.clientId,
    redirect_uri: CALLBACK,
    state: 's1',
    login,
    authorize: '1',
  });
  const location = new URL(res.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
  expect(location.searchParams.get('state')).toBe('s1');
  return location.searchParams.get('code')!;
}

function exchange(fields: Record<string, string>, accept = 'application/json'): Promise<Response> {
  return fetch(`${sim.url}/login/oauth/access_token`, {
    method: 'POST',
    headers: { accept, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
}

describe('GET /login/oauth/authorize', () => {
  it('shows the sign-in and authorize page for the app, prefilled from login', async () => {
    const res = await fetch(
      `${sim.url}/login/oauth/authorize?client_id=${sim.oauth.clientId}&redirect_uri=${encodeURIComponent(CALLBACK)}&state=xyz&login=wendy`,
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('Sign in to GitHub to continue to AAOE');
    expect(text).toContain('id="login_field" autocomplete="username" value="wendy"');
    expect(text).toContain('<input type="hidden" name="state" value="xyz">');
  });
  it('an unknown client is a 404; a redirect_uri that is not registered goes to the callback URL with redirect_uri_mismatch', async () => {
    expect((await fetch(`${sim.url}/login/oauth/authorize?client_id=nope`)).status).toBe(404);
    const res = await fetch(
      `${sim.url}/login/oauth/authorize?client_id=${sim.oauth.clientId}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&state=xyz`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: 'redirect_uri_mismatch', state: 'xyz' });
    expect(sim.rejections.map((r) => r.reason)).toEqual([
      'unknown client_id "nope"',
      `redirect_uri https://evil.example/cb is not a registered callback URL (${CALLBACK})`,
    ]);
  });
  it('cancelling redirects with access_denied', async () => {
    const res = await authorize({
      client_id: sim.oauth.clientId,
      redirect_uri: CALLBACK,
      state: 's',
      login: 'wendy',
      authorize: '0',
    });
    expect(Object.fromEntries(new URL(res.headers.get('location')!).searchParams)).toMatchObject({
      error: 'access_denied',
      state: 's',
    });
  });
});

describe('POST /login/oauth/access_token', () => {
  it('exchanges a code once for a user token that GET /user answers for; form-encoded unless JSON is asked for', async () => {
    const res = await exchange({
      client_id: sim.oauth.clientId,
      client_secret: sim.oauth.clientSecret,
      code: await codeFor('wendy-writer'),
      redirect_uri: CALLBACK,
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      access_token: expect.stringMatching(/^ghu_/),
      token_type: 'bearer',
      expires_in: 28800,
      refresh_token: expect.stringMatching(/^ghr_/),
      scope: '',
    });
    const user = await fetch(`${sim.url}/api/v3/user`, {
      headers: { authorization: `Bearer ${body.access_token as string}` },
    });
    expect(((await user.json()) as { login: string }).login).toBe('wendy-writer');

    const form = await exchange(
      { client_id: sim.oauth.clientId, client_secret: sim.oauth.clientSecret, code: await codeFor('ada') },
      'application/vnd.github+json-not',
    );
    expect(form.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    expect(new URLSearchParams(await form.text()).get('token_type')).toBe('bearer');
    expect(sim.rejections).toEqual([]);
  });
  it.each([
    [
      'a wrong secret',
      (code: string) => ({ client_id: sim.oauth.clientId, client_secret: 'wrong', code }),
      'incorrect_client_credentials',
    ],
    [
      'another redirect_uri',
      (code: string) => ({
        client_id: sim.oauth.clientId,
        client_secret: sim.oauth.clientSecret,
        code,
        redirect_uri: 'http://127.0.0.1:9/other',
      }),
      'redirect_uri_mismatch',
    ],
    [
      'an unknown code',
      () => ({ client_id: sim.oauth.clientId, client_secret: sim.oauth.clientSecret, code: 'deadbeef' }),
      'bad_verification_code',
    ],
  ])('%s: 200 with the error GitHub documents', async (_what, fields, error) => {
    const res = await exchange(fields(await codeFor('wendy')));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      error,
      error_description: expect.any(String),
      error_uri: expect.stringContaining('docs.github.com'),
    });
    expect(sim.rejections).toHaveLength(1);
  });
  it('a code is good once', async () => {
    const code = await codeFor('wendy');
    const fields = { client_id: sim.oauth.clientId, client_secret: sim.oauth.clientSecret, code };
    expect(await (await exchange(fields)).json()).toHaveProperty('access_token');
    expect(await (await exchange(fields)).json()).toMatchObject({ error: 'bad_verification_code' });
  });
  it('PKCE: a code issued for an S256 challenge is exchanged only with its verifier; other methods are refused', async () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'; // RFC 7636 appendix B
    const res = await authorize({
      client_id: sim.oauth.clientId,
      redirect_uri: CALLBACK,
      state: 's2',
      code_challenge: challenge,
      login: 'wendy',
      authorize: '1',
    });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const fields = { client_id: sim.oauth.clientId, client_secret: sim.oauth.clientSecret, code };
    expect(await (await exchange(fields)).json()).toMatchObject({ error: 'bad_verification_code' });
    expect(await (await exchange({ ...fields, code_verifier: 'x'.repeat(43) })).json()).toMatchObject({
      error: 'bad_verification_code',
    });
    expect(sim.rejections.map((r) => r.reason)).toEqual([
      'no code_verifier for a code issued with a code_challenge',
      'the code_verifier does not match the code_challenge',
    ]);
    expect(await (await exchange({ ...fields, code_verifier: verifier })).json()).toHaveProperty('access_token');

    const plain = await fetch(
      `${sim.url}/login/oauth/authorize?client_id=${sim.oauth.clientId}&redirect_uri=${encodeURIComponent(CALLBACK)}&state=s3&code_challenge=abc&code_challenge_method=plain`,
      { redirect: 'manual' },
    );
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });
});
