import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/adapters/store/job-shapes.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { AGENT, OWNER, REPO, added, prFlow } from '../security/pr-flow.js';

/**
 * A GitHub outage, end to end over HTTP: GitHub answers 502 to everything for a while, or answers nothing at all.
 * Deliveries are still acknowledged; each job gives up within the bound of one request (its deadline), and the queue
 * retries it later with its backoff instead of a worker waiting on GitHub; the installation's circuit keeps the
 * retries from hammering GitHub; once GitHub is back every pull request gets exactly one check.
 *
 * The bounds are shortened for the test (the shipped ones are 10 s per attempt and 25 s per request, see
 * src/adapters/github/octokit.ts): 500 ms per attempt, 1.5 s per request, the circuit open 1 s at first and 4 s at most.
 */

const BOUNDS = { attemptTimeoutMs: 500, requestDeadlineMs: 1_500, circuitBaseMs: 1_000, circuitMaxMs: 4_000 };
/** What a job may hold its worker in an outage: one request's deadline, plus the job's own work around it. */
const HOLD_MAX_MS = BOUNDS.requestDeadlineMs + 1_500;

let h: Harness;
const flow = prFlow(() => h, 700);

beforeAll(async () => {
  h = await startHarness({ githubBounds: BOUNDS });
  h.sim.addInstallation({
    id: INSTALLATION_ID,
    account: OWNER,
    permissions: { checks: 'write', contents: 'read', issues: 'write', pull_requests: 'write', metadata: 'read' },
  });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  await flow.setConfig(`agents: ['${AGENT}']\n`);
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.faults.clear();
  h.sim.failNext(0);
});

/** Watches the job table: how long each job was seen `active` in one stretch, at most. */
function watchJobs() {
  const since = new Map<string, number>();
  const longest = new Map<string, number>();
  /** What the jobs' failed attempts said. */
  const errors = new Set<string>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const now = Date.now();
      const jobs: JobRecord[] = await h.runtime.queue.list({ limit: 200 });
      for (const job of jobs) {
        if (job.error) errors.add(job.error);
        if (job.state === 'active') {
          const start = since.get(job.id) ?? now;
          since.set(job.id, start);
          longest.set(job.id, Math.max(longest.get(job.id) ?? 0, now - start));
        } else {
          since.delete(job.id);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { held: Math.max(0, ...longest.values()), errors: [...errors] };
    },
  };
}

const checksOn = (headSha: string) =>
  h.sim.checkRuns({ owner: OWNER, repo: REPO }).filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a GitHub outage', () => {
  it('502 for everything: deliveries acknowledged, jobs give up within the bound and retry as jobs, the circuit spares GitHub, one check each once it is back', async () => {
    const prs = Array.from({ length: 4 }, (_, i) => flow.pullRequest([added(`docs/outage-${i}.md`, ['x'])]));
    h.sim.failNext(1_000_000, 502);
    const watch = watchJobs();
    const started = Date.now();
    for (const pr of prs) expect((await h.deliver('pull_request', pr.payload, { wait: false })).status).toBe(200);
    await sleep(8_000);
    const outageMs = Date.now() - started;
    const attempts = h.faults.seen.length;
    h.sim.failNext(0);
    await h.runtime.idle(60_000);
    const { held, errors } = await watch.stop();

    // no worker waited on GitHub longer than one request's deadline
    expect(held).toBeLessThan(HOLD_MAX_MS);
    // the circuit held the installation back: far fewer attempts than retries inside Octokit on every job would make
    // (without it: 3 attempts per request per job attempt, every second or two, for 4 jobs)
    expect(attempts).toBeLessThan(Math.ceil(outageMs / BOUNDS.circuitBaseMs) + 6);
    // job attempts met the open circuit and failed without a request
    expect(errors.some((e) => /held back until/.test(e))).toBe(true);
    // GitHub is back: each pull request has exactly one check, and the jobs were retried by the queue, not lost
    for (const pr of prs) expect(checksOn(pr.headSha).map((r: any) => r.conclusion)).toEqual(['success']);
    const jobs = await h.runtime.queue.list({ limit: 200 });
    expect(Math.max(...jobs.filter((j) => j.queue === 'aaoe.delivery').map((j) => j.attempts))).toBeGreaterThan(1);
    expect(await h.runtime.queue.list({ state: 'failed' })).toEqual([]);
  }, 90_000);

  it('GitHub answers nothing: a job gives up at its deadline instead of holding the worker, and one check is written when GitHub is back', async () => {
    const pr = flow.pullRequest([added('docs/silent.md', ['x'])]);
    const release = h.sim.hold();
    const watch = watchJobs();
    try {
      expect((await h.deliver('pull_request', pr.payload, { wait: false })).status).toBe(200);
      await sleep(6_000);
    } finally {
      release();
    }
    await h.runtime.idle(60_000);
    const { held, errors } = await watch.stop();
    expect(errors.some((e) => /did not answer .* within 2 s/.test(e))).toBe(true);
    expect(held).toBeLessThan(HOLD_MAX_MS);
    // requests GitHub got while the app was no longer waiting (it answers them once released) double nothing
    expect(checksOn(pr.headSha).map((r: any) => r.conclusion)).toEqual(['success']);
    expect(await h.runtime.queue.list({ state: 'failed' })).toEqual([]);
  }, 90_000);
});
