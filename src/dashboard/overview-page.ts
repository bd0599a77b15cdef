import type { ExecutionStatus } from '../contracts/api.js';
import type { AgentFigures } from '../contracts/api.js';
import type { Overview, OverviewRow } from './dashboard-data.js';
import { freezePanel } from './freeze-panel.js';
import { html, type Html } from './html.js';
import { layout, type PageContext } from './layout.js';
import {
  approvalStanding,
  costText,
  environmentTable,
  executionPath,
  gatesSummary,
  stateBadge,
  subjectLink,
  time,
  timerTable,
} from './page-parts.js';

/** The overview: executions in flight and recent, environments, agents, waiting timers. */

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
<section id="stop-the-line">
<h2>Stop the line</h2>
${freezePanel(view.freezes)}
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
