import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/adapters/store/runtime.js';
import { unqueuedDeliveries } from '../../src/adapters/store/deliveries.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { GitHubSimulator } from '../simulator/github-simulator.js';
import { INSTALLATION_ID, examplePayload } from '../support/app-harness.js';
import { AppProcess } from '../support/app-process.js';
import { proposalBody } from '../support/proposal-body.js';

/**
 * Crash safety: the app runs as its own process on an embedded store and is killed with SIGKILL at random
 * points (seeded, so a failure can be replayed with AAOE_CRASH_SEED) while the simulator plays GitHub: pull
 * requests are opened, then pushed to; a delivery that got no 200 is sent again with the same
 * `X-GitHub-Delivery`, as GitHub's redelivery does. After the last restart every execution must have finished,
 * every side effect must exist exactly once, and the audit chain must verify.
 */

// 8 kills by default (about a minute); .ci/run sets 50 (several minutes).
const KILLS = Number(process.env.AAOE_CRASH_KILLS ?? 8);
const SEED = Number(process.env.AAOE_CRASH_SEED ?? 20261123);
const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';
const root = new URL('../../', import.meta.url).pathname;

// short job expiry and maintenance so that a job a killed process had claimed is taken up again soon
const ENV = {
  AAOE_JOB_EXPIRE_SECONDS: '2',
  AAOE_MAINTENANCE_INTERVAL_SECONDS: '1',
  AAOE_JOB_RETRY_DELAY_SECONDS: '1',
  AAOE_JOB_RETRY_LIMIT: '50',
};

/** mulberry32: a small seeded PRNG, so that the kill points repeat for a seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Step = { id: string; event: string; payload: unknown; acked: boolean };

const docs = (name: string) => [
  { filename: `docs/${name}.md`, status: 'added', additions: 1, deletions: 0, patch: '@@ -0,0 +1 @@\n+notes' },
];
const workflow = [
  {
    filename: '.github/workflows/ci.yml',
    status: 'modified',
    additions: 1,
    deletions: 0,
    patch: '@@ -1 +1,2 @@\n on: push\n+# changed',
  },
];
const sha = (n: number, round: number) => `${round}${n.toString(16).padStart(4, '0')}`.padEnd(40, 'c');

let sim: GitHubSimulator;
let dataDir: string;

beforeAll(async () => {
  sim = await GitHubSimulator.start();
  sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  sim.setFile({
    owner: OWNER,
    repo: REPO,
    branch: 'master',
    path: '.github/aaoe.yml',
    content: `agents: ['${AGENT}']\n`,
  });
  dataDir = await mkdtemp(join(tmpdir(), 'aaoe-crash-'));
});
afterAll(async () => {
  await sim?.close();
  if (dataDir && !process.env.AAOE_CRASH_KEEP) await rm(dataDir, { recursive: true, force: true });
  else if (dataDir) console.info(`crash test: store kept in ${dataDir}`);
});

describe(`crash safety (${KILLS} SIGKILLs, seed ${SEED})`, () => {
  it('finishes every execution, doubles no side effect and keeps the audit chain whole', async () => {
    const random = prng(SEED);
    const PULLS = 16;
    // what each pull request's execution must end as, with its head
    const expected = new Map<number, { headSha: string; state: string }>();
    const steps: Step[] = [];
    let deliveryNo = 0;
    const delivery = (event: string, action: string, pr: Record<string, unknown>): Step => {
      const payload = examplePayload(event, action);
      payload.number = pr.number;
      payload.pull_request = { ...payload.pull_request, ...pr };
      payload.installation = { id: INSTALLATION_ID };
      return { id: `00000000-0000-4000-8000-${String(++deliveryNo).padStart(12, '0')}`, event, payload, acked: false };
    };
    // first round: every pull request is opened, one in three edits a workflow (blocked), the others docs
    for (let n = 1; n <= PULLS; n++) {
      const blocked = n % 3 === 0;
      const pr = sim.addPullRequest({
        owner: OWNER,
        repo: REPO,
        number: n,
        user: { login: AGENT, type: 'Bot' },
        headRef: `agent/${n}`,
        headSha: sha(n, 1),
        body: proposalBody(),
        files: (blocked ? workflow : docs(`a${n}`)) as never,
      });
      steps.push(delivery('pull_request', 'opened', pr));
      expected.set(n, { headSha: sha(n, 1), state: blocked ? 'blocked' : 'approved' });
    }
    // second round, once the first is judged: a push to every other pull request flips its outcome
    let secondRound = false;
    const startSecondRound = () => {
      secondRound = true;
      for (let n = 1; n <= PULLS; n += 2) {
        const nowBlocked = expected.get(n)!.state === 'approved';
        const pr = sim.pushToPullRequest({
          owner: OWNER,
          repo: REPO,
          number: n,
          headSha: sha(n, 2),
          files: (nowBlocked ? workflow : docs(`b${n}`)) as never,
        });
        steps.push(delivery('pull_request', 'synchronize', pr));
        expected.set(n, { headSha: sha(n, 2), state: nowBlocked ? 'blocked' : 'approved' });
      }
    };
    const checks = () =>
      sim.checkRuns({ owner: OWNER, repo: REPO }).filter((r: any) => r.name === 'aaoe/policy') as any[];
    const firstRoundJudged = () =>
      [...expected.values()].every((x) => checks().some((c) => c.head_sha === x.headSha && c.status === 'completed'));

    /** Sends up to `max` deliveries not acknowledged yet, in order, a little apart, until one fails to connect. */
    const sendPending = async (app: AppProcess, max = Infinity, onSend?: () => void) => {
      let sent = 0;
      for (const step of steps) {
        if (step.acked) continue;
        if (sent++ === max) return;
        if (max !== Infinity) await new Promise((r) => setTimeout(r, Math.floor(random() * 100)));
        onSend?.();
        const status = await app.deliver({ event: step.event, payload: step.payload, id: step.id });
        if (status === undefined) {
          cutOff++;
          return; // killed mid-request: GitHub would redeliver
        }
        expect(status, app.output).toBe(200);
        step.acked = true;
      }
    };

    let restarts = 0;
    let cutOff = 0;
    const startedAt = Date.now();
    let afterWrite = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const app = await AppProcess.start({ sim, dataDir, env: ENV });
      restarts++;
      const exited = new Promise<void>((resolve) => app.child.once('exit', () => resolve()));
      // two in five runs end the moment GitHub has answered a check-run write, before the app can have recorded
      // it: the worst point for doubling; one in five within 4 ms of a delivery being sent (while it is read,
      // recorded or answered); the others at a random point within 1.5 s (deliveries arriving, jobs running,
      // checks being posted, or idle)
      const mode = random();
      const atWrite = mode < 0.4;
      const atDelivery = !atWrite && mode < 0.6 && steps.some((step) => !step.acked);
      const stopListening = sim.onAnswered((r) => {
        if (atWrite && r.method === 'POST' && r.path.endsWith('/check-runs') && r.status === 201 && app.alive) {
          afterWrite++;
          app.child.kill('SIGKILL');
        }
      });
      const timer = setTimeout(
        () => app.child.kill('SIGKILL'),
        atWrite || atDelivery ? 5000 : Math.floor(random() * 1500),
      );
      let armed = false;
      const killMidDelivery = () => {
        if (!atDelivery || armed) return;
        armed = true;
        setTimeout(() => app.child.kill('SIGKILL'), random() * 4);
      };
      // a few deliveries per run, so that they too are cut off by kills
      await sendPending(app, 1 + Math.floor(random() * 4), killMidDelivery);
      if (!secondRound && steps.every((s) => s.acked) && firstRoundJudged()) {
        startSecondRound();
        await sendPending(app, 1 + Math.floor(random() * 4), killMidDelivery);
      }
      await exited;
      clearTimeout(timer);
      stopListening();
      if (process.env.AAOE_CRASH_KEEP)
        (await import('node:fs')).appendFileSync(join(dataDir, 'runs.log'), `--- run ${restarts}\n${app.output}`);
      // progress, so that a long run is never silent
      if ((kill + 1) % 5 === 0 || kill + 1 === KILLS)
        process.stderr.write(
          `crash test: ${kill + 1}/${KILLS} kills, ${Math.round((Date.now() - startedAt) / 1000)} s\n`,
        );
    }

    // the last run is left alone until everything is done
    const app = await AppProcess.start({ sim, dataDir, env: ENV });
    const done = () =>
      [...expected.entries()].every(([, x]) =>
        checks().some((c) => c.head_sha === x.headSha && c.status === 'completed'),
      );
    try {
      for (const deadline = Date.now() + 240_000; ;) {
        await sendPending(app);
        if (!secondRound && firstRoundJudged()) startSecondRound();
        else if (secondRound && steps.every((s) => s.acked) && done()) break;
        if (Date.now() > deadline) throw new Error(`not done after the last restart:\n${app.output.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await app.stop('SIGTERM');
    }
    // jobs may still wait for a retry (one cut short by a kill, or handed out again while it ran): let the app
    // run until the queue is empty, checking between runs (an embedded store has one opener at a time)
    for (let round = 0; ; round++) {
      const runtime = await openRuntime({ database: { dataDir }, queue: { supervise: false } });
      const { rows } = await runtime.db.query<{ n: number; wait: number }>(
        `SELECT (SELECT count(*)::int FROM pgboss.job WHERE state < 'completed') + (SELECT count(*)::int FROM deliveries WHERE job IS NOT NULL) AS n,
                COALESCE((SELECT EXTRACT(epoch FROM max(start_after) - now()) FROM pgboss.job WHERE state < 'completed'), 0)::float8 AS wait`,
      );
      await runtime.close();
      const { n, wait } = rows[0]!;
      if (n === 0) break;
      if (round === 5) throw new Error(`${n} jobs still unfinished after ${round} more runs`);
      const again = await AppProcess.start({ sim, dataDir, env: ENV });
      await new Promise((r) => setTimeout(r, Math.max(0, wait) * 1000 + 3000));
      await again.stop('SIGTERM');
    }

    // every side effect once: one check per head commit, none posted twice for one job
    const all = checks();
    const perHead = new Map<string, number>();
    for (const c of all) perHead.set(c.head_sha, (perHead.get(c.head_sha) ?? 0) + 1);
    expect(
      all
        .filter((c) => (perHead.get(c.head_sha) ?? 0) > 1)
        .map((c) => `${c.head_sha.slice(0, 6)} ${c.external_id} ${c.conclusion} ${c.id}`),
    ).toEqual([]);
    expect(new Set(all.map((c) => c.external_id)).size).toBe(all.length);
    expect(sim.rejections).toEqual([]);

    // every execution finished where its last head puts it; no job left over, none dead
    const runtime = await openRuntime({ database: { dataDir }, queue: { supervise: false } });
    try {
      const executions = await listExecutions(runtime.db, `${OWNER}/${REPO}`);
      expect(executions).toHaveLength(PULLS);
      for (const x of executions) {
        expect({ pr: x.pullRequest, state: x.state, headSha: x.headSha }).toEqual({
          pr: x.pullRequest,
          ...expected.get(x.pullRequest!),
        });
        const final = all.filter((c) => c.head_sha === x.headSha);
        expect(final.map((c) => c.conclusion)).toEqual([x.state === 'approved' ? 'success' : 'failure']);
      }
      expect(await runtime.queue.list({ state: 'failed' })).toEqual([]);
      expect(await runtime.queue.unfinished()).toBe(0);
      expect(await unqueuedDeliveries(runtime.db)).toBe(0);
      const { rows } = await runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries');
      expect(rows[0]?.n).toBe(steps.length);
      const retried = await runtime.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pgboss.job WHERE retry_count > 0',
      );
      const updates = sim.requests.filter((r: any) => r.method === 'PATCH' && r.path.includes('/check-runs/')).length;
      console.info(
        `crash test: ${KILLS} kills, ${restarts + 1} starts, ${Math.round((Date.now() - startedAt) / 1000)} s; ${steps.length} deliveries, ` +
          `${cutOff} cut off and sent again; ${afterWrite} kills right after a check-run write; ${retried.rows[0]?.n} jobs needed more than one attempt; ` +
          `${updates} checks completed by a later attempt`,
      );
    } finally {
      await runtime.close();
    }

    // and the audit chain holds, checked by the command an operator runs
    const verify = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/cli/aaoe.ts', 'audit', 'verify'],
      { cwd: root, env: { ...process.env, AAOE_DATA_DIR: dataDir, DATABASE_URL: '' } },
    );
    expect(verify.stdout).toMatch(/ok|verified/i);
  }, 1_800_000);
});
