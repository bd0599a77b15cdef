import type { PolicyError } from './policy-source.js';
import type { Evaluation, GateOutcome } from './evaluation.js';
import { short, type DeployTarget, type PullRequestSnapshot } from './snapshot.js';

/**
 * The text of the `aaoe/policy` check run, in one place. The CLI prints the same text.
 * Every message says what happened, why, and what to do next.
 */

export type CheckText = { title: string; summary: string };

/** GitHub refuses a check-run summary above 65,535 characters. */
export const SUMMARY_LIMIT = 65_535;

const OUTCOME: Record<GateOutcome, string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  needs_approval: '✋ needs approval',
};

export function explainEvaluation(
  evaluation: Evaluation,
  about: { policySource?: string; traceId?: string } = {},
): CheckText {
  const { risk } = evaluation;
  const lines: string[] = [];
  const declared = risk.declared ? `, declared by the agent: ${risk.declared}` : '';
  lines.push(
    `**Policy \`${evaluation.policyId}\`**${about.policySource ? ` from ${about.policySource}` : ''} · risk **${risk.level}** (AAOE's assessment: ${risk.own}${declared})`,
  );
  lines.push('');
  lines.push('| Gate | Result | Why |');
  lines.push('| --- | --- | --- |');
  for (const gate of evaluation.gates) {
    lines.push(`| ${gate.title} | ${OUTCOME[gate.outcome]} | ${cell(gate.reason)} |`);
  }

  const todo = evaluation.gates.filter((g) => g.outcome !== 'passed' && g.hint);
  if (todo.length > 0) {
    lines.push('', '### What to do next');
    for (const gate of todo) lines.push(`- **${gate.title}**: ${gate.hint}`);
  }

  lines.push('', '### Evidence');
  for (const gate of evaluation.gates) {
    if (gate.evidence.length === 0) continue;
    lines.push('', `<details${gate.outcome === 'passed' ? '' : ' open'}><summary>${gate.title}</summary>`, '');
    for (const item of gate.evidence) lines.push(`- ${item}`);
    lines.push('', '</details>');
  }
  if (about.traceId) lines.push('', `<sub>trace ${about.traceId}</sub>`);
  return { title: evaluation.title, summary: truncate(lines.join('\n')) };
}

export function explainInvalidPolicy(problems: PolicyError[]): CheckText {
  const lines = [
    'The AAOE policy on the default branch does not validate, so no pull request can be judged. Changes stay blocked until it is fixed (a policy that cannot be read never passes a change).',
    '',
    '| Where | Problem | Fix |',
    '| --- | --- | --- |',
    ...problems.map(
      (p) => `| \`${p.file}:${p.line}:${p.column}\` (${cell(p.path)}) | ${cell(p.message)} | ${cell(p.hint)} |`,
    ),
    '',
    'Fix the file on the default branch, then re-run this check. `npx @aaoe-dev/aaoe@0.2.0 policy validate .github/aaoe.yml` shows the same errors locally.',
  ];
  return {
    title: `The AAOE policy is invalid: ${problems.length} error${problems.length === 1 ? '' : 's'}`,
    summary: truncate(lines.join('\n')),
  };
}

export function explainUngoverned(reason: string): CheckText {
  return {
    title: 'Not governed by AAOE',
    summary: `${reason}\n\nAAOE governs pull requests opened by an agent (AAOE itself, a known coding agent, any Bot account the policy does not exempt under \`governance.exemptBots\`, or an account listed under \`agents:\` in \`.github/aaoe.yml\` by login or id), pull requests whose commits are an agent's (its account, its email or its \`Co-authored-by:\` trailer: docs/agents.md), and pull requests that carry, or once carried, the trigger label; once governed, always governed. Add the label to put this pull request under the policy.`,
  };
}

/** The line of the check that says which pair was judged, and what AAOE does with it. */
/** Puts a line before a check's summary, within GitHub's limit. */
export function withPreamble(summary: string, preamble: string): string {
  return truncate(`${preamble}\n\n${summary}`);
}

export function explainSnapshot(snapshot: PullRequestSnapshot, target: DeployTarget): string {
  const pair = `Judged \`${snapshot.headRef}\` at ${short(snapshot.headSha)} into \`${snapshot.baseRef}\``;
  if (target.deployable) return `${pair} (${target.why}) at ${short(snapshot.baseSha)}.`;
  return `${pair} at ${short(snapshot.baseSha)}: ⚠️ ${target.why}. AAOE judges this change but never merges or deploys it; retarget it to a deploy branch to ship it.`;
}

/** The check's text when GitHub listed fewer files than the pull request changes (it lists at most 3,000). */
export function explainIncomplete(text: CheckText, missing: { listed: number; total: number }): CheckText {
  const n = (x: number) => x.toLocaleString('en-US');
  return {
    title: `GitHub lists ${n(missing.listed)} of its ${n(missing.total)} files: the rest were never judged`,
    summary: withPreamble(
      text.summary,
      `### Files not judged\n\nGitHub lists at most 3,000 files of a pull request; this one changes ${n(missing.total)}, so ${n(missing.total - missing.listed)} of them were never seen by the gates, and a change AAOE cannot see whole does not pass. Split it into smaller pull requests.`,
    ),
  };
}

/** Escapes a value for one Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function truncate(summary: string): string {
  if (summary.length <= SUMMARY_LIMIT) return summary;
  const note =
    '\n\n… (truncated: the full explanation is longer than GitHub allows; run `aaoe policy evaluate` to see it all)';
  return summary.slice(0, SUMMARY_LIMIT - note.length) + note;
}
