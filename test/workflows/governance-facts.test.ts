import { describe, expect, it } from 'vitest';
import { CommitsNotCaughtUpError, decidePullRequestGovernance } from '../../src/workflows/governance-facts.js';
import type { PullRequestCommit, PullRequestFacts } from '../../src/adapters/github/github-facts.js';
import { Policy } from '../../src/core/policy/schema.js';
import type { ExecutionRecord } from '../../src/core/execution/records.js';

/** The facts gathering of governance (src/workflows/governance-facts.ts) with a fake of the three reads it may make. */

const policy = Policy.parse({});
const HEAD = 'h'.repeat(40);
const pr: PullRequestFacts = {
  number: 7,
  headSha: HEAD,
  htmlUrl: 'https://github.example/o/r/pull/7',
  author: { login: 'octocat', type: 'User' },
  labels: [],
  fromFork: false,
  updatedAt: '2026-01-01T00:00:00Z',
  headRef: 'change',
  baseRef: 'main',
  baseSha: 'b'.repeat(40),
  authorId: 1,
};
const person = { name: 'Octo', email: 'octo@example.com' };
const commit = (sha: string, message = 'change'): PullRequestCommit => ({
  sha,
  message,
  author: person,
  committer: person,
});
const claude = 'x\n\nCo-authored-by: Claude <noreply@anthropic.com>';

function fake(options: { commits?: PullRequestCommit[]; currentHead?: string; labelled?: boolean } = {}) {
  const calls: string[] = [];
  const github = {
    listPullRequestCommits: async () => (calls.push('commits'), options.commits ?? [commit(HEAD)]),
    getPullRequest: async () => (calls.push('pull'), { ...pr, headSha: options.currentHead ?? HEAD }),
    wasEverLabelled: async () => (calls.push('labels'), options.labelled ?? false),
  };
  return { github, calls };
}

describe('decidePullRequestGovernance', () => {
  it.each([
    ['a labelled pull request', { ...pr, labels: ['aaoe'] }],
    ['a Bot author', { ...pr, author: { login: 'tool[bot]', type: 'Bot' } }],
    ['a catalogue agent author', { ...pr, author: { login: 'claude[bot]', type: 'Bot' }, authorId: 209825114 }],
  ])('reads no commits when the author or labels settle it: %s', async (_name, facts) => {
    const { github, calls } = fake();
    expect((await decidePullRequestGovernance(github as never, facts, policy, 'aaoe[bot]', undefined)).governed).toBe(
      true,
    );
    expect(calls).toEqual([]);
  });

  it('reads nothing for a pull request governed once', async () => {
    const { github, calls } = fake();
    const before = {
      id: 'x',
      subject: { isAgent: true, governedBecause: 'a trailer', agent: 'claude' },
    } as unknown as ExecutionRecord;
    expect(await decidePullRequestGovernance(github as never, pr, policy, 'aaoe[bot]', before)).toMatchObject({
      governed: true,
      agent: 'claude',
      reason: 'a trailer',
    });
    expect(calls).toEqual([]);
  });

  it('reads the commits, then (only when they do not settle it) the label history', async () => {
    const agent = fake({ commits: [commit(HEAD, claude)] });
    expect(await decidePullRequestGovernance(agent.github as never, pr, policy, 'aaoe[bot]', undefined)).toMatchObject({
      governed: true,
      agent: 'claude',
    });
    expect(agent.calls).toEqual(['commits']);
    const none = fake({ labelled: true });
    expect(await decidePullRequestGovernance(none.github as never, pr, policy, 'aaoe[bot]', undefined)).toMatchObject({
      governed: true,
      isAgent: false,
    });
    expect(none.calls).toEqual(['commits', 'labels']);
  });

  it('judges the pinned head by its own commits when GitHub lists later ones after it', async () => {
    const { github } = fake({
      commits: [commit('a'.repeat(40)), commit(HEAD), commit('c'.repeat(40), claude)],
      currentHead: 'c'.repeat(40),
    });
    expect((await decidePullRequestGovernance(github as never, pr, policy, 'aaoe[bot]', undefined)).governed).toBe(
      false,
    );
  });

  it('throws (the job is retried) when GitHub has not listed the pushed head yet', async () => {
    const { github } = fake({ commits: [commit('a'.repeat(40), claude)] });
    await expect(
      decidePullRequestGovernance(github as never, pr, policy, 'aaoe[bot]', undefined),
    ).rejects.toBeInstanceOf(CommitsNotCaughtUpError);
  });

  it('takes nothing from another head when a force-push replaced the pinned one', async () => {
    const { github, calls } = fake({ commits: [commit('c'.repeat(40), claude)], currentHead: 'c'.repeat(40) });
    expect((await decidePullRequestGovernance(github as never, pr, policy, 'aaoe[bot]', undefined)).governed).toBe(
      false,
    );
    expect(calls).toEqual(['commits', 'pull', 'labels']);
  });

  it('with more commits than GitHub lists (250), judges the 250 it sees', async () => {
    const listed = Array.from({ length: 250 }, (_, i) => commit(String(i).padStart(40, '0'), i === 249 ? claude : 'x'));
    const { github, calls } = fake({ commits: listed });
    expect(await decidePullRequestGovernance(github as never, pr, policy, 'aaoe[bot]', undefined)).toMatchObject({
      governed: true,
      agent: 'claude',
    });
    expect(calls).toEqual(['commits']);
  });
});
