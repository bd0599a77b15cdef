import { ProbotOctokit } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubSimulator } from './github-simulator.js';
import { MAX_MARKDOWN_CHARS, renderMarkdown } from './html-markdown.js';

/**
 * The simulator's pages for people: what a link to an issue, a pull request, a comment or a check run opens, with
 * the content written through the REST API (as the app writes it) rendered as GitHub renders it, and every piece of
 * untrusted text escaped.
 */

const OWNER = 'octo-org';
const REPO = 'pages';
const INSTALLATION_ID = 7101;
const ATTACK = `<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>`;

let sim: GitHubSimulator;
let octokit: InstanceType<typeof ProbotOctokit>;
let pullNumber: number;
let issueNumber: number;
let checkRunId: number;
let commentId: number;

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

async function get(path: string, redirect: RequestRedirect = 'follow') {
  const res = await fetch(`${sim.url}${path}`, { redirect });
  return { status: res.status, text: await res.text(), headers: res.headers, url: res.url };
}

beforeAll(async () => {
  sim = await GitHubSimulator.start();
  sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  sim.addRepo({ owner: OWNER, name: REPO, installationId: INSTALLATION_ID });
  octokit = new ProbotOctokit({
    auth: { token: sim.createInstallationToken(INSTALLATION_ID) },
    baseUrl: `${sim.url}/api/v3`,
    log: silent,
    retry: { enabled: false },
    throttle: { enabled: false },
  });
  const issue = sim.addIssue({
    owner: OWNER,
    repo: REPO,
    title: `Broken <b>checkout</b> & ${ATTACK}`,
    body: `Steps:\n\n1. open **the cart**\n2. see ${ATTACK}\n\n<!-- hidden note -->\n<details open><summary>Log</summary>\n\n\`\`\`\n| not | a table |\n| --- | --- |\n\`\`\`\n\n</details>`,
    user: 'alice',
    labels: ['bug'],
  });
  issueNumber = issue.number as number;
  const pr = sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    user: { login: 'agent[bot]', type: 'Bot' },
    title: 'Fix the checkout',
    body: `Fixes #${issueNumber}.\n\n| Field | Value |\n| --- | --- |\n| Risk | **medium** \\| low |\n| Link | [docs](javascript:alert(4)) |\n\nSee https://example.com/x.`,
    files: [
      {
        filename: 'src/checkout.ts',
        status: 'modified',
        additions: 1,
        deletions: 1,
        patch: '@@ -1 +1 @@\n-a\n+<b>b</b>',
      },
    ],
  });
  pullNumber = pr.number as number;
  const headSha = (pr.head as { sha: string }).sha;
  const { data: comment } = await octokit.rest.issues.createComment({
    owner: OWNER,
    repo: REPO,
    issue_number: pullNumber,
    body: `Looks good. ${ATTACK}\n\n/aaoe approve`,
  });
  commentId = comment.id;
  sim.addReview({ owner: OWNER, repo: REPO, number: pullNumber, user: 'bob', state: 'APPROVED' });
  const { data: run } = await octokit.rest.checks.create({
    owner: OWNER,
    repo: REPO,
    name: 'aaoe/policy',
    head_sha: headSha,
    status: 'completed',
    conclusion: 'action_required',
    details_url: 'https://example.com/details',
    output: {
      title: 'Needs a human approval: risk',
      summary:
        '| Gate | Result |\n| --- | --- |\n| Risk | ✋ needs approval |\n| Secrets | ✅ passed |\n\n<details><summary>Evidence</summary>\n\n- one\n\n</details>\n\n</details></details><sub>trace t-1</sub>',
      text: `More: ${ATTACK}`,
      annotations: [
        {
          path: 'src/checkout.ts',
          start_line: 3,
          end_line: 4,
          annotation_level: 'failure',
          title: 'Secret',
          message: `token <here> ${ATTACK}`,
        },
      ],
    },
  });
  checkRunId = run.id;
});

afterAll(async () => {
  await sim?.close();
});

/** No executable markup of the attack text made it into the page. */
function expectInert(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<img/i);
  expect(html).not.toMatch(/<[^>]*onerror=/i);
  expect(html).not.toMatch(/href="javascript:/i);
}

describe('the pages for people', () => {
  it('an issue: title, state, labels, rendered body and comments, the attack shown as text', async () => {
    const page = await get(`/${OWNER}/${REPO}/issues/${issueNumber}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.text).toContain('Broken &lt;b&gt;checkout&lt;/b&gt; &amp; &lt;script&gt;');
    expect(page.text).toContain('<ol>');
    expect(page.text).toContain('<strong>the cart</strong>');
    expect(page.text).toContain('<details open><summary>Log</summary>');
    // a table inside a fenced block stays code
    expect(page.text).toContain('<pre><code>| not | a table |');
    expect(page.text).not.toContain('hidden note');
    expect(page.text).toContain('<span class="label">bug</span>');
    expectInert(page.text);
  });

  it('a pull request: body with its table, comments with their anchors, reviews, checks and files', async () => {
    const page = await get(`/${OWNER}/${REPO}/pull/${pullNumber}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Fix the checkout');
    expect(page.text).toContain('<th>Field</th><th>Value</th>');
    expect(page.text).toContain('<td><strong>medium</strong> | low</td>');
    expect(page.text).toContain(
      `<a href="${sim.url}/${OWNER}/${REPO}/issues/${issueNumber}" rel="nofollow">#${issueNumber}</a>`,
    );
    expect(page.text).toContain('<a href="https://example.com/x" rel="nofollow">https://example.com/x</a>.');
    expect(page.text).toContain(`id="issuecomment-${commentId}"`);
    expect(page.text).toContain('/aaoe approve');
    expect(page.text).toMatch(/id="pullrequestreview-\d+"[^]*bob approved these changes/);
    expect(page.text).toContain(`href="${sim.url}/${OWNER}/${REPO}/runs/${checkRunId}"`);
    expect(page.text).toContain('+&lt;b&gt;b&lt;/b&gt;');
    expectInert(page.text);
  });

  it('a check run: conclusion, title, the summary as GitHub renders it (gate table, details), text, annotations', async () => {
    const page = await get(`/${OWNER}/${REPO}/runs/${checkRunId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('action_required');
    expect(page.text).toContain('Needs a human approval: risk');
    expect(page.text).toContain('<tr><td>Risk</td><td>✋ needs approval</td></tr>');
    expect(page.text).toContain('<details><summary>Evidence</summary>');
    expect(page.text).toContain('<sub>trace t-1</sub>');
    // a close with nothing open is dropped: the page's own markup is not closed by the text
    expect(page.text.match(/<\/details>/g)?.length).toBe(page.text.match(/<details/g)?.length);
    expect(page.text).toContain('<code>src/checkout.ts:3-4</code> Secret');
    expect(page.text).toContain('token &lt;here&gt;');
    expect(page.text).toContain('href="https://example.com/details"');
    expectInert(page.text);
  });

  it('redirects /issues/{n} of a pull request and /pull/{n} of an issue, as GitHub does', async () => {
    const toPull = await get(`/${OWNER}/${REPO}/issues/${pullNumber}`, 'manual');
    expect(toPull.status).toBe(302);
    expect(toPull.headers.get('location')).toBe(`${sim.url}/${OWNER}/${REPO}/pull/${pullNumber}`);
    const comment = await get(`/${OWNER}/${REPO}/pull/${issueNumber}`);
    expect(comment.url).toBe(`${sim.url}/${OWNER}/${REPO}/issues/${issueNumber}`);
    expect(comment.status).toBe(200);
  });

  it('the repository page lists issues, pull requests and check runs; an unknown number is a 404 page', async () => {
    const index = await get(`/${OWNER}/${REPO}`);
    expect(index.status).toBe(200);
    expect(index.text).toContain(`#${pullNumber} Fix the checkout`);
    expect(index.text).toContain(`/runs/${checkRunId}`);
    expect((await get(`/${OWNER}/${REPO}/pull/999`)).status).toBe(404);
    expect((await get(`/${OWNER}/${REPO}/runs/999`)).status).toBe(404);
  });

  it('pages are not API requests: not recorded, never refused; the REST routes are unchanged', async () => {
    const before = sim.requests.length;
    await get(`/${OWNER}/${REPO}/pull/${pullNumber}`);
    expect(sim.requests.length).toBe(before);
    const { data } = await octokit.rest.issues.get({ owner: OWNER, repo: REPO, issue_number: issueNumber });
    expect(data.number).toBe(issueNumber);
    // a path that is no page of a known repository goes to the REST routes (and is refused there, as before)
    expect((await get('/no-such/repo/issues/1')).headers.get('content-type')).toContain('application/json');
    expect(sim.rejections.filter((r) => r.path !== '/no-such/repo/issues/1')).toEqual([]);
  });
});

describe('renderMarkdown', () => {
  const ctx = { repoUrl: 'http://gh/o/r', base: 'http://gh' };

  it('keeps only attribute-free allowed tags and balances them', () => {
    expect(renderMarkdown('<details open onclick="x()"><summary>a</summary>', ctx)).toBe(
      '&lt;details open onclick=&quot;x()&quot;&gt;<summary>a</summary>',
    );
    expect(renderMarkdown('<details open>\n\ntext', ctx)).toBe('<details open><p>text</p>\n</details>');
    expect(renderMarkdown('<style>x</style>', ctx)).toBe('&lt;style&gt;x&lt;/style&gt;');
  });

  it('caps what it parses, and stays linear on adversarial input', () => {
    const huge =
      `${'| a '.repeat(2_000)}\n${'|-'.repeat(2_000)}\n`.repeat(10) + '<'.repeat(200_000) + '*'.repeat(100_000);
    const started = performance.now();
    const html = renderMarkdown(huge, ctx);
    expect(performance.now() - started).toBeLessThan(20_000); // generous: a super-linear scan takes far longer
    expect(html).toContain(`past ${MAX_MARKDOWN_CHARS} characters`);
  });
});
