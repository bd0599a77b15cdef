import type { PolicyError } from '../policy/policy-source.js';
import type { ReplayReport, ReplayRow } from '../policy/replay.js';
import { cell, dataCell, truncate } from './markdown.js';

/**
 * Every sentence of the policy preview (issue 25): the `aaoe/policy-preview` check on a pull request that changes
 * AAOE's config, and the text of `aaoe policy replay`. What it says: the proposed policy replayed over the recent
 * governed pull requests, the verdicts that change, and that nothing was written on the replayed pull requests.
 */

export const PREVIEW_CHECK_NAME = 'aaoe/policy-preview';

export type PreviewText = { title: string; summary: string };

/** A pull request of the history that could not be replayed (its head moved on, its facts are gone), and why. */
export type SkippedPullRequest = { repo: string; number: number; reason: string };

export type PreviewMeta = {
  /** The config files the pull request changes, as read at its head. */
  files: readonly string[];
  headSha: string;
  /** How many recent governed pull requests of each repository were asked for. */
  last: number;
  repos: readonly string[];
  skipped: readonly SkippedPullRequest[];
};

/** GitHub refuses a check run summary above 65,535 characters. */
const SUMMARY_MAX = 60_000;
/** Rows shown in the table; the totals count them all. */
const ROWS_SHOWN = 200;

export function explainPolicyPreview(report: ReplayReport, meta: PreviewMeta): PreviewText {
  const { totals } = report;
  const title =
    totals.replayed === 0
      ? 'Policy preview: no recent governed pull request to replay'
      : totals.changed === 0
        ? `Policy preview: no verdict changes over ${totals.replayed} recent pull request${plural(totals.replayed)}`
        : `Policy preview: ${totals.changed} of ${totals.replayed} recent pull request${plural(totals.replayed)} would change verdict`;
  const lines = [
    `The policy this pull request proposes (${meta.files.map((f) => `\`${cell(f)}\``).join(', ')} at \`${meta.headSha.slice(0, 7)}\`) was replayed over the last ${meta.last} governed pull requests of ${meta.repos.map((r) => `\`${cell(r)}\``).join(', ')}, on the facts recorded when each was judged, and compared with the policy in force on the default branch.`,
    'This check is informational: it never blocks the merge, and nothing was written on the replayed pull requests. The new policy judges pull requests only once it is merged into the default branch.',
    '',
    ...totalsLines(report),
    ...tableLines(report.rows),
    ...skippedLines(meta.skipped),
  ];
  return { title, summary: truncate(lines.join('\n'), SUMMARY_MAX) };
}

function totalsLines(report: ReplayReport): string[] {
  const { totals } = report;
  return [
    `**Totals:** ${totals.replayed} replayed, ${totals.changed} change${totals.changed === 1 ? 's' : ''}, ${totals.unchanged} unchanged.`,
    ...totals.transitions.map((t) => `- ${t.from} -> ${t.to}: ${t.count}`),
    '',
  ];
}

function tableLines(rows: readonly ReplayRow[]): string[] {
  if (rows.length === 0) return [];
  const shown = rows.slice(0, ROWS_SHOWN);
  return [
    '| Pull request | Verdict | Gate | Reason |',
    '| --- | --- | --- | --- |',
    ...shown.map(
      (r) =>
        `| ${cell(r.repo)}#${r.number} (\`${r.headSha.slice(0, 7)}\`) | ${r.from} -> ${r.to} | ${cell(gatesOf(r))} | ${reasonsOf(r)} |`,
    ),
    ...(rows.length > shown.length ? [``, `(${rows.length - shown.length} more not shown.)`] : []),
    '',
  ];
}

function gatesOf(row: ReplayRow): string {
  return row.gates.map((g) => `${g.gate}: ${g.from} -> ${g.to}`).join('; ') || '(none)';
}

/** Gate reasons can quote paths and names a pull request's author chose: shown inert. */
function reasonsOf(row: ReplayRow): string {
  return row.gates.map((g) => dataCell(truncate(g.reason, 300))).join('<br>') || '';
}

function skippedLines(skipped: readonly SkippedPullRequest[]): string[] {
  if (skipped.length === 0) return [];
  return [
    `Not replayed (${skipped.length}):`,
    ...skipped.slice(0, 50).map((s) => `- ${cell(s.repo)}#${s.number}: ${dataCell(s.reason)}`),
  ];
}

/** The proposed policy does not validate: every error with its position and fix. */
export function explainPreviewInvalid(errors: readonly PolicyError[]): PreviewText {
  const lines = [
    'The policy this pull request proposes does not validate, so it was not replayed. Merged as it is, it would block every governed pull request of the repository (a policy that cannot be read never passes a change).',
    '',
    '| Where | Problem | Fix |',
    '| --- | --- | --- |',
    ...errors
      .slice(0, 100)
      .map(
        (e) =>
          `| \`${cell(e.file)}:${e.line}:${e.column}\` (${dataCell(e.path)}) | ${dataCell(e.message)} | ${dataCell(e.hint)} |`,
      ),
    '',
    '`npx @aaoe-dev/aaoe@0.2.0 policy validate .github/aaoe.yml` shows the same errors locally.',
  ];
  return {
    title: `Policy preview: the proposed policy is invalid (${errors.length} error${plural(errors.length)})`,
    summary: truncate(lines.join('\n'), SUMMARY_MAX),
  };
}

/** The preview could not be computed (GitHub or the store failed): said, never a pass. */
export function explainPreviewFailed(message: string): PreviewText {
  return {
    title: 'Policy preview: could not be computed',
    summary: `The preview failed: ${dataCell(truncate(message, 500))}\n\nIt is informational only; push again or re-run the check to try again.`,
  };
}

/** `aaoe policy replay`: one line per changed verdict, then the totals. */
export function renderReplayText(report: ReplayReport, skipped: readonly SkippedPullRequest[]): string {
  const lines = report.rows.map(
    (r) =>
      `${r.repo}#${r.number} ${r.headSha.slice(0, 7)}: ${r.from} -> ${r.to} (${r.gates.map((g) => `${g.gate}: ${g.reason}`).join('; ')})`,
  );
  const { totals } = report;
  lines.push(
    `${totals.replayed} replayed, ${totals.changed} changed, ${totals.unchanged} unchanged${totals.transitions.map((t) => `; ${t.from} -> ${t.to}: ${t.count}`).join('')}`,
  );
  for (const s of skipped) lines.push(`not replayed: ${s.repo}#${s.number}: ${s.reason}`);
  return lines.join('\n');
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}
