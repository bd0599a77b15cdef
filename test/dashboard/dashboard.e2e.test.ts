import { repositoryKey } from '../../src/adapters/github/dispatch-signature.js';
import { INSTALLATION_ID } from '../support/app-harness.js';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import { newPlanRun } from '../../src/core/plan/run-plan.js';
import { savePlanRun } from '../../src/adapters/store/plans.js';
import { appendAudit, readAudit } from '../../src/adapters/store/audit-log.js';
import { getExecution } from '../../src/adapters/store/executions.js';
import { CONTENT_SECURITY_POLICY } from '../../src/dashboard/exchange.js';
import { pkceChallenge, pkceVerifier, sessionKeys } from '../../src/dashboard/session-cookie.js';
import {
  AGENT,
  OWNER,
  PRIVATE,
  PUBLIC,
  REPORT_SECRET,
  SESSION_SECRET,
  csrfOf,
  latestCheck,
  openPullRequest,
  page,
  postForm,
  pullRequestPayload,
  setConfig,
  signIn,
  startDashboardWorld,
  type DashboardWorld,
} from './dashboard-fixture.js';
import { signBody } from '../../src/adapters/github/signature.js';

/**
 * The dashboard over HTTP against the real app and the loopback GitHub (its OAuth web flow included), without a
 * browser: the sign-in and its cookies, who sees what, the CSRF guard, actions through the control plane's rules,
 * the rollback preview, and escaping of untrusted text. `dashboard.browser.test.ts` drives the same in Chromium.
 */

let w: DashboardWorld;

beforeAll(async () => {
  w = await startDashboardWorld();
});
afterAll(async () => {
  await w?.close();
});
beforeEach(async () => {
  await setConfig(
    w,
    PUBLIC,
    `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\nmerge: auto\n`,
  );
  await setConfig(w, PRIVATE, `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
  w.sim.rejections.length = 0;
});

describe('sign-in with GitHub (the web application flow)', () => {
  it('sends the browser to GitHub with the client id, a state bound to a cookie and the callback; the callback opens a session whose cookie holds no token', async () => {
    const anonymous = await page(w, '', '/aaoe');
    expect(anonymous.status).toBe(200);
    expect(anonymous.text).toContain('Sign in with GitHub');
    expect(anonymous.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);

    const { cookie, setCookies, authorizeUrl } = await signIn(w, 'wendy-writer');
    expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(`${w.sim.url}/login/oauth/authorize`);
    expect(authorizeUrl.searchParams.get('client_id')).toBe(w.sim.oauth.clientId);
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${w.h.url}/aaoe/callback`);
    const state = authorizeUrl.searchParams.get('state')!;
    expect(state).toMatch(/^[\w-]{43}$/);
    // PKCE: the challenge of the verifier the app derives from the state with its key (the simulator checked the verifier)
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('code_challenge')).toBe(
      pkceChallenge(pkceVerifier(sessionKeys(SESSION_SECRET), state)),
    );
    const stateCookie = setCookies.find((c) => c.startsWith('aaoe_oauth_state='))!;
    expect(stateCookie).toContain(state);
    for (const c of setCookies.filter((c) => !c.includes('Max-Age=0')))
      expect(c).toMatch(/; Path=\/aaoe; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    expect(w.sim.oauth.authorizations.at(-1)).toMatchObject({
      login: 'wendy-writer',
      redirectUri: `${w.h.url}/aaoe/callback`,
    });

    const signedIn = await page(w, cookie, '/aaoe');
    expect(signedIn.text).toContain('Signed in as <strong>@wendy-writer</strong>');
    // the token stays server side, sealed: neither the cookie nor the stored row holds it
    const { rows } = await w.runtime.db.query<{ token_sealed: string; login: string }>(
      'SELECT token_sealed, login FROM dashboard_sessions',
    );
    expect(rows.map((r) => r.login)).toContain('wendy-writer');
    for (const row of rows) expect(row.token_sealed).not.toMatch(/ghu_/);
    expect(cookie).not.toMatch(/ghu_/);
    expect(w.sim.rejections).toEqual([]);
  });

  it('refuses a callback whose state is not the one bound to the browser, a replayed code, and a cookie not signed by the app', async () => {
    const start = await fetch(`${w.h.url}/aaoe/login`, { redirect: 'manual' });
    const stateCookie = start.headers.getSetCookie()[0]!.split(';', 1)[0]!;
    const forged = await fetch(`${w.h.url}/aaoe/callback?code=abc&state=someone-elses-state`, {
      headers: { cookie: stateCookie },
      redirect: 'manual',
    });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('The sign-in could not be verified');

    // the code is exchanged once: GitHub refuses it the second time, and the page says so
    const authorizeUrl = new URL(start.headers.get('location')!);
    const state = authorizeUrl.searchParams.get('state')!;
    const authorized = await fetch(new URL('/login/oauth/authorize', w.sim.url), {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        client_id: w.sim.oauth.clientId,
        redirect_uri: `${w.h.url}/aaoe/callback`,
        state,
        login: 'wendy-writer',
        authorize: '1',
      }),
    });
    const callback = authorized.headers.get('location')!;
    expect((await fetch(callback, { headers: { cookie: stateCookie }, redirect: 'manual' })).status).toBe(303);
    const replay = await fetch(callback, { headers: { cookie: stateCookie }, redirect: 'manual' });
    expect(replay.status).toBe(502);
    expect(await replay.text()).toContain('GitHub refused the sign-in: bad_verification_code');
    expect(w.sim.rejections.map((r) => r.reason)).toEqual(['the code was exchanged already']);
    w.sim.rejections.length = 0;

    // a session cookie with a signature of another key is no session
    const { cookie } = await signIn(w, 'wendy-writer');
    const tampered = cookie.replace(/\.[\w-]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect((await page(w, tampered, '/aaoe')).text).toContain('Sign in with GitHub');
    expect((await page(w, tampered, '/aaoe')).text).not.toContain('Signed in as');
  });

  it('signs out: the session is gone from the store', async () => {
    const { cookie } = await signIn(w, 'ada-admin');
    const csrf = csrfOf((await page(w, cookie, '/aaoe')).text);
    const out = await postForm(w, cookie, '/aaoe/logout', { csrf });
    expect(out.status).toBe(303);
    expect((await page(w, cookie, '/aaoe')).text).toContain('Sign in with GitHub');
  });
});

describe('who sees what, and who may act', () => {
  it('a reader of the public repository sees its execution without buttons, never the private one; a reader of the private one sees it', async () => {
    const pub = await openPullRequest(w, PUBLIC);
    const priv = await openPullRequest(w, PRIVATE);
    const wendy = await signIn(w, 'wendy-writer');
    const rita = await signIn(w, 'rita-reader');
    const paula = await signIn(w, 'paula-private-reader');

    const wendysList = (await page(w, wendy.cookie, '/aaoe')).text;
    expect(wendysList).toContain(`data-execution="${pub.id}"`);
    expect(wendysList).toContain(`data-execution="${priv.id}"`);
    expect(wendysList).toContain('action required');

    const ritasList = (await page(w, rita.cookie, '/aaoe')).text;
    expect(ritasList).toContain(`data-execution="${pub.id}"`);
    expect(ritasList).not.toContain(priv.id);
    expect(ritasList).not.toContain(PRIVATE);
    const ritaOnPrivate = await page(w, rita.cookie, `/aaoe/executions/${priv.id}`);
    expect(ritaOnPrivate.status).toBe(404);
    expect(ritaOnPrivate.text).not.toContain(PRIVATE);

    const ritaOnPublic = await page(w, rita.cookie, `/aaoe/executions/${pub.id}`);
    expect(ritaOnPublic.status).toBe(200);
    expect(ritaOnPublic.text).not.toContain('id="action-approve"');
    expect(ritaOnPublic.text).toContain(
      'you have read permission on Codertocat/Hello-World; acting on an execution needs write, maintain, admin',
    );

    const paulasList = (await page(w, paula.cookie, '/aaoe')).text;
    expect(paulasList).toContain(`data-execution="${priv.id}"`);
    expect((await page(w, paula.cookie, `/aaoe/executions/${priv.id}`)).text).not.toContain('id="action-approve"');

    const wendyOnPrivate = await page(w, wendy.cookie, `/aaoe/executions/${priv.id}`);
    expect(wendyOnPrivate.text).toContain('id="action-approve"');
    expect(w.sim.rejections).toEqual([]);
  });

  it('an execution that carries a plan step shows the plan, what it waits on and what waits on it; the tracking issue only to readers of the architecture repository', async () => {
    const pub = await openPullRequest(w, PUBLIC);
    const loaded = loadPlan(
      readFileSync(new URL('../fixtures/plans/diamond.yml', import.meta.url), 'utf8'),
      'plans/diamond.yml',
    );
    if (!loaded.ok) throw new Error('fixture invalid');
    const fresh = newPlanRun(loaded.plan);
    const at = new Date('2026-11-23T09:00:00Z');
    const run = {
      ...fresh,
      steps: {
        ...fresh.steps,
        schema: { status: 'succeeded' as const, startedAt: at, finishedAt: at },
        api: { status: 'running' as const, startedAt: at, executionId: pub.id },
      },
    };
    await w.runtime.db.transaction((tx) =>
      savePlanRun(tx, {
        repo: `${OWNER}/${PRIVATE}`,
        path: 'plans/diamond.yml',
        installationId: 1,
        trackingIssue: 12,
        run,
      }),
    );

    const wendy = await signIn(w, 'wendy-writer');
    const seen = (await page(w, wendy.cookie, `/aaoe/executions/${pub.id}`)).text;
    expect(seen).toContain(
      `Step <code>api</code> of plan <code>${loaded.plan.id}</code> (active), owned by acme/billing, tracked in <a href="${w.sim.url}/${OWNER}/${PRIVATE}/issues/12" rel="noreferrer">${OWNER}/${PRIVATE}#12</a>.`,
    );
    expect(seen).toContain('Depends on: <code>schema</code> succeeded. Waiting on it: <code>cutover</code> pending.');

    const rita = await signIn(w, 'rita-reader');
    const ritas = (await page(w, rita.cookie, `/aaoe/executions/${pub.id}`)).text;
    expect(ritas).toContain(
      `Step <code>api</code> of plan <code>${loaded.plan.id}</code> (active), owned by acme/billing.</p>`,
    );
    expect(ritas).not.toContain(PRIVATE);
  });

  it("a reader's forged approve is refused with the reason, and audited; a POST without the session's CSRF token is refused before anything is decided", async () => {
    const pub = await openPullRequest(w, PUBLIC);
    const priv = await openPullRequest(w, PRIVATE);
    const rita = await signIn(w, 'rita-reader');
    const csrf = csrfOf((await page(w, rita.cookie, '/aaoe')).text);

    const forged = await postForm(w, rita.cookie, `/aaoe/executions/${pub.id}/approve`, { csrf, sha: pub.headSha });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain(
      '<strong>Approve refused:</strong> @rita-reader has read permission on the repository; approvals need write, maintain or admin',
    );
    // who may approve is checked before anything is recorded: no approval row of hers (issue 19, strangers)
    expect(forged.text).not.toMatch(/<td>@rita-reader<\/td><td>api<\/td>/);
    expect(latestCheck(w, PUBLIC, pub.headSha).conclusion).toBe('action_required');
    const audit: string[] = [];
    for await (const e of readAudit(w.runtime.db))
      if (e.executionId === pub.id && e.action === 'command:approve') audit.push(`${e.actor}: ${e.reason}`);
    expect(audit).toEqual([expect.stringMatching(/^rita-reader: refused: /)]);

    // on the private repository she cannot read, the execution does not exist for her
    const hidden = await postForm(w, rita.cookie, `/aaoe/executions/${priv.id}/approve`, { csrf, sha: priv.headSha });
    expect(hidden.status).toBe(404);

    // a writer's session without its CSRF token (another site's form) decides nothing
    const wendy = await signIn(w, 'wendy-writer');
    const noCsrf = await postForm(w, wendy.cookie, `/aaoe/executions/${pub.id}/approve`, {});
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.text).toContain('CSRF token');
    const wrongCsrf = await postForm(w, wendy.cookie, `/aaoe/executions/${pub.id}/approve`, { csrf });
    expect(wrongCsrf.status).toBe(403);
    // her own token, posted from another site's page (the browser says where from)
    const wendysCsrf = csrfOf((await page(w, wendy.cookie, '/aaoe')).text);
    const crossSite = await fetch(`${w.h.url}/aaoe/executions/${pub.id}/approve`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: wendy.cookie,
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ csrf: wendysCsrf }),
    });
    expect(crossSite.status).toBe(403);
    expect(latestCheck(w, PUBLIC, pub.headSha).conclusion).toBe('action_required');
  });

  it('a writer approves from the dashboard: the check turns green, the timeline shows the approval', async () => {
    await setConfig(w, PUBLIC, `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
    const pub = await openPullRequest(w, PUBLIC);
    const wendy = await signIn(w, 'wendy-writer');
    const detail = await page(w, wendy.cookie, `/aaoe/executions/${pub.id}`);
    // the form carries the head commit the page showed (issue 19, hole 8)
    const sha = /name="sha" value="([0-9a-f]{40})"/.exec(detail.text)?.[1];
    expect(sha).toBe(pub.headSha);
    // a page showing another commit (the head moved since) approves nothing
    const stale = await postForm(w, wendy.cookie, `/aaoe/executions/${pub.id}/approve`, {
      csrf: csrfOf(detail.text),
      sha: 'abcdef0',
    });
    expect(stale.status).toBe(403);
    expect(stale.text).toContain('the approval names abcdef0');
    const approved = await postForm(w, wendy.cookie, `/aaoe/executions/${pub.id}/approve`, {
      csrf: csrfOf(detail.text),
      sha: sha!,
    });
    expect(approved.status).toBe(303);
    expect(approved.location).toBe(`/aaoe/executions/${pub.id}?done=approve`);
    await w.runtime.idle();
    expect(latestCheck(w, PUBLIC, pub.headSha).conclusion).toBe('success');
    const after = await page(w, wendy.cookie, approved.location!);
    expect(after.text).toContain('Your approval is recorded');
    expect(after.text).toMatch(/<td>@wendy-writer<\/td><td>api<\/td>/);
    expect(after.text).toContain('command:approve');
    expect(w.sim.rejections).toEqual([]);
  });
});

describe('the per-agent table', () => {
  it('counts the executions of each agent in the repositories the reader can read, and no others', async () => {
    await openPullRequest(w, PUBLIC);
    await openPullRequest(w, PRIVATE, 'hidden-agent[bot]');
    const row = (text: string, agent: string) =>
      new RegExp(
        `<tr data-agent="${agent.replace(/[[\]]/g, '\\$&')}">\n<td>[^<]*</td><td>(\\d+)</td><td>(\\d+)</td>`,
      ).exec(text);
    const wendys = (await page(w, (await signIn(w, 'wendy-writer')).cookie, '/aaoe')).text;
    expect(wendys).toContain('<table class="agents" id="agents">');
    expect(row(wendys, 'hidden-agent[bot]')?.slice(1)).toEqual(['1', '1']); // one execution, open
    const ritas = (await page(w, (await signIn(w, 'rita-reader')).cookie, '/aaoe')).text;
    expect(ritas).not.toContain('hidden-agent');
    expect(Number(row(ritas, AGENT)?.[1])).toBeGreaterThan(0);
    expect(Number(row(wendys, AGENT)?.[1])).toBeGreaterThan(Number(row(ritas, AGENT)?.[1])); // the private repository's too
  });
});

describe('rollback: a preview of what is dispatched, then a confirm', () => {
  it('shows event type aaoe-rollback, the deployed commit and the environment; a POST without the confirm does nothing; the confirm dispatches it', async () => {
    const pub = await openPullRequest(w, PUBLIC);
    const wendy = await signIn(w, 'wendy-writer');
    // approved here (merge: auto), merged by the app, deployed
    const csrf = csrfOf((await page(w, wendy.cookie, `/aaoe/executions/${pub.id}`)).text);
    expect(
      (await postForm(w, wendy.cookie, `/aaoe/executions/${pub.id}/approve`, { csrf, sha: pub.headSha })).status,
    ).toBe(303);
    await w.runtime.idle();
    const pull = w.sim.pullRequests({ owner: OWNER, repo: PUBLIC }).find((p: any) => p.number === pub.number) as any;
    expect(pull.merged).toBe(true);
    await w.h.deliver('pull_request', pullRequestPayload(PUBLIC, 'closed', pull));
    expect((await getExecution(w.runtime.db, pub.id))?.state).toBe('deploying');

    const detail = (await page(w, wendy.cookie, `/aaoe/executions/${pub.id}`)).text;
    expect(detail).toContain(`href="/aaoe/executions/${pub.id}/rollback"`);
    expect(detail).toContain(`held by <a href="/aaoe/executions/${pub.id}">`);
    const preview = await page(w, wendy.cookie, `/aaoe/executions/${pub.id}/rollback`);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('<code>aaoe-rollback</code>');
    expect(preview.text).toContain(`<code>${pull.merge_commit_sha}</code>`);
    expect(preview.text).toContain('<code>production</code>');
    expect(preview.text).toContain('id="confirm-rollback"');
    const rollbacks = () =>
      w.sim.dispatches({ owner: OWNER, repo: PUBLIC }).filter((d) => d.eventType === 'aaoe-rollback');
    expect(rollbacks()).toHaveLength(0);

    const unconfirmed = await postForm(w, wendy.cookie, `/aaoe/executions/${pub.id}/rollback`, { csrf });
    expect(unconfirmed.status).toBe(400);
    expect((await getExecution(w.runtime.db, pub.id))?.state).toBe('deploying');

    const confirmed = await postForm(w, wendy.cookie, `/aaoe/executions/${pub.id}/rollback`, { csrf, confirm: 'yes' });
    expect(confirmed.status).toBe(303);
    await w.runtime.idle();
    expect((await getExecution(w.runtime.db, pub.id))?.state).toBe('rolling_back');
    expect(rollbacks()).toEqual([
      {
        eventType: 'aaoe-rollback',
        payload: expect.objectContaining({
          executionId: pub.id,
          sha: pull.merge_commit_sha,
          environment: 'production',
        }),
      },
    ]);
    // end the rollback so production is free for other tests
    const text = JSON.stringify({
      version: 1,
      executionId: pub.id,
      sha: pull.merge_commit_sha,
      environment: 'production',
      deploymentId: null,
      mode: 'rollback',
      verdict: 'rolled-back',
      outcome: 'success',
      title: 't',
      reason: 'r',
      counts: null,
      intervals: [],
      commands: [],
      run: { repository: `${OWNER}/${PUBLIC}`, runId: '1', runAttempt: '1', url: null },
      at: new Date().toISOString(),
    });
    await fetch(`${w.h.url}/aaoe/deploy-report`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-aaoe-signature-256': signBody(text, repositoryKey(REPORT_SECRET, INSTALLATION_ID, `${OWNER}/${PUBLIC}`)),
      },
      body: text,
    });
    await w.runtime.idle();
    expect(w.sim.rejections).toEqual([]);
  });
});

describe('untrusted text', () => {
  it('is escaped wherever it is shown', async () => {
    const pub = await openPullRequest(w, PUBLIC);
    await appendAudit(w.runtime.db, {
      executionId: pub.id,
      actor: 'x"><img src=x onerror=alert(1)>',
      action: 'note',
      reason: '<script>alert("owned")</script>',
    });
    const wendy = await signIn(w, 'wendy-writer');
    const detail = (await page(w, wendy.cookie, `/aaoe/executions/${pub.id}`)).text;
    expect(detail).toContain('&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;');
    expect(detail).toContain('x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(detail).not.toContain('<script');
    expect(detail).not.toContain('<img');
  });
});
