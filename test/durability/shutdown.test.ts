import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseOptions } from '../../src/adapters/store/database.js';
import { GitHubSimulator } from '../simulator/github-simulator.js';
import { INSTALLATION_ID, examplePayload, startHarness } from '../support/app-harness.js';
import { AppProcess, type AppProcessOptions } from '../support/app-process.js';
import {
  PG_SERVER,
  addFleet,
  createTestDatabase,
  flood,
  jobStates,
  waitForChecks,
  type FleetDelivery,
} from './fleet.js';

/**
 * SIGTERM during a flood (a rolling deploy), with the default settings. GitHub stops answering just before the
 * signal, so the running jobs cannot finish within the drain: they must be handed back. The app must exit 0 within
 * 15 s with no job left `active`; deliveries that arrive while it drains are recorded (200) or refused (503, or no
 * connection), never lost once acknowledged; after a restart every acknowledged pull request has its one check.
 */

const PULLS = 40;
const INSTALLATIONS = 20;

let sim: GitHubSimulator;
const apps: AppProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sim = await GitHubSimulator.start();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.kill()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
afterAll(async () => {
  await sim?.close();
});

async function start(options: Omit<AppProcessOptions, 'sim'>): Promise<AppProcess> {
  const app = await AppProcess.start({ sim, ...options });
  apps.push(app);
  return app;
}

async function statesOf(database: DatabaseOptions): Promise<Record<string, number>> {
  const db = await openDatabase(database);
  try {
    return await jobStates((sql) => db.query(sql));
  } finally {
    await db.close();
  }
}

/** Once `after` check runs are written: GitHub hangs, SIGTERM, and a second wave is sent while the app drains. */
async function floodAndTerminate(store: Omit<AppProcessOptions, 'sim'>, prefix: string) {
  const first = addFleet(sim, { installations: INSTALLATIONS, pulls: PULLS, prefix });
  const second = addFleet(sim, { installations: INSTALLATIONS, pulls: 10, prefix: `${prefix}2` });
  const app = await start(store);
  let release: (() => void) | undefined;
  const writes = new Promise<void>((resolve) => {
    let n = 0;
    const stop = sim.onAnswered((r) => {
      if (r.method === 'POST' && r.path.endsWith('/check-runs') && r.status === 201 && ++n === 5) {
        stop();
        resolve();
      }
    });
  });
  const flooding = flood([app], first);
  await writes;
  release = sim.hold();
  const exit = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    app.child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const termAt = Date.now();
  app.child.kill('SIGTERM');
  // deliveries keep arriving while it drains: each is recorded (200) or refused (503 or no connection)
  const statuses: Array<number | undefined> = [];
  const wave = (async () => {
    for (const d of second) {
      const status = await app.deliver({ event: 'pull_request', payload: d.payload, id: d.id });
      statuses.push(status);
      if (status === 200) d.acked = true;
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  const exited = await exit;
  await Promise.all([flooding, wave]);
  release();
  return { deliveries: [...first, ...second], exited, exitMs: exited.at - termAt, statuses, output: app.output };
}

async function restartAndCheck(store: Omit<AppProcessOptions, 'sim'>, deliveries: FleetDelivery[]) {
  await new Promise((r) => setTimeout(r, 500)); // requests GitHub held are answered (to nobody) first
  const restartAt = Date.now();
  const again = await start(store);
  const tally = await waitForChecks(sim, deliveries, 40_000);
  console.info(`shutdown: ${tally.acked} acknowledged, all checked ${Date.now() - restartAt} ms after the restart`);
  expect({ missing: tally.missing, doubled: tally.doubled }, again.output.slice(-3000)).toEqual({
    missing: [],
    doubled: [],
  });
  return tally;
}

describe('SIGTERM during a flood', () => {
  it('embedded store: exits 0 within 15 s, no job left active, nothing acknowledged lost', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'aaoe-shutdown-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const { deliveries, exited, exitMs, statuses, output } = await floodAndTerminate({ dataDir }, 'sde');
    console.info(
      `shutdown (embedded): exit ${exited.code ?? exited.signal} ${exitMs} ms after SIGTERM; during the drain: ${statuses.join(' ')}`,
    );
    expect({ code: exited.code, signal: exited.signal }, output.slice(-3000)).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(15_000);
    expect(
      statuses.every((s) => s === 200 || s === 503 || s === undefined),
      statuses.join(' '),
    ).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0); // the store kept recording while jobs drained
    const states = await statesOf({ dataDir });
    expect(states.active ?? 0).toBe(0);
    expect(states.retry ?? 0).toBeGreaterThan(0); // the jobs GitHub held were handed back
    await restartAndCheck({ dataDir }, deliveries);
  }, 120_000);

  it.skipIf(!PG_SERVER)(
    'PostgreSQL: exits 0 within 15 s, no job left active, nothing acknowledged lost',
    async () => {
      const database = await createTestDatabase('aaoe_shutdown');
      cleanups.push(database.drop);
      const { deliveries, exited, exitMs, statuses, output } = await floodAndTerminate(
        { databaseUrl: database.url },
        'sdp',
      );
      console.info(
        `shutdown (PostgreSQL): exit ${exited.code ?? exited.signal} ${exitMs} ms after SIGTERM; during the drain: ${statuses.join(' ')}`,
      );
      expect({ code: exited.code, signal: exited.signal }, output.slice(-3000)).toEqual({ code: 0, signal: null });
      expect(exitMs).toBeLessThan(15_000);
      expect(
        statuses.every((s) => s === 200 || s === 503 || s === undefined),
        statuses.join(' '),
      ).toBe(true);
      const states = await statesOf({ url: database.url });
      expect(states.active ?? 0).toBe(0);
      expect(states.retry ?? 0).toBeGreaterThan(0);
      await restartAndCheck({ databaseUrl: database.url }, deliveries);
    },
    120_000,
  );
});

describe('a delivery after the intake stopped', () => {
  it('is refused with 503 and a message that says to redeliver (not recorded, not acknowledged)', async () => {
    const harness = await startHarness();
    try {
      const payload = examplePayload('pull_request', 'opened');
      payload.installation = { id: INSTALLATION_ID };
      await harness.runtime.close();
      const refused = await harness.deliver('pull_request', payload, { wait: false });
      expect(refused.status).toBe(503);
      expect(refused.body).toContain('shutting down');
      expect(refused.body).toContain('redeliver');
    } finally {
      await harness.close();
    }
  });
});
