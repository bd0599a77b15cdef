import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/store/database.js';
import { GitHubSimulator } from '../simulator/github-simulator.js';
import { AppProcess, type AppProcessOptions } from '../support/app-process.js';
import {
  PG_SERVER,
  addFleet,
  createTestDatabase,
  flood,
  jobStates,
  killAfterCheckWrites,
  tallyChecks,
  waitForChecks,
} from './fleet.js';

/**
 * A crash with the DEFAULT job settings (no AAOE_JOB_* variables: what users run). The app is killed with SIGKILL
 * while it writes check runs, with jobs in hand; nothing is redelivered. Every acknowledged pull request must have
 * its one check within 20 s of the restart (or of the death, when a second replica is alive), none twice.
 * Before orphan recovery, the jobs the dead process held stayed `active` until pg-boss's expiry (300 s).
 */

// one pull request per installation: the time after the restart is recovery and work, not GitHub's write pacing
const PULLS = 40;
const INSTALLATIONS = 40;
const DEADLINE_MS = 20_000;

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

/** Floods `apps` and kills the first one right after its 10th check write; resolves with the time of death. */
async function floodAndKill(targets: AppProcess[], prefix: string) {
  const deliveries = addFleet(sim, { installations: INSTALLATIONS, pulls: PULLS, prefix });
  const victim = targets[0]!;
  const died = killAfterCheckWrites(sim, victim, 10);
  const exited = new Promise<void>((resolve) => victim.child.once('exit', () => resolve()));
  await flood(targets, deliveries);
  const deathAt = await Promise.race([
    died,
    new Promise<number>((_, reject) =>
      setTimeout(() => reject(new Error(`no 10 check writes in 60 s:\n${victim.output.slice(-3000)}`)), 60_000),
    ),
  ]);
  await exited;
  const before = tallyChecks(sim, deliveries);
  // the test means something only if the dead process left work behind
  expect(before.acked).toBeGreaterThan(before.done);
  return { deliveries, deathAt };
}

/** Jobs the dead process left `active` (read with the app down; the store is not changed). */
async function activeJobs(database: { dataDir: string } | { url: string }): Promise<number> {
  const db = await openDatabase(database);
  try {
    return (await jobStates((sql) => db.query(sql))).active ?? 0;
  } finally {
    await db.close();
  }
}

describe('a crash with the default job settings', () => {
  it('embedded store: every acknowledged pull request has its one check within 20 s of the restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'aaoe-crash-defaults-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const app = await start({ dataDir });
    const { deliveries } = await floodAndKill([app], 'emb');
    expect(await activeJobs({ dataDir })).toBeGreaterThan(0);

    const restartAt = Date.now();
    const again = await start({ dataDir });
    const readyIn = Date.now() - restartAt;
    const tally = await waitForChecks(sim, deliveries, DEADLINE_MS - (Date.now() - restartAt));
    console.info(
      `crash (embedded, defaults): ${tally.acked} acknowledged, all checked ${Date.now() - restartAt} ms after the restart (ready in ${readyIn} ms)`,
    );
    expect({ missing: tally.missing, doubled: tally.doubled }, again.output.slice(-3000)).toEqual({
      missing: [],
      doubled: [],
    });
  }, 120_000);

  it.skipIf(!PG_SERVER)(
    'PostgreSQL: every acknowledged pull request has its one check within 20 s of the restart',
    async () => {
      const database = await createTestDatabase('aaoe_crash');
      cleanups.push(database.drop);
      const app = await start({ databaseUrl: database.url });
      const { deliveries } = await floodAndKill([app], 'pgc');
      expect(await activeJobs({ url: database.url })).toBeGreaterThan(0);

      const restartAt = Date.now();
      const again = await start({ databaseUrl: database.url });
      const readyIn = Date.now() - restartAt;
      const tally = await waitForChecks(sim, deliveries, DEADLINE_MS - (Date.now() - restartAt));
      console.info(
        `crash (PostgreSQL, defaults): ${tally.acked} acknowledged, all checked ${Date.now() - restartAt} ms after the restart (ready in ${readyIn} ms)`,
      );
      expect({ missing: tally.missing, doubled: tally.doubled }, again.output.slice(-3000)).toEqual({
        missing: [],
        doubled: [],
      });
    },
    120_000,
  );

  it.skipIf(!PG_SERVER)(
    'one of two replicas dies: the other finishes its work within 20 s of the death',
    async () => {
      const database = await createTestDatabase('aaoe_replica');
      cleanups.push(database.drop);
      const victim = await start({ databaseUrl: database.url });
      const survivor = await start({ databaseUrl: database.url });
      const { deliveries, deathAt } = await floodAndKill([victim, survivor], 'rep');

      const tally = await waitForChecks(sim, deliveries, DEADLINE_MS - (Date.now() - deathAt));
      console.info(
        `crash (one of two replicas, defaults): ${tally.acked} acknowledged, all checked ${Date.now() - deathAt} ms after the death`,
      );
      expect({ missing: tally.missing, doubled: tally.doubled }, survivor.output.slice(-3000)).toEqual({
        missing: [],
        doubled: [],
      });
    },
    120_000,
  );
});
