/**
 * `npm run bench` (part), issue 25: `aaoe policy replay` over 1,000 recorded governed pull requests must finish in
 * under 2 s. The store (PGlite, in memory) is filled first with 1,000 recorded changes (seeded: 1 to 30 files each, of
 * docs, code, infrastructure and migrations, with added lines the secrets gate scans, and declared risks), untimed;
 * then the command's own function is timed: the store read, the replay and the text. The preview's replay (the
 * policy in force and the proposed one, both evaluated per pull request) is timed on the same facts.
 *
 * `--prs N` changes the count (default 1,000).
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '../src/adapters/store/database.js';
import { listRecordedFacts, recordGovernedFacts } from '../src/adapters/store/governed-history.js';
import { migrate } from '../src/adapters/store/migrations.js';
import { replayInStore } from '../src/cli/policy-replay-command.js';
import { Change, type ChangedFile } from '../src/core/policy/change.js';
import { evaluatePolicy } from '../src/core/policy/evaluate-policy.js';
import { replayPolicy, secretsSettings, verdictOf } from '../src/core/policy/replay.js';
import { Policy } from '../src/core/policy/schema.js';
import { mulberry32 } from './canary-series.js';

const TIGHTER = 'risk: { maxLevel: medium, requireHumanApprovalAbove: low }\n';
const LEVELS = ['low', 'medium', 'high', 'critical'] as const;
const AREAS = ['docs/guide', 'src/service', 'infra/terraform/main', 'db/migrations/0001', 'web/app'] as const;

export type ReplayBenchResult = {
  prs: number;
  /** Wall time of the command's function, and the CPU time this process spent in it (the wall time on a busy machine). */
  cliMs: number;
  cliCpuMs: number;
  previewMs: number;
  changed: number;
  previewChanged: number;
};

function changeOf(i: number, random: () => number): Change {
  const count = 1 + Math.floor(random() * 30);
  const files: ChangedFile[] = Array.from({ length: count }, (_, f) => {
    const area = AREAS[Math.floor(random() * AREAS.length)] ?? 'docs/guide';
    const lines = Array.from({ length: 1 + Math.floor(random() * 20) }, (_, l) => `+line ${l} of change ${i}`);
    return {
      path: `${area}-${f}.${area.startsWith('docs') ? 'md' : area.includes('terraform') ? 'tf' : 'ts'}`,
      status: 'modified',
      additions: lines.length,
      deletions: 0,
      patch: `@@ -0,0 +1,${lines.length} @@\n${lines.join('\n')}`,
    };
  });
  const level = LEVELS[Math.floor(random() * LEVELS.length)] ?? 'low';
  return Change.parse({
    files,
    author: { login: 'agent[bot]', isAgent: true },
    declared: { risk: { level } },
    at: '2026-11-23T10:00:00Z',
  });
}

export async function runPolicyReplayBenchmark(prs: number, seed = 25): Promise<ReplayBenchResult> {
  const db = await openDatabase({ memory: true });
  try {
    await migrate(db);
    const random = mulberry32(seed);
    // the policy in force when the facts were recorded
    const inForce = Policy.parse({ risk: { maxLevel: 'high', requireHumanApprovalAbove: 'low' } });
    for (let i = 0; i < prs; i++) {
      const change = changeOf(i, random);
      // recorded as the preview records what it reads: the verdict and the secrets gate under the policy in force
      const evaluation = await evaluatePolicy(change, inForce);
      const recorded = verdictOf(evaluation.conclusion);
      const scanned = evaluation.gates.find((g) => g.gate === 'secrets');
      const secrets = scanned ? { settings: secretsSettings(inForce), result: scanned } : undefined;
      const headSha = i.toString(16).padStart(40, '0');
      const at = new Date(Date.UTC(2026, 10, 1) + i * 60_000);
      await recordGovernedFacts(db, {
        repo: 'octo/api',
        number: i + 1,
        baseSha: 'b'.repeat(40),
        headSha,
        change,
        recorded,
        secrets,
        executionId: `x${i}`,
        at,
      });
    }
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    const started = performance.now();
    const cpu = process.cpuUsage();
    await replayInStore(db, { policy: 'tighter.yml', repo: 'octo/api', last: prs }, TIGHTER, io);
    const cliMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cliCpuMs = (used.user + used.system) / 1000;
    const changed = Number(/(\d+) changed/.exec(out.at(-1) ?? '')?.[1] ?? NaN);

    const { facts } = await listRecordedFacts(db, 'octo/api', prs);
    const proposed = Policy.parse({ risk: { maxLevel: 'medium', requireHumanApprovalAbove: 'low' } });
    const previewStarted = performance.now();
    const preview = await replayPolicy({ proposed, baseline: inForce, pullRequests: facts });
    const previewMs = performance.now() - previewStarted;
    return { prs, cliMs, cliCpuMs, previewMs, changed, previewChanged: preview.totals.changed };
  } finally {
    await db.close();
  }
}

export function formatPolicyReplayBenchmark(r: ReplayBenchResult): string {
  return [
    `policy replay over ${r.prs} recorded pull requests (goal: under 2 s)`,
    `  aaoe policy replay (store read + replay + text): ${(r.cliMs / 1000).toFixed(2)} s (CPU ${(r.cliCpuMs / 1000).toFixed(2)} s), ${r.changed} verdicts change`,
    `  preview replay (policy in force and proposed):  ${(r.previewMs / 1000).toFixed(2)} s, ${r.previewChanged} verdicts change`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--prs');
  const prs = i >= 0 ? Number(process.argv[i + 1]) : 1000;
  const result = await runPolicyReplayBenchmark(prs);
  console.log(formatPolicyReplayBenchmark(result));
  // the goal is the wall time; on a machine busy with other work the CPU time is what this process needed
  process.exitCode = result.cliMs < 2000 ? 0 : 1;
}
