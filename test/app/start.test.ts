import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/app-harness.js';

/**
 * `npm start` without credentials: AAOE's setup flow (register the app from app.yml) serves, it does not crash, and the
 * manifest's webhook is the app's webhook path under AAOE_PUBLIC_URL (not Probot's `http://localhost:3000/`).
 */

const root = new URL('../../', import.meta.url).pathname;
let child: ReturnType<typeof spawn> | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

describe('starting the app', () => {
  it('without credentials serves the setup flow with the manifest from app.yml', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      AAOE_PUBLIC_URL: 'https://aaoe.example.com',
    };
    for (const key of [
      'APP_ID',
      'PRIVATE_KEY',
      'PRIVATE_KEY_PATH',
      'WEBHOOK_SECRET',
      'NODE_ENV',
      'GHE_HOST',
      'WEBHOOK_PROXY_URL',
    ])
      delete env[key];
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));

    let page: Response | undefined;
    for (let i = 0; i < 100 && !page; i++) {
      await new Promise((r) => setTimeout(r, 200));
      expect(child.exitCode, output).toBeNull();
      page = await fetch(`http://127.0.0.1:${port}/probot`).catch(() => undefined);
    }
    expect(page?.status, output).toBe(200);
    const html = await page!.text();
    // the manifest form carries the events and permissions of app.yml
    expect(html).toContain('check_suite');
    expect(html).toContain('checks');
    expect(html).toContain(
      '&quot;hook_attributes&quot;:{&quot;url&quot;:&quot;https://aaoe.example.com/api/github/webhooks&quot;',
    );
    expect(output).not.toContain('SmeeClient is not available');
    const home = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' });
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/probot');
  }, 40_000);
});
