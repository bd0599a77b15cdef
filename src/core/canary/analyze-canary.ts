import { formatNumber, judgeMetric, type MetricJudgement } from './judge-metric.js';
import type { AnalysisPlan, CanaryMetric, IntervalSamples, MetricSamples } from './schema.js';
import { lookBoundary, recentBoundary } from './spending.js';

/**
 * A canary analysis, interval by interval, like Argo Rollouts' analysis runs and Flagger's checks, but sequential:
 * at the end of every interval each metric is judged (`judgeMetric`) on everything collected since the canary
 * started, against this look's share of the metric's false-rollback budget (`plan.alpha` shared evenly by the
 * metrics, then over the looks: `spending.ts`). From the third look on, each metric is also judged on the latest
 * interval alone (a recent-window test with its own share of the budget), so that healthy intervals before it do not
 * dilute a regression that starts late. Looking after every interval therefore never inflates false rollbacks, a
 * severe regression rolls back at the first look (or, when it starts late, at the look after it started), and the
 * evidence grows with every interval instead of sliding out of a window.
 *
 * More failed intervals than `failureLimit` rolls back at once; more intervals that could not be judged than
 * `inconclusiveLimit` stops the analysis as inconclusive; when every planned interval has ended, the canary is
 * promoted.
 *
 * Pure: the clock (`now`) and the samples are arguments. The caller collects the samples of an interval
 * once it has ended and calls again; `continue` says when the next interval ends.
 *
 * Fails closed: an interval without samples, or whose queries all errored, is inconclusive, and an analysis
 * that judged no interval as passed never promotes.
 */

export type IntervalOutcome = 'pass' | 'fail' | 'inconclusive';

export type IntervalJudgement = {
  /** 0-based. */
  index: number;
  start: string;
  end: string;
  outcome: IntervalOutcome;
  metrics: MetricJudgement[];
};

export type VerdictCounts = { planned: number; judged: number; passed: number; failed: number; inconclusive: number };

type VerdictCommon = {
  /** `now`, ISO 8601. */
  at: string;
  /** One line: the headline. */
  title: string;
  /** Why: the metric and interval the verdict rests on. */
  reason: string;
  intervals: IntervalJudgement[];
  counts: VerdictCounts;
};

export type CanaryVerdict =
  | (VerdictCommon & { kind: 'promote' })
  | (VerdictCommon & { kind: 'rollback' })
  | (VerdictCommon & { kind: 'inconclusive' })
  | (VerdictCommon & { kind: 'continue'; /** When the next interval ends (ISO 8601). */ nextAt: string });

export type VerdictKind = CanaryVerdict['kind'];

export type CanaryAnalysisInput = {
  plan: AnalysisPlan;
  metrics: readonly CanaryMetric[];
  samples: readonly IntervalSamples[];
  now: Date;
};

export function analyzeCanary({ plan, metrics, samples, now }: CanaryAnalysisInput): CanaryVerdict {
  const startMs = Date.parse(plan.startedAt);
  const intervalMs = plan.intervalSeconds * 1000;
  const at = now.toISOString();
  // A millisecond of slack: an interval whose end is `now` has ended.
  const due = Math.max(0, Math.min(plan.intervals, Math.floor((now.getTime() - startMs + 1) / intervalMs)));
  const intervals = judgeIntervals(plan, metrics, indexSamples(samples), due);
  const count = (o: IntervalOutcome) => intervals.filter((i) => i.outcome === o).length;
  const counts: VerdictCounts = {
    planned: plan.intervals,
    judged: intervals.length,
    passed: count('pass'),
    failed: count('fail'),
    inconclusive: count('inconclusive'),
  };
  const common = { at, intervals, counts };
  const tally: Tally = { plan, metricCount: metrics.length, intervals, counts, due };
  return { ...common, ...(verdictBefore(tally) ?? verdictAtEnd(tally)) };
}

function indexSamples(samples: readonly IntervalSamples[]): Map<number, IntervalSamples> {
  const byIndex = new Map<number, IntervalSamples>();
  for (const s of samples) {
    if (byIndex.has(s.index)) throw new Error(`analyzeCanary: samples for interval ${s.index} were given twice`);
    byIndex.set(s.index, s);
  }
  return byIndex;
}

/** Every interval that has ended, judged metric by metric on everything since the start, at its own boundary. */
function judgeIntervals(
  plan: AnalysisPlan,
  metrics: readonly CanaryMetric[],
  byIndex: Map<number, IntervalSamples>,
  due: number,
): IntervalJudgement[] {
  const startMs = Date.parse(plan.startedAt);
  const intervalMs = plan.intervalSeconds * 1000;
  const intervals: IntervalJudgement[] = [];
  for (let index = 0; index < due; index++) {
    const alpha = plan.alpha / Math.max(1, metrics.length);
    const boundaries = {
      all: lookBoundary(alpha, index, plan.intervals),
      recent: recentBoundary(alpha, index, plan.intervals),
    };
    const judged = metrics.map((m) => judgeLook(m, byIndex, index, boundaries));
    const outcome: IntervalOutcome = judged.some((j) => j.outcome === 'fail')
      ? 'fail'
      : judged.some((j) => j.outcome === 'inconclusive') || judged.length === 0
        ? 'inconclusive'
        : 'pass';
    intervals.push({
      index,
      start: new Date(startMs + index * intervalMs).toISOString(),
      end: new Date(startMs + (index + 1) * intervalMs).toISOString(),
      outcome,
      metrics: judged,
    });
  }
  return intervals;
}

/**
 * One metric at look `index`: everything since the start at `all`, and, from the third look on, the latest interval
 * alone at `recent` (`spending.ts`), so that a healthy past does not dilute a late regression. A failure of either
 * fails the metric; the reason says which test it was.
 */
function judgeLook(
  metric: CanaryMetric,
  byIndex: Map<number, IntervalSamples>,
  index: number,
  boundaries: { all: number; recent: number },
): MetricJudgement {
  const own = byIndex.get(index)?.metrics.find((s) => s.metric === metric.name);
  // An interval whose own query failed, or that has no samples, is not judged on earlier data.
  if (!own || 'error' in own) return judgeMetric(metric, own, boundaries.all);
  const all = judgeMetric(metric, accumulate(byIndex, metric.name, 0, index), boundaries.all);
  if (boundaries.recent <= 0 || all.outcome === 'inconclusive') return all;
  const since = `cumulative test (intervals 1-${index + 1}`;
  if (all.outcome === 'fail') return { ...all, reason: `${since}): ${all.reason}` };
  const recent = judgeMetric(metric, accumulate(byIndex, metric.name, index, index), boundaries.recent);
  if (recent.outcome === 'fail')
    return { ...recent, reason: `recent-window test (interval ${index + 1} alone): ${recent.reason}` };
  return {
    ...all,
    reason: `${since}; the recent-window test of interval ${index + 1} alone passed too): ${all.reason}`,
  };
}

type Tally = {
  plan: AnalysisPlan;
  metricCount: number;
  intervals: IntervalJudgement[];
  counts: VerdictCounts;
  due: number;
};

type VerdictBody =
  | { kind: 'promote' | 'rollback' | 'inconclusive'; title: string; reason: string }
  | { kind: 'continue'; nextAt: string; title: string; reason: string };

/** A verdict the analysis reaches before its last interval: no metric, too many failed or unjudged, or go on. */
function verdictBefore({ plan, metricCount, intervals, counts, due }: Tally): VerdictBody | undefined {
  const of = `${plural(intervals.length, 'interval')} judged of ${plan.intervals}`;
  if (metricCount === 0)
    return {
      kind: 'inconclusive',
      title: 'Inconclusive: no metric to judge',
      reason: 'the analysis has no metric: configure at least one query',
    };
  if (counts.failed > plan.failureLimit)
    return {
      kind: 'rollback',
      title: `Roll back: ${plural(counts.failed, 'interval')} failed (limit ${plan.failureLimit}, ${of})`,
      reason: firstReason(intervals, 'fail'),
    };
  if (counts.inconclusive > plan.inconclusiveLimit)
    return {
      kind: 'inconclusive',
      title: `Inconclusive: ${plural(counts.inconclusive, 'interval')} could not be judged (limit ${plan.inconclusiveLimit}, ${of})`,
      reason: firstReason(intervals, 'inconclusive'),
    };
  if (due >= plan.intervals) return undefined;
  return {
    kind: 'continue',
    nextAt: new Date(Date.parse(plan.startedAt) + (due + 1) * plan.intervalSeconds * 1000).toISOString(),
    title: `Continue: ${counts.passed} of ${plural(plan.intervals, 'interval')} passed so far`,
    reason:
      due === 0
        ? 'no interval has ended yet'
        : `${counts.failed} failed (limit ${plan.failureLimit}), ${counts.inconclusive} inconclusive (limit ${plan.inconclusiveLimit})`,
  };
}

/** Every interval judged within the limits: promote, unless none passed. */
function verdictAtEnd({ plan, counts }: Tally): VerdictBody {
  if (counts.passed === 0)
    return {
      kind: 'inconclusive',
      title: 'Inconclusive: no interval passed',
      reason: 'the analysis has no passing interval to promote on',
    };
  return {
    kind: 'promote',
    title: `Promote: ${counts.passed} of ${plural(plan.intervals, 'interval')} passed`,
    reason:
      counts.failed + counts.inconclusive === 0
        ? `every metric stayed within its limit in every interval`
        : `${counts.failed} failed (limit ${plan.failureLimit}), ${counts.inconclusive} inconclusive (limit ${plan.inconclusiveLimit})`,
  };
}

/**
 * The samples of one metric from interval `first` to `last`, skipping intervals whose query failed; with the
 * request counts when every interval had them.
 */
function accumulate(byIndex: Map<number, IntervalSamples>, metric: string, first: number, last: number): MetricSamples {
  const baseline: number[] = [];
  const canary: number[] = [];
  const requests = { baseline: [] as number[], canary: [] as number[] };
  let counted = true;
  for (let i = first; i <= last; i++) {
    const s = byIndex.get(i)?.metrics.find((x) => x.metric === metric);
    if (!s || 'error' in s) continue;
    // Loops rather than spreads: an interval may hold up to 100,000 samples.
    for (const v of s.baseline) baseline.push(v);
    for (const v of s.canary) canary.push(v);
    if (s.requests) {
      for (const v of s.requests.baseline) requests.baseline.push(v);
      for (const v of s.requests.canary) requests.canary.push(v);
    } else counted = false;
  }
  return counted ? { metric, baseline, canary, requests } : { metric, baseline, canary };
}

function firstReason(intervals: IntervalJudgement[], outcome: 'fail' | 'inconclusive'): string {
  for (const interval of intervals) {
    if (interval.outcome !== outcome) continue;
    const m = interval.metrics.find((j) => j.outcome === outcome);
    if (!m) return `interval ${interval.index + 1}: no metric was judged`;
    const values =
      m.outcome === 'inconclusive'
        ? ''
        : `: canary ${formatNumber(m.canary)}${m.unit} vs baseline ${formatNumber(m.baseline)}${m.unit}`;
    return `${m.metric} in interval ${interval.index + 1}${values}, ${m.reason}`;
  }
  return '';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
