import type { OrgFreezeRecord } from '../core/decisions/org-freeze.js';
import type { FreezeView } from './dashboard-data.js';
import { html, type Html } from './html.js';
import { time } from './page-parts.js';

/**
 * Stop the line on the overview (docs/freeze.md): the organisation freezes and agent kill switches of the
 * installations whose repositories the reader can see, in force first, with who set them, why, until when, and who
 * lifted them. The control is the comment `/aaoe freeze --org` (or `--agent <name>`), by an owner or a freeze team.
 */

export function freezePanel(freezes: readonly FreezeView[]): Html {
  const active = freezes.filter((f) => f.inForce);
  const banner =
    active.length === 0
      ? html`<p class="empty" id="org-freeze-state">Nothing is frozen organisation-wide.</p>`
      : html`<p class="badge bad" id="org-freeze-state">${active.map((f, i) => html`${i > 0 ? '; ' : ''}${what(f)} frozen by @${f.by.login}`)}</p>`;
  if (freezes.length === 0) return banner;
  return html`${banner}
<table class="freezes" id="org-freezes">
<thead><tr><th>What</th><th>By</th><th>Reason</th><th>Since</th><th>Until</th><th>Lifted</th></tr></thead>
<tbody>${freezes.map(
    (f) => html`<tr data-freeze="${String(f.id)}" class="${f.inForce ? 'in-force' : 'ended'}">
<td>${what(f)}</td><td>@${f.by.login}</td><td>${f.reason || html`<span class="muted">none given</span>`}</td>
<td>${time(f.since)}</td><td>${f.until ? time(f.until) : html`<span class="muted">until lifted</span>`}</td>
<td>${f.liftedAt ? html`${time(f.liftedAt)} by @${f.liftedBy ?? '?'}` : html`<span class="muted">${f.inForce ? 'in force' : 'ended'}</span>`}</td>
</tr>`,
  )}</tbody>
</table>
<p class="muted">Freeze with <code>/aaoe freeze --org [--until &lt;time&gt;] [reason]</code> or <code>/aaoe freeze --agent &lt;name&gt;</code> in a comment (owners and freeze teams); lift with <code>/aaoe unfreeze</code>.</p>`;
}

function what(f: OrgFreezeRecord): string {
  return f.scope === 'org' ? 'the organisation' : `agent ${f.agent ?? ''}`;
}
