/**
 * `npm run bench` (part): canary judges on the same seeded noisy series (`bench/canary-series.ts`), in one run:
 * the judge AAOE had before issue 24, a fixed threshold (Flagger style), a Kayenta-style Mann-Whitney, AAOE's
 * sequential judge, and the optimal fixed-sample test (the statistical limit: the most powerful test on the first
 * one or two intervals, its critical value calibrated on the healthy runs to the sequential judge's false-rollback
 * rate).
 *
 * Each run is a canary analysis of the example policy (`errorRateIncrease: 2`, `latencyIncreaseMs: 250`,
 * `windowSeconds: 300`) in 60 s intervals of 5 s steps, baseline and canary each taking the same traffic, 2% errors,
 * at 5, 10, 50, 100 and 500 requests per second per side; the judges look after every interval.
 *
 * - healthy runs: the canary is the baseline's twin; a rollback is a false rollback (goal: at most 1%).
 * - regressions from the start: 1.5x, 2x and 3x the error rate, and the latency 250 ms higher (the policy's limits:
 *   2x and +250 ms are at the threshold, 1.5x below it); caught within one / two intervals = a rollback after the
 *   first / second look. Goals: within two intervals at most 5 points below the optimal fixed-sample test, and a 3x
 *   regression at 50 rps or more caught within the first interval in at least 99% of runs.
 *
 * - a late regression (`LATE`): two healthy intervals, then 3x the error rate; rolled back at the third look (the
 *   first after it started) and by the end. Since the start it is under 2x: only a test of the latest interval sees it.
 *
 * `--runs N` and `--seed S` change the defaults (800 runs per row and traffic level, about 100 s).
 */
import { pathToFileURL } from 'node:url';
import {
  calibrate,
  ERROR_STATISTICS,
  JUDGES,
  judge,
  LATENCY_STATISTICS,
  optimalStatistics,
  rejects,
  type JudgeName,
  type OptimalStatistics,
} from './canary-judges.js';
import { generateRun, HEALTHY, mulberry32, type Change, type Scenario } from './canary-series.js';

export type { Scenario } from './canary-series.js';

const BASE: Scenario = { name: '', rps: 100, errorRate: 0.02, stepSeconds: 5, intervalSeconds: 60, windowSeconds: 300 };
export const TRAFFIC = [5, 10, 50, 100, 500].map((rps) => ({ ...BASE, name: `${rps} rps`, rps }));
export const CHANGES: Change[] = [
  { name: '1.5x errors', errorFactor: 1.5, latencyMs: 0 },
  { name: '2x errors', errorFactor: 2, latencyMs: 0 },
  { name: '3x errors', errorFactor: 3, latencyMs: 0 },
  { name: '+250 ms', errorFactor: 1, latencyMs: 250 },
];

export type Detection = { withinOne: number; withinTwo: number; medianIntervals: number };
export type JudgeFigures = {
  judge: JudgeName | 'optimal fixed-sample';
  runs: number;
  falseRollbacks: number;
  healthyInconclusive: number;
  healthyMedianIntervals: number;
  /** Per change (CHANGES order): shares of the runs. */
  detection: Detection[];
};
export type BenchmarkResult = { scenario: Scenario; figures: JudgeFigures[]; late: LateFigures[] };

/**
 * A late regression: two healthy intervals, then 3x the error rate from the third on. Since the start the canary is
 * under the policy's 2x, so only a judge that also looks at the latest interval(s) catches it at the third look.
 */
export const LATE: Change = { name: 'late 3x', errorFactor: 3, latencyMs: 0 };
export const LATE_ONSET = 2;
export type LateFigures = { judge: JudgeName; atOnset: number; byEnd: number };

export function runCanaryJudgeBenchmark(scenario: Scenario, runs: number, seed: number): BenchmarkResult {
  const random = mulberry32(seed + scenario.rps);
  const outcomes = new Map<JudgeName, { healthy: Outcome[]; changed: Outcome[][] }>();
  for (const name of JUDGES) outcomes.set(name, { healthy: [], changed: CHANGES.map(() => []) });
  const stats = { healthy: [] as Stats[], changed: CHANGES.map(() => [] as Stats[]) };
  for (let run = 0; run < runs; run++) {
    for (const [c, change] of [HEALTHY, ...CHANGES].entries()) {
      const series = generateRun(scenario, change, random);
      const s: Stats = [optimalStatistics(series, 1), optimalStatistics(series, 2)];
      if (c === 0) stats.healthy.push(s);
      else stats.changed[c - 1]?.push(s);
      for (const name of JUDGES) {
        const o = outcomes.get(name);
        const outcome = judge(name, series, scenario.intervalSeconds);
        if (c === 0) o?.healthy.push(outcome);
        else o?.changed[c - 1]?.push(outcome);
      }
    }
  }
  const figures: JudgeFigures[] = JUDGES.map((name) => figuresOf(name, runs, outcomes.get(name)));
  const sequential = figures.find((f) => f.judge === 'sequential');
  figures.push(optimalFigures(runs, stats, (sequential?.falseRollbacks ?? 0) / runs));
  return { scenario, figures, late: lateRegression(scenario, runs, seed) };
}

/** Each judge on `runs` late regressions (their own seeded stream): caught at the onset's look, and by the end. */
export function lateRegression(scenario: Scenario, runs: number, seed: number): LateFigures[] {
  const random = mulberry32(seed + scenario.rps + 7919);
  const outcomes = JUDGES.map(() => [] as Outcome[]);
  for (let run = 0; run < runs; run++) {
    const before = generateRun(scenario, HEALTHY, random).slice(0, LATE_ONSET);
    const series = [...before, ...generateRun(scenario, LATE, random).slice(LATE_ONSET)];
    JUDGES.forEach((name, j) => outcomes[j]?.push(judge(name, series, scenario.intervalSeconds)));
  }
  return JUDGES.map((name, j) => {
    const rolledBack = (outcomes[j] ?? []).filter((o) => o.kind === 'rollback');
    return {
      judge: name,
      atOnset: rolledBack.filter((o) => o.afterIntervals === LATE_ONSET + 1).length / runs,
      byEnd: rolledBack.length / runs,
    };
  });
}

type Outcome = ReturnType<typeof judge>;
type Stats = [ReturnType<typeof optimalStatistics>, ReturnType<typeof optimalStatistics>];

function figuresOf(
  name: JudgeName,
  runs: number,
  o: { healthy: Outcome[]; changed: Outcome[][] } | undefined,
): JudgeFigures {
  if (!o) throw new Error(`no outcomes for ${name}`);
  const rolledBack = (xs: Outcome[], within: number) =>
    xs.filter((x) => x.kind === 'rollback' && x.afterIntervals <= within).length / runs;
  return {
    judge: name,
    runs,
    falseRollbacks: o.healthy.filter((x) => x.kind === 'rollback').length,
    healthyInconclusive: o.healthy.filter((x) => x.kind === 'inconclusive').length,
    healthyMedianIntervals: median(o.healthy.map((x) => x.afterIntervals)),
    detection: o.changed.map((xs) => ({
      withinOne: rolledBack(xs, 1),
      withinTwo: rolledBack(xs, 2),
      medianIntervals: median(xs.map((x) => x.afterIntervals)),
    })),
  };
}

/** The optimal fixed-sample test after one and after two intervals, at the sequential judge's false-rollback rate. */
function optimalFigures(runs: number, stats: { healthy: Stats[]; changed: Stats[][] }, rate: number): JudgeFigures {
  const power = (look: 0 | 1, statistic: keyof OptimalStatistics, changed: Stats[]) => {
    const c = calibrate(
      stats.healthy.map((s) => s[look][statistic]),
      rate,
    );
    return changed.filter((s) => rejects(s[look][statistic], c)).length / runs;
  };
  const best = (look: 0 | 1, statistics: readonly (keyof OptimalStatistics)[], changed: Stats[]) =>
    Math.max(...statistics.map((s) => power(look, s, changed)));
  return {
    judge: 'optimal fixed-sample',
    runs,
    falseRollbacks: Math.round(rate * runs),
    healthyInconclusive: 0,
    healthyMedianIntervals: Number.NaN,
    detection: CHANGES.map((change, i) => {
      const statistics = change.latencyMs > 0 ? LATENCY_STATISTICS : ERROR_STATISTICS;
      const changed = stats.changed[i] ?? [];
      return {
        withinOne: best(0, statistics, changed),
        withinTwo: best(1, statistics, changed),
        medianIntervals: Number.NaN,
      };
    }),
  };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatBenchmark(results: BenchmarkResult[]): string {
  const head = CHANGES.map((c) => c.name.padStart(22)).join('');
  const lines = [
    'canary judges on the same seeded series (policy: errorRateIncrease 2, latencyIncreaseMs 250, windowSeconds 300; 60 s intervals, 5 s steps, 2% errors)',
    '  per change: caught within 1 interval / within 2 intervals / median intervals to the verdict',
    `  ${'traffic'.padEnd(8)}${'judge'.padEnd(21)}${'false rb'.padStart(9)}${'inconcl'.padStart(8)}${'t'.padStart(3)}${head}`,
  ];
  for (const { scenario, figures } of results) {
    for (const f of figures) {
      const cells = f.detection
        .map((d) =>
          `${pct(d.withinOne)}/${pct(d.withinTwo)}/${Number.isNaN(d.medianIntervals) ? '-' : d.medianIntervals}`.padStart(
            22,
          ),
        )
        .join('');
      const t = Number.isNaN(f.healthyMedianIntervals) ? '-' : String(f.healthyMedianIntervals);
      lines.push(
        `  ${scenario.name.padEnd(8)}${f.judge.padEnd(21)}${pct(f.falseRollbacks / f.runs).padStart(9)}${pct(f.healthyInconclusive / f.runs).padStart(8)}${t.padStart(3)}${cells}`,
      );
    }
  }
  lines.push(
    `  ${LATE.name} from interval ${LATE_ONSET + 1} (after ${LATE_ONSET} healthy): rolled back at its first look / by the end`,
  );
  for (const { scenario, late } of results)
    lines.push(
      `  ${scenario.name.padEnd(8)}${late.map((l) => `${l.judge} ${pct(l.atOnset)}/${pct(l.byEnd)}`).join('   ')}`,
    );
  lines.push(
    '  false rb: healthy runs rolled back; inconcl: healthy runs inconclusive; t: median intervals to the healthy verdict',
    '  the optimal fixed-sample test is calibrated on the healthy runs to the sequential judge false-rollback rate',
  );
  return lines.join('\n');
}

/** The issue's acceptance, per traffic level: the goals the sequential judge misses (empty: all met). */
export function missedGoals({ scenario, figures }: BenchmarkResult): string[] {
  const sequential = figures.find((f) => f.judge === 'sequential');
  const optimal = figures.find((f) => f.judge === 'optimal fixed-sample');
  if (!sequential || !optimal) return ['the benchmark ran no sequential judge'];
  const missed: string[] = [];
  if (sequential.falseRollbacks > 0.01 * sequential.runs) missed.push(`${scenario.name}: false rollbacks above 1%`);
  CHANGES.forEach((change, i) => {
    const s = sequential.detection[i];
    const o = optimal.detection[i];
    if (s && o && s.withinTwo < o.withinTwo - 0.05)
      missed.push(
        `${scenario.name}, ${change.name}: ${pct(s.withinTwo)} within two intervals, optimal ${pct(o.withinTwo)}`,
      );
  });
  const threeX = sequential.detection[CHANGES.findIndex((c) => c.errorFactor === 3)];
  if (scenario.rps >= 50 && threeX && threeX.withinOne < 0.99)
    missed.push(`${scenario.name}: 3x caught within the first interval in ${pct(threeX.withinOne)}`);
  return missed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const runs = arg('--runs', 800);
  const seed = arg('--seed', 20261);
  const started = performance.now();
  const only = arg('--rps', 0);
  const levels = TRAFFIC.filter((s) => only === 0 || s.rps === only);
  const results = levels.map((scenario) => runCanaryJudgeBenchmark(scenario, runs, seed));
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(
    `${formatBenchmark(results)}\n  (${runs} healthy runs and ${runs} runs per change and traffic level, seed ${seed}, ${seconds} s)`,
  );
  const missed = results.flatMap(missedGoals);
  for (const m of missed) console.log(`  goal missed: ${m}`);
  process.exitCode = missed.length === 0 ? 0 : 1;
}
