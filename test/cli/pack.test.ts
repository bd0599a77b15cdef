import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubSimulator } from '../simulator/github-simulator.js';
import { freePort, WEBHOOK_SECRET } from '../support/app-harness.js';

// Issue 23, acceptance: the package as a user gets it. The project is copied (as a clean clone would be, without
// dist/) and packed with `npm pack`, whose `prepare` builds dist/; the tarball is installed with --omit=dev into a
// directory outside the checkout; from a separate, fresh git repository the installed `aaoe` runs init, policy
// validate, doctor and --version; and `npm start` of the installed package (no compiler, no tsx: production
// dependencies only) serves the app against the GitHub simulator until /readyz answers 200, then stops on SIGTERM.
// Slow (a TypeScript build and an npm install: about a minute here, more on a loaded machine); it prints progress.

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
/** What a clean clone would not have: built or local state, and the dependencies (linked, not copied). */
const NOT_COPIED = new Set([
  'node_modules',
  '.git',
  'dist',
  '.aaoe',
  'coverage',
  'bench/results',
  'bench/out',
  'scratch',
]);

let work: string;
let installed: string;
const log = (message: string) => {
  process.stderr.write(`[pack.test ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result: SpawnSyncReturns<string> = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'aaoe-pack-'));
  const clone = join(work, 'clone');
  cpSync(root, clone, {
    recursive: true,
    filter: (source) => !NOT_COPIED.has(relative(root, source).split('\\').join('/')),
  });
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
  log('npm pack (prepare builds dist/) ...');
  const packed = run('npm', ['pack', '--pack-destination', work, '--silent'], clone);
  expect(packed.code, packed.out).toBe(0);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  expect(tarball, packed.out).toBeDefined();
  rmSync(clone, { recursive: true, force: true });

  const install = join(work, 'install');
  mkdirSync(install);
  writeFileSync(join(install, 'package.json'), JSON.stringify({ name: 'user-tools', private: true }));
  log(`npm install ${tarball} --omit=dev ...`);
  const added = run(
    'npm',
    ['install', join(work, tarball ?? ''), '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'],
    install,
  );
  expect(added.code, added.out).toBe(0);
  installed = join(install, 'node_modules', ...pkg.name.split('/'));
  log('installed');
}, 900_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
}, 300_000);

describe(`the packed package (${pkg.name})`, () => {
  it('holds the built CLI and app, the presets, the schemas, the workflow and the licence; no compiler was installed', () => {
    for (const file of ['dist/src/cli/aaoe.js', 'dist/src/main.js', 'policies/standard.yml', 'app.yml', 'LICENSE'])
      expect(existsSync(join(installed, file)), file).toBe(true);
    expect(existsSync(join(installed, '.github/workflows/aaoe-deploy.yml'))).toBe(true);
    expect(existsSync(join(installed, 'schemas/change.schema.json'))).toBe(true);
    expect(existsSync(join(installed, 'test'))).toBe(false);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(work, 'install/node_modules/typescript'))).toBe(false);
    expect(existsSync(join(work, 'install/node_modules/tsx'))).toBe(false);
  });

  it('runs aaoe init, policy validate, doctor and --version from a separate git repository', () => {
    const repo = join(work, 'repo');
    mkdirSync(repo);
    expect(run('git', ['init', '--quiet'], repo).code).toBe(0);
    const aaoe = join(work, 'install/node_modules/.bin/aaoe');
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: tmpdir(), AAOE_DATA_DIR: join(work, 'data') };

    const version = run(aaoe, ['--version'], repo, env);
    expect(version).toEqual({ code: 0, out: `${pkg.version}\n` });

    const init = run(aaoe, ['init'], repo, env);
    expect(init.code, init.out).toBe(0);
    expect(init.out).toContain('wrote .github/aaoe.yml');
    expect(init.out).toContain(`npx ${pkg.name}@${pkg.version} policy validate`);

    const validate = run(aaoe, ['policy', 'validate', '.github/aaoe.yml'], repo, env);
    expect(validate, validate.out).toEqual({ code: 0, out: '.github/aaoe.yml: valid (policy standard)\n' });

    // no app is configured here: doctor finds problems (exit 1), but it runs and prints its whole report
    const doctor = run(aaoe, ['doctor'], repo, env);
    expect([0, 1], doctor.out).toContain(doctor.code);
    expect(doctor.out).toContain('Configuration');
    expect(doctor.out).toMatch(/\n(No problem found\.|\d+ problems? to fix\.)\n$/);

    const help = run(aaoe, ['audit', 'show', '--help'], repo, env);
    expect(help.code).toBe(0);
    expect(existsSync(join(work, 'data'))).toBe(false); // --help never opened the store
  }, 300_000);

  it('npm start runs the built app with production dependencies only: /readyz answers 200, SIGTERM stops it', async () => {
    const sim = await GitHubSimulator.start();
    const port = await freePort();
    const child = spawn('npm', ['start', '--silent'], {
      cwd: installed,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TMPDIR: tmpdir(),
        APP_ID: String(sim.appId),
        PRIVATE_KEY: sim.privateKey,
        WEBHOOK_SECRET,
        GHE_HOST: sim.host,
        GHE_PROTOCOL: 'http',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        AAOE_DATA_DIR: join(work, 'app-data'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: npm and the app under it are killed together if the test fails
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 240_000;
      let status: number | undefined;
      while (status !== 200 && child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status,
          () => undefined,
        );
      }
      expect(status, output).toBe(200);
      log('the installed app is ready');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      // SIGTERM to npm, its shell and the app (its process group): the app stops and its port closes
      process.kill(-(child.pid ?? 0), 'SIGTERM');
      await exited;
      let serving = true;
      for (let i = 0; serving && i < 120; i++) {
        await new Promise((r) => setTimeout(r, 250));
        serving = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          () => true,
          () => false,
        );
      }
      expect(serving, output).toBe(false);
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      await sim.close();
    }
  }, 300_000);
});
