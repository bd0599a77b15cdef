import type { RollbackPreview } from './dashboard-data.js';
import { html, type Html } from './html.js';
import { layout, type PageContext } from './layout.js';
import { executionPath, stateBadge, subjectLink } from './page-parts.js';

/** The rollback's preview: what would be dispatched, and the confirming form (or why it cannot be confirmed). */

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
