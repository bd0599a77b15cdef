import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { GitHubSimulator } from '../simulator/github-simulator.js';
import { freePort, sign, WEBHOOK_SECRET } from './app-harness.js';

export { freePort };

/**
 * The app as its own process (`node --import tsx src/main.ts`, what `npm start` runs after the build), pointed
 * at a GitHub simulator, so that tests can kill it with SIGKILL or run two of them on one database.
 */

const root = new URL('../../', import.meta.url).pathname;

export type AppProcessOptions = {
  sim: GitHubSimulator;
  /** Embedded store in this directory, or a PostgreSQL URL. */
  dataDir?: string;
  databaseUrl?: string;
  /** More environment (job timings: AAOE_JOB_EXPIRE_SECONDS, AAOE_MAINTENANCE_INTERVAL_SECONDS, ...). */
  env?: Record<string, string>;
  logLevel?: string;
  /** The program to run instead of `src/main.ts` (benchmarks run a bare Probot app the same way). */
  entry?: string;
  /** Node.js flags (`--cpu-prof` to profile the app). */
  nodeArgs?: string[];
};

export type Delivery = { event: string; payload: unknown; id?: string };

export class AppProcess {
  output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /** Starts the app; resolves once it answers `/ping` (migrations applied, job runner started). */
  static async start(options: AppProcessOptions, timeoutMs = 60_000): Promise<AppProcess> {
    const port = await freePort();
    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      APP_ID: String(options.sim.appId),
      PRIVATE_KEY: options.sim.privateKey,
      WEBHOOK_SECRET,
      GHE_HOST: options.sim.host,
      GHE_PROTOCOL: 'http',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: options.logLevel ?? process.env.AAOE_TEST_LOG_LEVEL ?? 'warn',
      LOG_FORMAT: 'json',
      NODE_ENV: 'test',
      ...(options.dataDir ? { AAOE_DATA_DIR: options.dataDir } : {}),
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...options.env,
    };
    const child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), '--import', 'tsx', options.entry ?? 'src/main.ts'],
      { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const app = new AppProcess(child, `http://127.0.0.1:${port}`);
    child.stdout?.on('data', (d) => (app.output += d));
    child.stderr?.on('data', (d) => (app.output += d));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`the app exited (${child.exitCode ?? child.signalCode}) while starting:\n${app.output}`);
      const pong = await fetch(`${app.url}/ping`).then(
        (r) => r.ok,
        () => false,
      );
      if (pong) return app;
      if (Date.now() > deadline) {
        app.kill();
        throw new Error(`the app did not start in ${timeoutMs} ms:\n${app.output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends a signed delivery. Resolves with the HTTP status, or `undefined` when the connection failed. */
  async deliver(delivery: Delivery): Promise<number | undefined> {
    const body = JSON.stringify(delivery.payload);
    const res = await fetch(`${this.url}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': delivery.event,
        'x-github-delivery': delivery.id ?? randomUUID(),
        'x-hub-signature-256': sign(body),
        'user-agent': 'GitHub-Hookshot/test',
      },
      body,
    }).catch(() => undefined);
    if (!res) return undefined;
    await res.text().catch(() => undefined);
    return res.status;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no clean-up of any kind. */
  kill(): Promise<void> {
    return this.stop('SIGKILL');
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    await exited;
  }
}
