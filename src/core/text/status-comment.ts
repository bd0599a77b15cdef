import type { AgentWork } from '../execution/records.js';
import type { ExecutionState } from '../execution/execution-model.js';
import { cell, data } from './markdown.js';

/**
 * The one status comment AAOE keeps on an issue it works on: where the execution is, what it found, what it
 * cost, and what happens next. Rendered from the execution as stored (so a late update never shows an older
 * state), and found again by its hidden marker, so it is updated, never posted twice.
 */

export const STATUS_MARKER = '<!-- aaoe:status -->';

export type StatusInput = {
  executionId: string;
  traceId: string;
  state: ExecutionState;
  work: AgentWork;
  pullRequest: { number: number; url?: string } | null;
  /** What the model calls that were sent cost (a call a cap or an open breaker held back is not one: `executionModelCost`). */
  cost: { tokens: number; usd: number; calls: number };
};

const HEADLINES: Partial<Record<ExecutionState, string>> = {
  received: 'working on it: triage',
  classified: 'triaged; asking the agent for a proposal',
  proposing: 'the agent is writing a proposal',
  proposed: 'pull request opened; the policy is being evaluated',
  blocked: 'the policy check fails: the pull request cannot be merged as it is',
  awaiting_approval: 'the policy asks for a human approval',
  approved: 'the policy passes',
  scheduled: 'approved; waiting for its change window (the `aaoe/policy` check says until when)',
  failed: 'stopped',
  rejected: 'rejected',
  paused: 'paused',
  frozen: 'frozen',
};

export function renderStatusComment(input: StatusInput): string {
  const { work } = input;
  const headline =
    input.state === 'failed' && !input.pullRequest
      ? 'stopped: no pull request'
      : (HEADLINES[input.state] ?? input.state.replaceAll('_', ' '));
  const lines = [STATUS_MARKER, `**AAOE: ${headline}**`, ''];
  if (input.state === 'failed') {
    // an edit after the consent: only a new consent (the label applied again) moves it on, never `/aaoe retry`
    // a failure after the pull request was opened (a deployment GitHub refused to dispatch) leaves it as it is
    const what = input.pullRequest
      ? `Pull request #${input.pullRequest.number} is left as it is.`
      : 'Nothing was committed and no pull request was opened.';
    const again = (work as { consentVoided?: boolean }).consentVoided
      ? `${what} The agent works only on the text that was consented to: apply the label again to consent to the issue as it reads now.`
      : `${what} Fix the cause (or the issue text) and ask again with \`/aaoe retry\`, or remove and re-apply the label.`;
    // the reason may quote GitHub's answer, which quotes what the model proposed (a path): data, never a mention
    lines.push(`Why: ${work.failure ? data(work.failure) : 'see the audit log'}`, '', again, '');
  }
  const rows: string[] = [];
  const t = work.triage;
  if (t) {
    rows.push(`| Class | ${t.classification} (${t.source === 'labels' ? 'from the labels' : 'by the model'}) |`);
    if (t.likelyPaths.length)
      rows.push(
        `| Likely paths | ${t.likelyPaths
          .slice(0, 10)
          .map((p) => `\`${p}\``)
          .join(', ')}${t.likelyPaths.length > 10 ? ', …' : ''} |`,
      );
    const owners = Object.keys(t.owners);
    rows.push(`| Owners | ${owners.length ? owners.join(', ') : 'none in CODEOWNERS'} |`);
    if (t.conflicts.length)
      rows.push(
        `| In flight on the same paths | ${t.conflicts.map((c) => `execution \`${c.executionId}\` (${c.paths.map((p) => `\`${p}\``).join(', ')})`).join('; ')} |`,
      );
  }
  if (work.proposal)
    rows.push(`| Proposal | ${cell(data(work.proposal.summary))} (declared risk ${work.proposal.risk.level}) |`);
  if (input.pullRequest) rows.push(`| Pull request | #${input.pullRequest.number} |`);
  if (work.reviewers)
    rows.push(
      `| Reviewers | ${[...work.reviewers.users, ...work.reviewers.teams].join(', ') || 'none requested'}${work.reviewers.note ? ` (${work.reviewers.note})` : ''} |`,
    );
  rows.push(
    `| Cost | ${input.cost.tokens.toLocaleString('en-US')} tokens, $${input.cost.usd.toFixed(4)} in ${input.cost.calls} model call${input.cost.calls === 1 ? '' : 's'}${work.overrun ? ` (over the cap: ${work.overrun})` : ''} |`,
  );
  rows.push(`| Trace | \`${input.traceId}\` (execution \`${input.executionId}\`) |`);
  lines.push('| | |', '| --- | --- |', ...rows, '');
  const next: Partial<Record<ExecutionState, string>> = {
    blocked: 'Next: the `aaoe/policy` check on the pull request says which gate fails and how to fix it.',
    awaiting_approval: 'Next: a person with write access approves on the pull request (`/aaoe approve`).',
    approved: 'Next: review and merge the pull request; AAOE never merges it for the agent.',
    scheduled:
      'Next: AAOE evaluates the change again when the window opens and it goes on from there; nothing is deployed before.',
  };
  const then = next[input.state];
  if (then) lines.push(then, '');
  return lines.join('\n');
}
