import { html, type Html } from './html.js';

/**
 * The frame of every dashboard page (header, sign-out form, main), and what it links to: the stylesheet and the
 * icon, served by the dashboard itself (the CSP allows nothing else). No script.
 */

export const STYLE_PATH = '/aaoe/style.css';
export const ICON_PATH = '/aaoe/icon.svg';

/** The dashboard's icon: a green check on the header's colour. */
export const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#24292f"/><path d="M4 8.5l2.5 2.5L12 5" stroke="#2da44e" stroke-width="2" fill="none"/></svg>';

/** What every signed-in page needs: who is signed in, their forms' CSRF token, where GitHub's web pages are. */
export type PageContext = { login: string; csrf: string; githubWeb: string };

export function layout(title: string, body: Html, ctx?: PageContext): Html {
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
