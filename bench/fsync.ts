/**
 * `npx tsx bench/fsync.ts [--rounds 3] [--seconds 5]`: what flushing each commit to the disk costs the embedded
 * store's webhook acknowledgement.
 *
 * Two app processes on the embedded store (PGlite), each in a fresh directory: one with `AAOE_EMBEDDED_FSYNC=on`
 * (the default), one with `off`. Both take the same signed `pull_request.opened` deliveries from 16 closed-loop
 * senders (each sends its next delivery when the last one is answered), in turns A/B/A/B... so that drift on a
 * shared machine falls on both. Their job runners are off (`AAOE_JOB_CONCURRENCY=0`): what is measured is the
 * acknowledgement (verify, record the delivery, enqueue its job, commit), not the work behind it. With `--jobs`
 * they are on, and the jobs' own commits (each flushed too) share PGlite's one thread with the acknowledgements.
 *
 * Prints the acknowledgement throughput and latency of each turn and the median ratio on / off.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { GitHubSimulator } from '../test/simulator/github-simulator.js';
import { AppProcess } from '../test/support/app-process.js';
import { agentPullRequest, governedRepository } from './fixtures.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    jobs: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const TURN_MS = Number(args.seconds) * 1000;
if (!Number.isInteger(ROUNDS) || ROUNDS <= 0 || !(TURN_MS > 0))
  throw new Error('--rounds and --seconds must be positive numbers');
const SENDERS = 16;

const sim = await GitHubSimulator.start();
governedRepository(sim);
const payloads = Array.from({ length: 50 }, (_, i) => agentPullRequest(sim, 1000 + i, 'f'));

let sent = 0;
async function turn(target: AppProcess, ms: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const status = await target.deliver({
          event: 'pull_request',
          payload: payloads[sent++ % payloads.length],
          id: randomUUID(),
        });
        if (status !== 200) throw new Error(`a delivery was answered ${status}:\n${target.output.slice(-2000)}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { perSecond: latencies.length / (ms / 1000), p50: at(0.5), p99: at(0.99) };
}

const dirs = await Promise.all([mkdtemp(join(tmpdir(), 'aaoe-fsync-on-')), mkdtemp(join(tmpdir(), 'aaoe-fsync-off-'))]);
// `--jobs`: the job runners on (default concurrency), so their commits (and flushes) share the thread too
const env = (fsync: 'on' | 'off') => ({
  AAOE_EMBEDDED_FSYNC: fsync,
  ...(args.jobs ? {} : { AAOE_JOB_CONCURRENCY: '0' }),
});
const on = await AppProcess.start({ sim, dataDir: dirs[0], env: env('on') });
const off = await AppProcess.start({ sim, dataDir: dirs[1], env: env('off') });
try {
  await turn(on, 2_000); // warm-up: JIT, the first policy load, the first WAL segment
  await turn(off, 2_000);
  const results = {
    on: [] as Array<Awaited<ReturnType<typeof turn>>>,
    off: [] as Array<Awaited<ReturnType<typeof turn>>>,
  };
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(
    `embedded store, fsync on vs off: ${SENDERS} closed-loop senders, ${TURN_MS / 1000} s turns, ${ROUNDS} rounds (job runners ${args.jobs ? 'on' : 'off'})`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    // alternate which goes first, so neither always follows the other's checkpoint
    const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    for (const which of order) {
      const r = await turn(which === 'on' ? on : off, TURN_MS);
      results[which].push(r);
      console.log(
        `  round ${round + 1} fsync ${which.padEnd(3)} ${r.perSecond.toFixed(0).padStart(5)}/s  p50 ${ms(r.p50)}  p99 ${ms(r.p99)}`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const ratios = results.on.map((r, i) => r.perSecond / (results.off[i]?.perSecond ?? NaN));
  const ratio = median(ratios);
  // both summaries: on a shared machine one slow turn can swing a single ratio
  console.log(
    `  median throughput on ${median(results.on.map((r) => r.perSecond)).toFixed(0)}/s, off ${median(results.off.map((r) => r.perSecond)).toFixed(0)}/s`,
  );
  console.log(
    `  ratio on / off per round: ${ratios.map((r) => r.toFixed(2)).join(' ')}; median ${ratio.toFixed(2)} (cost ${((1 - ratio) * 100).toFixed(0)}%; small means under 20%: ${ratio >= 0.8 ? 'small' : 'not small'})`,
  );
} finally {
  await Promise.all([on.stop('SIGTERM'), off.stop('SIGTERM')]);
  await sim.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
