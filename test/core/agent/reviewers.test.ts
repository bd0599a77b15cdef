import { describe, expect, it } from 'vitest';
import { reviewersOf } from '../../../src/core/agent/reviewers.js';

describe('reviewers of the owners', () => {
  it.each<[string, string[], { users: string[]; teams: string[] }]>([
    ['a person', ['@alice'], { users: ['alice'], teams: [] }],
    ['a team, by slug', ['@acme/platform'], { users: [], teams: ['platform'] }],
    ['the app itself, in any case', ['@AAOE[bot]', '@aaoe-app[bot]', '@Aaoe-App'], { users: [], teams: [] }],
    ['an email owner', ['ops@example.com'], { users: [], teams: [] }],
    ['a nested team path', ['@acme/platform/infra'], { users: [], teams: [] }],
    ['people and teams in order', ['@bob', '@acme/web', '@carol'], { users: ['bob', 'carol'], teams: ['web'] }],
  ])('%s', (_name, owners, expected) => {
    expect(reviewersOf(owners, 'aaoe-app')).toEqual(expected);
  });
});
