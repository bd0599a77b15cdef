import type { ExecutionStatus } from '../contracts/api.js';
import type { ExecutionRecord } from '../core/execution/records.js';
import type { DetailView, PlanStepView, Verb } from './dashboard-data.js';
import { html, urlPart, type Html } from './html.js';
import { layout, type PageContext } from './layout.js';
import {
  approvalStanding,
  costText,
  environmentTable,
  executionPath,
  gatesDetail,
  stateBadge,
  subjectLink,
  time,
  timerTable,
} from './page-parts.js';
import { DONE, VERB_LABEL } from './text.js';

/** One execution: its actions, gates, approvals, cost, environment, owners and conflicts, plan step, timeline. */

export type Notice = { kind: 'done'; verb: Verb } | { kind: 'refused'; verb: Verb; reason: string };

type Triage = NonNullable<NonNullable<ExecutionRecord['work']>['triage']>;

export function executionPage(ctx: PageContext, view: DetailView, notice?: Notice): Html {
  const { execution: x, status } = view;
  return layout(
    `Execution ${x.id.slice(0, 8)}`,
    html`<p class="crumbs"><a href="/aaoe">Executions</a> / ${x.repo}</p>
<h1>Execution <code>${x.id}</code></h1>
<p class="facts">${stateBadge(x.state)} in <strong>${x.repo}</strong> · ${subjectLink(ctx, x)}${
      x.headSha ? html` · head <code>${x.headSha.slice(0, 7)}</code>` : ''
    } · trace <code>${x.traceId}</code></p>
${notice ? noticeBox(notice) : ''}
<section class="actions" id="actions">
<h2>Actions</h2>
${actionsPart(ctx, view)}
</section>
<div class="grid">
<section id="gates"><h2>Gates</h2>${gatesDetail(status)}</section>
<section id="approvals"><h2>Approvals</h2>${approvalsPart(status)}</section>
<section id="cost"><h2>Cost</h2><p>Recorded in the audit log: <strong>${costText(status.cost)}</strong></p><p>Model calls: ${
      view.modelCost.calls
    } · ${view.modelCost.tokens} tokens · $${view.modelCost.usd.toFixed(4)}</p></section>
</div>
<section id="environment"><h2>Environment</h2>${environmentTable([view.environment])}${timerTable(view.timers)}</section>
<section id="team"><h2>Owners and conflicts</h2>
${triagePart(x.work?.triage)}
${view.plan ? planStep(ctx, view.plan) : ''}
<h3>Other work in flight in ${x.repo}</h3>
${otherLivePart(ctx, view.otherLive)}
</section>
<section id="timeline"><h2>Timeline</h2>
${timelinePart(status)}
</section>`,
    ctx,
  );
}

function actionsPart(ctx: PageContext, view: DetailView): Html {
  const x = view.execution;
  if (view.actions.length === 0)
    return html`<p class="muted" id="no-actions">No actions: ${view.noActionsBecause ?? ''}.</p>`;
  const button = (verb: Verb) =>
    verb === 'rollback'
      ? html`<a class="button danger" href="${executionPath(x.id)}/rollback">${VERB_LABEL[verb]}</a>`
      : html`<form method="post" action="${executionPath(x.id)}/${verb}"><input type="hidden" name="csrf" value="${ctx.csrf}">${
          verb === 'approve' && x.headSha ? html`<input type="hidden" name="sha" value="${x.headSha}">` : ''
        }<button type="submit" class="${verb === 'approve' ? 'primary' : ''}" id="action-${verb}">${VERB_LABEL[verb]}</button></form>`;
  const commands = view.actions.map((v, i) => html`${i > 0 ? ', ' : ''}<code>/aaoe ${v}</code>`);
  return html`<div class="buttons">${view.actions.map(button)}</div>
<p class="muted">You act as @${ctx.login} (${view.role}); the same rules as ${commands} comments apply and every action is audited.</p>`;
}

function approvalsPart(status: ExecutionStatus): Html {
  if (status.approvals.length === 0) return html`<p class="empty">No approval recorded.</p>`;
  const rows = approvalStanding(status).map(
    ({ approval: a, refused }) =>
      html`<tr><td>@${a.login}${a.type !== 'User' ? html` <span class="muted">(${a.type})</span>` : ''}</td><td>${
        a.source
      }</td><td><code>${a.headSha.slice(0, 7)}</code> (#${a.pullRequest})</td><td>${time(a.at)}</td><td>${
        refused
          ? html`<span class="badge bad">refused</span> ${refused}`
          : html`<span class="badge info">recorded</span>`
      }</td></tr>`,
  );
  return html`<table><thead><tr><th>Who</th><th>How</th><th>On commit</th><th>When</th><th>Standing</th></tr></thead><tbody>${rows}</tbody></table><p class="small">Whether an approval counts is judged each time the policy is evaluated (for the current head commit); the aaoe/policy check run says which count.</p>`;
}

function codes(paths: readonly string[]): Html[] {
  return paths.map((p, i) => html`${i > 0 ? ', ' : ''}<code>${p}</code>`);
}

function triagePart(triage: Triage | undefined): Html {
  if (!triage)
    return html`<p class="muted">No triage recorded (a pull request opened by an agent: its owners are the reviewers GitHub requests).</p>`;
  const likely =
    triage.likelyPaths.length === 0 ? html`<span class="muted">none named</span>` : codes(triage.likelyPaths);
  const owners = Object.entries(triage.owners).map(
    ([owner, paths]) => html`<tr><td>${owner}</td><td>${codes(paths)}</td></tr>`,
  );
  const conflicts = triage.conflicts.map(
    (c) =>
      html`<li><a href="${executionPath(c.executionId)}">${c.executionId.slice(0, 8)}</a> also touches ${codes(c.paths)}</li>`,
  );
  return html`<p>Class <strong>${triage.classification}</strong> (${triage.source}); likely paths: ${likely}</p>
${owners.length === 0 ? html`<p class="muted">No CODEOWNERS entry owns these paths.</p>` : html`<table><thead><tr><th>Owner</th><th>Paths</th></tr></thead><tbody>${owners}</tbody></table>`}
${triage.unowned.length > 0 ? html`<p>Unowned: ${codes(triage.unowned)}</p>` : ''}
${conflicts.length === 0 ? html`<p class="muted">No conflict with other executions in flight.</p>` : html`<p>Conflicts:</p><ul>${conflicts}</ul>`}`;
}

function otherLivePart(ctx: PageContext, others: ExecutionRecord[]): Html {
  if (others.length === 0) return html`<p class="muted">None.</p>`;
  return html`<ul>${others.map((o) => html`<li><a href="${executionPath(o.id)}">${o.id.slice(0, 8)}</a> ${stateBadge(o.state)} ${subjectLink(ctx, o)}</li>`)}</ul>`;
}

function timelinePart(status: ExecutionStatus): Html {
  if (status.timeline.length === 0) return html`<p class="empty">No audit entry yet.</p>`;
  const rows = status.timeline.map(
    (e) =>
      html`<tr><td>${e.seq}</td><td>${time(e.at)}</td><td>${e.actor}</td><td><code>${e.action}</code></td><td>${e.reason ?? ''}</td></tr>`,
  );
  return html`<table class="timeline"><thead><tr><th>#</th><th>Time</th><th>Actor</th><th>Action</th><th>Reason</th></tr></thead><tbody>${rows}</tbody></table>`;
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
