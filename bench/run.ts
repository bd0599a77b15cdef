/**
 * `npm run bench`: figures measured in one run on this machine, reported as ratios and counts.
 *
 * 1. Policy evaluation of a 3,000-file change (GitHub's cap on a pull request's file list), against
 *    a 300-file change in the same run: the ratio shows how evaluation scales.
 * 2. GitHub API calls per evaluated pull request, through the real app and the loopback simulator:
 *    cold (first delivery: app identity, installation token, config) and warm (config cached).
 */
import { performance } from 'node:perf_hooks';
import { evaluatePolicy } from '../src/core/policy/evaluate-policy.js';
import { Change, type ChangedFile } from '../src/core/policy/change.js';
import { Policy } from '../src/core/policy/schema.js';
import { startHarness } from '../test/support/app-harness.js';
import { agentPullRequest, governedRepository } from './fixtures.js';

function syntheticFiles(n: number): ChangedFile[] {
  const files: ChangedFile[] = [];
  for (let i = 0; i < n; i++) {
    const dir = ['src/api', 'src/web', 'lib', 'docs', 'config'][i % 5] ?? '';
    const ext = ['ts', 'ts', 'js', 'md', 'yaml'][i % 5] ?? '';
    const lines = Array.from({ length: 20 }, (_, j) => `const value${j} = compute(${i}, ${j}); // line ${j}`);
    files.push({
      path: `${dir}/module-${i}.${ext}`,
      status: i % 7 === 0 ? 'added' : 'modified',
      additions: lines.length,
      deletions: 2,
      patch: `@@ -10,4 +10,${lines.length + 2} @@ function f() {\n context\n-old a\n-old b\n${lines.map((l) => `+${l}`).join('\n')}\n context`,
    });
  }
  return files;
}

async function timeEvaluation(n: number, runs: number): Promise<number> {
  const change = Change.parse({
    files: syntheticFiles(n),
    author: { login: 'agent[bot]', isAgent: true },
    at: new Date().toISOString(),
  });
  const policy = Policy.parse({ id: 'bench' });
  await evaluatePolicy(change, policy); // warm-up
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await evaluatePolicy(change, policy);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? NaN;
}

async function countApiCalls(): Promise<{ cold: number; warm: number; coldPaths: string[]; warmPaths: string[] }> {
  const h = await startHarness();
  try {
    governedRepository(h.sim);
    const evaluate = async (number: number) => {
      const payload = agentPullRequest(h.sim, number, 'b');
      h.sim.resetRequests();
      const res = await h.deliver('pull_request', payload);
      if (res.status !== 200) throw new Error(`delivery answered ${res.status}: ${res.body}`);
      return h.sim.requests.map((r: { method: string; path: string }) => `${r.method} ${r.path}`);
    };
    const coldPaths = await evaluate(101);
    const warmPaths = await evaluate(102);
    if (h.sim.rejections.length > 0)
      throw new Error(`the simulator rejected requests: ${JSON.stringify(h.sim.rejections)}`);
    return { cold: coldPaths.length, warm: warmPaths.length, coldPaths, warmPaths };
  } finally {
    await h.close();
  }
}

const big = await timeEvaluation(3000, 5);
const small = await timeEvaluation(300, 5);
const calls = await countApiCalls();

console.log('policy evaluation (median of 5, all gates incl. secret scan of every added line)');
console.log(`  3,000 files: ${big.toFixed(0)} ms (${((big * 1000) / 3000).toFixed(0)} µs per file)`);
console.log(`    300 files: ${small.toFixed(0)} ms`);
console.log(`  ratio 3,000 / 300: ${(big / small).toFixed(2)} (10.00 would be linear)`);
console.log('GitHub API calls per evaluated pull request');
console.log(`  cold: ${calls.cold}  (${calls.coldPaths.join(', ')})`);
console.log(
  `  warm: ${calls.warm}  (${calls.warmPaths.join(', ')})  goal: at most 4: the preview's file list, the snapshot's files and pull request, the check`,
);
process.exitCode = calls.warm <= 4 ? 0 : 1;
