import { html, type Html } from './html.js';
import { layout, type PageContext } from './layout.js';

/**
 * The dashboard's pages, pure: data in, HTML out, every value escaped (`html`). No script: forms post to the
 * dashboard with the session's CSRF token; the stylesheet is `/aaoe/style.css` (the CSP allows nothing else).
 * Here the sign-in page and the message page (errors, refusals); the others in overview-page.ts,
 * execution-page.ts and rollback-preview-page.ts, their shared parts in page-parts.ts.
 */

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
