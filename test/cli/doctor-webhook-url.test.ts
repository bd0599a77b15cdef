import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/cli/doctor-findings.js';
import { runDoctorCommand } from '../../src/cli/doctor-command.js';
import { fakeSha } from '../simulator/github-json.js';
import { GitHubSimulator } from '../simulator/github-simulator.js';
import { WEBHOOK_SECRET, examplePayload, startHarness, type Harness } from '../support/app-harness.js';

/**
 * `aaoe doctor` (issue 23): it reads `.env` as the app does (the real environment wins), checks that the webhook URL
 * reaches the app's webhook path, counts any answer but 2xx as a failed delivery (the real app answers 404 on `POST
 * /`), tells a network failure from a wrong key, and checks the dashboard's settings. Against the loopback GitHub.
 */

const manifest = readManifest();
const temporary: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'aaoe-doctor-url-'));
  temporary.push(dir);
  return dir;
};
let h: Harness;
let silent: Server;

beforeAll(async () => {
  const sim = await GitHubSimulator.start({ permissions: manifest.permissions });
  sim.setAppSettings({ events: manifest.events });
  sim.addInstallation({ id: 601, account: 'url-org', permissions: manifest.permissions });
  h = await startHarness({ sim });
  // accepts connections and never answers
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
}, 120_000);
afterAll(async () => {
  await h?.close();
  await h?.sim.close();
  silent?.closeAllConnections();
  await new Promise((resolve) => silent?.close(resolve));
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

const credentials = () => ({ APP_ID: String(h.sim.appId), PRIVATE_KEY: h.sim.privateKey, WEBHOOK_SECRET });
const simulator = () => ({ GHE_HOST: h.sim.host, GHE_PROTOCOL: 'http' });

async function doctor(env: Record<string, string>, options: { cwd?: string; timeoutMs?: number } = {}) {
  const out: string[] = [];
  const code = await runDoctorCommand(
    [],
    { stdout: (t) => out.push(t), stderr: (t) => out.push(t) },
    { AAOE_DATA_DIR: tempDir(), ...env },
    { cwd: options.cwd ?? tempDir(), timeoutMs: options.timeoutMs },
  );
  return { code, out: out.join('\n') };
}

const ping = () => ({ ...examplePayload('ping', undefined), hook_id: 1 });

describe('aaoe doctor: the webhook URL and its deliveries', () => {
  it('a hook URL on "/" (the old setup flow): the path is named, and the 404 delivery is a failure', async () => {
    h.sim.setWebhook({ url: `${h.url}/`, secret: WEBHOOK_SECRET });
    expect(await h.sim.sendWebhook('ping', ping())).toBe(404);
    const run = await doctor({ ...credentials(), ...simulator() });
    expect(run.code).toBe(1);
    expect(run.out).toContain(
      "✗ webhook URL: the URL's path is /, but the app receives deliveries at /api/github/webhooks: every delivery answers 404",
    );
    expect(run.out).toMatch(
      /✗ webhook: 1 of GitHub's last 1 deliveries failed \(the latest, ping [0-9a-f-]+ at \S+, with HTTP 404\): the webhook URL does not reach the app's webhook path/,
    );
    expect(run.out).not.toContain('the app accepted its latest delivery');
  });

  it('the right path, after a failed one: the latest accepted, the earlier failure still counted', async () => {
    h.sim.setWebhook({ url: `${h.url}/api/github/webhooks`, secret: WEBHOOK_SECRET });
    expect(await h.sim.sendWebhook('ping', ping())).toBe(200);
    const run = await doctor({ ...credentials(), ...simulator() });
    expect(run.out).toContain("✓ webhook URL: the app's webhook path (/api/github/webhooks)");
    expect(run.out).toContain(
      '! webhook secret: a secret is set on GitHub and the app accepted its latest delivery (ping, HTTP 200); 1 of the last 2 failed (non-2xx)',
    );
  });

  it('a smee.io channel: the app must listen on the one GitHub delivers to', async () => {
    h.sim.setWebhook({ url: 'https://smee.io/aaoe-channel', secret: WEBHOOK_SECRET });
    const none = await doctor({ ...credentials(), ...simulator() });
    expect(none.out).toContain(
      '✗ webhook URL: GitHub delivers to the smee.io channel https://smee.io/aaoe-channel, but WEBHOOK_PROXY_URL is not set',
    );
    const other = await doctor({ ...credentials(), ...simulator(), WEBHOOK_PROXY_URL: 'https://smee.io/other' });
    expect(other.out).toContain(
      '✗ webhook URL: GitHub delivers to https://smee.io/aaoe-channel, but the app listens on the smee.io channel https://smee.io/other',
    );
    const same = await doctor({ ...credentials(), ...simulator(), WEBHOOK_PROXY_URL: 'https://smee.io/aaoe-channel' });
    expect(same.out).toContain('✓ webhook URL: the smee.io channel the app listens on (https://smee.io/aaoe-channel)');
  });
});

describe('aaoe doctor: the environment as the app reads it', () => {
  it('reads .env of the working directory, and a variable of the real environment wins over it', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, '.env'),
      `APP_ID=${h.sim.appId}\nPRIVATE_KEY="${h.sim.privateKey.replace(/\n/g, '\\n')}"\nWEBHOOK_SECRET=${WEBHOOK_SECRET}\n`,
    );
    const fromFile = await doctor(simulator(), { cwd });
    expect(fromFile.out).toContain(`  APP_ID = ${h.sim.appId}`);
    expect(fromFile.out).toContain(`  (with ${join(cwd, '.env')}: 3 variables; the real environment wins)`);
    expect(fromFile.out).toMatch(/✓ credentials: authenticated as the app AAOE \(id \d+\)/);
    const overridden = await doctor({ ...simulator(), APP_ID: '999999' }, { cwd });
    expect(overridden.out).toContain('  APP_ID = 999999');
    expect(overridden.out).toMatch(/✗ credentials: GitHub refused the app's JWT/);
  });
});

describe('aaoe doctor: a network failure is not a wrong key', () => {
  const wrongKey = 'PRIVATE_KEY is not a private key';
  it('a host that does not resolve', async () => {
    const run = await doctor({ ...credentials(), GHE_HOST: 'github.invalid', GHE_PROTOCOL: 'https' });
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      /✗ network: github\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME)\)/,
    );
    expect(run.out).not.toContain(wrongKey);
    expect(run.out).not.toContain('refused the app');
  });

  it('nothing listening (ECONNREFUSED)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const run = await doctor({ ...credentials(), GHE_HOST: `127.0.0.1:${port}`, GHE_PROTOCOL: 'http' });
    expect(run.out).toContain(`✗ network: nothing answers at http://127.0.0.1:${port}/api/v3 (ECONNREFUSED)`);
    expect(run.out).not.toContain(wrongKey);
  });

  it('no answer in time', async () => {
    const { port } = silent.address() as AddressInfo;
    const run = await doctor(
      { ...credentials(), GHE_HOST: `127.0.0.1:${port}`, GHE_PROTOCOL: 'http' },
      { timeoutMs: 300 },
    );
    expect(run.out).toContain(`✗ network: http://127.0.0.1:${port}/api/v3 did not answer within 0.3 s`);
    expect(run.out).not.toContain(wrongKey);
  });
});

describe('aaoe doctor: the dashboard', () => {
  it.each([
    [{}, '! dashboard: GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are not set'],
    [{ GITHUB_CLIENT_ID: 'Iv1.someone-else', GITHUB_CLIENT_SECRET: 's' }, "is not this app's client id"],
    [{ GITHUB_CLIENT_SECRET: 's' }, '✗ dashboard: GITHUB_CLIENT_ID is not set (the other is)'],
  ])('%j', async (env, expected) => {
    const run = await doctor({ ...credentials(), ...simulator(), ...env });
    expect(run.out).toContain(expected);
  });

  it("the app's own client, a session key and a public origin: the callback to register", async () => {
    // the simulator's app's client id (GET /app shows it: github-json.ts)
    const clientId = `Iv1.${fakeSha('client', h.sim.appId).slice(0, 16)}`;
    const base = { ...credentials(), ...simulator(), GITHUB_CLIENT_ID: clientId, GITHUB_CLIENT_SECRET: 's' };
    const short = await doctor({ ...base, AAOE_SESSION_SECRET: 'short' });
    expect(short.out).toContain('✗ dashboard: AAOE_SESSION_SECRET is shorter than 32 characters');
    const good = await doctor({
      ...base,
      AAOE_SESSION_SECRET: 'x'.repeat(40),
      AAOE_PUBLIC_URL: 'https://aaoe.example.com',
    });
    expect(good.out).toContain(
      "✓ dashboard: sign-in with the app's OAuth client; the callback is https://aaoe.example.com/aaoe/callback",
    );
  });
});
