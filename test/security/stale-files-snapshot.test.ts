import { describe, expect, it } from 'vitest';
import type { PullRequestFacts } from '../../src/adapters/github/github-facts.js';
import { gatherPullRequestSnapshot } from '../../src/workflows/pull-request-snapshot.js';
import {
  checkCompleteness,
  checkSnapshotReads,
  decideDeployTarget,
  decideMergeDeploy,
} from '../../src/core/policy/snapshot.js';

/** The pure decisions of one snapshot per decision (issue 19, holes 2, 9 and 18), on plain facts. */

const pair = (headSha: string, baseRef = 'main', baseSha = 'b1') => ({ headSha, baseRef, baseSha });

describe('checkSnapshotReads', () => {
  it.each([
    ['nothing moved', pair('h1'), pair('h1'), 'pinned'],
    ['GitHub is at another head already', pair('h2'), pair('h2'), 'superseded'],
    ['the head moved while the files were listed', pair('h1'), pair('h2'), 'moved'],
    ['the pull request was retargeted meanwhile', pair('h1'), pair('h1', 'evil'), 'moved'],
    ['the base branch advanced meanwhile (same merge base)', pair('h1'), pair('h1', 'main', 'b2'), 'pinned'],
  ] as const)('%s', (_name, before, after, outcome) => {
    expect(checkSnapshotReads({ judgedHead: 'h1', before, after }).outcome).toBe(outcome);
  });
});

describe('checkCompleteness', () => {
  it.each([
    [3000, 3000, true],
    [3000, 3001, false],
    [0, 0, true],
  ])('%i listed of %i: complete %s', (listed, total, complete) => {
    expect(
      checkCompleteness({
        files: Array.from({ length: listed }, (_, i) => ({
          path: `f${i}`,
          status: 'added' as const,
          additions: 0,
          deletions: 0,
        })),
        changedFiles: total,
      }).complete,
    ).toBe(complete);
  });
});

describe('decideDeployTarget', () => {
  it.each([
    ['main', 'main', [], true],
    ['release', 'main', ['release'], true],
    ['evil-base', 'main', ['release'], false],
    ['Main', 'main', [], false], // git branch names are case-sensitive
    ['', '', [], false], // nothing known: nothing deploys
    ['main', '', [], false], // default branch unknown: only the listed ones
  ] as const)('%s (default %s, branches %o): deployable %s', (base, defaultBranch, branches, deployable) => {
    expect(decideDeployTarget(base, defaultBranch, branches).deployable).toBe(deployable);
  });
});

describe('decideMergeDeploy', () => {
  const facts = { mergedHead: 'h1', baseRef: 'main', defaultBranch: 'main', branches: [], judgedHead: 'h1' };
  it.each([
    ['the judged head into the default branch', {}, true],
    ['another head', { mergedHead: 'h2' }, false],
    ['no judged head', { judgedHead: undefined }, false],
    ['into another base', { baseRef: 'evil' }, false],
  ] as const)('%s', (_name, over, deploy) => {
    expect(decideMergeDeploy({ ...facts, ...over }).deploy).toBe(deploy);
  });
});

describe('gatherPullRequestSnapshot', () => {
  const facts = (over: Partial<PullRequestFacts>): PullRequestFacts => ({
    number: 1,
    headSha: 'h1',
    htmlUrl: 'u',
    author: { login: 'a', type: 'Bot' },
    labels: [],
    fromFork: false,
    updatedAt: 't',
    headRef: 'x',
    baseRef: 'main',
    baseSha: 'b1',
    authorId: 7,
    changedFiles: 1,
    defaultBranch: 'main',
    ...over,
  });
  const port = (reads: PullRequestFacts[]) => {
    let i = 0;
    const read = async () => reads[Math.min(i++, reads.length - 1)]!;
    return {
      getPullRequest: read,
      getPullRequestWithBody: async () => ({ facts: await read(), body: 'b' }),
      listChangedFiles: async () => [{ path: 'a', status: 'added' as const, additions: 1, deletions: 0 }],
    };
  };

  it('pins the files to the pair read on both sides of the list', async () => {
    const gathered = await gatherPullRequestSnapshot(port([facts({})]), 1, 'h1');
    expect(gathered).toMatchObject({
      outcome: 'pinned',
      snapshot: { baseRef: 'main', baseSha: 'b1', headSha: 'h1', changedFiles: 1, author: { id: 7 } },
    });
  });

  it('is superseded when GitHub is at another head', async () => {
    expect(await gatherPullRequestSnapshot(port([facts({ headSha: 'h2' })]), 1, 'h1')).toMatchObject({
      outcome: 'superseded',
      headSha: 'h2',
    });
  });

  it('reads again when the pull request was retargeted during the list, and uses the pair that held still', async () => {
    const gathered = await gatherPullRequestSnapshot(
      port([facts({}), facts({ baseRef: 'evil' }), facts({ baseRef: 'evil' })]),
      1,
      'h1',
    );
    expect(gathered).toMatchObject({ outcome: 'pinned', snapshot: { baseRef: 'evil', body: 'b' } });
  });

  it('records the base commit read last when the base branch advanced during the list', async () => {
    const gathered = await gatherPullRequestSnapshot(port([facts({}), facts({ baseSha: 'b2' })]), 1, 'h1');
    expect(gathered).toMatchObject({ outcome: 'pinned', snapshot: { baseSha: 'b2' } });
  });

  it('gives up (a failing check, retried) when the pair never holds still', async () => {
    let n = 0;
    const moving = {
      getPullRequest: async () => facts({ baseRef: `b${n++}` }),
      getPullRequestWithBody: async () => ({ facts: facts({ baseRef: `b${n++}` }), body: '' }),
      listChangedFiles: async () => [],
    };
    await expect(gatherPullRequestSnapshot(moving, 1, 'h1')).rejects.toThrow(/did not hold still/);
  });
});
