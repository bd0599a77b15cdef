import { describe, expect, it } from 'vitest';
import {
  EXECUTION_STATES,
  FINAL_STATES,
  type Execution,
  type ExecutionEvent,
  type ExecutionState,
} from '../../../src/core/execution/execution-model.js';
import { newExecution, newPullRequestExecution, transition } from '../../../src/core/execution/transition.js';

const now = new Date('2026-11-23T10:00:00Z');
const at = (state: ExecutionState, over: Partial<Execution> = {}): Execution => ({
  id: 'x1',
  state,
  version: 3,
  headSha: 'aaa',
  updatedAt: now.toISOString(),
  ...over,
});

describe('transition', () => {
  it.each<[ExecutionState, ExecutionEvent, ExecutionState, string[]]>([
    ['received', { type: 'classified', kind: 'feature' }, 'classified', ['post_status']],
    ['classified', { type: 'proposal_requested' }, 'proposing', ['request_proposal', 'post_status']],
    [
      'proposing',
      { type: 'proposal_ready', pullRequest: 7, headSha: 'bbb' },
      'proposed',
      ['evaluate_policy', 'post_status'],
    ],
    [
      'proposed',
      { type: 'policy_evaluated', headSha: 'aaa', conclusion: 'success', reason: 'r' },
      'approved',
      ['post_status'],
    ],
    [
      'proposed',
      { type: 'policy_evaluated', headSha: 'aaa', conclusion: 'success', reason: 'r', autoMerge: true },
      'approved',
      ['post_status', 'merge_pull_request'],
    ],
    [
      'proposed',
      { type: 'policy_evaluated', headSha: 'aaa', conclusion: 'action_required', reason: 'r', autoMerge: true },
      'awaiting_approval',
      ['post_status'],
    ],
    [
      'proposed',
      { type: 'policy_evaluated', headSha: 'aaa', conclusion: 'failure', reason: 'r' },
      'blocked',
      ['post_status'],
    ],
    [
      'proposed',
      { type: 'policy_evaluated', headSha: 'aaa', conclusion: 'action_required', reason: 'r' },
      'awaiting_approval',
      ['post_status'],
    ],
    ['awaiting_approval', { type: 'approved', by: 'alice', headSha: 'aaa' }, 'approved', ['post_status']],
    ['approved', { type: 'pushed', headSha: 'ccc' }, 'proposed', ['evaluate_policy']],
    ['awaiting_approval', { type: 'pushed', headSha: 'ccc' }, 'proposed', ['evaluate_policy']],
    ['approved', { type: 'merged', sha: 'ddd' }, 'merged', ['dispatch_deploy', 'post_status']],
    [
      'approved',
      {
        type: 'policy_evaluated',
        headSha: 'aaa',
        conclusion: 'waiting',
        reason: 'r',
        opensAt: '2026-11-30T08:00:00.000Z',
      },
      'scheduled',
      ['post_status', 'notify', 'evaluate_policy'],
    ],
    [
      'scheduled',
      { type: 'policy_evaluated', headSha: 'aaa', conclusion: 'waiting', reason: 'r', opensAt: null },
      'scheduled',
      ['post_status'],
    ],
    [
      'scheduled',
      { type: 'policy_evaluated', headSha: 'aaa', conclusion: 'success', reason: 'r', autoMerge: true },
      'approved',
      ['post_status', 'merge_pull_request'],
    ],
    ['scheduled', { type: 'pushed', headSha: 'ccc' }, 'proposed', ['evaluate_policy']],
    ['scheduled', { type: 'merged', sha: 'ddd' }, 'merged', ['dispatch_deploy', 'post_status']],
    // issue 19, hole 2: only the judged head, merged into a deploy branch, is deployed
    ['approved', { type: 'merged', sha: 'ddd', headSha: 'aaa' }, 'merged', ['dispatch_deploy', 'post_status']],
    ['approved', { type: 'merged', sha: 'ddd', headSha: 'bbb' }, 'rejected', ['post_status']],
    ['scheduled', { type: 'merged', sha: 'ddd', headSha: 'bbb' }, 'rejected', ['post_status']],
    [
      'approved',
      { type: 'merged', sha: 'ddd', headSha: 'aaa', notDeployed: 'merged into `evil` is not a deploy branch' },
      'rejected',
      ['post_status'],
    ],
    // issue 19, hole 13: an evaluation that needs approval again takes the approval back
    [
      'approved',
      { type: 'policy_evaluated', headSha: 'aaa', conclusion: 'action_required', reason: 'r' },
      'awaiting_approval',
      ['post_status'],
    ],
    [
      'scheduled',
      { type: 'policy_evaluated', headSha: 'aaa', conclusion: 'action_required', reason: 'r' },
      'awaiting_approval',
      ['post_status'],
    ],
    [
      'approved',
      { type: 'policy_evaluated', headSha: 'aaa', conclusion: 'failure', reason: 'r' },
      'blocked',
      ['post_status'],
    ],
    [
      'approved',
      { type: 'policy_evaluated', headSha: 'aaa', conclusion: 'success', reason: 'r' },
      'approved',
      ['post_status'],
    ],
    ['merged', { type: 'deploy_started' }, 'deploying', []],
    ['deploying', { type: 'analysis_started' }, 'verifying', []],
    [
      'verifying',
      { type: 'canary_verdict', verdict: 'pass', reason: 'all metrics within thresholds' },
      'promoted',
      ['promote', 'post_status'],
    ],
    [
      'verifying',
      { type: 'canary_verdict', verdict: 'fail', reason: 'error rate x3' },
      'rolling_back',
      ['dispatch_rollback', 'record_breaker_failure', 'notify', 'open_debug_issue', 'post_status'],
    ],
    [
      'verifying',
      { type: 'canary_verdict', verdict: 'inconclusive', reason: 'no samples' },
      'rolling_back',
      ['dispatch_rollback', 'record_breaker_failure', 'notify', 'open_debug_issue', 'post_status'],
    ],
    ['promoted', { type: 'promotion_finished' }, 'completed', ['post_status', 'notify']],
    ['rolling_back', { type: 'rollback_finished' }, 'rolled_back', ['post_status']],
    [
      'completed',
      { type: 'rollback_requested', by: 'alice', reason: 'bad release' },
      'rolling_back',
      ['dispatch_rollback', 'post_status'],
    ],
    ['awaiting_approval', { type: 'rejected', by: 'bob', reason: 'no' }, 'rejected', ['post_status']],
    ['deploying', { type: 'failed', reason: 'runner lost' }, 'failed', ['post_status', 'notify']],
    ['failed', { type: 'retry', by: 'alice' }, 'received', ['classify', 'post_status']],
  ])('%s + %o -> %s', (from, event, to, effects) => {
    const t = transition(at(from), event, now);
    expect(t.outcome).toBe('applied');
    expect(t.execution.state).toBe(to);
    expect(t.execution.version).toBe(4);
    expect(t.effects.map((e) => e.type)).toEqual([...effects, 'audit']);
  });

  it.each<[ExecutionState, ExecutionEvent]>([
    ['received', { type: 'merged', sha: 'x' }],
    ['awaiting_approval', { type: 'merged', sha: 'x' }],
    ['blocked', { type: 'approved', by: 'alice', headSha: 'aaa' }],
    ['awaiting_approval', { type: 'approved', by: 'alice', headSha: 'old' }],
    ['proposed', { type: 'policy_evaluated', headSha: 'old', conclusion: 'success', reason: 'r' }],
    ['merged', { type: 'rejected', by: 'bob', reason: 'late' }],
    ['completed', { type: 'failed', reason: 'x' }],
    ['rolled_back', { type: 'retry', by: 'alice' }],
    ['proposed', { type: 'rollback_requested', by: 'alice', reason: 'x' }],
    ['approved', { type: 'resumed', by: 'alice' }],
    ['promoted', { type: 'canary_verdict', verdict: 'pass', reason: 'again' }],
    ['merged', { type: 'policy_evaluated', headSha: 'aaa', conclusion: 'waiting', reason: 'r', opensAt: null }],
  ])('%s + %o is illegal, recorded, and changes nothing', (from, event) => {
    const before = at(from);
    const t = transition(before, event, now);
    expect(t.outcome).toBe('illegal');
    expect(t.execution).toBe(before);
    expect(t.effects).toEqual([expect.objectContaining({ type: 'audit', action: 'illegal_transition' })]);
  });

  it('a change that waits for its window is evaluated again when it opens, on a timer (notBefore)', () => {
    const t = transition(
      at('awaiting_approval'),
      {
        type: 'policy_evaluated',
        headSha: 'aaa',
        conclusion: 'waiting',
        reason: 'outside the change windows',
        opensAt: '2026-11-30T08:00:00.000Z',
      },
      now,
    );
    expect(t.effects.find((e) => e.type === 'evaluate_policy')).toMatchObject({
      headSha: 'aaa',
      notBefore: '2026-11-30T08:00:00.000Z',
    });
    expect(t.effects.find((e) => e.type === 'notify')).toMatchObject({ about: 'waiting' });
  });

  it('pauses and resumes to where it was; a freeze keeps the state to return to', () => {
    const paused = transition(at('awaiting_approval'), { type: 'paused', by: 'alice' }, now).execution;
    expect(paused).toMatchObject({ state: 'paused', resumeTo: 'awaiting_approval' });
    const frozen = transition(
      paused,
      { type: 'frozen', until: '2026-11-23T11:00:00Z', reason: 'breaker' },
      now,
    ).execution;
    expect(frozen).toMatchObject({ state: 'frozen', resumeTo: 'awaiting_approval' });
    const back = transition(frozen, { type: 'unfrozen' }, now).execution;
    expect(back.state).toBe('awaiting_approval');
    expect(back.resumeTo).toBeUndefined();
  });

  it('a push binds the execution to the new head, so an approval of the old head no longer counts', () => {
    const pushed = transition(at('awaiting_approval'), { type: 'pushed', headSha: 'new' }, now).execution;
    const evaluated = transition(
      pushed,
      { type: 'policy_evaluated', headSha: 'new', conclusion: 'action_required', reason: 'r' },
      now,
    ).execution;
    expect(transition(evaluated, { type: 'approved', by: 'alice', headSha: 'aaa' }, now).outcome).toBe('illegal');
    expect(transition(evaluated, { type: 'approved', by: 'alice', headSha: 'new' }, now).execution.state).toBe(
      'approved',
    );
  });

  it('gives every effect a deterministic, unique idempotency key', () => {
    const a = transition(at('verifying'), { type: 'canary_verdict', verdict: 'fail', reason: 'x' }, now);
    const b = transition(at('verifying'), { type: 'canary_verdict', verdict: 'fail', reason: 'x' }, now);
    expect(a.effects.map((e) => e.key)).toEqual(b.effects.map((e) => e.key));
    expect(new Set(a.effects.map((e) => e.key)).size).toBe(a.effects.length);
  });

  it('never leaves a final state but by retry from failed', () => {
    const events: ExecutionEvent[] = [
      { type: 'classified', kind: 'bug' },
      { type: 'proposal_requested' },
      { type: 'approved', by: 'a', headSha: 'aaa' },
      { type: 'merged', sha: 's' },
      { type: 'paused', by: 'a' },
      { type: 'frozen', until: 'u', reason: 'r' },
      { type: 'rejected', by: 'a', reason: 'r' },
    ];
    for (const state of FINAL_STATES)
      for (const event of events)
        expect(transition(at(state), event, now).outcome, `${state} + ${event.type}`).toBe('illegal');
  });

  it('covers every state of the pipeline', () => {
    expect(EXECUTION_STATES).toHaveLength(19);
    expect(newExecution('x2', now).execution).toMatchObject({ state: 'received', version: 0 });
    expect(newExecution('x2', now).effects.map((e) => e.type)).toEqual(['classify', 'post_status', 'audit']);
  });
});

describe('pull requests opened outside AAOE', () => {
  const now = new Date('2026-11-23T10:00:00Z');

  it('start proposed, bound to their head, with the evaluation as first effect', () => {
    const { execution, effects } = newPullRequestExecution('pr-1', 'h1', 'octocat', now);
    expect(execution).toMatchObject({ state: 'proposed', headSha: 'h1', version: 0 });
    expect(effects.map((e) => e.type)).toEqual(['evaluate_policy', 'audit']);
  });

  it('re-evaluating the same head keeps an approval; another head is a push', () => {
    const approved: Execution = { id: 'x', state: 'approved', version: 3, headSha: 'h1', updatedAt: now.toISOString() };
    const same = transition(approved, { type: 'evaluation_requested', headSha: 'h1', by: 'bob' }, now);
    expect(same).toMatchObject({ outcome: 'applied', execution: { state: 'approved', version: 4 } });
    expect(same.effects.map((e) => e.type)).toEqual(['evaluate_policy', 'audit']);
    const other = transition(approved, { type: 'evaluation_requested', headSha: 'h2', by: 'bob' }, now);
    expect(other.execution).toMatchObject({ state: 'proposed', headSha: 'h2' });
    const merged: Execution = { ...approved, state: 'merged' };
    expect(transition(merged, { type: 'evaluation_requested', headSha: 'h1', by: 'bob' }, now).outcome).toBe('illegal');
  });

  it('a merge that is not deployed says why in the audit entry', () => {
    const head = transition(at('approved'), { type: 'merged', sha: 'ddd', headSha: 'bbbbbbbbb' }, now);
    expect(head.effects.find((e) => e.type === 'audit')).toMatchObject({
      reason: 'approved -> rejected: merged head bbbbbbb is not the judged head aaa: not deployed',
    });
    const base = transition(
      at('approved'),
      { type: 'merged', sha: 'ddd', headSha: 'aaa', notDeployed: 'merged into `evil` is not a deploy branch' },
      now,
    );
    expect(base.effects.find((e) => e.type === 'audit')).toMatchObject({
      reason: 'approved -> rejected: merged into `evil` is not a deploy branch',
    });
  });
});
