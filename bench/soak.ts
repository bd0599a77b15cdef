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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { GitHubSimulator, type RecordedRequest } from '../test/simulator/github-simulator.js';
import { AppProcess } from '../test/support/app-process.js';
import { deliveryFor, must, seedOrganisation } from './soak-organisation.js';
import { plot } from './soak-plot.js';
import { COLUMNS, directorySize, fmt, formatRow, JOB_STATES, quantile, scrape, type Sample } from './soak-samples.js';

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

const sim = await GitHubSimulator.start();
const org = seedOrganisation(sim, INSTALLATIONS, PULLS);

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
  const key = create
    ? `${create[1]}/${body.head_sha}`
    : update
      ? checkRunSha.get(`${update[1]}/${update[2]}`)
      : undefined;
  if (create && request.method === 'POST') {
    const id = sim
      .checkRuns({ owner: create[1] ?? '', repo: 'service' })
      .filter((run) => run.head_sha === body.head_sha)
      .at(-1)?.id;
    if (id !== undefined && key) checkRunSha.set(`${create[1]}/${id}`, key);
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
const appEnv = Object.fromEntries(
  PASSED.flatMap((name) => {
    const value = process.env[name];
    return value ? [[name, value]] : [];
  }),
);
const app = await AppProcess.start({ sim, dataDir, env: appEnv });

const samples: Sample[] = [];

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
  const delivery = deliveryFor(org, k);
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
  const metrics = await scrape(app.url);
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
  console.log(formatRow(sample));
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
  const at = (f: number) => must(samples[Math.min(samples.length - 1, Math.round(f * (samples.length - 1)))]);
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
  const last = must(samples.at(-1));
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
