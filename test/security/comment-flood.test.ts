import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { underProbe } from './availability.js';

/**
 * Issue 19, hole 5: one comment froze the app. Any GitHub user (no permission needed) can comment on an issue of a
 * public repository; the comment's Markdown was parsed twice, before anything else, by a parser that is super-linear
 * on nested lists and stacked setext headings (an 8 KB comment took tens of seconds). Over HTTP: a signed
 * `issue_comment` delivery with such a body; `/healthz` must keep answering within 2 s and the comment's work must
 * end within a few seconds, with a command that still counts.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const STRANGER = 'random-stranger';

let h: Harness;
let issue = 900;

beforeAll(async () => {
  h = await startHarness();
  h.sim.addInstallation({
    id: INSTALLATION_ID,
    account: OWNER,
    permissions: { checks: 'write', contents: 'write', issues: 'write', pull_requests: 'write', metadata: 'read' },
  });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
});
afterAll(async () => {
  await h?.close();
});

/** A stranger's comment on a fresh issue (not a pull request), delivered as GitHub sends it; returns its reply texts. */
async function commentOnIssue(
  body: string,
): Promise<{ tookMs: number; slowestMs: number; replies: string[]; reactions: string[] }> {
  const number = issue++;
  h.sim.addIssue({ owner: OWNER, repo: REPO, number, title: 'A question', body: 'Hi', user: STRANGER });
  const json = h.sim.addComment({
    owner: OWNER,
    repo: REPO,
    issueNumber: number,
    body,
    user: { login: STRANGER, type: 'User' },
  });
  const payload = examplePayload('issue_comment', 'created');
  payload.issue = { ...payload.issue, number, pull_request: undefined };
  payload.comment = { ...payload.comment, ...json };
  payload.sender = { ...payload.sender, login: STRANGER, type: 'User' };
  payload.installation = { id: INSTALLATION_ID };
  const { tookMs, slowestMs } = await underProbe(h.url, async () => {
    expect((await h.deliver('issue_comment', payload, { wait: false })).status).toBe(200);
    await h.runtime.idle();
  });
  const replies = h.sim
    .comments({ owner: OWNER, repo: REPO, issueNumber: number })
    .filter((c: any) => c.user.login === 'aaoe[bot]')
    .map((c: any) => String(c.body));
  const reactions = h.sim
    .commentReactions({ owner: OWNER, repo: REPO, commentId: json.id as number })
    .map((r) => r.content);
  return { tookMs, slowestMs, replies, reactions };
}

describe('comment flood: a large adversarial comment neither stalls the app nor runs unbounded', () => {
  it.each([
    ['nested lists on one line', '/aaoe status\n' + '- '.repeat(4_000) + 'a'],
    ['stacked setext headings', '/aaoe status\n' + 'a\n-\n'.repeat(2_500)],
    ['a long tight list of nested items', '/aaoe status\n' + '- a\n  - b\n'.repeat(1_600)],
  ])(
    '%s: /healthz answers within 2 s and the comment is handled within 3 s',
    async (_name, body) => {
      const { tookMs, slowestMs, replies } = await commentOnIssue(body);
      expect(slowestMs).toBeLessThan(2_000);
      expect(tookMs).toBeLessThan(3_000);
      // the command on the first line still counts: AAOE answers it (this issue has no execution)
      expect(replies).toHaveLength(1);
      expect(replies[0]).toContain('AAOE has no execution for');
    },
    240_000,
  );

  it('a comment without any /aaoe line costs nothing, however it is built', async () => {
    const { tookMs, slowestMs, replies } = await commentOnIssue('no command here\n' + '- '.repeat(30_000) + 'a');
    expect(slowestMs).toBeLessThan(2_000);
    expect(tookMs).toBeLessThan(3_000);
    expect(replies).toEqual([]);
  }, 240_000);
});
