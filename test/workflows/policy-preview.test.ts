import { beforeEach, describe, expect, it } from 'vitest';
import type { PullRequestFacts } from '../../src/adapters/github/github-facts.js';
import type { Database } from '../../src/adapters/store/database.js';
import { insertExecution } from '../../src/adapters/store/executions.js';
import { listGovernedHistory } from '../../src/adapters/store/governed-history.js';
import type { ChangedFile } from '../../src/core/policy/change.js';
import type { ExecutionRecord } from '../../src/core/execution/records.js';
import { recordEvaluatedFacts, replayRepository, type ReplayGitHub } from '../../src/workflows/policy-replay.js';
import { evaluatePolicy } from '../../src/core/policy/evaluate-policy.js';
import { change } from '../support/changes.js';
import { backends, useMigratedStore } from '../adapters/store/backends.js';
import { file, policy } from '../support/changes.js';
import { declarationBody, EXTERNAL_PROPOSAL } from '../support/proposal-body.js';

/**
 * The replay behind `aaoe/policy-preview` and the API (issue 25), on a real store with a fake GitHub: the history is
 * the governed pull requests with a verdict, most recent first; the facts of each judged head come from the store,
 * or are read from GitHub pinned to that head and recorded (a pull request whose head moved on is not replayed); the
 * second replay reads nothing from GitHub. The fake only answers reads: it has no write to call.
 */

const REPO = 'octo/api';
const IN_FORCE = policy({ risk: { maxLevel: 'high', requireHumanApprovalAbove: 'low' } });
const TIGHTER = policy({ risk: { maxLevel: 'medium', requireHumanApprovalAbove: 'low' } });
const head = (n: number) => n.toString(16).padStart(40, 'c');

type FakePull = { facts: PullRequestFacts; body: string; files: ChangedFile[] };

/** GitHub as the replay reads it: the pull requests as they are now, and every read counted. */
function fakeGitHub(pulls: Map<number, FakePull>) {
  const reads: string[] = [];
  const pull = (n: number) => {
    const found = pulls.get(n);
    if (!found) throw new Error(`no pull request ${n}`);
    return found;
  };
  const github: ReplayGitHub = {
    getPullRequest: async (n) => (reads.push(`pull ${n}`), pull(n).facts),
    listChangedFiles: async (n) => (reads.push(`files ${n}`), pull(n).files),
    getPullRequestWithBody: async (n) => (reads.push(`pull ${n}`), { facts: pull(n).facts, body: pull(n).body }),
    readFile: async (path) => (reads.push(`file ${path}`), undefined),
  };
  return { github, reads };
}

function pullFacts(number: number, headSha: string): PullRequestFacts {
  return {
    number,
    headSha,
    htmlUrl: `https://github.com/${REPO}/pull/${number}`,
    author: { login: 'agent[bot]', type: 'Bot' },
    labels: [],
    fromFork: false,
    updatedAt: '2026-11-20T10:00:00Z',
    headRef: `agent-${number}`,
    baseRef: 'main',
    baseSha: 'b'.repeat(40),
    authorId: 99,
    changedFiles: 1,
    defaultBranch: 'main',
  };
}

let at = Date.UTC(2026, 10, 1);
async function governed(db: Database, number: number, judged: boolean): Promise<void> {
  at += 60_000;
  const record: ExecutionRecord = {
    id: `x${number}`,
    repo: REPO,
    installationId: 1,
    pullRequest: number,
    traceId: 't',
    subject: {
      author: { login: 'agent[bot]', type: 'Bot', id: 99 },
      isAgent: true,
      htmlUrl: 'https://x',
      governedBecause: 'an agent',
      baseRef: 'main',
      ...(judged
        ? { judged: { baseRef: 'main', baseSha: 'b'.repeat(40), headSha: head(number), deployable: true } }
        : {}),
    },
    issue: null,
    work: null,
    state: 'awaiting_approval',
    version: 1,
    headSha: head(number),
    updatedAt: new Date(at).toISOString(),
  };
  await insertExecution(db, record);
}

/** A pull request whose body declares `level` (the declared risk only raises AAOE's). */
function declaring(number: number, level: 'low' | 'medium' | 'high', headSha = head(number)): FakePull {
  return {
    facts: pullFacts(number, headSha),
    body: declarationBody({ ...EXTERNAL_PROPOSAL, risk: { level, rationale: 'declared' } }),
    files: [file(`docs/${number}.md`)],
  };
}

describe.each(backends)('replayRepository on $name', (backend) => {
  const store = useMigratedStore(backend);
  let db: Database;
  beforeEach(async () => {
    db = store().db;
    await db.query('DELETE FROM governed_facts');
  });

  it('reads the facts the store lacks pinned to each judged head, records them, and reads none the second time', async () => {
    await governed(db, 1, true);
    await governed(db, 2, true);
    await governed(db, 3, false); // no verdict yet: not in the history
    const { github, reads } = fakeGitHub(
      new Map([
        [1, declaring(1, 'high')],
        [2, declaring(2, 'low')],
      ]),
    );
    const ports = { runtime: { db }, now: () => new Date('2026-12-01T00:00:00Z') };
    const request = { repo: REPO, proposed: TIGHTER, baseline: IN_FORCE, last: 50, github };

    const first = await replayRepository(ports, request);
    expect(first.skipped).toEqual([]);
    expect(first.report.rows.map((r) => [r.number, r.from, r.to])).toEqual([[1, 'needs approval', 'refused']]);
    expect(reads.filter((r) => r.startsWith('files'))).toEqual(['files 2', 'files 1']);
    const history = await listGovernedHistory(db, REPO, 50);
    expect(history.map((h) => [h.number, h.facts?.recorded, h.facts?.secrets?.result.outcome])).toEqual([
      [2, 'passed', 'passed'],
      [1, 'needs approval', 'passed'],
    ]);

    reads.length = 0;
    const second = await replayRepository(ports, request);
    expect(second.report).toEqual(first.report);
    expect(reads).toEqual([]);
  });

  it('does not replay a pull request whose head moved on since its verdict, and records nothing for it', async () => {
    await governed(db, 4, true);
    const { github } = fakeGitHub(new Map([[4, declaring(4, 'high', 'd'.repeat(40))]]));
    const ports = { runtime: { db }, now: () => new Date() };
    const outcome = await replayRepository(ports, {
      repo: REPO,
      proposed: TIGHTER,
      baseline: IN_FORCE,
      last: 50,
      github,
    });
    expect(outcome.report.totals.replayed).toBe(0);
    expect(outcome.skipped).toEqual([
      { repo: REPO, number: 4, reason: expect.stringMatching(/head moved on since its verdict.*ddddddd/) },
    ]);
    expect((await listGovernedHistory(db, REPO, 50))[0]?.facts).toBeUndefined();
  });

  it('without GitHub, or without a valid policy in force to record under, missing facts are skipped, not guessed', async () => {
    await governed(db, 5, true);
    const ports = { runtime: { db }, now: () => new Date() };
    const offline = await replayRepository(ports, {
      repo: REPO,
      proposed: TIGHTER,
      baseline: IN_FORCE,
      last: 50,
      github: undefined,
    });
    expect(offline.skipped).toEqual([{ repo: REPO, number: 5, reason: 'no facts recorded for its judged head' }]);
    const { github, reads } = fakeGitHub(new Map([[5, declaring(5, 'low')]]));
    const invalid = await replayRepository(ports, {
      repo: REPO,
      proposed: TIGHTER,
      baseline: undefined,
      last: 50,
      github,
    });
    expect(invalid.skipped).toEqual([
      { repo: REPO, number: 5, reason: expect.stringMatching(/no valid policy in force/) },
    ]);
    expect(reads).toEqual([]);
  });

  it('replays only the `last` most recently updated governed pull requests', async () => {
    for (const n of [6, 7, 8]) await governed(db, n, true);
    const { github, reads } = fakeGitHub(new Map([6, 7, 8].map((n) => [n, declaring(n, 'high')])));
    const ports = { runtime: { db }, now: () => new Date() };
    const outcome = await replayRepository(ports, {
      repo: REPO,
      proposed: TIGHTER,
      baseline: IN_FORCE,
      last: 2,
      github,
    });
    expect(outcome.report.rows.map((r) => r.number)).toEqual([8, 7]);
    expect(reads.filter((r) => r.startsWith('files'))).toEqual(['files 8', 'files 7']);
  });

  it("facts recorded by an evaluation (without the moment's freeze) are replayed without reading GitHub", async () => {
    await governed(db, 9, true);
    const judgedChange = change([file('docs/9.md')], {
      declared: { risk: { level: 'high' } },
      freeze: { until: '2026-11-21T00:00:00Z', reason: 'the breaker tripped' },
    });
    await recordEvaluatedFacts(db, {
      executionId: 'x9',
      repo: REPO,
      number: 9,
      judged: { baseSha: 'b'.repeat(40), headSha: head(9) },
      change: judgedChange,
      evaluation: await evaluatePolicy(judgedChange, IN_FORCE),
      policy: IN_FORCE,
      at: new Date('2026-11-20T10:00:00Z'),
    });
    const [recorded] = await listGovernedHistory(db, REPO, 1);
    expect(recorded?.facts?.change.freeze).toBeUndefined();
    // recorded while frozen (refused by the breaker); replayed on the change alone, the same policy needs an approval
    expect(recorded?.facts?.recorded).toBe('refused');
    const { github, reads } = fakeGitHub(new Map());
    const ports = { runtime: { db }, now: () => new Date() };
    const outcome = await replayRepository(ports, {
      repo: REPO,
      proposed: TIGHTER,
      baseline: IN_FORCE,
      last: 1,
      github,
    });
    expect(outcome.report.rows.map((r) => [r.number, r.from, r.to])).toEqual([[9, 'needs approval', 'refused']]);
    expect(reads).toEqual([]);
  });
});
