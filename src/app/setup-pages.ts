import type { AppManifest } from '../core/setup/app-manifest.js';
import type { Result } from '../core/result.js';

/** The setup flow's pages (src/app/setup-flow.ts): what will be registered, or what to set first. */

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · AAOE setup</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
code{background:#f3f3f3;padding:0 .2em}button{font-size:1rem;padding:.4rem 1rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

export function textPage(title: string, text: string): string {
  return page(title, `<p>${escapeHtml(text)}</p>`);
}

/** The page of `GET /probot`: the manifest to send to GitHub, or the settings missing before one can be. */
export function manifestPage(
  manifest: Result<AppManifest, { code: string; message: string }>,
  createAppUrl: string,
  state: string,
): string {
  if (!manifest.ok)
    return page(
      'Where should GitHub deliver webhooks?',
      `<p>${escapeHtml(manifest.problem.message)}.</p>
<ul>
<li><b>A server GitHub can reach</b>: set <code>AAOE_PUBLIC_URL</code> to its public origin (for example
<code>https://aaoe.example.com</code>) and restart; GitHub will deliver to <code>AAOE_PUBLIC_URL</code> + the
webhook path (<code>/api/github/webhooks</code>).</li>
<li><b>Local development</b>: deliveries go through a smee.io channel the app listens on
(<code>WEBHOOK_PROXY_URL</code>). Create one now (it is written to <code>.env</code>):
<form method="post" action="/probot/smee"><input type="hidden" name="state" value="${escapeHtml(state)}">
<button type="submit">Create a smee.io channel</button></form></li>
</ul>`,
    );
  const m = manifest.value;
  return page(
    `Register ${m.name}`,
    `<p>GitHub will deliver webhooks to <code>${escapeHtml(m.hook_attributes.url)}</code>.</p>
<p>The app asks for the events ${escapeHtml(m.default_events.join(', '))} and the permissions
${escapeHtml(
  Object.entries(m.default_permissions)
    .map(([name, level]) => `${name}: ${level}`)
    .join(', '),
)} (from <code>app.yml</code>).</p>
<form method="post" action="${escapeHtml(createAppUrl)}">
<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(m))}">
<button type="submit">Register the GitHub App on GitHub</button></form>
<p>GitHub then comes back here; the app's credentials are written to <code>.env</code>. Restart the app after.</p>`,
  );
}

export function registeredPage(htmlUrl: string): string {
  return page(
    'Registered',
    `<p>The app is registered: <a href="${escapeHtml(htmlUrl)}">${escapeHtml(htmlUrl)}</a>. Its credentials are in
<code>.env</code>: restart the app, install it on your repositories, then run <code>aaoe doctor</code>.</p>`,
  );
}
