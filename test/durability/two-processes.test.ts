import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/adapters/store/runtime.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { GitHubSimulator } from '../simulator/github-simulator.js';
import { examplePayload } from '../support/app-harness.js';
import { AppProcess } from '../support/app-process.js';
import { proposalBody } from '../support/proposal-body.js';

/**
 * Two app processes on one PostgreSQL server take 500 deliveries at once (each delivery to one of them, as a
 * load balancer would), then 100 of them again to the other process. Every job must run exactly once: one
 * execution and one check per pull request, every job completed at its first attempt, nothing dead.
 *
 * Runs when AAOE_TEST_DATABASE_URL names a server (`.ci/run` sets it); it works in a database of its own,
 * created and dropped here.
 */

const SERVER = process.env.AAOE_TEST_DATABASE_URL;
const PULLS = 500;
// GitHub asks for writes one second apart per installation (Probot's throttling keeps to it), so the pull
// requests are spread over installations as a real fleet's would be
const INSTALLATIONS = 50;
const AGENT = 'my-agent[bot]';

function databaseUrl(name: string): string {
  const url = new URL(SERVER!);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe.skipIf(!SERVER)('two app processes on one PostgreSQL', () => {
  const database = `aaoe_two_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let sim: GitHubSimulator;
  let apps: AppProcess[] = [];

  beforeAll(async () => {
    await admin((c) => c.query(`CREATE DATABASE ${database}`));
    sim = await GitHubSimulator.start();
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop('SIGTERM')));
    await sim?.close();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  });

  it(`runs every job of ${PULLS} concurrent deliveries exactly once`, async () => {
    const url = databaseUrl(database);
    // one process migrates first, as a deployment's first instance would; the second finds the schema ready
    apps = [await AppProcess.start({ sim, databaseUrl: url })];
    apps.push(await AppProcess.start({ sim, databaseUrl: url }));

    const deliveries: Array<{ id: string; payload: Record<string, any>; owner: string; headSha: string }> = [];
    for (let i = 0; i < INSTALLATIONS; i++) {
      const owner = `org-${i}`;
      sim.addInstallation({ id: 9000 + i, account: owner });
      sim.addRepo({ owner, name: 'service', defaultBranch: 'main', installationId: 9000 + i });
      sim.setFile({
        owner,
        repo: 'service',
        branch: 'main',
        path: '.github/aaoe.yml',
        content: `agents: ['${AGENT}']\n`,
      });
    }
    for (let n = 1; n <= PULLS; n++) {
      const i = n % INSTALLATIONS;
      const owner = `org-${i}`;
      const headSha = n.toString(16).padStart(40, 'd');
      const pr = sim.addPullRequest({
        owner,
        repo: 'service',
        number: n,
        user: { login: AGENT, type: 'Bot' },
        headRef: `agent/${n}`,
        headSha,
        body: proposalBody(),
        files: [
          { filename: `docs/${n}.md`, status: 'added', additions: 1, deletions: 0, patch: '@@ -0,0 +1 @@\n+x' },
        ] as never,
      });
      const payload = examplePayload('pull_request', 'opened');
      payload.number = n;
      payload.pull_request = { ...payload.pull_request, ...pr };
      payload.repository = {
        ...payload.repository,
        name: 'service',
        full_name: `${owner}/service`,
        owner: { ...payload.repository.owner, login: owner },
      };
      payload.installation = { id: 9000 + i };
      deliveries.push({ id: randomUUID(), payload, owner, headSha });
    }

    const started = Date.now();
    const statuses = await Promise.all(
      deliveries.map((d, k) => apps[k % 2]!.deliver({ event: 'pull_request', payload: d.payload, id: d.id })),
    );
    const ackedIn = Date.now() - started;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // the same 100 deliveries again, each to the process that did not take it the first time
    const again = await Promise.all(
      deliveries
        .slice(0, 100)
        .map((d, k) => apps[(k + 1) % 2]!.deliver({ event: 'pull_request', payload: d.payload, id: d.id })),
    );
    expect(again.filter((s) => s !== 200)).toEqual([]);

    const checks = () =>
      deliveries.flatMap((d) =>
        sim.checkRuns({ owner: d.owner, repo: 'service' }).filter((r: any) => r.head_sha === d.headSha),
      );
    const deadline = Date.now() + 600_000;
    while (checks().filter((c: any) => c.status === 'completed').length < PULLS) {
      if (Date.now() > deadline)
        throw new Error(
          `only ${checks().length} checks after 10 minutes:\n${apps.map((a) => a.output.slice(-2000)).join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }
    let runtime: Runtime | undefined;
    try {
      runtime = await openRuntime({ database: { url }, queue: { supervise: false } });
      await runtime.idle(120_000);
      console.info(
        `two processes: ${PULLS} deliveries acknowledged in ${ackedIn} ms, all judged in ${Date.now() - started} ms`,
      );

      const all = checks();
      expect(all).toHaveLength(PULLS);
      expect(all.every((c: any) => c.conclusion === 'success')).toBe(true);
      expect(sim.requests.filter((r: any) => r.method === 'POST' && r.path.endsWith('/check-runs'))).toHaveLength(
        PULLS,
      );
      expect(sim.rejections).toEqual([]);

      const executions = (
        await Promise.all(
          Array.from({ length: INSTALLATIONS }, (_, i) => listExecutions(runtime!.db, `org-${i}/service`)),
        )
      ).flat();
      expect(executions).toHaveLength(PULLS);
      expect(executions.every((x) => x.state === 'approved')).toBe(true);

      // every job ran once: one per delivery, one evaluation and one status per execution, each at its first attempt
      const { rows } = await runtime.db.query<{ name: string; state: string; attempts: number; n: number }>(
        `SELECT name, state::text, retry_count + 1 AS attempts, count(*)::int AS n FROM pgboss.job GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      );
      expect(rows).toEqual([
        { name: 'aaoe.delivery', state: 'completed', attempts: 1, n: PULLS },
        { name: 'aaoe.effect', state: 'completed', attempts: 1, n: 2 * PULLS },
      ]);
      const done = await runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM effects_done');
      expect(done.rows[0]?.n).toBe(3 * PULLS);
      const recorded = await runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries');
      expect(recorded.rows[0]?.n).toBe(PULLS);
    } finally {
      await runtime?.close();
    }
  }, 900_000);
});
