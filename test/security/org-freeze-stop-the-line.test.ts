import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOS, orgFreezeWorld } from './org-freeze-world.js';

// Issue 25, stop the line, through the real path: signed deliveries to the running app against the loopback GitHub.
// An owner's `/aaoe freeze --org` stops, across three repositories of the installation, a new agent execution, a
// check, a deployment review and a queued dispatch; a hotfix passes only with two owners' approvals of its head;
// `/aaoe unfreeze --org` restores all. The kill switch of one agent refuses its work and leaves another's. Who may
// freeze is read from GitHub's membership API (never the payload), and the organisation's config only from its
// `.github` repository.

const [A, B, C] = REPOS;
const w = orgFreezeWorld();

beforeAll(async () => {
  await w.start();
}, 60_000);
afterAll(async () => {
  await w.harness()?.close();
});

const gate = (run: any) =>
  String(run.output?.text ?? '') + String(run.output?.summary ?? '') + String(run.output?.title ?? '');

describe('stop the line across the installation', () => {
  let waiting: { number: number; id: string; sha: string };
  let deploying: { number: number; id: string; sha: string };
  let before: { number: number; headSha: string };

  it('before any freeze: changes are judged as usual; one merged deploys, the next is queued behind it', async () => {
    before = await w.openPullRequest(C);
    expect(w.check(C, before.headSha).conclusion).toBe('action_required');
    const merged: Array<{ number: number; id: string; sha: string }> = [];
    for (let i = 0; i < 2; i++) {
      const pr = await w.openPullRequest(A);
      await w.comment(A, pr.number, 'wendy-writer', '/aaoe approve');
      const sha = await w.merge(A, pr.number);
      merged.push({ number: pr.number, id: (await w.execution(A, pr.number))!.id, sha });
    }
    const [first, second] = merged as [(typeof merged)[0], (typeof merged)[0]];
    expect((await w.execution(A, first.number))?.state).toBe('deploying');
    expect(await w.audit((e) => e.executionId === second.id && e.action === 'deploy_queued')).toHaveLength(1);
    deploying = first;
    waiting = second;
  });

  it('a plain member, a bot and a member of no freeze team cannot freeze the organisation', async () => {
    await w.comment(C, before.number, 'mia-member', '/aaoe freeze --org I can');
    await w.comment(C, before.number, 'evil[bot]', '/aaoe freeze --org');
    await w.comment(C, before.number, 'wendy-writer', '/aaoe freeze --org');
    expect(w.replies(C, before.number).join('\n')).toMatch(/freeze --org` by @mia-member was refused: only an owner/);
    expect(w.check(C, before.headSha).conclusion).toBe('action_required');
    const refused = await w.audit((e) => e.action === 'org_freeze_refused');
    expect(refused.map((e) => e.actor).sort()).toEqual(['evil[bot]', 'mia-member', 'wendy-writer']);
  });

  it("an owner's freeze fails every governed check, new and open, in every repository, with the reason", async () => {
    await w.comment(C, before.number, 'olga-owner', '/aaoe freeze --org incident 42: payments down');
    expect(w.replies(C, before.number).join('\n')).toMatch(
      /@olga-owner \(organisation owner\) froze the organisation until lifted/,
    );
    // the one open before is judged again at once
    const again = w.check(C, before.headSha);
    expect(again.conclusion).toBe('failure');
    expect(gate(again)).toMatch(/the organisation is frozen by @olga-owner: incident 42: payments down/);
    const fresh = await w.openPullRequest(B);
    expect(w.check(B, fresh.headSha).conclusion).toBe('failure');
    expect(gate(w.check(B, fresh.headSha))).toMatch(/unfreeze --org/);
    const [entry] = await w.audit((e) => e.action === 'org_freeze');
    expect(entry).toMatchObject({ actor: 'olga-owner', reason: expect.stringMatching(/incident 42/) });
  });

  it('a new agent execution does not start, and the issue says why', async () => {
    const issue = await w.labelledIssue(B);
    expect(await w.execution(B, issue)).toBeUndefined();
    expect(w.replies(B, issue).join('\n')).toMatch(
      /No new agent work starts: the organisation is frozen by @olga-owner/,
    );
  });

  it('a queued dispatch is held when its turn comes, and the protection rule rejects a deployment', async () => {
    await w.promote((await w.execution(A, deploying.number))!, deploying.sha);
    expect(w.dispatches(A).filter((d) => d.payload.executionId === waiting.id)).toHaveLength(0);
    const held = await w.audit((e) => e.executionId === waiting.id && e.action === 'deploy_waiting');
    expect(held.at(-1)?.reason).toMatch(/the organisation is frozen by @olga-owner/);
    const review = await w.askProtectionRule(A, 9101, 'f'.repeat(40));
    expect(review).toMatchObject({
      state: 'rejected',
      comment: expect.stringMatching(/deployments are stopped: the organisation is frozen/),
    });
  });

  it('a hotfix passes only with two owners approving its head; a writer or one owner is not enough', async () => {
    const hotfix = await w.openPullRequest(B, { labels: ['hotfix'] });
    expect(w.check(B, hotfix.headSha).conclusion).toBe('failure');
    expect(gate(w.check(B, hotfix.headSha))).toMatch(/passes the freeze only with 2 approvals/);
    await w.comment(B, hotfix.number, 'wendy-writer', '/aaoe approve');
    await w.comment(B, hotfix.number, 'olga-owner', '/aaoe approve');
    expect(w.check(B, hotfix.headSha).conclusion).toBe('failure');
    expect(gate(w.check(B, hotfix.headSha))).toMatch(/so far @olga-owner/);
    await w.comment(B, hotfix.number, 'otto-owner', '/aaoe approve');
    const passed = w.check(B, hotfix.headSha);
    expect(passed.conclusion).toBe('success');
    expect(gate(passed)).toMatch(
      /Hotfix: let through the organisation freeze at \w{7}, approved by @olga-owner, @otto-owner/,
    );
    const x = await w.execution(B, hotfix.number);
    const let_ = await w.audit((e) => e.executionId === x?.id && e.action === 'hotfix_let_through');
    expect(let_).toHaveLength(1);
    expect(let_[0]?.data).toMatchObject({ approvers: ['olga-owner', 'otto-owner'] });
    // merged, it deploys through the freeze: the execution let through at that head
    await w.merge(B, hotfix.number);
    expect(w.dispatches(B).filter((d) => d.payload.executionId === x?.id)).toHaveLength(1);
  });

  it('a hotfix label alone, on a change nobody approved, does not pass', async () => {
    const labelled = await w.openPullRequest(C, { labels: ['HOTFIX'] });
    expect(w.check(C, labelled.headSha).conclusion).toBe('failure');
  });

  it('unfreeze restores all: checks judged again, the held dispatch goes out, new work is judged as usual', async () => {
    await w.comment(C, before.number, 'mia-member', '/aaoe unfreeze --org');
    expect(w.check(C, before.headSha).conclusion).toBe('failure');
    await w.comment(C, before.number, 'olga-owner', '/aaoe unfreeze --org');
    expect(w.check(C, before.headSha).conclusion).toBe('action_required');
    const after = await w.openPullRequest(A);
    expect(w.check(A, after.headSha).conclusion).toBe('action_required');
    w.advance(6 * 60_000);
    const deadline = Date.now() + 20_000;
    while (w.dispatches(A).filter((d) => d.payload.executionId === waiting.id).length === 0) {
      if (Date.now() > deadline) throw new Error('the held dispatch did not go out after the unfreeze');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await w.audit((e) => e.action === 'org_unfreeze')).map((e) => e.actor)).toEqual(['olga-owner']);
  });
});

describe("one agent's kill switch", () => {
  it("refuses that agent's work organisation-wide and leaves another agent's", async () => {
    const x = await w.openPullRequest(A);
    await w.comment(A, x.number, 'sam-sre', '/aaoe freeze --agent claude leaking tokens');
    expect(w.replies(A, x.number).join('\n')).toMatch(/@sam-sre stopped the agent claude organisation-wide/);
    const claude = await w.openPullRequest(C, { author: { login: 'claude[bot]', id: 209825114 } });
    expect(w.check(C, claude.headSha).conclusion).toBe('failure');
    expect(gate(w.check(C, claude.headSha))).toMatch(
      /the agent claude is stopped organisation-wide by @sam-sre: leaking tokens/,
    );
    const other = await w.openPullRequest(C);
    expect(w.check(C, other.headSha).conclusion).toBe('action_required');
    await w.comment(A, x.number, 'sam-sre', '/aaoe unfreeze --agent claude');
    expect(w.check(C, claude.headSha).conclusion).toBe('action_required');
  });
});
