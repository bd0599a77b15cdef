/**
 * `npm run bench:soak`: a compressed day of load on the real app, sampled every few seconds.
 *
 *   npx tsx bench/soak.ts [--seconds 600] [--deliveries 50000] [--installations 50] [--pulls 500] [--sample 5]
 *
 * The app runs as its own process on the embedded store (PGlite, default settings) in a fresh directory, against
 * the GitHub simulator. The bench sends signed deliveries open loop (each at its due time, whatever the answers):
 * first every pull request is opened, then each round touches every pull request once with one of: a push
 * (`pull_request.synchronize`, a new head commit), an approval (`pull_request_review.submitted`) or a comment
 * (`issue_comment.created`), in the proportions 2 : 2 : 6.
 *
 * Every `--sample` seconds, from the app's `/metrics` (what an operator's Prometheus reads): resident memory,
 * event-loop delay (p99 and max over the interval: prom-client's `monitorEventLoopDelay`, reset at each scrape),
 * pg-boss's job table by state, the deliveries recorded (none is old enough for retention in a run this short, so
 * that is the deliveries table's size); the size of the data directory; and the delivery-to-check latency: from the
 * acknowledgement of an `opened` or `synchronize` delivery to the completed `aaoe/policy` check run on its head
 * commit in the simulator, or on a later head of the same pull request (the app rightly skips a head that a push
 * replaced before its job ran: that push's check answers it). p50 / p99 of those answered in the interval;
 * `waiting`: heads acknowledged and not answered yet, `oldest s` the age of the oldest.
 *
 * `AAOE_JOB_CONCURRENCY`, `AAOE_EMBEDDED_FSYNC` and `AAOE_MAINTENANCE_INTERVAL_SECONDS`, when set for the bench, are
 * passed to the app (to compare settings); otherwise the app runs with its defaults.
 *
 * Prints a table and writes `bench/out/soak-<time>.svg` (a plot) and `.json` (the samples).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { GitHubSimulator, type RecordedRequest } from '../test/simulator/github-simulator.js';
import { examplePayload } from '../test/support/app-harness.js';
import { AppProcess } from '../test/support/app-process.js';
import { proposalBody } from '../test/support/proposal-body.js';
import { AGENT } from './fixtures.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    deliveries: { type: 'string', default: '50000' },
    installations: { type: 'string', default: '50' },
    pulls: { type: 'string', default: '500' },
    sample: { type: 'string', default: '5' },
    'in-flight': { type: 'string', default: '256' },
  },
});
const positive = (name: keyof typeof args) => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number, not "${args[name]}"`);
  return n;
};
const SECONDS = positive('seconds');
const DELIVERIES = positive('deliveries');
const INSTALLATIONS = positive('installations');
const PULLS = positive('pulls');
const SAMPLE_MS = positive('sample') * 1000;
const MAX_IN_FLIGHT = positive('in-flight');
if (PULLS < INSTALLATIONS) throw new Error('--pulls must be at least --installations');
if (DELIVERIES < PULLS) throw new Error('--deliveries must be at least --pulls (each pull request is opened first)');

// ---------------------------------------------------------------- the simulated organisation

type Pull = {
  index: number;
  installationId: number;
  owner: string;
  repo: string;
  number: number;
  pushes: number;
  payload: Record<string, any>;
  repository: Record<string, any>;
  awaiting?: string;
};

const sim = await GitHubSimulator.start();
const pulls: Pull[] = [];
const repositories: Array<Record<string, any>> = [];
for (let i = 0; i < INSTALLATIONS; i++) {
  const installationId = 10_000 + i;
  const owner = `org-${i}`;
  sim.addInstallation({ id: installationId, account: owner, accountType: 'Organization' });
  repositories.push(sim.addRepo({ owner, name: 'service', defaultBranch: 'main', installationId }));
  sim.setFile({ owner, repo: 'service', branch: 'main', path: '.github/aaoe.yml', content: `agents: ['${AGENT}']\n` });
}
const sha = (pull: Pull) => `${pull.index.toString(16).padStart(8, '0')}${pull.pushes.toString(16).padStart(32, '0')}`;
for (let index = 0; index < PULLS; index++) {
  const i = index % INSTALLATIONS;
  const pull: Pull = {
    index,
    installationId: 10_000 + i,
    owner: `org-${i}`,
    repo: 'service',
    number: 1 + Math.floor(index / INSTALLATIONS),
    pushes: 0,
    payload: {},
    repository: repositories[i]!,
  };
  pull.payload = sim.addPullRequest({
    owner: pull.owner,
    repo: pull.repo,
    number: pull.number,
    headSha: sha(pull),
    headRef: `agent/${index}`,
    baseRef: 'main',
    user: { login: AGENT, type: 'Bot' },
    body: proposalBody(),
    files: [{ filename: 'docs/a.md', status: 'modified', additions: 1, deletions: 0, patch: '@@ -1 +1,2 @@\n a\n+b' }],
  });
  pulls.push(pull);
}

type Kind = 'opened' | 'push' | 'approval' | 'comment';
const ROUND: Kind[] = [
  'push',
  'comment',
  'comment',
  'approval',
  'comment',
  'push',
  'comment',
  'approval',
  'comment',
  'comment',
];

function kindOf(k: number): { pull: Pull; kind: Kind } {
  const pull = pulls[k % PULLS]!;
  const round = Math.floor(k / PULLS);
  return { pull, kind: round === 0 ? 'opened' : ROUND[(pull.index + round) % ROUND.length]! };
}

const base = (event: string, action: string, pull: Pull) => {
  const payload = examplePayload(event, action);
  payload.repository = pull.repository;
  payload.organization = { login: pull.owner, id: pull.installationId };
  payload.installation = { id: pull.installationId };
  return payload;
};

/** The delivery for slot `k`, with the simulator changed first where GitHub would have changed (a push, a review). */
function deliveryFor(k: number): { event: string; payload: Record<string, any>; awaits?: string; pull: Pull } {
  const { pull, kind } = kindOf(k);
  if (kind === 'opened' || kind === 'push') {
    if (kind === 'push') {
      pull.pushes++;
      pull.payload = sim.pushToPullRequest({
        owner: pull.owner,
        repo: pull.repo,
        number: pull.number,
        headSha: sha(pull),
        files: [
          {
            filename: 'docs/a.md',
            status: 'modified',
            additions: pull.pushes + 1,
            deletions: 0,
            patch: `@@ -1 +1,2 @@\n a\n+b${pull.pushes}`,
          },
        ],
      });
    }
    const payload = base('pull_request', kind === 'opened' ? 'opened' : 'synchronize', pull);
    payload.number = pull.number;
    payload.pull_request = { ...payload.pull_request, ...pull.payload };
    if (kind === 'push') payload.before = sha({ ...pull, pushes: pull.pushes - 1 });
    if (kind === 'push') payload.after = sha(pull);
    return { event: 'pull_request', payload, awaits: `${pull.owner}/${sha(pull)}`, pull };
  }
  if (kind === 'approval') {
    const reviewer = `reviewer-${pull.index % 7}`;
    const review = sim.addReview({
      owner: pull.owner,
      repo: pull.repo,
      number: pull.number,
      user: reviewer,
      state: 'APPROVED',
      commitId: sha(pull),
    });
    const payload = base('pull_request_review', 'submitted', pull);
    payload.pull_request = { ...payload.pull_request, ...pull.payload };
    payload.review = { ...payload.review, ...review };
    return { event: 'pull_request_review', payload, pull };
  }
  const payload = base('issue_comment', 'created', pull);
  payload.issue = {
    ...payload.issue,
    number: pull.number,
    pull_request: { url: pull.payload.url, html_url: pull.payload.html_url },
  };
  payload.comment = {
    ...payload.comment,
    id: 900_000_000 + k,
    body: `Looks fine to me (${k}).`,
    user: { ...payload.comment.user, login: `dev-${k % 11}`, id: 5000 + (k % 11) },
  };
  return { event: 'issue_comment', payload, pull };
}

// ---------------------------------------------------------------- delivery-to-check latency

/** `owner/headSha` -> when its delivery was acknowledged (ms, performance clock), while no check has come. */
const waiting = new Map<string, number>();
/** `owner/headSha` -> the heads of its pull request acknowledged before it and still waiting (itself last). */
const headsOfPull = new Map<string, string[]>();
/** Latencies (ms) completed since the last sample. */
let latencies: number[] = [];
/** check-run id -> `owner/headSha`, for updates by id (created `in_progress`, completed later). */
const checkRunSha = new Map<string, string>();
let checksCompleted = 0;
/** Pushes that replaced a head whose check had not come yet. */
let superseded = 0;

function onCheckWrite(request: RecordedRequest): void {
  if (request.status >= 300) return;
  const create = /^\/repos\/([^/]+)\/[^/]+\/check-runs$/.exec(request.path);
  const update = /^\/repos\/([^/]+)\/[^/]+\/check-runs\/(\d+)$/.exec(request.path);
  if (!create && !update) return;
  const body = (request.body ?? {}) as { head_sha?: string; status?: string; conclusion?: string };
  const key = create ? `${create[1]}/${body.head_sha}` : checkRunSha.get(`${update![1]}/${update![2]}`);
  if (create && request.method === 'POST') {
    const id = sim
      .checkRuns({ owner: create[1]!, repo: 'service' })
      .filter((run) => run.head_sha === body.head_sha)
      .at(-1)?.id;
    if (id !== undefined) checkRunSha.set(`${create[1]}/${id}`, key!);
  }
  if (!key || !(body.conclusion || body.status === 'completed')) return;
  const now = performance.now();
  for (const head of headsOfPull.get(key) ?? []) {
    const acked = waiting.get(head);
    if (acked === undefined) continue;
    waiting.delete(head);
    headsOfPull.delete(head);
    checksCompleted++;
    latencies.push(now - acked);
  }
}
sim.onAnswered(onCheckWrite);

// ---------------------------------------------------------------- the app and its metrics

const dataDir = mkdtempSync(join(tmpdir(), 'aaoe-soak-'));
// the app's defaults, unless the bench's own environment sets one of these (to compare settings)
const PASSED = ['AAOE_JOB_CONCURRENCY', 'AAOE_EMBEDDED_FSYNC', 'AAOE_MAINTENANCE_INTERVAL_SECONDS'] as const;
const appEnv = Object.fromEntries(PASSED.filter((name) => process.env[name]).map((name) => [name, process.env[name]!]));
const app = await AppProcess.start({ sim, dataDir, env: appEnv });

type Metrics = Map<string, number>;
async function scrape(): Promise<Metrics | undefined> {
  const res = await fetch(`${app.url}/metrics`).catch(() => undefined);
  if (!res?.ok) return undefined;
  const metrics: Metrics = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (!Number.isFinite(value)) continue;
    let name = line.slice(0, space);
    // keep the job table's state label only (summed over queues)
    const state = /^aaoe_jobs\{.*state="([a-z]+)".*\}$/.exec(name);
    if (state) name = `jobs.${state[1]}`;
    else if (name.startsWith('aaoe_deliveries_total')) name = 'aaoe_deliveries_total';
    metrics.set(name, (metrics.get(name) ?? 0) + value);
  }
  return metrics;
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directorySize(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

type Sample = {
  t: number;
  sent: number;
  acked: number;
  failed: number;
  rssMb: number;
  loopP99Ms: number;
  loopMaxMs: number;
  jobs: Record<string, number>;
  deliveries: number;
  dataMb: number;
  checks: number;
  latencyP50S: number | null;
  latencyP99S: number | null;
  waiting: number;
  oldestWaitingS: number;
  senderLateMs: number;
  benchLoopP99Ms: number;
};
const samples: Sample[] = [];
const JOB_STATES = ['created', 'retry', 'active', 'completed', 'failed', 'cancelled'] as const;

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

// ---------------------------------------------------------------- the run

let sent = 0;
let acked = 0;
let failed = 0;
let inFlight = 0;
let worstLate = 0;
const benchLoop = monitorEventLoopDelay({ resolution: 10 });
benchLoop.enable();
const start = performance.now();
const interval = (SECONDS * 1000) / DELIVERIES;

async function sendSlot(k: number): Promise<void> {
  const delivery = deliveryFor(k);
  sent++;
  inFlight++;
  try {
    const status = await app.deliver({ event: delivery.event, payload: delivery.payload, id: randomUUID() });
    if (status !== 200) {
      failed++;
      if (failed <= 5) console.error(`a delivery (${delivery.event}) was answered ${status ?? 'with no connection'}`);
      return;
    }
    acked++;
    if (delivery.awaits && !waiting.has(delivery.awaits)) {
      // a push replaces the head before it: the check of the new head (or a later one) answers both
      const earlier = delivery.pull.awaiting === undefined ? [] : (headsOfPull.get(delivery.pull.awaiting) ?? []);
      const still = earlier.filter((head) => waiting.has(head));
      if (still.length > 0) superseded += 1;
      headsOfPull.set(delivery.awaits, [...still, delivery.awaits]);
      delivery.pull.awaiting = delivery.awaits;
      waiting.set(delivery.awaits, performance.now());
    }
  } finally {
    inFlight--;
  }
}

async function sender(): Promise<void> {
  const pending: Array<Promise<void>> = [];
  for (let k = 0; k < DELIVERIES; k++) {
    const due = start + k * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    worstLate = Math.max(worstLate, performance.now() - due);
    // a cap on connections: an app that stops answering makes the bench fall behind, which the table shows
    while (inFlight >= MAX_IN_FLIGHT) await new Promise((r) => setTimeout(r, 5));
    pending.push(sendSlot(k));
    if (pending.length > 1000) await Promise.all(pending.splice(0, 500));
  }
  await Promise.all(pending);
}

async function takeSample(): Promise<void> {
  const metrics = await scrape();
  const now = performance.now();
  let oldest = now;
  for (const at of waiting.values()) oldest = Math.min(oldest, at);
  const sample: Sample = {
    t: (now - start) / 1000,
    sent,
    acked,
    failed,
    rssMb: (metrics?.get('process_resident_memory_bytes') ?? NaN) / 2 ** 20,
    loopP99Ms: (metrics?.get('nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000,
    loopMaxMs: (metrics?.get('nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000,
    jobs: Object.fromEntries(JOB_STATES.map((s) => [s, metrics?.get(`jobs.${s}`) ?? 0])),
    deliveries: metrics?.get('aaoe_deliveries_total') ?? NaN,
    dataMb: (await directorySize(dataDir)) / 2 ** 20,
    checks: checksCompleted,
    latencyP50S: (quantile(latencies, 0.5) ?? NaN) / 1000,
    latencyP99S: (quantile(latencies, 0.99) ?? NaN) / 1000,
    waiting: waiting.size,
    oldestWaitingS: waiting.size > 0 ? (now - oldest) / 1000 : 0,
    senderLateMs: worstLate,
    benchLoopP99Ms: benchLoop.percentile(99) / 1e6,
  };
  latencies = [];
  worstLate = 0;
  benchLoop.reset();
  samples.push(sample);
  // the simulator keeps every request for tests; a day of them is memory the bench does not need
  sim.resetRequests();
  printRow(sample);
}

const COLUMNS = [
  't s',
  'acked',
  'fail',
  'RSS MB',
  'loop p99',
  'loop max',
  'jobs created',
  'active',
  'completed',
  'deliveries',
  'data MB',
  'checks',
  'lat p50 s',
  'lat p99 s',
  'waiting',
  'oldest s',
  'late ms',
];
const fmt = (x: number | null, digits = 0) => (x === null || Number.isNaN(x) ? '-' : x.toFixed(digits));
function printRow(s: Sample): void {
  const cells = [
    fmt(s.t),
    String(s.acked),
    String(s.failed),
    fmt(s.rssMb),
    fmt(s.loopP99Ms, 1),
    fmt(s.loopMaxMs),
    String(s.jobs.created! + s.jobs.retry!),
    String(s.jobs.active),
    String(s.jobs.completed),
    fmt(s.deliveries),
    fmt(s.dataMb),
    String(s.checks),
    fmt(s.latencyP50S, 2),
    fmt(s.latencyP99S, 2),
    String(s.waiting),
    fmt(s.oldestWaitingS, 1),
    fmt(s.senderLateMs),
  ];
  console.log(cells.map((c, i) => c.padStart(Math.max(COLUMNS[i]!.length, 6))).join(' '));
}

console.log(
  `soak: ${DELIVERIES} deliveries over ${SECONDS} s (${(DELIVERIES / SECONDS).toFixed(0)}/s) across ${INSTALLATIONS} installations and ${PULLS} pull requests; sample every ${SAMPLE_MS / 1000} s; app settings ${JSON.stringify(appEnv)}`,
);
console.log(COLUMNS.map((c) => c.padStart(Math.max(c.length, 6))).join(' '));
const sampler = setInterval(() => void takeSample(), SAMPLE_MS);
try {
  await sender();
  // the tail: let the app finish what was acknowledged (at most a minute), still sampling
  const drainEnd = performance.now() + 60_000;
  while (waiting.size > 0 && performance.now() < drainEnd) await new Promise((r) => setTimeout(r, 500));
  clearInterval(sampler);
  await takeSample();
  report();
  if (sim.rejections.length > 0)
    console.error(`the simulator rejected requests, e.g. ${JSON.stringify(sim.rejections.slice(0, 3))}`);
} finally {
  clearInterval(sampler);
  await app.stop('SIGTERM');
  await sim.close();
  rmSync(dataDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- the report and the plot

function report(): void {
  const at = (f: number) => samples[Math.min(samples.length - 1, Math.round(f * (samples.length - 1)))]!;
  const during = samples.filter((s) => s.t <= SECONDS);
  const pick = (f: number) => during[Math.min(during.length - 1, Math.round(f * (during.length - 1)))] ?? at(f);
  console.log(
    '\nstart / middle / end of the load (first sample after warm-up, the middle one, the last before the tail):',
  );
  for (const [name, s] of [
    ['start', pick(0.1)],
    ['middle', pick(0.5)],
    ['end', pick(1)],
  ] as const) {
    console.log(
      `  ${name.padEnd(6)} t=${fmt(s.t)} s  RSS ${fmt(s.rssMb)} MB  loop p99 ${fmt(s.loopP99Ms, 1)} ms  check latency p50 ${fmt(s.latencyP50S, 2)} s p99 ${fmt(s.latencyP99S, 2)} s  jobs ${Object.values(s.jobs).reduce((a, b) => a + b, 0)}  waiting ${s.waiting}`,
    );
  }
  const last = samples.at(-1)!;
  console.log(
    `  acknowledged ${last.acked} of ${last.sent} sent (${last.failed} failed); checks completed ${last.checks}; pushes that replaced a head still waiting for its check ${superseded}; still waiting after the tail ${last.waiting}`,
  );
  const outDir = join(import.meta.dirname, 'out');
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(outDir, `soak-${stamp}`);
  writeFileSync(
    `${file}.json`,
    JSON.stringify({ options: { SECONDS, DELIVERIES, INSTALLATIONS, PULLS }, samples }, null, 1),
  );
  writeFileSync(`${file}.svg`, plot(samples));
  console.log(`  wrote ${file}.svg and .json`);
}

type Series = { label: string; color: string; values: Array<number | null> };

function panel(
  title: string,
  unit: string,
  xs: number[],
  series: Series[],
  x0: number,
  y0: number,
  w: number,
  h: number,
): string {
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const top = Math.max(1e-9, ...all) * 1.1;
  const right = Math.max(1, ...xs);
  const px = (x: number) => x0 + (x / right) * w;
  const py = (y: number) => y0 + h - (y / top) * h;
  const lines = series.map((s) => {
    const points = s.values
      .map((v, i) => (v === null || !Number.isFinite(v) ? null : `${px(xs[i]!).toFixed(1)},${py(v).toFixed(1)}`))
      .filter(Boolean);
    return `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${points.join(' ')}"/>`;
  });
  const legend = series.map(
    (s, i) => `<text x="${x0 + 8 + i * 130}" y="${y0 + 14}" fill="${s.color}" font-size="11">${s.label}</text>`,
  );
  const ticks = [0, 0.5, 1].map(
    (f) =>
      `<text x="${x0 - 6}" y="${py(top * f) + 4}" text-anchor="end" font-size="10">${(top * f).toPrecision(3)}</text>`,
  );
  const xticks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) =>
      `<text x="${px(right * f)}" y="${y0 + h + 14}" text-anchor="middle" font-size="10">${(right * f).toFixed(0)} s</text>`,
  );
  return [
    `<text x="${x0}" y="${y0 - 6}" font-size="12" font-weight="bold">${title} (${unit})</text>`,
    `<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#999"/>`,
    ...ticks,
    ...xticks,
    ...lines,
    ...legend,
  ].join('\n');
}

function plot(data: Sample[]): string {
  const xs = data.map((s) => s.t);
  const W = 900;
  const H = 170;
  const panels = [
    panel(
      'app resident memory',
      'MB',
      xs,
      [{ label: 'RSS', color: '#1f77b4', values: data.map((s) => s.rssMb) }],
      70,
      40,
      W - 100,
      H,
    ),
    panel(
      'app event-loop delay',
      'ms',
      xs,
      [
        { label: 'p99', color: '#2ca02c', values: data.map((s) => s.loopP99Ms) },
        { label: 'max', color: '#98df8a', values: data.map((s) => s.loopMaxMs) },
      ],
      70,
      40 + (H + 50),
      W - 100,
      H,
    ),
    panel(
      'pg-boss job table',
      'rows',
      xs,
      [
        { label: 'created+retry', color: '#ff7f0e', values: data.map((s) => s.jobs.created! + s.jobs.retry!) },
        { label: 'active', color: '#d62728', values: data.map((s) => s.jobs.active!) },
        { label: 'completed', color: '#9467bd', values: data.map((s) => s.jobs.completed!) },
        { label: 'deliveries', color: '#8c564b', values: data.map((s) => s.deliveries) },
      ],
      70,
      40 + 2 * (H + 50),
      W - 100,
      H,
    ),
    panel(
      'delivery-to-check latency',
      's',
      xs,
      [
        { label: 'p50', color: '#17becf', values: data.map((s) => s.latencyP50S) },
        { label: 'p99', color: '#e377c2', values: data.map((s) => s.latencyP99S) },
        { label: 'oldest waiting', color: '#7f7f7f', values: data.map((s) => s.oldestWaitingS) },
      ],
      70,
      40 + 3 * (H + 50),
      W - 100,
      H,
    ),
  ];
  const height = 40 + 4 * (H + 50);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${panels.join('\n')}\n</svg>\n`;
}
