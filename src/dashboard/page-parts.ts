import type { ExecutionStatus } from '../contracts/api.js';
import type { ExecutionRecord } from '../core/execution/records.js';
import type { TimerRecord } from '../adapters/store/timers.js';
import type { EnvironmentView } from './dashboard-data.js';
import { html, urlPart, type Html, type HtmlValue } from './html.js';
import type { PageContext } from './layout.js';

/** The parts several pages show: links, badges, gates, costs, times, the environment and timer tables. */

export function executionPath(id: string): string {
  return `/aaoe/executions/${urlPart(id)}`;
}

export function subjectLink(ctx: PageContext, x: ExecutionRecord): HtmlValue {
  const [owner = '', name = ''] = x.repo.split('/');
  const base = `${ctx.githubWeb}/${urlPart(owner)}/${urlPart(name)}`;
  const parts: Html[] = [];
  if (x.pullRequest !== null)
    parts.push(html`<a href="${base}/pull/${x.pullRequest}" rel="noreferrer">PR #${x.pullRequest}</a>`);
  if (x.issue !== null) parts.push(html`<a href="${base}/issues/${x.issue}" rel="noreferrer">issue #${x.issue}</a>`);
  return parts.length === 0
    ? html`<span class="muted">none</span>`
    : parts.map((p, i) => html`${i > 0 ? ' · ' : ''}${p}`);
}

const STATE_CLASS: Record<string, string> = {
  completed: 'good',
  promoted: 'good',
  approved: 'good',
  merged: 'good',
  failed: 'bad',
  rejected: 'bad',
  rolled_back: 'bad',
  rolling_back: 'bad',
  frozen: 'bad',
  blocked: 'bad',
  awaiting_approval: 'wait',
  paused: 'wait',
  scheduled: 'wait',
};

export function stateBadge(state: string): Html {
  return html`<span class="badge ${STATE_CLASS[state] ?? 'info'}">${state.replaceAll('_', ' ')}</span>`;
}

const CONCLUSION_CLASS: Record<string, string> = { success: 'good', failure: 'bad', action_required: 'wait' };
const GATE_CLASS: Record<string, string> = { passed: 'good', failed: 'bad', needs_approval: 'wait' };

/**
 * Each recorded approval, and whether its latest decision was a refusal (the audit's `command:approve` entry by the
 * same person). Whether an approval counts is judged each time the policy is evaluated: the check run says.
 */
export function approvalStanding(
  status: ExecutionStatus,
): Array<{ approval: ExecutionStatus['approvals'][number]; refused?: string }> {
  return status.approvals.map((approval) => {
    const last = [...status.timeline]
      .reverse()
      .find((e) => e.action === 'command:approve' && e.actor === approval.login);
    return last?.reason?.startsWith('refused: ')
      ? { approval, refused: last.reason.slice('refused: '.length) }
      : { approval };
  });
}

export function gatesSummary(status: ExecutionStatus): Html {
  const p = status.policy;
  if (!p) return html`<span class="muted">not evaluated</span>`;
  const open = p.gates.filter((g) => g.outcome !== 'passed');
  return html`<span class="badge ${CONCLUSION_CLASS[p.conclusion] ?? 'info'}">${p.conclusion.replaceAll('_', ' ')}</span>${p.risk ? html` risk ${p.risk}` : ''}<br><span class="small">${p.gates.length - open.length}/${p.gates.length} gates passed${open.length > 0 ? html`; ${open.map((g, i) => html`${i > 0 ? ', ' : ''}${g.gate} ${g.outcome.replaceAll('_', ' ')}`)}` : ''}</span>`;
}

export function gatesDetail(status: ExecutionStatus): Html {
  const p = status.policy;
  if (!p) return html`<p class="empty">The policy has not been evaluated yet.</p>`;
  return html`<p><span class="badge ${CONCLUSION_CLASS[p.conclusion] ?? 'info'}">${p.conclusion.replaceAll('_', ' ')}</span>${p.risk ? html` · risk <strong>${p.risk}</strong>` : ''}${p.headSha ? html` · on <code>${p.headSha.slice(0, 7)}</code>` : ''} · ${time(p.at)}</p>
<table><thead><tr><th>Gate</th><th>Outcome</th></tr></thead><tbody>${p.gates.map((g) => html`<tr><td>${g.gate}</td><td><span class="badge ${GATE_CLASS[g.outcome] ?? 'info'}">${g.outcome.replaceAll('_', ' ')}</span></td></tr>`)}</tbody></table>`;
}

export function costText(cost: { usd: string; tokens: number }): string {
  return `$${cost.usd} · ${cost.tokens} tokens`;
}

export function time(iso: string): Html {
  const text = iso
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/Z$/, ' UTC');
  return html`<time datetime="${iso}">${text}</time>`;
}

export function environmentTable(envs: EnvironmentView[]): Html {
  return html`<table class="environments">
<thead><tr><th>Repository</th><th>Environment</th><th>Circuit breaker</th><th>Deployment lock</th><th>Queue</th></tr></thead>
<tbody>${envs.map(
    (e) => html`<tr>
<td>${e.repo}</td><td>${e.environment}</td>
<td>${e.freeze ? html`<span class="badge bad">frozen</span> until ${time(e.freeze.until)}: ${e.freeze.reason}` : html`<span class="badge good">not frozen</span>`}</td>
<td>${e.lockHolder ? html`held by <a href="${executionPath(e.lockHolder)}">${e.lockHolder.slice(0, 8)}</a>` : html`<span class="muted">free</span>`}</td>
<td>${e.queue.length === 0 ? html`<span class="muted">empty</span>` : html`<ol>${e.queue.map((q) => html`<li><a href="${executionPath(q.executionId)}">${q.executionId.slice(0, 8)}</a> at ${q.sha.slice(0, 7)}${q.priority ? html` (priority ${q.priority})` : ''}</li>`)}</ol>`}</td>
</tr>`,
  )}</tbody>
</table>`;
}

export function timerTable(timers: TimerRecord[]): Html {
  if (timers.length === 0) return html`<p class="empty">Nothing is waiting for a time.</p>`;
  return html`<table class="timers"><thead><tr><th>Execution</th><th>Due</th><th>What</th></tr></thead>
<tbody>${timers.map((t) => html`<tr><td><a href="${executionPath(t.executionId)}">${t.executionId.slice(0, 8)}</a></td><td>${time(t.dueAt)}</td><td><code>${t.key}</code></td></tr>`)}</tbody></table>`;
}
