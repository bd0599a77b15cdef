import type { ServerResponse } from 'node:http';
import type { Annotation, JsonObject, PullFile } from './github-json.js';
import { escapeHtml as esc, renderMarkdown, safeHref } from './html-markdown.js';

/**
 * The simulator's pages for people: read-only HTML at the addresses GitHub's `html_url`s name, so a link the app or
 * the demo prints opens what was written there.
 *
 * - `GET /{owner}/{repo}`: the repository's issues, pull requests and check runs.
 * - `GET /{owner}/{repo}/issues/{number}`: an issue (title, state, labels, body, comments `#issuecomment-{id}`).
 * - `GET /{owner}/{repo}/pull/{number}`: a pull request (body, comments, reviews `#pullrequestreview-{id}`, the
 *   check runs on its head, the files it changes).
 * - `GET /{owner}/{repo}/runs/{id}`: a check run (conclusion, title, summary and text, annotations, actions).
 *
 * As on GitHub, `/issues/{n}` of a pull request and `/pull/{n}` of an issue redirect to the other. Markdown is
 * rendered as GitHub renders it (`html-markdown.ts`); every text is escaped (issues, comments and pull requests are
 * untrusted), the pages run no script (`Content-Security-Policy: default-src 'none'`). Any other path is not a page
 * (`servePage` answers false, and the request goes on to the REST routes).
 */

type Repo = { owner: string; repo: string };

/** What the pages read: the simulator's own test API (GitHub's JSON of each object). */
export type PageSource = {
  issues(repo: Repo): JsonObject[];
  pullRequests(repo: Repo): JsonObject[];
  comments(repo: Repo & { issueNumber: number }): JsonObject[];
  checkRuns(repo: Repo): Array<JsonObject & { output: { annotations: Annotation[] } }>;
  pullRequestFiles(repo: Repo & { number: number }): PullFile[];
  reviews(
    repo: Repo & { number: number },
  ): Array<{ id: number; user: { login: string }; state: string; commitId: string; submittedAt: string }>;
};

type Page = { status: number; html?: string; location?: string };

const MAX_PATCH_CHARS = 20_000;
const s = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
const login = (object: unknown): string => s((object as { user?: { login?: unknown } } | null)?.user?.login);

/** Answers `GET` of a page (true), or leaves the request to the REST routes (false). */
export function servePage(source: PageSource, webUrl: string, url: URL, res: ServerResponse): boolean {
  const page = pageOf(source, webUrl, url.pathname);
  if (!page) return false;
  const headers: Record<string, string> = {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (page.location) headers.location = page.location;
  res.writeHead(page.status, headers).end(page.html ?? '');
  return true;
}

function pageOf(source: PageSource, web: string, pathname: string): Page | undefined {
  let segments: string[];
  try {
    segments = pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (segments.at(-1) === '') segments.pop();
  const [owner = '', name = '', kind, id = '', ...rest] = segments;
  if (segments.length < 2 || rest.length > 0 || (kind !== undefined && !/^\d{1,12}$/.test(id))) return undefined;
  const repo = { owner, repo: name };
  let view: RepoView;
  try {
    view = new RepoView(source, repo, `${web}/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`, web);
  } catch {
    return undefined; // no such repository: not a page (the REST routes answer)
  }
  if (kind === undefined) return view.index();
  if (kind === 'issues') return view.issue(Number(id));
  if (kind === 'pull') return view.pull(Number(id));
  if (kind === 'runs') return view.run(Number(id));
  return undefined;
}

class RepoView {
  private readonly issues: JsonObject[];
  private readonly pulls: JsonObject[];

  constructor(
    private readonly source: PageSource,
    private readonly repo: Repo,
    private readonly repoUrl: string,
    private readonly web: string,
  ) {
    this.issues = source.issues(repo);
    this.pulls = source.pullRequests(repo);
  }

  private md(text: unknown): string {
    return `<div class="markdown">${renderMarkdown(s(text), { repoUrl: this.repoUrl, base: this.web })}</div>`;
  }

  private layout(title: string, body: string): Page {
    const name = `${this.repo.owner}/${this.repo.repo}`;
    return {
      status: 200,
      html: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · ${esc(name)}</title><style>${STYLE}</style></head>
<body><header><a href="${esc(this.repoUrl)}">${esc(name)}</a> <span class="muted">· GitHub simulator (read-only pages of the AAOE demo)</span></header>
<main>${body}</main></body></html>
`,
    };
  }

  index(): Page {
    const row = (href: string, text: string, state: string) =>
      `<li><a href="${esc(href)}">${esc(text)}</a> <span class="state">${esc(state)}</span></li>`;
    const pulls = this.pulls.map((p) => row(s(p.html_url), `#${s(p.number)} ${s(p.title)}`, pullState(p)));
    const issues = this.issues.map((i) => row(s(i.html_url), `#${s(i.number)} ${s(i.title)}`, s(i.state)));
    const runs = this.source
      .checkRuns(this.repo)
      .map((r) => row(s(r.html_url), `${s(r.name)} on ${s(r.head_sha).slice(0, 7)}`, s(r.conclusion ?? r.status)));
    const list = (items: string[], none: string) =>
      items.length === 0 ? `<p class="muted">${none}</p>` : `<ul>${items.join('')}</ul>`;
    return this.layout(
      'Repository',
      `<h1>${esc(this.repo.owner)}/${esc(this.repo.repo)}</h1>
<h2>Issues</h2>${list(issues, 'No issue.')}
<h2>Pull requests</h2>${list(pulls, 'No pull request.')}
<h2>Check runs</h2>${list(runs, 'No check run.')}`,
    );
  }

  issue(number: number): Page {
    const issue = this.issues.find((i) => i.number === number);
    if (!issue) return this.pulls.some((p) => p.number === number) ? this.redirect('pull', number) : this.notFound();
    const labels = ((issue.labels as Array<{ name?: unknown }> | undefined) ?? [])
      .map((l) => `<span class="label">${esc(s(l.name))}</span>`)
      .join(' ');
    return this.layout(
      `${s(issue.title)} · Issue #${number}`,
      `<h1>${esc(s(issue.title))} <span class="muted">#${number}</span></h1>
<p><span class="state state-${esc(s(issue.state))}">${esc(s(issue.state))}</span> <strong>${esc(login(issue))}</strong> opened this issue · ${esc(s(issue.created_at))} ${labels}</p>
<article id="issue-${number}" class="comment"><h3>${esc(login(issue))}</h3>${this.md(issue.body)}</article>
${this.comments(number)}`,
    );
  }

  pull(number: number): Page {
    const pull = this.pulls.find((p) => p.number === number);
    if (!pull) return this.issues.some((i) => i.number === number) ? this.redirect('issues', number) : this.notFound();
    const head = pull.head as { ref?: unknown; sha?: unknown };
    const base = pull.base as { ref?: unknown };
    const merged = pull.merge_commit_sha
      ? ` · merged as <code>${esc(s(pull.merge_commit_sha).slice(0, 7))}</code>`
      : '';
    return this.layout(
      `${s(pull.title)} · Pull request #${number}`,
      `<h1>${esc(s(pull.title))} <span class="muted">#${number}</span></h1>
<p><span class="state state-${esc(pullState(pull))}">${esc(pullState(pull))}</span> <strong>${esc(login(pull))}</strong> ${pullState(pull) === 'open' ? 'wants to merge' : pullState(pull) === 'merged' ? 'merged' : 'wanted to merge'} <code>${esc(s(head.ref))}</code> (<code>${esc(s(head.sha).slice(0, 7))}</code>) into <code>${esc(s(base.ref))}</code>${merged}</p>
<article id="pullrequest-${number}" class="comment"><h3>${esc(login(pull))}</h3>${this.md(pull.body)}</article>
${this.comments(number)}
${this.reviews(number)}
<h2>Checks on <code>${esc(s(head.sha).slice(0, 7))}</code></h2>${this.checks(s(head.sha))}
<h2>Files changed</h2>${this.files(number)}`,
    );
  }

  run(id: number): Page {
    const run = this.source.checkRuns(this.repo).find((r) => r.id === id);
    if (!run) return this.notFound();
    const output = run.output as { title?: unknown; summary?: unknown; text?: unknown; annotations: Annotation[] };
    const details = safeHref(s(run.details_url), this.web);
    const pulls = this.pulls.filter((p) => (p.head as { sha?: unknown }).sha === run.head_sha);
    const actions = ((run.actions as Array<{ label?: unknown; description?: unknown }> | undefined) ?? [])
      .map((a) => `<li><span class="button">${esc(s(a.label))}</span> ${esc(s(a.description))}</li>`)
      .join('');
    return this.layout(
      `${s(run.name)} · check run ${id}`,
      `<h1>${esc(s(run.name))} <span class="conclusion conclusion-${esc(s(run.conclusion))}">${esc(s(run.conclusion ?? run.status))}</span></h1>
<p>on <code>${esc(s(run.head_sha))}</code>${pulls.map((p) => ` · <a href="${esc(s(p.html_url))}">#${esc(s(p.number))} ${esc(s(p.title))}</a>`).join('')}${details ? ` · <a href="${esc(details)}" rel="nofollow">details</a>` : ''} · ${esc(s(run.completed_at ?? run.started_at))}</p>
<h2 id="title">${esc(s(output.title))}</h2>
<section id="summary">${this.md(output.summary)}</section>
${output.text ? `<section id="text">${this.md(output.text)}</section>` : ''}
<h2>Annotations <span class="muted">${output.annotations.length}</span></h2>${annotations(output.annotations)}
${actions ? `<h2>Actions</h2><ul>${actions}</ul>` : ''}`,
    );
  }

  private comments(number: number): string {
    return this.source
      .comments({ ...this.repo, issueNumber: number })
      .map(
        (c) =>
          `<article id="issuecomment-${esc(s(c.id))}" class="comment"><h3><a href="#issuecomment-${esc(s(c.id))}">${esc(login(c))}</a> commented · ${esc(s(c.created_at))}${c.updated_at !== c.created_at ? ' (edited)' : ''}</h3>${this.md(c.body)}</article>`,
      )
      .join('\n');
  }

  private reviews(number: number): string {
    const words: Record<string, string> = {
      APPROVED: 'approved these changes',
      CHANGES_REQUESTED: 'requested changes',
      COMMENTED: 'reviewed',
      DISMISSED: 'reviewed (dismissed)',
    };
    return this.source
      .reviews({ ...this.repo, number })
      .map(
        (r) =>
          `<article id="pullrequestreview-${r.id}" class="comment review"><h3>${esc(r.user.login)} ${esc(words[r.state] ?? r.state)} on <code>${esc(r.commitId.slice(0, 7))}</code> · ${esc(r.submittedAt)}</h3></article>`,
      )
      .join('\n');
  }

  private checks(sha: string): string {
    const runs = this.source.checkRuns(this.repo).filter((r) => r.head_sha === sha);
    if (runs.length === 0) return '<p class="muted">No check run.</p>';
    return `<ul>${runs
      .map((r) => {
        const output = r.output as { title?: unknown };
        return `<li><a href="${esc(s(r.html_url))}">${esc(s(r.name))}</a> <span class="conclusion conclusion-${esc(s(r.conclusion))}">${esc(s(r.conclusion ?? r.status))}</span> ${esc(s(output.title))}</li>`;
      })
      .join('')}</ul>`;
  }

  private files(number: number): string {
    const files = this.source.pullRequestFiles({ ...this.repo, number });
    if (files.length === 0) return '<p class="muted">No file.</p>';
    return files
      .map((f) => {
        const patch = f.patch ?? '';
        const shown = patch.length > MAX_PATCH_CHARS ? `${patch.slice(0, MAX_PATCH_CHARS)}\n…` : patch;
        return `<details open><summary><code>${esc(f.filename)}</code> ${esc(f.status)} <span class="muted">+${f.additions ?? 0} −${f.deletions ?? 0}</span></summary>${shown ? `<pre class="diff">${esc(shown)}</pre>` : ''}</details>`;
      })
      .join('\n');
  }

  private redirect(kind: 'issues' | 'pull', number: number): Page {
    return { status: 302, location: `${this.repoUrl}/${kind}/${number}` };
  }

  private notFound(): Page {
    return {
      ...this.layout('Not found', '<h1>404</h1><p>This is not the web page you are looking for.</p>'),
      status: 404,
    };
  }
}

function pullState(pull: JsonObject): string {
  return pull.merge_commit_sha ? 'merged' : s(pull.state);
}

function annotations(list: Annotation[]): string {
  if (list.length === 0) return '<p class="muted">No annotation.</p>';
  return `<ul class="annotations">${list
    .map((a) => {
      const lines = a.start_line === a.end_line ? `${a.start_line}` : `${a.start_line}-${a.end_line}`;
      return `<li class="annotation annotation-${esc(a.annotation_level)}"><strong>${esc(a.annotation_level)}</strong> <code>${esc(a.path)}:${esc(lines)}</code>${a.title ? ` ${esc(a.title)}` : ''}<pre>${esc(a.message)}</pre>${a.raw_details ? `<details><summary>Raw details</summary><pre>${esc(a.raw_details)}</pre></details>` : ''}</li>`;
    })
    .join('')}</ul>`;
}

const STYLE = `body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1f2328}
header{background:#f6f8fa;border-bottom:1px solid #d0d7de;padding:12px 24px}main{max-width:1012px;margin:0 auto;padding:16px 24px}
a{color:#0969da}.muted{color:#656d76}code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
pre{background:#f6f8fa;padding:8px;overflow:auto}table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 10px;text-align:left}
.comment{border:1px solid #d0d7de;border-radius:6px;margin:16px 0;padding:0 16px}.comment h3{font-size:14px;font-weight:normal;background:#f6f8fa;margin:0 -16px;padding:8px 16px;border-bottom:1px solid #d0d7de}
.state,.conclusion,.label,.button{border-radius:2em;padding:2px 8px;font-size:12px;background:#eaeef2}.state-open{background:#dafbe1}.state-merged{background:#fbefff}
.conclusion-success{background:#dafbe1}.conclusion-failure{background:#ffebe9}.conclusion-action_required{background:#fff8c5}
.annotation-failure strong{color:#d1242f}.annotation-warning strong{color:#9a6700}`;
