import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import examples from '@octokit/webhooks-examples';
import Bottleneck from 'bottleneck';
import { run } from 'probot';
import { AaoeOctokit, GitHubCircuits, GITHUB_BOUNDS, type GitHubBounds } from '../../src/adapters/github/octokit.js';
import type { AaoeAppOptions } from '../../src/app/aaoe-app.js';
import { aaoeServer } from '../../src/server.js';
import { openRuntime, type Runtime } from '../../src/adapters/store/runtime.js';
import { GitHubFaults } from '../adapters/github/github-faults.js';
import { GitHubSimulator } from '../simulator/github-simulator.js';

/**
 * The real app over HTTP: Probot's own `run()` reads the same environment as `npm start`, with
 * `GHE_HOST`/`GHE_PROTOCOL` pointed at the loopback GitHub simulator. Deliveries are signed like GitHub's.
 *
 * Octokit's throttling stays on, with its own queues (one request at a time per installation for writes, searches
 * and requests that notify), but paced for a loopback simulator: the defaults keep one such request per second (three
 * for those that notify) across the process, which real GitHub asks for and which only makes the tests slow.
 */

export const WEBHOOK_SECRET = 'test-webhook-secret';
export const INSTALLATION_ID = 4242;

type Example = { name: string; examples: Array<Record<string, unknown> & { action?: string }> };

/** A real example payload from @octokit/webhooks-examples, deep-copied. */
export function examplePayload(
  event: string,
  action: string | undefined,
  pick: (e: Record<string, unknown>) => boolean = () => true,
): Record<string, any> {
  const group = (examples as unknown as Example[]).find((e) => e.name === event);
  const found = group?.examples.find((e) => (action === undefined || e.action === action) && pick(e));
  if (!found) throw new Error(`no example for ${event}.${action}`);
  return structuredClone(found);
}

export type Harness = {
  sim: GitHubSimulator;
  url: string;
  runtime: Runtime;
  /** Refusals of chosen requests, answered before they reach the simulator (test/github/github-faults.ts). */
  faults: GitHubFaults;
  /**
   * Sends a signed delivery; returns the HTTP status and body. Unless `wait: false`, it then waits until the
   * job runner has nothing left to do, so the delivery's effects are visible.
   */
  deliver: (
    event: string,
    payload: unknown,
    options?: { signature?: string | null; id?: string; wait?: boolean },
  ) => Promise<{ status: number; body: string }>;
  close: () => Promise<void>;
};

export async function startHarness(
  options: AaoeAppOptions & { sim?: GitHubSimulator; githubBounds?: Partial<GitHubBounds> } = {},
): Promise<Harness> {
  const sim = options.sim ?? (await GitHubSimulator.start());
  const port = await freePort();
  const runtime =
    options.runtime ?? (await openRuntime({ database: { memory: true }, queue: { retryDelaySeconds: 1 } }));
  const paced = (id: string) => new Bottleneck.Group({ id: `test-${id}`, maxConcurrent: 1, minTime: 10 });
  const queues = { write: paced('write'), notifications: paced('notifications'), search: paced('search') };
  const faults = new GitHubFaults();
  const circuits = new GitHubCircuits({ ...GITHUB_BOUNDS, ...options.githubBounds });
  // the app's own Octokit (its bounds and per-installation circuit), paced for the simulator; `githubBounds` shortens them
  const Octokit = AaoeOctokit.defaults((o: Record<string, any> = {}) => ({
    ...o,
    throttle: { ...o.throttle, ...queues },
    // every attempt goes through `faults` (passing through unless a test asks GitHub to refuse a request)
    request: { ...o.request, fetch: faults.fetch },
    // circuits of this app alone (another harness of the same test file starts with its own closed)
    aaoeBounds: { ...options.githubBounds, circuits },
  }));
  const server = await run(aaoeServer({ ...options, runtime }), {
    Octokit,
    env: {
      APP_ID: String(sim.appId),
      PRIVATE_KEY: sim.privateKey,
      WEBHOOK_SECRET,
      GHE_HOST: sim.host,
      GHE_PROTOCOL: 'http',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: (process.env.AAOE_TEST_LOG_LEVEL as 'info' | undefined) ?? 'fatal',
      LOG_FORMAT: 'json',
      NODE_ENV: 'test',
    },
  });
  const url = `http://127.0.0.1:${port}`;

  const deliver: Harness['deliver'] = async (event, payload, opts = {}) => {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': opts.id ?? randomUUID(),
      'user-agent': 'GitHub-Hookshot/test',
    };
    const signature = opts.signature === undefined ? sign(body) : opts.signature;
    if (signature !== null) headers['x-hub-signature-256'] = signature;
    const res = await fetch(`${url}/api/github/webhooks`, { method: 'POST', headers, body });
    const result = { status: res.status, body: await res.text() };
    if (opts.wait !== false) await runtime.idle();
    return result;
  };

  return {
    sim,
    url,
    runtime,
    faults,
    deliver,
    close: async () => {
      await server.stop();
      if (!options.runtime) await runtime.close();
      if (!options.sim) await sim.close();
    },
  };
}

export function sign(body: string, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
