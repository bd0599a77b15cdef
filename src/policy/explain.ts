import type { PolicyError } from './load-policy.js';
import type { Evaluation, GateOutcome } from './result.js';

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

export function explainEvaluation(evaluation: Evaluation, about: { policySource?: string; traceId?: string } = {}): CheckText {
  const { risk } = evaluation;
  const lines: string[] = [];
  const declared = risk.declared ? `, declared by the agent: ${risk.declared}` : '';
  lines.push(`**Policy \`${evaluation.policyId}\`**${about.policySource ? ` from ${about.policySource}` : ''} · risk **${risk.level}** (AAOE's assessment: ${risk.own}${declared})`);
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
    ...problems.map((p) => `| \`${p.file}:${p.line}:${p.column}\` (${cell(p.path)}) | ${cell(p.message)} | ${cell(p.hint)} |`),
    '',
    'Fix the file on the default branch, then re-run this check. `npx aaoe policy validate .github/aaoe.yml` shows the same errors locally.',
  ];
  return {
    title: `The AAOE policy is invalid: ${problems.length} error${problems.length === 1 ? '' : 's'}`,
    summary: truncate(lines.join('\n')),
  };
}

export function explainUngoverned(reason: string): CheckText {
  return {
    title: 'Not governed by AAOE',
    summary: `${reason}\n\nAAOE governs pull requests opened by an agent (AAOE itself or a login listed under \`agents:\` in \`.github/aaoe.yml\`) and pull requests that carry, or once carried, the trigger label. Add the label to put this pull request under the policy.`,
  };
}

/** Escapes a value for one Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function truncate(summary: string): string {
  if (summary.length <= SUMMARY_LIMIT) return summary;
  const note = '\n\n… (truncated: the full explanation is longer than GitHub allows; run `aaoe policy evaluate` to see it all)';
  return summary.slice(0, SUMMARY_LIMIT - note.length) + note;
}
