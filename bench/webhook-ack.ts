/**
 * `npm run bench` (second part): webhook acknowledgement of the app against a bare Probot app, both as their
 * own processes on this machine, in one run, with the same signed `pull_request.opened` deliveries.
 *
 * - open loop: 200 deliveries per second for 10 s whatever the answers: p50 / p99 latency, measured from the
 *   moment each delivery was due, so a stall counts for everything queued behind it
 * - closed loop: 16 senders, each sends its next delivery when the last one is answered: throughput
 *
 * The app runs on the embedded store (PGlite) in a fresh directory and does its real work behind the
 * acknowledgement (record, enqueue; the job runner then judges each pull request against the simulator).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GitHubSimulator } from '../test/simulator/github-simulator.js';
import { AppProcess } from '../test/support/app-process.js';
import { agentPullRequest, governedRepository } from './fixtures.js';

const SENDERS = 16;
const CLOSED_LOOP_MS = 5_000;
const ROUNDS = 3;
const RATE = 200;
const OPEN_LOOP_MS = 10_000;

const sim = await GitHubSimulator.start();
governedRepository(sim);
const payloads = Array.from({ length: 50 }, (_, i) => agentPullRequest(sim, 1000 + i, 'e'));

let sent = 0;
async function send(target: AppProcess): Promise<number> {
  const payload = payloads[sent++ % payloads.length];
  const t0 = performance.now();
  const status = await target.deliver({ event: 'pull_request', payload, id: randomUUID() });
  if (status !== 200) throw new Error(`a delivery was answered ${status}:\n${target.output.slice(-2000)}`);
  return performance.now() - t0;
}

async function closedLoop(target: AppProcess, ms = CLOSED_LOOP_MS): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (performance.now() < end) {
        await send(target);
        done++;
      }
    }),
  );
  return done / (ms / 1000);
}

async function openLoop(target: AppProcess): Promise<{ p50: number; p99: number; max: number }> {
  const total = Math.round((RATE * OPEN_LOOP_MS) / 1000);
  const start = performance.now();
  const latencies = await Promise.all(
    Array.from({ length: total }, async (_, i) => {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await send(target);
      return performance.now() - due;
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? NaN };
}

const dataDir = await mkdtemp(join(tmpdir(), 'aaoe-bench-'));
const bare = await AppProcess.start({ sim, entry: 'bench/bare-probot-app.ts' });
const app = await AppProcess.start({ sim, dataDir });
try {
  // warm both up (JIT, connections, the app's first policy load) with 2 s of closed loop each; then latency,
  // then throughput, each in turn, twice. The app's job runner has work left all along: GitHub allows one
  // check write per second per installation, so a flood on one installation leaves a backlog of jobs.
  await closedLoop(bare, 2_000);
  await closedLoop(app, 2_000);
  const latency = { bare: await openLoop(bare), app: await openLoop(app) };
  const throughput = { bare: [] as number[], app: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    throughput.bare.push(await closedLoop(bare));
    throughput.app.push(await closedLoop(app));
  }
  const best = (xs: number[]) => Math.max(...xs);
  const ratio = best(throughput.app) / best(throughput.bare);
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const lat = (l: { p50: number; p99: number; max: number }) => `p50 ${ms(l.p50)}  p99 ${ms(l.p99)}  max ${ms(l.max)}`;
  console.log(
    `webhook acknowledgement: latency at ${RATE}/s for ${OPEN_LOOP_MS / 1000} s; throughput with ${SENDERS} senders for ${CLOSED_LOOP_MS / 1000} s (best of ${ROUNDS})`,
  );
  console.log(`  bare Probot    ${lat(latency.bare)}  ${best(throughput.bare).toFixed(0).padStart(5)}/s`);
  console.log(`  AAOE (PGlite)  ${lat(latency.app)}  ${best(throughput.app).toFixed(0).padStart(5)}/s`);
  console.log(
    `  p99 at ${RATE}/s: ${ms(latency.app.p99)} (goal under 50 ms: ${latency.app.p99 < 50 ? 'met' : 'not met'})`,
  );
  console.log(
    `  throughput ratio AAOE / bare: ${ratio.toFixed(2)} (goal at least 0.70: ${ratio >= 0.7 ? 'met' : 'not met'})`,
  );
  if (sim.rejections.length > 0) throw new Error(`the simulator rejected requests: ${JSON.stringify(sim.rejections)}`);
} finally {
  await Promise.all([bare.stop('SIGTERM'), app.stop('SIGTERM')]);
  await sim.close();
  await rm(dataDir, { recursive: true, force: true });
}
