import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Probot } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionStatus } from '../../src/contracts/api.js';
import type { Runtime } from '../../src/adapters/store/runtime.js';
import { legalVerbs } from '../../src/dashboard/dashboard-data.js';
import { dashboardHandler } from '../../src/dashboard/dashboard-handler.js';
import { CONTENT_SECURITY_POLICY } from '../../src/dashboard/exchange.js';
import { dashboardRoute } from '../../src/dashboard/routes.js';
import { authorizeUrl, exchangeCode, githubWebUrl } from '../../src/dashboard/github-oauth.js';
import { html } from '../../src/dashboard/html.js';
import { approvalStanding } from '../../src/dashboard/page-parts.js';
import {
  cookieHeader,
  parseCookies,
  pkceChallenge,
  pkceVerifier,
  sealToken,
  sessionKeys,
  signValue,
  unsealToken,
  verifySigned,
} from '../../src/dashboard/session-cookie.js';
import type { ExecutionRecord } from '../../src/core/execution/records.js';
import { loadPresets } from '../../src/adapters/files/presets.js';

/** The dashboard's pure parts: escaping, cookies and the sealed token, the OAuth URLs and exchange, routes, verbs. */

describe('html escapes every value', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['" onmouseover="x', '&quot; onmouseover=&quot;x'],
    ["it's `odd` & <b>", 'it&#39;s &#96;odd&#96; &amp; &lt;b&gt;'],
  ])('%s', (value, escaped) => {
    expect(html`<p title="${value}">${value}</p>`.text).toBe(`<p title="${escaped}">${escaped}</p>`);
  });
  it('keeps markup it built itself, in arrays too, and drops null, undefined and false', () => {
    expect(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}${null}${undefined}${false}</ul>`.text).toBe(
      '<ul><li>a&lt;</li><li>b</li></ul>',
    );
  });
});

describe('session cookies and the sealed token', () => {
  const keys = sessionKeys('s'.repeat(40));
  const other = sessionKeys('t'.repeat(40));
  it('a signed value verifies only unchanged and under the same secret', () => {
    const signed = signValue(keys, 'abc');
    expect(verifySigned(keys, signed)).toBe('abc');
    expect(verifySigned(other, signed)).toBeUndefined();
    expect(verifySigned(keys, signed.replace('abc', 'abd'))).toBeUndefined();
    expect(verifySigned(keys, 'abc')).toBeUndefined();
    expect(verifySigned(keys, undefined)).toBeUndefined();
  });
  it('a sealed token opens only for its session and secret, and does not show the token', () => {
    const sealed = sealToken(keys, 'ghu_secret', 'hash-1');
    expect(sealed).not.toContain('ghu_secret');
    expect(unsealToken(keys, sealed, 'hash-1')).toBe('ghu_secret');
    expect(unsealToken(keys, sealed, 'hash-2')).toBeUndefined();
    expect(unsealToken(other, sealed, 'hash-1')).toBeUndefined();
    expect(unsealToken(keys, 'x.y.z', 'hash-1')).toBeUndefined();
  });
  it('cookies are HttpOnly, SameSite=Lax, under /aaoe, Secure over https', () => {
    expect(cookieHeader('a', 'b', { maxAgeSeconds: 60, secure: false })).toBe(
      'a=b; Path=/aaoe; Max-Age=60; HttpOnly; SameSite=Lax',
    );
    expect(cookieHeader('a', '', { maxAgeSeconds: 0, secure: true })).toBe(
      'a=; Path=/aaoe; Max-Age=0; HttpOnly; SameSite=Lax; Secure',
    );
    expect(parseCookies('x=1; aaoe_session=v.s; x=2')).toEqual({ x: '1', aaoe_session: 'v.s' });
  });
});

describe("GitHub's web flow", () => {
  it.each([
    ['https://api.github.com', 'https://github.com'],
    ['http://127.0.0.1:8080/api/v3', 'http://127.0.0.1:8080'],
    ['https://ghe.example.com/api/v3/', 'https://ghe.example.com'],
    ['https://api.acme.ghe.com', 'https://acme.ghe.com'],
  ])('the web host of %s is %s', (api, web) => {
    expect(githubWebUrl(api)).toBe(web);
  });
  it('the authorize URL carries the client id, the callback, the state and the PKCE challenge', () => {
    const url = new URL(
      authorizeUrl(
        'https://github.com',
        { clientId: 'Iv1.abc' },
        'https://aaoe.example/aaoe/callback',
        'st&te',
        'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      ),
    );
    expect(`${url.origin}${url.pathname}`).toBe('https://github.com/login/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'Iv1.abc',
      redirect_uri: 'https://aaoe.example/aaoe/callback',
      state: 'st&te',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      allow_signup: 'false',
    });
  });
  it("PKCE: the S256 challenge of RFC 7636 appendix B; a verifier per state, that only the app's key gives", () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
    const keys = sessionKeys('a-secret-of-thirty-two-characters!!');
    const verifier = pkceVerifier(keys, 'state-1');
    expect(verifier).toMatch(/^[\w-]{43}$/); // 43 to 128 unreserved characters
    expect(pkceVerifier(keys, 'state-1')).toBe(verifier);
    expect(pkceVerifier(keys, 'state-2')).not.toBe(verifier);
    expect(pkceVerifier(sessionKeys('another-secret-of-thirty-two-chars!'), 'state-1')).not.toBe(verifier);
  });
  it('the exchange sends the code verifier', async () => {
    let sent = '';
    const capture = (async (_url: unknown, init?: RequestInit) => {
      sent = String(init?.body);
      return new Response(JSON.stringify({ access_token: 'ghu_x' }), {
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof fetch;
    await exchangeCode(
      'https://github.com',
      { clientId: 'c', clientSecret: 's' },
      'code',
      'https://x/aaoe/callback',
      'the-verifier',
      capture,
    );
    expect(Object.fromEntries(new URLSearchParams(sent))).toEqual({
      client_id: 'c',
      client_secret: 's',
      code: 'code',
      redirect_uri: 'https://x/aaoe/callback',
      code_verifier: 'the-verifier',
    });
  });
  const answering = (body: unknown, status = 200): typeof fetch =>
    (async () =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })) as typeof fetch;
  it('a GitHub that does not answer is a reason, not a throw', async () => {
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    expect(
      await exchangeCode(
        'https://github.com',
        { clientId: 'c', clientSecret: 's' },
        'code',
        'https://x/aaoe/callback',
        'v',
        down,
      ),
    ).toEqual({ ok: false, reason: 'GitHub did not answer the code exchange (fetch failed): try again in a moment' });
  });
  it.each([
    [
      { access_token: 'ghu_x', expires_in: 28800, token_type: 'bearer' },
      { ok: true, token: 'ghu_x', expiresIn: 28800 },
    ],
    [
      { access_token: 'gho_x', token_type: 'bearer', scope: '' },
      { ok: true, token: 'gho_x' },
    ],
    [
      {
        error: 'incorrect_client_credentials',
        error_description: 'The client_id and/or client_secret passed are incorrect.',
      },
      { ok: false, reason: expect.stringContaining('check GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET') },
    ],
    [
      { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' },
      {
        ok: false,
        reason: expect.stringMatching(
          /^GitHub refused the sign-in: bad_verification_code: The code passed is incorrect or expired\. \(the sign-in took too long/,
        ),
      },
    ],
    [{ token_type: 'bearer' }, { ok: false, reason: 'GitHub answered the code exchange without an access token' }],
  ])('the exchange answered %j', async (body, expected) => {
    expect(
      await exchangeCode(
        'https://github.com',
        { clientId: 'c', clientSecret: 's' },
        'code',
        'https://x/aaoe/callback',
        'v',
        answering(body),
      ),
    ).toEqual(expected);
  });
});

describe('routes', () => {
  it.each([
    ['GET', '/aaoe', { kind: 'overview' }],
    ['GET', '/aaoe/', { kind: 'overview' }],
    ['POST', '/aaoe', { kind: 'method', allow: 'GET' }],
    ['GET', '/aaoe/logout', { kind: 'method', allow: 'POST' }],
    [
      'GET',
      '/aaoe/executions/0b7c4e5a-1d2e-4f3a-9b8c-7d6e5f4a3b2c',
      { kind: 'execution', id: '0b7c4e5a-1d2e-4f3a-9b8c-7d6e5f4a3b2c' },
    ],
    [
      'GET',
      '/aaoe/executions/0b7c4e5a-1d2e-4f3a-9b8c-7d6e5f4a3b2c/rollback',
      { kind: 'preview', id: '0b7c4e5a-1d2e-4f3a-9b8c-7d6e5f4a3b2c' },
    ],
    [
      'POST',
      '/aaoe/executions/0b7c4e5a-1d2e-4f3a-9b8c-7d6e5f4a3b2c/rollback',
      { kind: 'verb', id: '0b7c4e5a-1d2e-4f3a-9b8c-7d6e5f4a3b2c', verb: 'rollback' },
    ],
    ['GET', '/aaoe/executions/0b7c4e5a-1d2e-4f3a-9b8c-7d6e5f4a3b2c/approve', { kind: 'method', allow: 'POST' }],
    ['POST', '/aaoe/executions/not-an-id/approve', undefined],
    ['POST', '/aaoe/executions/0b7c4e5a-1d2e-4f3a-9b8c-7d6e5f4a3b2c/merge', undefined],
    ['POST', '/aaoe/deploy-report', undefined],
    ['GET', '/api/v1/executions', undefined],
  ])('%s %s', (method, path, route) => {
    expect(dashboardRoute(method, path)).toEqual(route);
  });
});

describe('the buttons a state takes', () => {
  const x = (state: ExecutionRecord['state'], over: Partial<ExecutionRecord> = {}): ExecutionRecord => ({
    id: 'x',
    state,
    version: 3,
    headSha: 'a'.repeat(40),
    updatedAt: '2026-11-23T00:00:00.000Z',
    repo: 'o/r',
    installationId: 1,
    pullRequest: 7,
    traceId: 't',
    subject: null,
    issue: null,
    work: null,
    ...over,
    ...(state === 'paused' ? { resumeTo: 'awaiting_approval' as const } : {}),
  });
  it.each([
    ['awaiting_approval', {}, ['approve', 'pause']],
    ['awaiting_approval', { pullRequest: null, issue: 3 }, ['pause']],
    ['approved', {}, ['pause']],
    ['paused', {}, ['resume']],
    ['deploying', {}, ['pause', 'rollback']],
    ['completed', {}, ['rollback']],
    ['rejected', {}, []],
  ] as const)('%s %j -> %j', (state, over, verbs) => {
    expect(legalVerbs(x(state, over), 'wendy', new Date('2026-11-23T00:00:00Z'))).toEqual(verbs);
  });
});

describe('approvals as shown', () => {
  it('an approval whose latest decision was a refusal is shown refused, with the reason', () => {
    const status = {
      approvals: [
        { login: 'rita', type: 'User', source: 'api', pullRequest: 1, headSha: 'a', at: 't' },
        { login: 'wendy', type: 'User', source: 'api', pullRequest: 1, headSha: 'a', at: 't' },
      ],
      timeline: [
        { seq: 1, at: 't', actor: 'rita', action: 'command:approve', reason: 'refused: @rita has read permission' },
        { seq: 2, at: 't', actor: 'wendy', action: 'command:approve', reason: 'approval recorded on a: 1/1' },
      ],
    } as unknown as ExecutionStatus;
    expect(approvalStanding(status).map((s) => [s.approval.login, s.refused])).toEqual([
      ['rita', '@rita has read permission'],
      ['wendy', undefined],
    ]);
  });
});

describe('configuration', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(env: Record<string, string>): Promise<string> {
    const app = { log: { info() {}, warn() {}, error() {} }, auth: async () => ({}) } as unknown as Probot;
    const handler = dashboardHandler(app, {
      runtime: { db: {} } as Runtime,
      now: () => new Date(),
      presets: loadPresets(),
      env,
      githubApiUrl: 'https://api.github.com',
    });
    server = createServer(async (req, res) => {
      if (!(await handler(req, res))) res.writeHead(404).end('not the dashboard');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('answers 503 saying what to set while AAOE_SESSION_SECRET is missing or short; other paths are not its own', async () => {
    const url = await serve({});
    const res = await fetch(`${url}/aaoe`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await res.text()).toContain('Set AAOE_SESSION_SECRET (at least 32 random characters');
    expect((await fetch(`${url}/api/v1/executions`)).status).toBe(404);
    server!.close();
    server = undefined;
    const short = await serve({ AAOE_SESSION_SECRET: 'short' });
    expect(await (await fetch(`${short}/aaoe/login`)).text()).toContain('AAOE_SESSION_SECRET is too short');
  });

  it('sign-in answers 503 naming GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET when the OAuth client is not set', async () => {
    const url = await serve({ AAOE_SESSION_SECRET: 'x'.repeat(32) });
    const res = await fetch(`${url}/aaoe/login`, { redirect: 'manual' });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain(
      `Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the GitHub App&#39;s client ID and a client secret, from the app&#39;s settings page), add ${url}/aaoe/callback to the app&#39;s callback URLs`,
    );
    const signInPage = await fetch(`${url}/aaoe`);
    expect(signInPage.status).toBe(200);
    expect(await signInPage.text()).toContain('Sign in with GitHub');
  });
});
