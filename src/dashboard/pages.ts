import type { ExecutionStatus } from '../contracts/api.js';
import type { AgentFigures } from '../adapters/store/agent-figures.js';
import type { ExecutionRecord } from '../adapters/store/executions.js';
import type { TimerRecord } from '../adapters/store/timers.js';
import type {
  DetailView,
  EnvironmentView,
  Overview,
  OverviewRow,
  PlanStepView,
  RollbackPreview,
  Verb,
} from './dashboard-data.js';
import { html, urlPart, type Html, type HtmlValue } from './html.js';

/**
 * The dashboard's pages, pure: data in, HTML out, every value escaped (`html`). No script: forms post to the
 * dashboard with the session's CSRF token; the stylesheet is `/aaoe/style.css` (the CSP allows nothing else).
 */

export const STYLE_PATH = '/aaoe/style.css';
export const ICON_PATH = '/aaoe/icon.svg';

/** The dashboard's icon: a green check on the header's colour. */
export const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#24292f"/><path d="M4 8.5l2.5 2.5L12 5" stroke="#2da44e" stroke-width="2" fill="none"/></svg>';

/** What every signed-in page needs: who is signed in, their forms' CSRF token, where GitHub's web pages are. */
export type PageContext = { login: string; csrf: string; githubWeb: string };

function layout(title: string, body: Html, ctx?: PageContext): Html {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · AAOE</title><link rel="stylesheet" href="${STYLE_PATH}"><link rel="icon" href="${ICON_PATH}"></head>
<body>
<header class="top"><a class="brand" href="/aaoe">AAOE</a><span class="tag">execution dashboard</span>${
    ctx
      ? html`<form class="signout" method="post" action="/aaoe/logout"><span class="who">Signed in as <strong>@${ctx.login}</strong></span><input type="hidden" name="csrf" value="${ctx.csrf}"><button type="submit">Sign out</button></form>`
      : ''
  }</header>
<main>
${body}
</main>
</body>
</html>`;
}

// ------------------------------------------------------------------ sign-in and errors

export function signInPage(message?: string): Html {
  return layout(
    'Sign in',
    html`<section class="card signin">
<h1>AAOE execution dashboard</h1>
<p>Executions, their gates, approvals and costs, for the repositories you can read on GitHub.</p>
${message ? html`<p class="notice refused">${message}</p>` : ''}
<p><a class="button primary" id="sign-in" href="/aaoe/login">Sign in with GitHub</a></p>
</section>`,
  );
}

export function messagePage(title: string, message: string, ctx?: PageContext): Html {
  return layout(
    title,
    html`<section class="card"><h1>${title}</h1><p class="notice refused">${message}</p><p><a href="/aaoe">Back to the dashboard</a></p></section>`,
    ctx,
  );
}

// ------------------------------------------------------------------ the overview

export function overviewPage(ctx: PageContext, view: Overview): Html {
  return layout(
    'Executions',
    html`<h1>Executions</h1>
<section>
<h2>In flight <span class="count">${view.inFlight.length}</span></h2>
${executionTable(ctx, view.inFlight, 'No execution in flight in the repositories you can read.', 'in-flight')}
</section>
<section>
<h2>Recent <span class="count">${view.recent.length}</span></h2>
${executionTable(ctx, view.recent, 'No finished execution yet.', 'recent')}
</section>
<section>
<h2>Environments</h2>
${view.environments.length === 0 ? html`<p class="empty">No repository you can read has executions.</p>` : environmentTable(view.environments)}
</section>
<section>
<h2>Agents</h2>
${agentTable(view.agents)}
</section>
<section>
<h2>Waiting timers</h2>
${timerTable(view.timers)}
</section>`,
    ctx,
  );
}

/**
 * Executions, outcomes and spend per agent. Spend is measured for AAOE's own agent (its model calls) and declared for
 * the others (what their pull requests said): two columns, never one sum, so a declared figure is never read as measured.
 */
function agentTable(agents: AgentFigures[]): Html {
  if (agents.length === 0) return html`<p class="empty">No agent has worked in the repositories you can read.</p>`;
  const usd = (value: number) => `$${value.toFixed(2)}`;
  return html`<table class="agents" id="agents">
<thead><tr><th>Agent</th><th>Executions</th><th>Open</th><th>Merged</th><th>Refused</th><th>Rolled back</th><th>Failed</th><th>Spend, measured</th><th>Spend, declared</th></tr></thead>
<tbody>${agents.map(
    (a) => html`<tr data-agent="${a.agent}">
<td>${a.agent}</td><td>${a.executions}</td><td>${a.outcomes.open}</td><td>${a.outcomes.merged}</td><td>${a.outcomes.refused}</td><td>${a.outcomes.rolled_back}</td><td>${a.outcomes.failed}</td>
<td>${a.spend.measured.usd > 0 || a.spend.measured.tokens > 0 ? `${usd(a.spend.measured.usd)} · ${a.spend.measured.tokens} tokens` : html`<span class="muted">none</span>`}</td>
<td>${a.spend.declared.executions > 0 ? `${usd(a.spend.declared.usd)} · ${a.spend.declared.tokens} tokens (declared by ${a.spend.declared.executions})` : html`<span class="muted">none declared</span>`}</td>
</tr>`,
  )}</tbody>
</table>`;
}

function executionTable(ctx: PageContext, rows: OverviewRow[], empty: string, id: string): Html {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<table class="executions" id="${id}">
<thead><tr><th>Execution</th><th>Repository</th><th>Subject</th><th>State</th><th>Gates</th><th>Approvals</th><th>Cost</th><th>Updated</th></tr></thead>
<tbody>${rows.map(
    ({ execution: x, status }) => html`<tr data-execution="${x.id}">
<td><a href="${executionPath(x.id)}">${x.id.slice(0, 8)}</a></td>
<td>${x.repo}</td>
<td>${subjectLink(ctx, x)}</td>
<td>${stateBadge(x.state)}</td>
<td>${gatesSummary(status)}</td>
<td>${approvalsCell(status)}</td>
<td>${costText(status.cost)}</td>
<td>${time(status.updatedAt)}</td>
</tr>`,
  )}</tbody>
</table>`;
}

function approvalsCell(status: ExecutionStatus): Html {
  const standing = approvalStanding(status);
  if (standing.length === 0) return html`<span class="muted">none</span>`;
  return html`${standing.map((s, i) => html`${i > 0 ? ', ' : ''}${s.refused ? html`<s title="refused">@${s.approval.login}</s>` : html`@${s.approval.login}`}`)}`;
}

function environmentTable(envs: EnvironmentView[]): Html {
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

function timerTable(timers: TimerRecord[]): Html {
  if (timers.length === 0) return html`<p class="empty">Nothing is waiting for a time.</p>`;
  return html`<table class="timers"><thead><tr><th>Execution</th><th>Due</th><th>What</th></tr></thead>
<tbody>${timers.map((t) => html`<tr><td><a href="${executionPath(t.executionId)}">${t.executionId.slice(0, 8)}</a></td><td>${time(t.dueAt)}</td><td><code>${t.key}</code></td></tr>`)}</tbody></table>`;
}

// ------------------------------------------------------------------ one execution

const DONE: Record<Verb, string> = {
  approve: 'Your approval is recorded; the aaoe/policy check is evaluated again.',
  pause: 'The execution is paused.',
  resume: 'The execution is resumed.',
  rollback: 'A rollback is requested; the companion workflow is dispatched.',
};

const VERB_LABEL: Record<Verb, string> = {
  approve: 'Approve',
  pause: 'Pause',
  resume: 'Resume',
  rollback: 'Roll back…',
};

export type Notice = { kind: 'done'; verb: Verb } | { kind: 'refused'; verb: Verb; reason: string };

export function executionPage(ctx: PageContext, view: DetailView, notice?: Notice): Html {
  const { execution: x, status } = view;
  const triage = x.work?.triage;
  return layout(
    `Execution ${x.id.slice(0, 8)}`,
    html`<p class="crumbs"><a href="/aaoe">Executions</a> / ${x.repo}</p>
<h1>Execution <code>${x.id}</code></h1>
<p class="facts">${stateBadge(x.state)} in <strong>${x.repo}</strong> · ${subjectLink(ctx, x)}${x.headSha ? html` · head <code>${x.headSha.slice(0, 7)}</code>` : ''} · trace <code>${x.traceId}</code></p>
${notice ? noticeBox(notice) : ''}
<section class="actions" id="actions">
<h2>Actions</h2>
${
  view.actions.length === 0
    ? html`<p class="muted" id="no-actions">No actions: ${view.noActionsBecause ?? ''}.</p>`
    : html`<div class="buttons">${view.actions.map((verb) =>
        verb === 'rollback'
          ? html`<a class="button danger" href="${executionPath(x.id)}/rollback">${VERB_LABEL[verb]}</a>`
          : html`<form method="post" action="${executionPath(x.id)}/${verb}"><input type="hidden" name="csrf" value="${ctx.csrf}">${verb === 'approve' && x.headSha ? html`<input type="hidden" name="sha" value="${x.headSha}">` : ''}<button type="submit" class="${verb === 'approve' ? 'primary' : ''}" id="action-${verb}">${VERB_LABEL[verb]}</button></form>`,
      )}</div>
<p class="muted">You act as @${ctx.login} (${view.role}); the same rules as ${view.actions.map((v, i) => html`${i > 0 ? ', ' : ''}<code>/aaoe ${v}</code>`)} comments apply and every action is audited.</p>`
}
</section>
<div class="grid">
<section id="gates"><h2>Gates</h2>${gatesDetail(status)}</section>
<section id="approvals"><h2>Approvals</h2>${status.approvals.length === 0 ? html`<p class="empty">No approval recorded.</p>` : html`<table><thead><tr><th>Who</th><th>How</th><th>On commit</th><th>When</th><th>Standing</th></tr></thead><tbody>${approvalStanding(status).map(({ approval: a, refused }) => html`<tr><td>@${a.login}${a.type !== 'User' ? html` <span class="muted">(${a.type})</span>` : ''}</td><td>${a.source}</td><td><code>${a.headSha.slice(0, 7)}</code> (#${a.pullRequest})</td><td>${time(a.at)}</td><td>${refused ? html`<span class="badge bad">refused</span> ${refused}` : html`<span class="badge info">recorded</span>`}</td></tr>`)}</tbody></table><p class="small">Whether an approval counts is judged each time the policy is evaluated (for the current head commit); the aaoe/policy check run says which count.</p>`}</section>
<section id="cost"><h2>Cost</h2><p>Recorded in the audit log: <strong>${costText(status.cost)}</strong></p><p>Model calls: ${view.modelCost.calls} · ${view.modelCost.tokens} tokens · $${view.modelCost.usd.toFixed(4)}</p></section>
</div>
<section id="environment"><h2>Environment</h2>${environmentTable([view.environment])}${timerTable(view.timers)}</section>
<section id="team"><h2>Owners and conflicts</h2>
${
  triage
    ? html`<p>Class <strong>${triage.classification}</strong> (${triage.source}); likely paths: ${triage.likelyPaths.length === 0 ? html`<span class="muted">none named</span>` : triage.likelyPaths.map((p, i) => html`${i > 0 ? ', ' : ''}<code>${p}</code>`)}</p>
${Object.keys(triage.owners).length === 0 ? html`<p class="muted">No CODEOWNERS entry owns these paths.</p>` : html`<table><thead><tr><th>Owner</th><th>Paths</th></tr></thead><tbody>${Object.entries(triage.owners).map(([owner, paths]) => html`<tr><td>${owner}</td><td>${paths.map((p, i) => html`${i > 0 ? ', ' : ''}<code>${p}</code>`)}</td></tr>`)}</tbody></table>`}
${triage.unowned.length > 0 ? html`<p>Unowned: ${triage.unowned.map((p, i) => html`${i > 0 ? ', ' : ''}<code>${p}</code>`)}</p>` : ''}
${triage.conflicts.length === 0 ? html`<p class="muted">No conflict with other executions in flight.</p>` : html`<p>Conflicts:</p><ul>${triage.conflicts.map((c) => html`<li><a href="${executionPath(c.executionId)}">${c.executionId.slice(0, 8)}</a> also touches ${c.paths.map((p, i) => html`${i > 0 ? ', ' : ''}<code>${p}</code>`)}</li>`)}</ul>`}`
    : html`<p class="muted">No triage recorded (a pull request opened by an agent: its owners are the reviewers GitHub requests).</p>`
}
${view.plan ? planStep(ctx, view.plan) : ''}
<h3>Other work in flight in ${x.repo}</h3>
${view.otherLive.length === 0 ? html`<p class="muted">None.</p>` : html`<ul>${view.otherLive.map((o) => html`<li><a href="${executionPath(o.id)}">${o.id.slice(0, 8)}</a> ${stateBadge(o.state)} ${subjectLink(ctx, o)}</li>`)}</ul>`}
</section>
<section id="timeline"><h2>Timeline</h2>
${status.timeline.length === 0 ? html`<p class="empty">No audit entry yet.</p>` : html`<table class="timeline"><thead><tr><th>#</th><th>Time</th><th>Actor</th><th>Action</th><th>Reason</th></tr></thead><tbody>${status.timeline.map((e) => html`<tr><td>${e.seq}</td><td>${time(e.at)}</td><td>${e.actor}</td><td><code>${e.action}</code></td><td>${e.reason ?? ''}</td></tr>`)}</tbody></table>`}
</section>`,
    ctx,
  );
}

function planStep(ctx: PageContext, plan: PlanStepView): Html {
  const steps = (list: PlanStepView['dependsOn']) =>
    list.map((d, i) => html`${i > 0 ? ', ' : ''}<code>${d.id}</code> ${d.status.replace('_', ' ')}`);
  const [owner = '', name = ''] = plan.tracking?.repo.split('/') ?? [];
  return html`<h3>Plan</h3>
<p id="plan">Step <code>${plan.step}</code> of plan <code>${plan.planId}</code> (${plan.status.replace('_', ' ')}), owned by ${plan.team}${plan.tracking ? html`, tracked in <a href="${ctx.githubWeb}/${urlPart(owner)}/${urlPart(name)}/issues/${plan.tracking.issue}" rel="noreferrer">${plan.tracking.repo}#${plan.tracking.issue}</a>` : ''}.</p>
<p>Depends on: ${plan.dependsOn.length === 0 ? html`<span class="muted">nothing</span>` : steps(plan.dependsOn)}. Waiting on it: ${plan.unblocks.length === 0 ? html`<span class="muted">nothing</span>` : steps(plan.unblocks)}.</p>`;
}

function noticeBox(notice: Notice): Html {
  return notice.kind === 'done'
    ? html`<p class="notice done" id="notice">${DONE[notice.verb]}</p>`
    : html`<p class="notice refused" id="notice"><strong>${VERB_LABEL[notice.verb].replace('…', '')} refused:</strong> ${notice.reason}</p>`;
}

export function rollbackPreviewPage(ctx: PageContext, preview: RollbackPreview): Html {
  const x = preview.execution;
  const blocked = preview.refused ?? preview.notYours;
  return layout(
    'Roll back?',
    html`<p class="crumbs"><a href="/aaoe">Executions</a> / <a href="${executionPath(x.id)}">${x.id.slice(0, 8)}</a></p>
<h1>Roll back execution <code>${x.id.slice(0, 8)}</code>?</h1>
<section class="card" id="preview">
<p>${x.repo} · ${subjectLink(ctx, x)} · now ${stateBadge(x.state)}</p>
<dl>
<dt>Dispatched event type</dt><dd><code>${preview.eventType}</code> (<code>POST /repos/${x.repo}/dispatches</code>, to the companion workflow)</dd>
<dt>Commit</dt><dd>${preview.sha ? html`<code>${preview.sha}</code>` : html`<span class="muted">none: AAOE dispatched no deployment for this execution, so nothing is dispatched (the execution only moves to rolling back)</span>`}</dd>
<dt>Environment</dt><dd><code>${preview.environment}</code></dd>
</dl>
${preview.payload ? html`<p>The dispatch payload:</p><pre>${JSON.stringify(preview.payload, null, 2)}</pre>` : ''}
${
  blocked
    ? html`<p class="notice refused" id="notice">It cannot be confirmed: ${blocked}.</p><p><a href="${executionPath(x.id)}">Back</a></p>`
    : html`<form method="post" action="${executionPath(x.id)}/rollback"><input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="confirm" value="yes"><button type="submit" class="danger" id="confirm-rollback">Confirm the rollback</button> <a href="${executionPath(x.id)}">Cancel</a></form>`
}
</section>`,
    ctx,
  );
}

// ------------------------------------------------------------------ pieces

export function executionPath(id: string): string {
  return `/aaoe/executions/${urlPart(id)}`;
}

function subjectLink(ctx: PageContext, x: ExecutionRecord): HtmlValue {
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

function stateBadge(state: string): Html {
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

function gatesSummary(status: ExecutionStatus): Html {
  const p = status.policy;
  if (!p) return html`<span class="muted">not evaluated</span>`;
  const open = p.gates.filter((g) => g.outcome !== 'passed');
  return html`<span class="badge ${CONCLUSION_CLASS[p.conclusion] ?? 'info'}">${p.conclusion.replaceAll('_', ' ')}</span>${p.risk ? html` risk ${p.risk}` : ''}<br><span class="small">${p.gates.length - open.length}/${p.gates.length} gates passed${open.length > 0 ? html`; ${open.map((g, i) => html`${i > 0 ? ', ' : ''}${g.gate} ${g.outcome.replaceAll('_', ' ')}`)}` : ''}</span>`;
}

function gatesDetail(status: ExecutionStatus): Html {
  const p = status.policy;
  if (!p) return html`<p class="empty">The policy has not been evaluated yet.</p>`;
  return html`<p><span class="badge ${CONCLUSION_CLASS[p.conclusion] ?? 'info'}">${p.conclusion.replaceAll('_', ' ')}</span>${p.risk ? html` · risk <strong>${p.risk}</strong>` : ''}${p.headSha ? html` · on <code>${p.headSha.slice(0, 7)}</code>` : ''} · ${time(p.at)}</p>
<table><thead><tr><th>Gate</th><th>Outcome</th></tr></thead><tbody>${p.gates.map((g) => html`<tr><td>${g.gate}</td><td><span class="badge ${GATE_CLASS[g.outcome] ?? 'info'}">${g.outcome.replaceAll('_', ' ')}</span></td></tr>`)}</tbody></table>`;
}

function costText(cost: { usd: string; tokens: number }): string {
  return `$${cost.usd} · ${cost.tokens} tokens`;
}

function time(iso: string): Html {
  const text = iso
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/Z$/, ' UTC');
  return html`<time datetime="${iso}">${text}</time>`;
}

export const STYLESHEET = `
:root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #f6f8fa; --good: #1a7f37; --bad: #cf222e; --wait: #9a6700; --info: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: #fff; }
header.top { display: flex; align-items: center; gap: 12px; padding: 10px 24px; background: #24292f; color: #fff; }
header.top a.brand { color: #fff; font-weight: 700; text-decoration: none; font-size: 16px; }
header.top .tag { color: #afb8c1; }
header.top form.signout { margin-left: auto; display: flex; gap: 10px; align-items: center; }
header.top .who { color: #d0d7de; }
main { padding: 16px 24px 48px; max-width: 1280px; }
h1 { font-size: 22px; margin: 8px 0 12px; }
h2 { font-size: 16px; margin: 20px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--bg); font-weight: 600; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--bg); padding: 1px 4px; border-radius: 4px; }
pre { background: var(--bg); padding: 10px; border-radius: 6px; overflow: auto; }
a { color: var(--info); }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--info); }
.badge.good { background: var(--good); } .badge.bad { background: var(--bad); } .badge.wait { background: var(--wait); }
.muted, .empty { color: var(--muted); }
.small { font-size: 12px; color: var(--muted); }
.count { color: var(--muted); font-weight: 400; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 16px; background: #fff; }
.signin { max-width: 520px; margin: 48px auto; text-align: center; }
.notice { padding: 8px 12px; border-radius: 6px; }
.notice.done { background: #dafbe1; border: 1px solid var(--good); }
.notice.refused { background: #ffebe9; border: 1px solid var(--bad); }
.buttons { display: flex; gap: 8px; }
button, a.button { font: inherit; padding: 5px 14px; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); cursor: pointer; text-decoration: none; display: inline-block; }
button.primary, a.button.primary { background: var(--good); border-color: var(--good); color: #fff; }
button.danger, a.button.danger { background: #fff; border-color: var(--bad); color: var(--bad); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 0 24px; }
.crumbs { color: var(--muted); margin: 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; }
dt { font-weight: 600; }
dd { margin: 0; }
ol { margin: 0; padding-left: 18px; }
`;
