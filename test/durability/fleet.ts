import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { GitHubSimulator } from '../simulator/github-simulator.js';
import { examplePayload } from '../support/app-harness.js';
import type { AppProcess } from '../support/app-process.js';
import { proposalBody } from '../support/proposal-body.js';

/**
 * A fleet of agent pull requests for the durability tests: each is opened by an agent, changes one docs file and
 * so passes the default policy with one check. Pull requests are spread over installations, as a real fleet's
 * would be (GitHub asks for writes one second apart per installation, and Probot's throttling keeps to it).
 */

export const AGENT = 'my-agent[bot]';

export type FleetDelivery = {
  id: string;
  payload: Record<string, any>;
  owner: string;
  headSha: string;
  acked: boolean;
};

export function addFleet(
  sim: GitHubSimulator,
  options: { installations: number; pulls: number; prefix: string },
): FleetDelivery[] {
  const deliveries: FleetDelivery[] = [];
  for (let i = 0; i < options.installations; i++) {
    const owner = `${options.prefix}-${i}`;
    sim.addInstallation({ id: installationId(options.prefix, i), account: owner });
    sim.addRepo({ owner, name: 'service', defaultBranch: 'main', installationId: installationId(options.prefix, i) });
    sim.setFile({
      owner,
      repo: 'service',
      branch: 'main',
      path: '.github/aaoe.yml',
      content: `agents: ['${AGENT}']\n`,
    });
  }
  for (let n = 1; n <= options.pulls; n++) {
    const i = n % options.installations;
    const owner = `${options.prefix}-${i}`;
    const headSha = `${options.prefix.length.toString(16)}${n.toString(16).padStart(8, '0')}`.padEnd(40, 'e');
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
    payload.installation = { id: installationId(options.prefix, i) };
    deliveries.push({ id: randomUUID(), payload, owner, headSha, acked: false });
  }
  return deliveries;
}

function installationId(prefix: string, i: number): number {
  let h = 0;
  for (const c of prefix) h = (h * 31 + c.charCodeAt(0)) % 1000;
  return 100_000 + h * 1000 + i;
}

/** Sends every delivery at once (to `apps` in turn, as a load balancer would); marks those answered 200. */
export async function flood(apps: AppProcess[], deliveries: FleetDelivery[]): Promise<void> {
  await Promise.all(
    deliveries.map(async (d, k) => {
      const status = await apps[k % apps.length]!.deliver({ event: 'pull_request', payload: d.payload, id: d.id });
      if (status === 200) d.acked = true;
    }),
  );
}

/** The check runs on each delivery's head commit. */
export function checksOf(sim: GitHubSimulator, deliveries: FleetDelivery[]): Map<FleetDelivery, any[]> {
  const runs = new Map<string, any[]>();
  const owners = new Set(deliveries.map((d) => d.owner));
  for (const owner of owners)
    for (const run of sim.checkRuns({ owner, repo: 'service' }) as any[])
      runs.set(run.head_sha, [...(runs.get(run.head_sha) ?? []), run]);
  return new Map(deliveries.map((d) => [d, runs.get(d.headSha) ?? []]));
}

export type CheckTally = { acked: number; done: number; missing: string[]; doubled: string[] };

/** Acknowledged deliveries with exactly one completed check, those with none yet, and heads with more than one. */
export function tallyChecks(sim: GitHubSimulator, deliveries: FleetDelivery[]): CheckTally {
  const acked = deliveries.filter((d) => d.acked);
  const checks = checksOf(sim, deliveries);
  const doubled = deliveries
    .filter((d) => (checks.get(d)?.length ?? 0) > 1)
    .map((d) => `${d.owner}@${d.headSha.slice(0, 10)}`);
  const missing = acked
    .filter((d) => !checks.get(d)?.some((c) => c.status === 'completed'))
    .map((d) => `${d.owner}@${d.headSha.slice(0, 10)}`);
  return { acked: acked.length, done: acked.length - missing.length, missing, doubled };
}

/** Waits until every acknowledged delivery has its completed check, or `timeoutMs`; returns the last tally. */
export async function waitForChecks(
  sim: GitHubSimulator,
  deliveries: FleetDelivery[],
  timeoutMs: number,
): Promise<CheckTally & { ms: number }> {
  const start = Date.now();
  for (;;) {
    const tally = tallyChecks(sim, deliveries);
    if (tally.missing.length === 0 || Date.now() - start > timeoutMs) return { ...tally, ms: Date.now() - start };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kills `app` with SIGKILL right after GitHub answered its `after`-th check-run write (counted from now). */
export function killAfterCheckWrites(sim: GitHubSimulator, app: AppProcess, after: number): Promise<number> {
  let writes = 0;
  return new Promise((resolve) => {
    const stop = sim.onAnswered((r) => {
      if (
        r.method === 'POST' &&
        r.path.endsWith('/check-runs') &&
        r.status === 201 &&
        ++writes === after &&
        app.alive
      ) {
        app.child.kill('SIGKILL');
        stop();
        resolve(Date.now());
      }
    });
  });
}

// ---------------------------------------------------------------- PostgreSQL

/** The server the PostgreSQL variants run on (`.ci/run` sets it); they are skipped without one. */
export const PG_SERVER = process.env.AAOE_TEST_DATABASE_URL;

/** A database of its own on `PG_SERVER` (pg-boss's schema is fixed, so a schema per test would not isolate it). */
export async function createTestDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_SERVER!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_SERVER });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Rows of pg-boss's job table by state, for AAOE's queues (`active` must be empty after a clean exit). */
export async function jobStates(
  query: (sql: string) => Promise<{ rows: Array<{ state: string; n: number }> }>,
): Promise<Record<string, number>> {
  const { rows } = await query(
    `SELECT state::text AS state, count(*)::int AS n FROM pgboss.job WHERE name LIKE 'aaoe.%' GROUP BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}
