import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPermissions, readManifest } from '../../src/cli/doctor-findings.js';
import { runDoctorCommand } from '../../src/cli/doctor-command.js';
import { openRuntime } from '../../src/adapters/store/runtime.js';
import { GitHubSimulator } from '../simulator/github-simulator.js';
import { WEBHOOK_SECRET, examplePayload, startHarness, type Harness } from '../support/app-harness.js';

/**
 * `aaoe doctor` against the loopback GitHub (app JWT, installations, the webhook's config and its deliveries) with
 * the real app answering GitHub's deliveries, a real embedded store and a loopback models endpoint.
 */

const manifest = readManifest();
const temporary: string[] = [];
/** A temporary directory, removed after the file's tests. */
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
};
let h: Harness;
let models: { server: Server; url: string };

beforeAll(async () => {
  const sim = await GitHubSimulator.start({ permissions: manifest.permissions });
  sim.setAppSettings({ events: manifest.events });
  h = await startHarness({ sim });
  const server = createServer((req, res) => {
    if (req.url !== '/v1/models') return void res.writeHead(404).end();
    if (req.headers.authorization !== 'Bearer right-key')
      return void res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'Incorrect API key provided' } }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        object: 'list',
        data: [{ id: 'small-model', object: 'model', created: 0, owned_by: 'test' }],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  models = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
});
afterAll(async () => {
  await h?.close();
  await h?.sim.close();
  await new Promise((resolve) => models?.server.close(resolve));
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

async function doctor(env: Record<string, string>) {
  const out: string[] = [];
  const code = await runDoctorCommand(
    [],
    { stdout: (t) => out.push(t), stderr: (t) => out.push(t) },
    {
      APP_ID: String(h.sim.appId),
      PRIVATE_KEY: h.sim.privateKey,
      WEBHOOK_SECRET,
      GHE_HOST: h.sim.host,
      GHE_PROTOCOL: 'http',
      AAOE_DATA_DIR: tempDir('aaoe-doctor-'),
      ...env,
    },
    { cwd: tempDir('aaoe-doctor-cwd-') },
  );
  return { code, out: out.join('\n') };
}

const ping = () => ({ ...examplePayload('ping', undefined), hook_id: 1 });

describe('aaoe doctor', () => {
  it('all good: credentials, events, permissions, a webhook the app accepts, a migrated store, a model endpoint', async () => {
    h.sim.addInstallation({ id: 501, account: 'good-org', permissions: manifest.permissions });
    h.sim.setWebhook({ url: `${h.url}/api/github/webhooks`, secret: WEBHOOK_SECRET });
    expect(await h.sim.sendWebhook('ping', ping())).toBe(200);
    const dataDir = tempDir('aaoe-doctor-store-');
    await (await openRuntime({ database: { dataDir } })).close();
    const modelsFile = join(dataDir, 'models.json');
    writeFileSync(
      modelsFile,
      JSON.stringify({ models: [{ id: 'small-model', tier: 1, inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 }] }),
    );

    const run = await doctor({
      AAOE_DATA_DIR: dataDir,
      AAOE_MODELS: modelsFile,
      AAOE_MODEL_API_KEY: 'right-key',
      AAOE_MODEL_BASE_URL: models.url,
      AAOE_REPORT_SECRET: 'r',
    });
    expect(run.out).toMatch(/^✓ credentials: authenticated as the app AAOE \(id \d+\)/m);
    expect(run.out).toContain('✓ events: the app subscribes to every event of app.yml');
    expect(run.out).toContain('✓ installation good-org: granted every permission of app.yml');
    expect(run.out).toContain(
      '✓ webhook secret: a secret is set on GitHub and the app accepted its latest delivery (ping, HTTP 200)',
    );
    expect(run.out).toContain('✓ report secret: AAOE_REPORT_SECRET is set');
    expect(run.out).toMatch(/✓ store: the embedded store in .* answers; schema version \d+/);
    expect(run.out).toContain(`✓ model: ${models.url} serves every model of ${modelsFile} (small-model)`);
    expect(run.out).not.toContain('✗');
    expect(run.code).toBe(0);
    expect(h.sim.rejections).toEqual([]);
    // the resolved configuration comes first; a secret only as set or not set, never its value
    expect(run.out).toMatch(/^Configuration \(secrets shown only as set or not set\):/);
    expect(run.out).toContain(`  APP_ID = ${h.sim.appId}`);
    expect(run.out).toContain(`  AAOE_MODELS = ${modelsFile}`);
    expect(run.out).toContain('  PRIVATE_KEY = (set)');
    expect(run.out).toContain('  AAOE_MODEL_API_KEY = (set)');
    expect(run.out).toContain('  DATABASE_URL = (not set)');
    expect(run.out).toContain('  AAOE_JOB_CONCURRENCY = (default 4)');
    expect(run.out).not.toContain('right-key');
    expect(run.out).not.toContain(WEBHOOK_SECRET);
    expect(run.out).not.toContain(h.sim.privateKey.split('\n')[1] ?? 'no key line');
  });

  it('a wrong webhook secret: names the refused deliveries and the exact fix', async () => {
    h.sim.setWebhook({ url: `${h.url}/api/github/webhooks`, secret: 'the-secret-github-has' });
    const status = await h.sim.sendWebhook('ping', ping());
    expect(status).toBeGreaterThanOrEqual(400);
    const run = await doctor({});
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      new RegExp(
        `✗ webhook secret: the app refused 1 of GitHub's last 2 deliveries \\(the latest, ping [0-9a-f-]+ at [\\dT:-]+Z, with HTTP ${status}\\): the signature does not match, so WEBHOOK_SECRET is not the secret GitHub signs with`,
      ),
    );
    expect(run.out).toContain(
      `Fix: GitHub never shows the secret: choose a new one, set it as "Webhook secret" at ${h.sim.url}/organizations/aaoe-owner/settings/apps/aaoe and as WEBHOOK_SECRET where the app runs, restart the app, then redeliver`,
    );
  });

  it('no secret on GitHub, no WEBHOOK_SECRET here', async () => {
    h.sim.setWebhook({ url: `${h.url}/api/github/webhooks`, secret: null });
    const run = await doctor({ WEBHOOK_SECRET: '' });
    expect(run.out).toContain('✗ webhook secret: WEBHOOK_SECRET is not set: the app cannot verify any delivery');
    expect(run.out).toContain(
      "! report secret: AAOE_REPORT_SECRET is not set: the app signs no dispatch (the companion action runs none) and refuses the action's reports (503)",
    );
    expect(run.out).toContain("✗ webhook secret: the app's webhook has no secret on GitHub");
    expect(run.out).toContain(
      `Fix: set "Webhook secret" at ${h.sim.url}/organizations/aaoe-owner/settings/apps/aaoe to the value of WEBHOOK_SECRET`,
    );
  });

  it('a missing permission: names each one, and where to grant it (app registration, then the installation)', async () => {
    const { deployments: _d, members: _m, ...fewer } = manifest.permissions;
    h.sim.addInstallation({
      id: 502,
      account: 'short-org',
      accountType: 'Organization',
      permissions: { ...fewer, issues: 'read' },
    });
    const run = await doctor({});
    expect(run.code).toBe(1);
    expect(run.out).toContain(
      '✗ installation short-org: has not granted issues: write (has read), deployments: write (has none), members: read (has none)',
    );
    expect(run.out).toContain(
      `Fix: an owner of short-org reviews and accepts the requested permissions at ${h.sim.url}/organizations/short-org/settings/installations/502 ("Review request")`,
    );

    h.sim.setAppSettings({
      permissions: { ...manifest.permissions, deployments: 'read' },
      events: manifest.events.filter((e) => e !== 'deployment_protection_rule'),
    });
    try {
      const app = await doctor({});
      expect(app.out).toContain('✗ events: the app does not subscribe to deployment_protection_rule');
      expect(app.out).toContain(
        `Fix: tick deployment_protection_rule under "Subscribe to events" at ${h.sim.url}/organizations/aaoe-owner/settings/apps/aaoe/permissions, and save`,
      );
      expect(app.out).toContain("✗ app permissions: the app's registration lacks deployments: write (has read)");
      expect(app.out).toContain(
        'Fix: first add the permission to the app (above); then an owner of short-org accepts the new permissions',
      );
    } finally {
      h.sim.setAppSettings({ permissions: manifest.permissions, events: manifest.events });
    }
  });

  it("credentials that are not the app's: the exact fix", async () => {
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    const run = await doctor({ PRIVATE_KEY: other });
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      /✗ credentials: GitHub refused the app's JWT at http:\/\/127\.0\.0\.1:\d+\/api\/v3\/app \(401/,
    );
    expect(run.out).toContain(
      `Fix: PRIVATE_KEY is not a private key of app ${h.sim.appId}, or APP_ID is not this app's id`,
    );
    const none = await doctor({ APP_ID: '', PRIVATE_KEY: '' });
    expect(none.out).toMatch(/✗ credentials: APP_ID is not set\n {4}Fix: set APP_ID/);
  });

  it('reads the private key as the app does: a base64 PRIVATE_KEY works, a PRIVATE_KEY_PATH that does not exist is named', async () => {
    const base64 = await doctor({ PRIVATE_KEY: Buffer.from(h.sim.privateKey).toString('base64') });
    expect(base64.out).toMatch(/✓ credentials: authenticated as the app/);
    const missing = await doctor({ PRIVATE_KEY: '', PRIVATE_KEY_PATH: '/nowhere/app.pem' });
    expect(missing.out).toContain('✗ credentials: Private key does not exists at path: "/nowhere/app.pem"');
  });

  it('the model endpoint: a wrong key, and a model it does not serve', async () => {
    const dir = tempDir('aaoe-doctor-models-');
    const file = join(dir, 'models.json');
    writeFileSync(
      file,
      JSON.stringify({
        models: [
          { id: 'small-model', tier: 1, inputUsdPerMTok: 1, outputUsdPerMTok: 1 },
          { id: 'gone-model', tier: 2, inputUsdPerMTok: 1, outputUsdPerMTok: 1 },
        ],
      }),
    );
    const wrongKey = await doctor({
      AAOE_MODELS: file,
      AAOE_MODEL_API_KEY: 'wrong-key',
      AAOE_MODEL_BASE_URL: models.url,
    });
    expect(wrongKey.out).toContain(`✗ model: GET ${models.url}/models failed (401`);
    expect(wrongKey.out).toContain(`Fix: the endpoint refuses AAOE_MODEL_API_KEY: set a valid key for ${models.url}`);
    const unknown = await doctor({
      AAOE_MODELS: file,
      AAOE_MODEL_API_KEY: 'right-key',
      AAOE_MODEL_BASE_URL: models.url,
    });
    expect(unknown.out).toContain(`✗ model: ${models.url} does not serve gone-model (it lists 1 models)`);
    expect(unknown.out).toContain(
      `Fix: correct the id in ${file}, or point AAOE_MODEL_BASE_URL at an endpoint that serves it`,
    );
  });

  it('a store with a migration missing names aaoe db migrate; a store the app holds says to stop it', async () => {
    const dataDir = tempDir('aaoe-doctor-store-');
    const runtime = await openRuntime({ database: { dataDir } });
    try {
      const held = await doctor({ AAOE_DATA_DIR: dataDir });
      expect(held.out).toMatch(
        /✗ store: the embedded store in .* cannot be opened: .*\n {4}Fix: the embedded store is used by one process at a time: stop the app/,
      );
      await runtime.db.query(
        'DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)',
      );
    } finally {
      await runtime.close();
    }
    const behind = await doctor({ AAOE_DATA_DIR: dataDir });
    expect(behind.out).toMatch(
      /✗ store: the embedded store in .*: migrations not applied: \d+ .*\n {4}Fix: run `aaoe db migrate` with the same environment/,
    );
  });
});

describe('missingPermissions', () => {
  it.each([
    [{ checks: 'write' }, { checks: 'write' }, []],
    [{ checks: 'write' }, { checks: 'admin' }, []],
    [{ checks: 'write' }, { checks: 'read' }, [{ name: 'checks', wanted: 'write', granted: 'read' }]],
    [{ members: 'read' }, {}, [{ name: 'members', wanted: 'read', granted: 'none' }]],
  ])('%j granted %j', (wanted, granted, expected) => {
    expect(missingPermissions(wanted, granted)).toEqual(expected);
  });
});
