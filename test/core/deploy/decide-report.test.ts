import { describe, expect, it } from 'vitest';
import type { DeployReport } from '../../../src/contracts/report.js';
import { decideReport, type ReportDecision } from '../../../src/core/deploy/decide-report.js';
import type { ExecutionState } from '../../../src/core/execution/execution-model.js';

// What a verified report may do to an execution, on plain facts: only end a deployment, for the dispatched commit.

const SHA = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

type Claim = Pick<DeployReport, 'mode' | 'verdict' | 'outcome'> & { sha?: string; rolledBack?: boolean };

function facts(claim: Claim, state: ExecutionState | null, dispatched: string | null) {
  return {
    report: {
      executionId: 'exe_1',
      sha: claim.sha ?? SHA,
      mode: claim.mode,
      verdict: claim.verdict,
      outcome: claim.outcome,
      title: 'T',
      reason: 'R',
      commands: claim.rolledBack ? [{ name: 'rollback', exitCode: 0 }] : [{ name: 'deploy', exitCode: 0 }],
    },
    execution: state === null ? undefined : { id: 'exe_1', state },
    dispatchedSha: dispatched ?? undefined,
  };
}

const promote: Claim = { mode: 'canary', verdict: 'promote', outcome: 'success' };
const rollback: Claim = { mode: 'canary', verdict: 'rollback', outcome: 'failure', rolledBack: true };
const inconclusive: Claim = { mode: 'canary', verdict: 'inconclusive', outcome: 'failure' };
const rolledBack: Claim = { mode: 'rollback', verdict: 'rolled-back', outcome: 'success' };
const failedRollback: Claim = { mode: 'rollback', verdict: 'error', outcome: 'failure' };
const verdict = (v: 'pass' | 'fail' | 'inconclusive') => ({
  type: 'canary_verdict' as const,
  verdict: v,
  reason: 'T: R',
});

describe('decideReport', () => {
  it.each<[string, Claim, ExecutionState | null, string | null, ReportDecision]>([
    ['no such execution', promote, null, SHA, { kind: 'refuse', status: 404, error: 'no execution exe_1' }],
    [
      'nothing dispatched',
      promote,
      'deploying',
      null,
      { kind: 'refuse', status: 409, error: `execution exe_1 dispatched nothing, not ${SHA}` },
    ],
    [
      'another commit than the one dispatched',
      { ...promote, sha: OTHER },
      'deploying',
      SHA,
      { kind: 'refuse', status: 409, error: `execution exe_1 dispatched ${SHA}, not ${OTHER}` },
    ],
    [
      'a promotion while deploying',
      promote,
      'deploying',
      SHA,
      {
        kind: 'apply',
        events: [{ type: 'analysis_started' }, verdict('pass'), { type: 'promotion_finished' }],
      },
    ],
    [
      'a promotion while verifying',
      promote,
      'verifying',
      SHA,
      {
        kind: 'apply',
        events: [verdict('pass'), { type: 'promotion_finished' }],
      },
    ],
    [
      'a promote verdict whose command failed is a failure',
      { ...promote, outcome: 'failure' },
      'verifying',
      SHA,
      {
        kind: 'apply',
        events: [verdict('fail')],
      },
    ],
    [
      'a rollback the action ran',
      rollback,
      'verifying',
      SHA,
      {
        kind: 'apply',
        events: [verdict('fail'), { type: 'rollback_finished' }],
      },
    ],
    [
      'an inconclusive canary never promotes',
      inconclusive,
      'verifying',
      SHA,
      {
        kind: 'apply',
        events: [verdict('inconclusive')],
      },
    ],
    [
      'a canary report never approves: awaiting approval',
      promote,
      'awaiting_approval',
      SHA,
      {
        kind: 'stale',
        state: 'awaiting_approval',
      },
    ],
    ['a canary report after the end', promote, 'completed', SHA, { kind: 'stale', state: 'completed' }],
    [
      'a rollback report while rolling back',
      rolledBack,
      'rolling_back',
      SHA,
      {
        kind: 'apply',
        events: [{ type: 'rollback_finished' }],
      },
    ],
    ['a failed rollback is kept as evidence only', failedRollback, 'rolling_back', SHA, { kind: 'apply', events: [] }],
    ['a rollback report while deploying', rolledBack, 'deploying', SHA, { kind: 'stale', state: 'deploying' }],
  ])('%s', (_, claim, state, dispatched, expected) => {
    expect(decideReport(facts(claim, state, dispatched))).toEqual(expected);
  });
});
