import { describe, expect, it } from 'vitest';
import type { RiskLevel } from '../../../src/core/policy/schema.js';
import {
  decidePreview,
  mergeReplays,
  replayPolicy,
  type RecordedPullRequest,
  type ReplayVerdict,
} from '../../../src/core/policy/replay.js';
import { change, file, policy } from '../../support/changes.js';

/** A governed pull request of the history whose change is judged at `level` (declared: it only raises AAOE's). */
function recorded(number: number, level: RiskLevel, over: Partial<RecordedPullRequest> = {}): RecordedPullRequest {
  return {
    repo: 'octo/api',
    number,
    baseSha: 'b'.repeat(40),
    headSha: String(number).padStart(40, '0'),
    change: change([file(`docs/page-${number}.md`)], { declared: { risk: { level } } }),
    recorded: 'passed',
    ...over,
  };
}

/** An AWS access key id the secrets gate finds (written in parts, so this file carries none). */
const AWS_KEY = ['AKIA', 'Z7XQ', 'M2PL', 'R4TB', 'V9WK'].join('');

const IN_FORCE = policy({ risk: { maxLevel: 'high', requireHumanApprovalAbove: 'low' } });
const HISTORY = [recorded(1, 'low'), recorded(2, 'medium'), recorded(3, 'high'), recorded(4, 'critical')];

describe('replayPolicy', () => {
  it('under the same policy, no verdict changes', async () => {
    const report = await replayPolicy({ proposed: IN_FORCE, baseline: IN_FORCE, pullRequests: HISTORY });
    expect(report.rows).toEqual([]);
    expect(report.totals).toEqual({ replayed: 4, changed: 0, unchanged: 4, transitions: [] });
  });

  it('tightening risk.maxLevel names exactly the pull requests now refused, with the risk gate and its reason', async () => {
    const proposed = policy({ risk: { maxLevel: 'medium', requireHumanApprovalAbove: 'low' } });
    const report = await replayPolicy({ proposed, baseline: IN_FORCE, pullRequests: HISTORY });
    expect(report.rows.map((r) => [r.number, r.from, r.to])).toEqual([[3, 'needs approval', 'refused']]);
    expect(report.rows[0]?.gates).toEqual([
      expect.objectContaining({
        gate: 'risk',
        from: 'needs_approval',
        to: 'failed',
        reason: expect.stringMatching(/high/),
      }),
    ]);
    expect(report.totals).toEqual({
      replayed: 4,
      changed: 1,
      unchanged: 3,
      transitions: [{ from: 'needs approval', to: 'refused', count: 1 }],
    });
  });

  it('loosening the approval threshold names the pull requests that would now pass on their own', async () => {
    const proposed = policy({ risk: { maxLevel: 'critical', requireHumanApprovalAbove: 'medium' } });
    const report = await replayPolicy({ proposed, baseline: IN_FORCE, pullRequests: HISTORY });
    expect(report.rows.map((r) => [r.number, r.from, r.to])).toEqual([
      [2, 'needs approval', 'passed'],
      [4, 'refused', 'needs approval'],
    ]);
    expect(report.totals.transitions).toEqual([
      { from: 'needs approval', to: 'passed', count: 1 },
      { from: 'refused', to: 'needs approval', count: 1 },
    ]);
  });

  it('without a policy in force, compares with the verdict recorded with the facts', async () => {
    const history = [
      recorded(1, 'low', { recorded: 'passed' }),
      recorded(2, 'medium', { recorded: 'needs approval' }),
      recorded(3, 'low', { recorded: 'refused' }),
    ];
    const report = await replayPolicy({ proposed: IN_FORCE, pullRequests: history });
    expect(report.rows.map((r) => [r.number, r.from, r.to])).toEqual([[3, 'refused', 'passed']]);
    // the gates the new verdict rests on (none fails or waits: an empty list)
    expect(report.rows[0]?.gates).toEqual([]);
  });

  it('judges secrets exactly as a full evaluation would, whether or not the settings change', async () => {
    const secret = recorded(5, 'low', {
      change: change([file('src/config.ts', { lines: [`const key = "${AWS_KEY}";`] })]),
    });
    const same = await replayPolicy({
      proposed: policy({ ...IN_FORCE, risk: { maxLevel: 'medium', requireHumanApprovalAbove: 'low' } }),
      baseline: IN_FORCE,
      pullRequests: [secret],
    });
    expect(same.rows).toEqual([]);
    const off = await replayPolicy({
      proposed: policy({ risk: { maxLevel: 'high', requireHumanApprovalAbove: 'high' }, secrets: { enabled: false } }),
      baseline: IN_FORCE,
      pullRequests: [secret],
    });
    expect(off.rows.map((r) => [r.from, r.to])).toEqual([['refused', expect.not.stringMatching(/refused/)]]);
    expect(off.rows[0]?.gates.map((g) => g.gate)).toContain('secrets');
  });
});

describe('mergeReplays', () => {
  it('adds up totals and transitions of several repositories', async () => {
    const proposed = policy({ risk: { maxLevel: 'medium', requireHumanApprovalAbove: 'low' } });
    const a = await replayPolicy({ proposed, baseline: IN_FORCE, pullRequests: HISTORY });
    const b = await replayPolicy({
      proposed,
      baseline: IN_FORCE,
      pullRequests: [recorded(9, 'high', { repo: 'octo/web' })],
    });
    const merged = mergeReplays([a, b]);
    expect(merged.rows.map((r) => `${r.repo}#${r.number}`)).toEqual(['octo/api#3', 'octo/web#9']);
    expect(merged.totals).toEqual({
      replayed: 5,
      changed: 2,
      unchanged: 3,
      transitions: [
        { from: 'needs approval', to: 'refused', count: 2 } satisfies {
          from: ReplayVerdict;
          to: ReplayVerdict;
          count: number;
        },
      ],
    });
  });
});

describe('decidePreview', () => {
  it.each([
    ['pull_request', 'opened', true],
    ['pull_request', 'synchronize', true],
    ['pull_request', 'reopened', true],
    ['pull_request', 'edited', false],
    ['pull_request', 'labeled', false],
    ['pull_request_review', 'submitted', false],
    ['pull_request', null, false],
  ])('%s.%s -> %s', (event, action, wanted) => {
    expect(decidePreview({ event, action })).toBe(wanted);
  });
});
