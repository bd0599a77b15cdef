import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryKey, signDispatch } from '../../src/adapters/github/dispatch-signature.js';
import { around } from '../core/canary/samples.js';
import { runBundle, startServer, type BundleRun } from '../action/run-bundle.js';

// Issue 19, hole 1 (forged deploy), the action's side: the committed bundle, run as GitHub runs it, gets a
// repository_dispatch that anyone with contents: write can send. It must run no command, post no status and send
// no report unless the payload is signed by the app with this repository's key, for this repository, event and
// environment.

const MASTER = 'app-master-secret';
const REPOSITORY = 'octo-org/shop';
const KEY = repositoryKey(MASTER, 4242, REPOSITORY);
const SHA = 'a'.repeat(40);

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer((req, url) => {
    if (url.pathname === '/metrics')
      return { status: 200, body: { baseline: around(0.02, 12), canary: around(0.02, 12, 0.2, 1) } };
    if (req.method === 'POST') return { status: 201, body: {} };
    return { status: 404, body: {} };
  });
});
afterAll(() => server.close());

type Fields = { eventType?: string; repository?: string; environment?: string; issuedAt?: string; sha?: string };

/** A payload as the app makes it, signed with `key` over `fields` (what the attacker can or cannot change). */
function signed(key: string, fields: Fields = {}) {
  const body = {
    version: 1 as const,
    executionId: 'exe_1',
    sha: fields.sha ?? SHA,
    environment: fields.environment ?? 'production',
    canaryPercent: 10,
    repository: fields.repository ?? REPOSITORY,
    issuedAt: fields.issuedAt ?? new Date().toISOString(),
  };
  return { ...body, signature: signDispatch({ ...body, eventType: fields.eventType ?? 'aaoe-deploy' }, key) };
}

function run(eventType: string, payload: unknown, inputs: Record<string, string> = {}): Promise<BundleRun> {
  server.requests.length = 0;
  const log = (word: string) => `echo "${word} $AAOE_SHA" >> "$HOME/commands.log"`;
  return runBundle(
    {
      mode: eventType === 'aaoe-rollback' ? 'rollback' : 'canary',
      'deploy-command': log('deploy'),
      'promote-command': log('promote'),
      'rollback-command': log('rollback'),
      provider: 'http',
      'metrics-url': `${server.url}/metrics`,
      'window-seconds': '1',
      'interval-seconds': '1',
      'github-token': 'ghs_test',
      'report-url': `${server.url}/report`,
      'report-secret': KEY,
      'deployment-id': '7',
      ...inputs,
    },
    {
      event: { name: 'repository_dispatch', payload: { action: eventType, client_payload: payload } },
      env: { GITHUB_API_URL: server.url, GITHUB_REPOSITORY: REPOSITORY },
    },
  );
}

const commands = (r: BundleRun) =>
  existsSync(join(r.dir, 'commands.log')) ? readFileSync(join(r.dir, 'commands.log'), 'utf8') : '';

function expectNothingRan(r: BundleRun, reason: RegExp) {
  expect(r.exitCode).toBe(1);
  expect(commands(r)).toBe('');
  expect(server.requests).toEqual([]); // no deployment status, no report
  expect(r.outputs).toMatchObject({ verdict: 'error', outcome: 'failure' });
  expect(r.stdout).toMatch(/::error title=AAOE%3A dispatch refused::/);
  expect(r.stdout).toMatch(reason);
}

describe('forged deploy: the action runs only what the app signed for this repository, event and environment', () => {
  it("an attacker's unsigned aaoe-deploy with any sha runs nothing", async () => {
    const forged = { version: 1, executionId: 'exe_1', sha: 'e'.repeat(40), environment: 'production' };
    expectNothingRan(await run('aaoe-deploy', forged), /carries no signature/);
  });

  it('an unsigned aaoe-rollback runs no rollback command', async () => {
    expectNothingRan(
      await run('aaoe-rollback', { version: 1, executionId: 'exe_1', sha: SHA }),
      /carries no signature/,
    );
  });

  it("a payload signed with another repository's key is refused", async () => {
    expectNothingRan(
      await run('aaoe-deploy', signed(repositoryKey(MASTER, 4242, 'octo-org/other'))),
      /does not match this repository's key/,
    );
  });

  it('a signed payload whose sha was changed is refused', async () => {
    expectNothingRan(await run('aaoe-deploy', { ...signed(KEY), sha: 'e'.repeat(40) }), /does not match/);
  });

  it('a payload signed for another repository (a copy of its dispatch) is refused here', async () => {
    expectNothingRan(
      await run('aaoe-deploy', signed(KEY, { repository: 'octo-org/other' })),
      /signed for octo-org\/other, this run is in octo-org\/shop/,
    );
  });

  it("a payload for an environment that is not the job's is refused", async () => {
    expectNothingRan(
      await run('aaoe-deploy', signed(KEY, { environment: 'evil' })),
      /signed for environment evil, this job deploys to production/,
    );
  });

  it('a signed aaoe-deploy payload sent again as aaoe-rollback is refused', async () => {
    expectNothingRan(await run('aaoe-rollback', signed(KEY)), /does not match this repository's key/);
  });

  it('a signed payload replayed after a day is refused', async () => {
    expectNothingRan(
      await run('aaoe-deploy', signed(KEY, { issuedAt: new Date(Date.now() - 25 * 3600_000).toISOString() })),
      /more than a day ago/,
    );
  });

  it('without report-secret no dispatch runs', async () => {
    expectNothingRan(await run('aaoe-deploy', signed(KEY), { 'report-secret': '' }), /report-secret is not set/);
  });

  it('a repository_dispatch of another type runs nothing (never the default branch head)', async () => {
    const r = await run('deploy-now', { sha: 'e'.repeat(40) });
    expect(r.exitCode).toBe(1);
    expect(commands(r)).toBe('');
    expect(server.requests).toEqual([]);
    expect(r.stdout).toMatch(/is not an AAOE dispatch/);
  });

  it("the app's signed payload deploys (the control case)", async () => {
    const r = await run('aaoe-deploy', signed(KEY));
    expect(r.exitCode).toBe(0);
    expect(commands(r)).toBe(`deploy ${SHA}\npromote ${SHA}\n`);
    expect(server.requests.some((q) => q.path === '/report')).toBe(true);
  });

  it("the app's signed aaoe-rollback runs the rollback command", async () => {
    const r = await run('aaoe-rollback', signed(KEY, { eventType: 'aaoe-rollback' }));
    expect(r.exitCode).toBe(0);
    expect(commands(r)).toBe(`rollback ${SHA}\n`);
    expect(JSON.parse(server.requests.find((q) => q.path === '/report')!.body)).toMatchObject({
      executionId: 'exe_1',
      sha: SHA,
      mode: 'rollback',
    });
  });
});
