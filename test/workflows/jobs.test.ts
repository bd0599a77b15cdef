import { describe, expect, it } from 'vitest';
import { withKind, type DeliveryBase, type DeliveryKind } from '../../src/workflows/jobs.js';

const base: DeliveryBase = {
  id: 'd1',
  name: 'x',
  action: null,
  installationId: 1,
  repository: { owner: 'o', name: 'r' },
  sender: null,
};

describe('withKind (jobs stored before delivery kinds existed)', () => {
  it.each<[string, Record<string, unknown>, DeliveryKind]>([
    ['onboarding', { onboarding: { account: 'o', repositories: [] } }, 'onboarding'],
    ['push', { push: { after: 'abc' } }, 'push'],
    ['issue', { issue: { number: 1, labels: [] } }, 'issue'],
    ['comment', { comment: { id: 1, number: 2, onPullRequest: true } }, 'comment'],
    ['button', { button: { identifier: 'approve', checkRunId: 1, headSha: 'a' } }, 'button'],
    ['protection', { protection: { environment: 'prod', runId: 1, sha: 'a', pullRequestNumbers: [] } }, 'protection'],
    [
      'a merge: the merge commit decides over the pull request',
      { pullRequest: { number: 1 }, mergedSha: 'm' },
      'merged',
    ],
    ['a pull request', { pullRequest: { number: 1 } }, 'pull_request'],
    ['only numbers: a check', { pullRequestNumbers: [3] }, 'check'],
    ['nothing at all: a check of no pull request', {}, 'check'],
  ])('%s', (_name, fields, kind) => {
    expect(withKind({ ...base, ...fields }).kind).toBe(kind);
  });

  it('keeps a stored kind as it is', () => {
    const job = { ...base, kind: 'push' as const, push: { after: null } };
    expect(withKind(job)).toBe(job);
  });

  it.each<[string, Record<string, unknown>, number[]]>([
    ['a check without numbers gets none', {}, []],
    ['a check keeps its numbers', { pullRequestNumbers: [4, 5] }, [4, 5]],
    ['a button without numbers gets none', { button: { identifier: 'rerun', checkRunId: 1, headSha: 'a' } }, []],
  ])('%s', (_name, fields, numbers) => {
    expect(withKind({ ...base, ...fields })).toMatchObject({ pullRequestNumbers: numbers });
  });

  it('adds no numbers to other kinds', () => {
    expect(withKind({ ...base, push: { after: 'a' } })).not.toHaveProperty('pullRequestNumbers');
  });
});
