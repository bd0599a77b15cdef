import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/adapters/config/config.js';
import { readEnvFile } from '../../src/adapters/config/env-file.js';
import { startSetupFlow } from '../../src/app/setup-flow.js';
import { readManifest } from '../../src/cli/doctor-findings.js';
import { runDoctorCommand } from '../../src/cli/doctor-command.js';
import { appJson } from '../simulator/github-json.js';
import { GitHubSimulator } from '../simulator/github-simulator.js';
import { OpenApiValidator } from '../simulator/openapi-validator.js';

/**
 * The setup flow of `npm start` without credentials (issue 23): the manifest it sends to GitHub has its webhook at the
 * app's webhook path under AAOE_PUBLIC_URL (or the smee.io channel of local development), GitHub's redirect must carry
 * this setup's state, the code is exchanged (against a loopback GitHub whose request and answer are checked against
 * GitHub's OpenAPI description) and the credentials written to .env, which `aaoe doctor` then reads.
 */

const manifest = readManifest();
const validator = new OpenApiValidator();
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'aaoe-setup-'));
  dirs.push(dir);
  return dir;
};
let sim: GitHubSimulator;
let github: Server;
let githubHost: string;
const codes = new Set<string>();

/** GitHub's side of the manifest flow: `POST /app-manifests/{code}/conversions` answers the simulator's app. */
function conversions(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  const segments = (req.url ?? '').replace(/^\/api\/v3\//, '').split('/');
  const check = validator.checkRequest({ method: req.method ?? 'GET', segments, query: {}, body: undefined });
  const code = segments[1] ?? '';
  if (!check.ok || check.operationId !== 'apps/create-from-manifest' || !codes.delete(code))
    return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
  const urls = { api: `http://${githubHost}/api/v3`, web: `http://${githubHost}` };
  const app = { id: sim.appId, slug: 'aaoe', name: 'AAOE', owner: 'aaoe-owner', createdAt: '2026-01-01T00:00:00Z' };
  const body = {
    ...appJson(urls, { ...app, permissions: manifest.permissions, events: manifest.events }),
    client_secret: 'the-client-secret',
    webhook_secret: 'the-webhook-secret',
    pem: sim.privateKey,
  };
  expect(validator.checkResponse('apps/create-from-manifest', 201, body)).toEqual([]);
  res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

beforeAll(async () => {
  sim = await GitHubSimulator.start({ permissions: manifest.permissions });
  sim.setAppSettings({ events: manifest.events });
  github = createServer(conversions);
  await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
  githubHost = `127.0.0.1:${(github.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  await sim?.close();
  await new Promise((resolve) => github?.close(resolve));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function setup(env: Record<string, string>, createChannel?: () => Promise<string>) {
  const cwd = tempDir();
  const config = readConfig({ GHE_HOST: githubHost, GHE_PROTOCOL: 'http', ...env });
  const log = { info: () => undefined, warn: () => undefined };
  const flow = await startSetupFlow({ config, cwd, port: 0, host: '127.0.0.1', log, createChannel });
  return { cwd, flow };
}

/** The page's form: where it posts, the manifest it sends, and the state GitHub will send back. */
async function setupPage(url: string) {
  const html = await (await fetch(`${url}/probot`)).text();
  const unescape = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  const manifestValue = /name="manifest" value="([^"]*)"/.exec(html)?.[1];
  const target = action && /^https?:/.test(action) ? new URL(unescape(action)) : undefined;
  return {
    html,
    target,
    state: target?.searchParams.get('state') ?? /name="state" value="([^"]*)"/.exec(html)?.[1] ?? '',
    manifest: manifestValue ? (JSON.parse(unescape(manifestValue)) as Record<string, any>) : undefined,
  };
}

describe('the setup flow', () => {
  it('registers the app with its webhook path under AAOE_PUBLIC_URL; aaoe doctor reads the .env it writes', async () => {
    const { cwd, flow } = await setup({ AAOE_PUBLIC_URL: 'https://aaoe.example.com' });
    try {
      const page = await setupPage(flow.url);
      expect(page.target?.origin + (page.target?.pathname ?? '')).toBe(`http://${githubHost}/settings/apps/new`);
      expect(page.manifest?.hook_attributes).toEqual({
        url: 'https://aaoe.example.com/api/github/webhooks',
        active: true,
      });
      expect(page.manifest?.redirect_url).toBe('https://aaoe.example.com/probot/setup');
      expect(page.manifest?.callback_urls).toEqual(['https://aaoe.example.com/aaoe/callback']);
      expect(page.manifest?.default_permissions).toEqual(manifest.permissions);

      // GitHub sends the browser back with a code and the state
      codes.add('code123');
      const back = await fetch(`${flow.url}/probot/setup?code=code123&state=${page.state}`, { redirect: 'manual' });
      expect(back.status).toBe(302);
      expect(back.headers.get('location')).toBe(`http://${githubHost}/apps/aaoe/installations/new`);
      const written = readEnvFile(cwd);
      expect(written).toMatchObject({
        APP_ID: String(sim.appId),
        PRIVATE_KEY: sim.privateKey,
        WEBHOOK_SECRET: 'the-webhook-secret',
        GITHUB_CLIENT_SECRET: 'the-client-secret',
        AAOE_PUBLIC_URL: 'https://aaoe.example.com',
      });
      expect(written.AAOE_SESSION_SECRET).toMatch(/^[0-9a-f]{64}$/);
      expect(written.AAOE_REPORT_SECRET).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(join(cwd, '.env')).mode & 0o777).toBe(0o600);
      // the same redirect again (a replay) does nothing
      const replay = await fetch(`${flow.url}/probot/setup?code=code123&state=${page.state}`, { redirect: 'manual' });
      expect(replay.status).toBe(409);

      // aaoe doctor from that directory, with only GitHub's address in the real environment
      const out: string[] = [];
      await runDoctorCommand(
        [],
        { stdout: (t) => out.push(t), stderr: (t) => out.push(t) },
        { GHE_HOST: sim.host, GHE_PROTOCOL: 'http', AAOE_DATA_DIR: join(cwd, 'data') },
        { cwd },
      );
      const text = out.join('\n');
      expect(text).toContain(`  APP_ID = ${sim.appId}`);
      expect(text).toContain('  AAOE_PUBLIC_URL = https://aaoe.example.com');
      expect(text).toMatch(/✓ credentials: authenticated as the app AAOE \(id \d+\)/);
      expect(text).not.toContain('APP_ID is not set');
      expect(text).toContain('✓ report secret: AAOE_REPORT_SECRET is set');
    } finally {
      await flow.stop();
    }
  });

  it("refuses a redirect without this setup's state: nothing is exchanged, nothing written", async () => {
    const { cwd, flow } = await setup({ AAOE_PUBLIC_URL: 'https://aaoe.example.com' });
    try {
      codes.add('attacker-code');
      for (const query of ['code=attacker-code', 'code=attacker-code&state=guessed', 'code=attacker-code&state=']) {
        const res = await fetch(`${flow.url}/probot/setup?${query}`, { redirect: 'manual' });
        expect(res.status).toBe(400);
      }
      expect(codes.has('attacker-code')).toBe(true);
      expect(existsSync(join(cwd, '.env'))).toBe(false);
    } finally {
      codes.delete('attacker-code');
      await flow.stop();
    }
  });

  it('with neither AAOE_PUBLIC_URL nor WEBHOOK_PROXY_URL: no manifest; a smee.io channel on request', async () => {
    let created = 0;
    const { cwd, flow } = await setup({}, () => Promise.resolve(`https://smee.io/channel-${++created}`));
    try {
      const before = await setupPage(flow.url);
      expect(before.manifest).toBeUndefined();
      expect(before.html).toContain('neither AAOE_PUBLIC_URL nor WEBHOOK_PROXY_URL is set');
      expect(before.html).not.toContain('localhost:');
      // a form posted from elsewhere (no state) creates nothing
      const forged = await fetch(`${flow.url}/probot/smee`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'state=forged',
        redirect: 'manual',
      });
      expect(forged.status).toBe(400);
      expect(created).toBe(0);
      const asked = await fetch(`${flow.url}/probot/smee`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `state=${before.state}`,
        redirect: 'manual',
      });
      expect(asked.status).toBe(303);
      expect(readFileSync(join(cwd, '.env'), 'utf8')).toBe('WEBHOOK_PROXY_URL=https://smee.io/channel-1\n');
      const after = await setupPage(flow.url);
      expect(after.manifest?.hook_attributes.url).toBe('https://smee.io/channel-1');
    } finally {
      await flow.stop();
    }
  });
});
