import { describe, expect, it } from 'vitest';
import {
  decidePullRequestDelivery,
  type PullRequestDeliveryDecision,
  type PullRequestDeliveryFacts,
} from '../../../src/core/decisions/pull-request-event.js';

const facts: PullRequestDeliveryFacts = {
  name: 'pull_request',
  action: 'synchronize',
  headSha: 'bbb',
  updatedAt: '2026-11-23T10:05:00Z',
  sender: 'octocat',
  executionHead: 'aaa',
  seenUpdatedAt: '2026-11-23T10:00:00Z',
};

describe('decidePullRequestDelivery', () => {
  it.each<[string, Partial<PullRequestDeliveryFacts>, PullRequestDeliveryDecision]>([
    ['a push moves the execution to the new head', {}, { outcome: 'event', event: { type: 'pushed', headSha: 'bbb' } }],
    [
      'an older delivery of another head arriving late does not move it back',
      { updatedAt: '2026-11-23T09:59:59Z' },
      { outcome: 'stale' },
    ],
    [
      'an older delivery of the same head is no move back',
      { headSha: 'aaa', action: 'labeled', updatedAt: '2026-11-23T09:00:00Z' },
      { outcome: 'event', event: { type: 'evaluation_requested', headSha: 'aaa', by: 'octocat' } },
    ],
    [
      'nothing seen yet: whatever its time',
      { seenUpdatedAt: undefined, updatedAt: '2000-01-01T00:00:00Z' },
      { outcome: 'event', event: { type: 'pushed', headSha: 'bbb' } },
    ],
    [
      'opened at the head AAOE proposed: being evaluated already',
      { action: 'opened', headSha: 'aaa' },
      { outcome: 'unchanged' },
    ],
    ['a push to the head the execution already moved to', { headSha: 'aaa' }, { outcome: 'unchanged' }],
    [
      'a review asks for an evaluation of the head it shows',
      { name: 'pull_request_review', action: 'submitted', headSha: 'aaa' },
      { outcome: 'event', event: { type: 'evaluation_requested', headSha: 'aaa', by: 'octocat' } },
    ],
    [
      'a label asks for an evaluation',
      { action: 'labeled' },
      { outcome: 'event', event: { type: 'evaluation_requested', headSha: 'bbb', by: 'octocat' } },
    ],
  ])('%s', (_name, over, decision) => {
    expect(decidePullRequestDelivery({ ...facts, ...over })).toEqual(decision);
  });
});
