import { z } from 'zod';
import { data, dataCell, oneLine, truncate } from '../text/markdown.js';
import { formatNumber, formatP } from '../canary/judge-metric.js';
import type { ExecutionRecord } from '../execution/records.js';
import { safeUrl } from './message.js';

/**
 * The debug issue AAOE opens when a deployment is rolled back: the evidence in one place (the verdict per
 * interval and metric, a chart of each metric over the intervals, the failing step, links, the change and its
 * proposal) so a person, or the agent under `selfHeal: propose-fix`, can work on a fix.
 *
 * Pure. Everything from the report, the reason and the proposal is untrusted data: it cannot mention people or
 * teams, cannot forge the hidden marker, cannot break out of a table cell or a code block.
 */

export const DEBUG_LABEL = 'aaoe-debug';

/** The hidden marker that ties a debug issue to its execution (found again before creating another). */
export function debugIssueMarker(executionId: string): string {
  return `<!-- aaoe:debug-issue execution=${executionId.replace(/[^\w.-]/g, '_')} -->`;
}

const num = z.number().optional().catch(undefined);

/** The parts of the action's report (`Report` in action/src/report.ts) the issue shows; each read leniently. */
const ReportView = z.looseObject({
  verdict: z.string().max(40).optional().catch(undefined),
  outcome: z.string().max(40).optional().catch(undefined),
  mode: z.string().max(40).optional().catch(undefined),
  title: z.string().optional().catch(undefined),
  reason: z.string().optional().catch(undefined),
  sha: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional()
    .catch(undefined),
  environment: z.string().max(100).nullable().optional().catch(undefined),
  counts: z
    .looseObject({ planned: num, judged: num, passed: num, failed: num, inconclusive: num })
    .nullable()
    .optional()
    .catch(undefined),
  intervals: z
    .array(
      z.looseObject({
        index: z.int().min(0),
        outcome: z.string().max(40),
        metrics: z
          .array(
            z.looseObject({
              metric: z.string().max(200),
              outcome: z.string().max(40),
              baseline: num,
              canary: num,
              effect: num,
              pValue: num,
              threshold: num,
              reason: z.string().optional().catch(undefined),
            }),
          )
          .max(50),
      }),
    )
    .max(200)
    .optional()
    .catch(undefined),
  commands: z
    .array(z.looseObject({ name: z.string().max(100), exitCode: z.int(), durationMs: num }))
    .max(20)
    .optional()
    .catch(undefined),
  run: z.looseObject({ url: z.unknown().optional() }).nullable().optional().catch(undefined),
});
type ReportView = z.infer<typeof ReportView>;

export type DebugIssueInput = {
  execution: Pick<
    ExecutionRecord,
    'id' | 'repo' | 'pullRequest' | 'issue' | 'headSha' | 'traceId' | 'state' | 'subject' | 'work'
  >;
  /** The latest verified report of the companion action for the execution, as stored. */
  report: Record<string, unknown> | undefined;
  /** Why it was rolled back, in words. */
  reason: string;
  /** The label that asks the agent for a fix, when the policy has `selfHeal: propose-fix`. */
  selfHealLabel?: string | undefined;
};

type Execution = DebugIssueInput['execution'];

/** GitHub's limits: a title of 256 characters, a body of 65,536. */
const TITLE_MAX = 256;
const BODY_MAX = 65_000;

export function renderDebugIssue(input: DebugIssueInput): { title: string; body: string } {
  const { execution: x } = input;
  const parsed = ReportView.safeParse(input.report ?? {});
  const report: ReportView = parsed.success ? parsed.data : {};
  const subject = x.pullRequest !== null ? `#${x.pullRequest}` : x.issue !== null ? `#${x.issue}` : x.repo;
  const what = oneLine(report.title ?? input.reason);
  const title = truncate(`AAOE rollback of ${subject}: ${data(what)}`, TITLE_MAX);
  const lines: string[] = [
    debugIssueMarker(x.id),
    `## AAOE rolled back ${x.pullRequest !== null ? `pull request #${x.pullRequest}` : `execution \`${x.id}\``}`,
    '',
    ...verdictLines(input, report),
    ...intervalLines(report),
    ...failingStepLines(report),
    ...linkLines(x, report),
    ...changeLines(x, report),
    ...proposalLines(x),
    '### Next',
    '',
    input.selfHealLabel
      ? `The policy has \`selfHeal: propose-fix\`: this issue carries \`${chartText(input.selfHealLabel)}\`, so the agent proposes a fix as a new pull request, governed and approved like any other.`
      : 'Find the cause from the evidence above and fix it in a new pull request. (With `selfHeal: propose-fix` in the policy, AAOE asks the agent to propose one.)',
    '',
  ];
  let body = lines.join('\n');
  if (body.length > BODY_MAX)
    body = `${body.slice(0, BODY_MAX)}\n\n… (cut: the evidence is longer than an issue can hold; see the workflow run)`;
  return { title, body };
}

/** The verdict, why, and the count of intervals. */
function verdictLines(input: DebugIssueInput, report: ReportView): string[] {
  const lines: string[] = [];
  const verdict = [report.verdict, report.outcome]
    .filter((v): v is string => Boolean(v))
    .map((v) => code(v))
    .join(', ');
  if (verdict) lines.push(`**Verdict:** ${verdict}${report.title ? ` · ${data(oneLine(report.title))}` : ''}`, '');
  // the reason often repeats the report's title (`title: reason`): say it once
  const why = oneLine(input.reason || report.reason || 'no reason was recorded');
  const shown =
    report.title && why.startsWith(`${oneLine(report.title)}: `) ? why.slice(oneLine(report.title).length + 2) : why;
  lines.push(`**Why:** ${data(shown)}`, '');
  const c = report.counts;
  if (c?.planned !== undefined) {
    lines.push(
      `Intervals: ${c.judged ?? 0} of ${c.planned} judged, ${c.passed ?? 0} passed, ${c.failed ?? 0} failed, ${c.inconclusive ?? 0} inconclusive.`,
      '',
    );
  }
  return lines;
}

/** The verdict per interval and metric, in a table, and a chart of each metric. */
function intervalLines(report: ReportView): string[] {
  const lines = ['### Verdict per interval', ''];
  const intervals = report.intervals ?? [];
  if (intervals.length === 0)
    return [...lines, 'The report has no intervals (the analysis did not run, or the rollback was asked for).', ''];
  lines.push(
    '| Interval | Metric | Baseline | Canary | Effect | p-value | Threshold | Outcome |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const interval of intervals) {
    for (const m of interval.metrics) {
      const outcome = m.outcome === 'pass' ? '✅ pass' : m.outcome === 'fail' ? '❌ fail' : `⚠️ ${dataCell(m.outcome)}`;
      const why = m.outcome !== 'pass' && m.reason ? `: ${dataCell(m.reason)}` : '';
      lines.push(
        `| ${interval.index + 1} | ${dataCell(m.metric)} | ${n(m.baseline)} | ${n(m.canary)} | ${n(m.effect)} | ${m.pValue === undefined ? '–' : formatP(m.pValue)} | ${n(m.threshold)} | ${outcome}${why} |`,
      );
    }
  }
  lines.push(
    '',
    'Baseline and canary are the means of the interval; the effect and the threshold are as the metric compares them (a ratio to the baseline, or an increase in its unit).',
    '',
  );
  return [...lines, ...renderMetricCharts(intervals)];
}

/** The commands that failed, or that none did. */
function failingStepLines(report: ReportView): string[] {
  const lines = ['### Failing step', ''];
  const commands = report.commands ?? [];
  const failing = commands.filter((cmd) => cmd.exitCode !== 0);
  if (failing.length > 0) {
    for (const cmd of failing)
      lines.push(
        `- \`${chartText(cmd.name)}\` exited with **${cmd.exitCode}**${cmd.durationMs !== undefined ? ` after ${(cmd.durationMs / 1000).toFixed(1)} s` : ''}`,
      );
    lines.push('');
  } else if (commands.length > 0) {
    lines.push(
      `No command failed (${commands.map((cmd) => `\`${chartText(cmd.name)}\` exit ${cmd.exitCode}`).join(', ')}): the verdict above rolled it back.`,
      '',
    );
  } else lines.push('The report lists no commands.', '');
  return lines;
}

function linkLines(x: Execution, report: ReportView): string[] {
  const lines = ['### Links', ''];
  const runUrl = safeUrl(report.run?.url);
  if (runUrl) lines.push(`- Workflow run: ${runUrl}`);
  if (x.pullRequest !== null) lines.push(`- Pull request: #${x.pullRequest}`);
  if (x.issue !== null) lines.push(`- Issue the change started from: #${x.issue}`);
  lines.push(`- Execution \`${x.id}\` (trace \`${x.traceId}\`): \`aaoe audit show ${x.id}\``, '');
  return lines;
}

function changeLines(x: Execution, report: ReportView): string[] {
  const lines = ['### The change', '', '| | |', '| --- | --- |'];
  if (x.pullRequest !== null)
    lines.push(
      `| Pull request | #${x.pullRequest}${x.subject?.author ? ` by ${dataCell(x.subject.author.login)}` : ''} |`,
    );
  if (x.headSha) lines.push(`| Head commit | \`${x.headSha}\` |`);
  if (report.sha && report.sha !== x.headSha) lines.push(`| Deployed commit | \`${report.sha}\` |`);
  if (report.environment) lines.push(`| Environment | ${dataCell(report.environment)} |`);
  lines.push(`| Execution state | ${x.state.replaceAll('_', ' ')} |`, '');
  return lines;
}

function proposalLines(x: Execution): string[] {
  const p = x.work?.proposal;
  if (!p)
    return [
      '### The proposal',
      '',
      x.pullRequest !== null
        ? `AAOE did not write this change; its proposal is in the body of #${x.pullRequest}.`
        : 'No proposal was recorded.',
      '',
    ];
  return [
    '### The proposal',
    '',
    data(p.summary),
    '',
    '| | |',
    '| --- | --- |',
    `| Classification | ${dataCell(p.classification)} |`,
    `| Risk declared by the agent | ${dataCell(p.risk.level)}: ${dataCell(p.risk.rationale)} |`,
    `| Rollback plan | ${dataCell(p.rollbackPlan)} |`,
    `| Blast radius | ${dataCell(p.blastRadius)} |`,
    '',
  ];
}

/** A Mermaid xychart per metric: baseline (first line) and canary (second) over the intervals that judged it. */
export function renderMetricCharts(intervals: NonNullable<ReportView['intervals']>): string[] {
  const names = [...new Set(intervals.flatMap((i) => i.metrics.map((m) => m.metric)))].slice(0, 10);
  const out: string[] = [];
  for (const name of names) {
    const points = intervals
      .map((i) => ({ index: i.index, m: i.metrics.find((m) => m.metric === name) }))
      .filter(
        (p): p is { index: number; m: NonNullable<typeof p.m> } =>
          Number.isFinite(p.m?.baseline) && Number.isFinite(p.m?.canary),
      );
    if (points.length === 0) continue;
    const label = chartText(name);
    const value = (v: number | undefined) => String(Number((v ?? 0).toPrecision(4)));
    out.push(
      `#### ${label} over the intervals`,
      '',
      '```mermaid',
      'xychart-beta',
      `  title "${label} (first line: baseline, second: canary)"`,
      `  x-axis [${points.map((p) => `"${p.index + 1}"`).join(', ')}]`,
      `  y-axis "${label}"`,
      `  line [${points.map((p) => value(p.m.baseline)).join(', ')}]`,
      `  line [${points.map((p) => value(p.m.canary)).join(', ')}]`,
      '```',
      '',
    );
  }
  return out;
}

/** Text inside a chart, a code span or a label: a safe character set only (no quotes, backticks, fences, markers). */
function chartText(text: string): string {
  return text.replace(/[^\w .:/%-]/g, '_').slice(0, 80) || '_';
}

function n(v: number | undefined): string {
  return v === undefined ? '–' : formatNumber(v);
}

function code(text: string): string {
  return `\`${chartText(text)}\``;
}
