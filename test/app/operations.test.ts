import { createRequire } from 'node:module';
import { run } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aaoeApp } from '../../src/app/aaoe-app.js';
import { observeGitHubCalls } from '../../src/app/metrics-github.js';
import { mountOperations } from '../../src/app/operations.js';
import { openRuntime, type Runtime } from '../../src/adapters/store/runtime.js';
import { openDatabase, type Database, type SqlExecutor } from '../../src/adapters/store/database.js';
import { MIGRATIONS, migrate } from '../../src/adapters/store/migrations.js';
import { recordModelCalls } from '../../src/adapters/store/model-calls.js';
import { INSTALLATION_ID, WEBHOOK_SECRET, examplePayload, freePort, sign } from '../support/app-harness.js';
import { proposalBody } from '../support/proposal-body.js';
import { GitHubSimulator } from '../simulator/github-simulator.js';

/**
 * The operations endpoints through the real app over HTTP: Probot's `run()` with AAOE's app function, the
 * operations mounted the way the app mounts them (`mountOperations` with Probot's `addHandler`), GitHub calls
 * observed through `app.auth`, and the loopback GitHub simulator. `/metrics` is read with a Prometheus
 * text-format parser, and its values are checked to move as governed pull requests go through the pipeline.
 */

type Sample = {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
};
type Family = {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
};
const parsePrometheusTextFormat = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => Family[];

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';
const AWS_KEY = ['AKIA', 'Z7XQ', 'M2PL', 'R4TB', 'V9WK'].join('');

let sim: GitHubSimulator;
let runtime: Runtime;
let server: Awaited<ReturnType<typeof run>>;
let url: string;
/** The database the operations endpoints read: the app's own, unless a test puts another in its place. */
let probed: SqlExecutor;
let stopping = false;
let nextPr = 100;

beforeAll(async () => {
  sim = await GitHubSimulator.start();
  runtime = await openRuntime({ database: { memory: true }, queue: { retryDelaySeconds: 1 } });
  probed = runtime.db;
  const port = await freePort();
  const store = {
    db: { query: (sql: string, params?: readonly unknown[]) => probed.query(sql, params) } as SqlExecutor,
    queue: {
      get draining() {
        return stopping;
      },
    },
  };
  // The operations read `store`, which a test can point at a broken database without touching the app's own.
  // Until the app mounts them itself (with `AaoeAppOptions.operations` as that store), the test mounts them as
  // the app will: with Probot's `addHandler`, after the app function.
  const appOptions = { runtime, operations: store };
  server = await run(
    async (app, options) => {
      await observeGitHubCalls(app);
      let mountedByApp = false;
      await aaoeApp(appOptions)(app, {
        ...options,
        addHandler: (handler) => ((mountedByApp = true), options.addHandler(handler)),
      });
      if (!mountedByApp) mountOperations(options, store, { log: app.log, scrapeTimeoutMs: 1000 });
    },
    {
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
    },
  );
  url = `http://127.0.0.1:${port}`;
  sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  sim.setFile({
    owner: OWNER,
    repo: REPO,
    branch: 'master',
    path: '.github/aaoe.yml',
    content: `agents: ['${AGENT}']\n`,
  });
});
afterAll(async () => {
  await server?.stop();
  await runtime?.close();
  await sim?.close();
});

async function deliver(event: string, payload: unknown): Promise<number> {
  const body = JSON.stringify(payload);
  const res = await fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': crypto.randomUUID(),
      'x-hub-signature-256': sign(body),
    },
    body,
  });
  await res.text();
  await runtime.idle();
  return res.status;
}

/** A governed pull request (opened by the agent, with a proposal block) in the simulator, delivered as GitHub would. */
async function deliverPullRequest(
  files: Array<{ filename: string; lines: string[] }>,
): Promise<{ headSha: string; status: number }> {
  const number = nextPr++;
  const headSha = (number.toString(16) + 'b'.repeat(40)).slice(0, 40);
  const pr = sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    user: { login: AGENT, type: 'Bot' },
    headRef: `change-${number}`,
    headSha,
    baseRef: 'master',
    labels: [],
    body: proposalBody(),
    files: files.map(({ filename, lines }) => ({
      filename,
      status: 'added',
      additions: lines.length,
      deletions: 0,
      patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`,
    })) as never,
  });
  const payload = examplePayload('pull_request', 'opened');
  payload.number = number;
  payload.pull_request = { ...payload.pull_request, ...pr };
  payload.installation = { id: INSTALLATION_ID, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' };
  return { headSha, status: await deliver('pull_request', payload) };
}

function conclusionOf(headSha: string): string {
  const runs = sim
    .checkRuns({ owner: OWNER, repo: REPO })
    .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy');
  return (runs.at(-1) as any)?.conclusion;
}

async function get(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; contentType: string | null; body: string; ms: number }> {
  const start = performance.now();
  const res = await fetch(`${url}${path}`, init);
  const body = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), body, ms: performance.now() - start };
}

/** Scrapes `/metrics` and parses it; fails on anything a Prometheus server would not take. */
async function scrape(): Promise<Family[]> {
  const res = await get('/metrics');
  expect(res.status, res.body).toBe(200);
  expect(res.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(res.body);
  for (const family of families) {
    expect(family.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    // the parser takes an unknown line as an untyped sample: every family must be declared
    expect(family.type, family.name).not.toBe('UNTYPED');
    expect(family.help, family.name).not.toBe('');
    for (const sample of family.metrics) {
      // a number, or NaN / ±Inf in any case (as Prometheus reads them: Go's ParseFloat)
      if (sample.value !== undefined)
        expect(
          Number.isFinite(Number(sample.value)) || /^[+-]?(inf|nan)$/i.test(sample.value),
          `${family.name} ${sample.value}`,
        ).toBe(true);
    }
  }
  return families;
}

function family(families: Family[], name: string): Family {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no metric ${name} in the scrape`);
  return found;
}

/** The value of the sample of `name` whose labels are exactly `labels`; undefined when there is none. */
function value(families: Family[], name: string, labels: Record<string, string> = {}): number | undefined {
  const sample = family(families, name).metrics.find((m) => {
    const have = m.labels ?? {};
    return (
      Object.keys(have).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => have[k] === v)
    );
  });
  return sample?.value === undefined ? undefined : Number(sample.value);
}

function sum(families: Family[], name: string): number {
  return family(families, name).metrics.reduce((total, m) => total + Number(m.value), 0);
}

/** Requests the app made to the simulator (installation tokens included: the app's own client creates them). */
const apiRequests = () => sim.requests.length;

describe('/healthz', () => {
  it('answers 200 {"status":"ok"} while the process is up, and leaves other paths to Probot', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
    expect((await get('/healthz?probe=1')).status).toBe(200);
    expect((await get('/healthz', { method: 'POST' })).status).toBe(405);
    expect((await get('/healthzz')).status).toBe(404);
    expect((await get('/ping')).body).toBe('PONG');
  });
});

describe('/readyz', () => {
  let partial: Database;
  beforeAll(async () => {
    // a database that misses this build's latest migration
    partial = await openDatabase({ memory: true });
    await migrate(partial, MIGRATIONS.slice(0, -1));
  });
  afterAll(async () => {
    probed = runtime.db;
    await partial?.close();
  });

  it('answers 200 when the database answers and every migration is applied', async () => {
    const res = await get('/readyz');
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, migrations: { ok: true, current: MIGRATIONS.at(-1)!.version, newer: [] } },
    });
  });

  it('answers 503 shutting_down while the job runner drains for a shutdown', async () => {
    stopping = true;
    try {
      const res = await get('/readyz');
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body)).toMatchObject({ status: 'shutting_down' });
    } finally {
      stopping = false;
    }
    expect((await get('/readyz')).status).toBe(200);
  });

  it('answers 503 naming the migration that is not applied', async () => {
    probed = partial;
    const res = await get('/readyz');
    expect(res.status).toBe(503);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      status: 'not_ready',
      checks: { database: { ok: true }, migrations: { ok: false, missing: [MIGRATIONS.at(-1)!.version] } },
    });
    expect(body.checks.migrations.error).toMatch(/migrations not applied: \d+/);
  });

  it('answers 503 when the database is closed', async () => {
    await partial.close();
    probed = partial;
    const res = await get('/readyz');
    expect(res.status).toBe(503);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ status: 'not_ready', checks: { database: { ok: false }, migrations: { ok: false } } });
    expect(body.checks.database.error).toMatch(/closed/i);
    // and /metrics says it cannot read the store rather than serving zeros
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(503);
    expect(JSON.parse(metrics.body).error).toMatch(/closed/i);
  });

  it('answers 503 within about 2 s when the database hangs, and so does /metrics within its own bound', async () => {
    probed = { query: () => new Promise(() => {}) };
    const [ready, metrics] = await Promise.all([get('/readyz'), get('/metrics')]);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).checks.database).toMatchObject({
      ok: false,
      error: 'the database did not answer within 2000 ms',
    });
    expect(ready.ms).toBeGreaterThanOrEqual(1900);
    expect(ready.ms).toBeLessThan(3500);
    expect(metrics.status).toBe(503);
    expect(JSON.parse(metrics.body).error).toMatch(/the store did not answer within \d+ ms/);
    expect(metrics.ms).toBeLessThan(6500); // its bound: 1 s here, 5 s by default
    // health is the process, not the database
    expect((await get('/healthz')).status).toBe(200);
    probed = runtime.db;
    expect((await get('/readyz')).status).toBe(200);
  });
});

describe('/metrics', () => {
  it('parses as Prometheus text and names every AAOE metric, with HELP and TYPE', async () => {
    const families = await scrape();
    const types = Object.fromEntries(families.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      aaoe_deliveries_total: 'COUNTER',
      aaoe_deliveries_waiting: 'GAUGE',
      aaoe_jobs: 'GAUGE',
      aaoe_job_latency_seconds: 'GAUGE',
      aaoe_job_latency_window_jobs: 'GAUGE',
      aaoe_executions: 'GAUGE',
      aaoe_policy_evaluations_total: 'COUNTER',
      aaoe_model_calls_total: 'COUNTER',
      aaoe_model_tokens_total: 'COUNTER',
      aaoe_model_cost_usd_total: 'COUNTER',
      aaoe_github_requests_total: 'COUNTER',
      aaoe_github_rate_limit_remaining: 'GAUGE',
      process_cpu_user_seconds_total: 'COUNTER',
    });
    // every known state is present from the start
    expect(value(families, 'aaoe_executions', { state: 'approved' })).toBe(0);
    expect(value(families, 'aaoe_jobs', { queue: 'aaoe.effect', state: 'failed' })).toBe(0);
    expect(value(families, 'aaoe_policy_evaluations_total', { conclusion: 'action_required' })).toBe(0);
  });

  it('moves as governed pull requests go through the pipeline, and as model calls are recorded', async () => {
    // the config push first, so that only the pull requests below move the numbers
    const push = examplePayload('push', undefined, (e: any) => e.ref === 'refs/heads/master' && !!e.installation);
    push.installation = { id: INSTALLATION_ID };
    expect(await deliver('push', push)).toBe(200);

    const before = await scrape();
    const requestsBefore = apiRequests();
    const delta = (after: Family[], name: string, labels: Record<string, string> = {}) =>
      (value(after, name, labels) ?? 0) - (value(before, name, labels) ?? 0);

    // 1. a small docs change by the agent passes
    const passed = await deliverPullRequest([{ filename: 'docs/usage.md', lines: ['# Usage'] }]);
    expect(passed.status).toBe(200);
    expect(conclusionOf(passed.headSha)).toBe('success');
    const afterPass = await scrape();
    expect(delta(afterPass, 'aaoe_deliveries_total', { event: 'pull_request' })).toBe(1);
    expect(delta(afterPass, 'aaoe_deliveries_total', { event: 'push' })).toBe(0);
    expect(value(afterPass, 'aaoe_deliveries_waiting')).toBe(0);
    expect(delta(afterPass, 'aaoe_executions', { state: 'approved' })).toBe(1);
    expect(sum(afterPass, 'aaoe_executions') - sum(before, 'aaoe_executions')).toBe(1);
    expect(delta(afterPass, 'aaoe_policy_evaluations_total', { conclusion: 'success' })).toBe(1);
    expect(delta(afterPass, 'aaoe_policy_evaluations_total', { conclusion: 'failure' })).toBe(0);
    // the delivery's job, then at least the evaluation and the status it posts (one effect job each)
    expect(delta(afterPass, 'aaoe_jobs', { queue: 'aaoe.delivery', state: 'completed' })).toBe(1);
    const effectJobs = delta(afterPass, 'aaoe_jobs', { queue: 'aaoe.effect', state: 'completed' });
    expect(effectJobs).toBeGreaterThanOrEqual(2);
    for (const state of ['created', 'retry', 'active', 'failed']) {
      expect(value(afterPass, 'aaoe_jobs', { queue: 'aaoe.effect', state }), state).toBe(0);
    }
    const windowJobs = value(afterPass, 'aaoe_job_latency_window_jobs', { queue: 'aaoe.effect' })!;
    expect(windowJobs - (value(before, 'aaoe_job_latency_window_jobs', { queue: 'aaoe.effect' }) ?? 0)).toBe(
      effectJobs,
    );
    const [p50, p90, p99, slowest] = ['0.5', '0.9', '0.99', '1'].map((quantile) =>
      value(afterPass, 'aaoe_job_latency_seconds', { queue: 'aaoe.effect', quantile })!,
    );
    expect(p50).toBeGreaterThan(0);
    expect(p50).toBeLessThanOrEqual(p90!);
    expect(p90).toBeLessThanOrEqual(p99!);
    expect(p99).toBeLessThanOrEqual(slowest!);
    expect(slowest).toBeLessThan(30);
    // every request the job runner made to GitHub, with the rate limit GitHub (the simulator) reported
    const madeRequests = apiRequests() - requestsBefore;
    expect(madeRequests).toBeGreaterThan(0);
    expect(sum(afterPass, 'aaoe_github_requests_total') - sum(before, 'aaoe_github_requests_total')).toBe(madeRequests);
    expect(value(afterPass, 'aaoe_github_rate_limit_remaining', { resource: 'core' })).toBe(4999);
    expect(value(afterPass, 'aaoe_github_rate_limit_limit', { resource: 'core' })).toBe(5000);

    // 2. a change that adds a secret fails and blocks
    const failed = await deliverPullRequest([
      { filename: 'src/config.ts', lines: [`export const awsKey = "${AWS_KEY}";`] },
    ]);
    expect(conclusionOf(failed.headSha)).toBe('failure');
    const afterFail = await scrape();
    expect(delta(afterFail, 'aaoe_deliveries_total', { event: 'pull_request' })).toBe(2);
    expect(delta(afterFail, 'aaoe_executions', { state: 'blocked' })).toBe(1);
    expect(delta(afterFail, 'aaoe_executions', { state: 'approved' })).toBe(1);
    expect(delta(afterFail, 'aaoe_policy_evaluations_total', { conclusion: 'failure' })).toBe(1);
    expect(delta(afterFail, 'aaoe_policy_evaluations_total', { conclusion: 'success' })).toBe(1);
    expect(value(afterFail, 'aaoe_policy_evaluations_total', { conclusion: 'unknown' })).toBeUndefined();
    expect(delta(afterFail, 'aaoe_jobs', { queue: 'aaoe.delivery', state: 'completed' })).toBe(2);

    // 3. model calls, as the model router records them (what an issue's agent work writes)
    await runtime.db.transaction((tx) =>
      recordModelCalls(tx, { repo: `${OWNER}/${REPO}`, executionId: null }, [
        { model: 'gpt-test', outcome: 'ok', inputTokens: 1200, outputTokens: 300, costUsd: 0.0125, ms: 900 },
        { model: 'gpt-test', outcome: 'rate_limited', inputTokens: 0, outputTokens: 0, costUsd: 0, ms: 40 },
        { model: 'gpt-fallback', outcome: 'ok', inputTokens: 800, outputTokens: 200, costUsd: 0.5, ms: 700 },
      ]),
    );
    const afterModels = await scrape();
    expect(delta(afterModels, 'aaoe_model_calls_total', { model: 'gpt-test', outcome: 'ok' })).toBe(1);
    expect(delta(afterModels, 'aaoe_model_calls_total', { model: 'gpt-test', outcome: 'rate_limited' })).toBe(1);
    expect(delta(afterModels, 'aaoe_model_calls_total', { model: 'gpt-fallback', outcome: 'ok' })).toBe(1);
    expect(delta(afterModels, 'aaoe_model_tokens_total', { model: 'gpt-test', kind: 'input' })).toBe(1200);
    expect(delta(afterModels, 'aaoe_model_tokens_total', { model: 'gpt-test', kind: 'output' })).toBe(300);
    expect(delta(afterModels, 'aaoe_model_cost_usd_total', { model: 'gpt-test' })).toBeCloseTo(0.0125, 10);
    expect(delta(afterModels, 'aaoe_model_cost_usd_total', { model: 'gpt-fallback' })).toBeCloseTo(0.5, 10);
    // and nothing else moved
    expect(delta(afterModels, 'aaoe_executions', { state: 'blocked' })).toBe(1);
  });
});
