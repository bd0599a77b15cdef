import type { CanaryVerdict } from '../../src/core/canary/analyze-canary.js';
import { formatNumber, formatP } from '../../src/core/canary/judge-metric.js';
import type { IntervalSamples } from '../../src/core/canary/schema.js';
import type { CommandResult } from './run-command.js';

/** The job summary, in one place: what happened, why, and what to do next. */

const HEADLINE: Record<CanaryVerdict['kind'], string> = {
  promote: '✅ Promoted',
  rollback: '❌ Rolled back',
  inconclusive: '⚠️ Inconclusive',
  continue: '⏳ Running',
};

export type SummaryInput = {
  verdict: CanaryVerdict;
  samples: IntervalSamples[];
  commands: { name: string; result: CommandResult }[];
  /** What was done about the verdict, one line. */
  action: string;
  next?: string;
};

export function renderCanarySummary({ verdict, samples, commands, action, next }: SummaryInput): string {
  const lines = [
    `## AAOE canary: ${HEADLINE[verdict.kind]}`,
    '',
    `**${verdict.title}**`,
    '',
    `Why: ${cell(verdict.reason)}`,
    '',
    action,
    '',
  ];
  if (next) lines.push(`Next: ${next}`, '');
  lines.push(...renderMetricTable(verdict));
  lines.push(...renderCharts(samples));
  for (const { name, result } of commands) {
    lines.push(
      `<details><summary>${name} command: exit ${result.exitCode} (${(result.durationMs / 1000).toFixed(1)} s)</summary>`,
      '',
      '```text',
      result.output.replace(/```/g, '``\u200b`').trimEnd() || '(no output)',
      '```',
      '</details>',
      '',
    );
  }
  return lines.join('\n');
}

/**
 * Per look and metric: the data used (counts or samples since the start), the means or rates, the test, its
 * p-values, the boundary they were held against, and the outcome with its reason (what was missing, when
 * inconclusive).
 */
export function renderMetricTable(verdict: CanaryVerdict): string[] {
  const lines = [
    '| Interval | Metric | Data since the start | Baseline | Canary | Effect | Test | p (worse) | p (within limit) | Boundary | Limit | Result |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const interval of verdict.intervals) {
    for (const m of interval.metrics) {
      const threshold =
        m.compare === 'ratio' ? `≤ ${formatNumber(m.threshold)}x` : `≤ +${formatNumber(m.threshold)}${m.unit}`;
      if (m.outcome === 'inconclusive') {
        lines.push(
          `| ${interval.index + 1} | ${m.metric} | – | – | – | – | – | – | – | – | ${threshold} | ⚠️ inconclusive: ${cell(m.reason)} |`,
        );
        continue;
      }
      const effect =
        m.compare === 'ratio'
          ? `${formatNumber(m.effect)}x`
          : `${m.effect >= 0 ? '+' : ''}${formatNumber(m.effect)}${m.unit}`;
      const result = m.outcome === 'pass' ? '✅ pass' : '❌ fail';
      lines.push(
        `| ${interval.index + 1} | ${m.metric} | ${cell(m.data)} | ${formatNumber(m.baseline)}${m.unit} | ${formatNumber(m.canary)}${m.unit} | ${effect} | ${cell(m.test)} | ${formatP(m.pValue)} | ${formatP(m.pBelowLimit)} | ${formatNumber(m.boundary)} | ${threshold} | ${result}: ${cell(m.reason.split(':')[0] ?? '')} |`,
      );
    }
  }
  lines.push(
    '',
    "Each look judges everything collected since the canary started and, from the third look on, also the latest interval alone (a recent-window test, so a healthy past cannot dilute a late regression). A metric fails when the canary is significantly worse than the baseline and not significantly within the limit, both p-values held against the look's boundary: its share of the false-rollback budget (`alpha`, shared by the metrics, then spent 25% on the first look, 70% on the second, 1% over the later looks' cumulative tests, 4% over their recent-window tests), so that looking every interval never raises false rollbacks above `alpha`. Error counts with request counts are tested as counts (conditional test of two Poisson rates, exact when the steps show no overdispersion); other samples with a rank test (Mann-Whitney U).",
    '',
  );
  return lines;
}

/** A Mermaid chart per metric: the mean of each interval, baseline (first line) and canary (second line). */
export function renderCharts(samples: IntervalSamples[]): string[] {
  const names = [...new Set(samples.flatMap((s) => s.metrics.map((m) => m.metric)))];
  const out: string[] = [];
  for (const name of names) {
    const points = samples.map((s) => {
      const m = s.metrics.find((x) => x.metric === name);
      if (!m || 'error' in m) return undefined;
      return { baseline: mean(m.baseline), canary: mean(m.canary) };
    });
    if (points.every((p) => p === undefined)) continue;
    const series = (side: 'baseline' | 'canary') =>
      points.map((p) => (p && Number.isFinite(p[side]) ? Number(p[side].toPrecision(4)) : 0)).join(', ');
    out.push(
      `### ${name}: baseline vs canary`,
      '',
      '```mermaid',
      'xychart-beta',
      `  title "${name} per interval (first line: baseline, second: canary)"`,
      `  x-axis [${samples.map((s) => `"${s.index + 1}"`).join(', ')}]`,
      `  y-axis "${name}"`,
      `  line [${series('baseline')}]`,
      `  line [${series('canary')}]`,
      '```',
      '',
    );
  }
  return out;
}

function mean(values: number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? Number.NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}
