import { describe, expect, it } from 'vitest';
import { decideGovernance, type GovernanceFacts } from '../../src/policy/governance.js';

const base: GovernanceFacts = {
  author: { login: 'octocat', type: 'User' },
  appLogin: 'aaoe[bot]',
  agents: ['my-agent[bot]'],
  triggerLabel: 'aaoe',
  labels: [],
};

describe('decideGovernance', () => {
  it.each([
    ['AAOE itself', { author: { login: 'AAOE[bot]', type: 'Bot' } }, { governed: true, isAgent: true }],
    ['a listed agent', { author: { login: 'my-agent[bot]', type: 'Bot' } }, { governed: true, isAgent: true }],
    ['a human with the label', { labels: ['bug', 'AAOE'] }, { governed: true, isAgent: false }],
    ['a human whose label was removed', { labelledBefore: true }, { governed: true, isAgent: false }],
    ['a human, never labelled', { labelledBefore: false }, { governed: false }],
    ['an unlisted bot, never labelled', { author: { login: 'dependabot[bot]', type: 'Bot' }, labelledBefore: false }, { governed: false }],
    ['a human, history not read yet', {}, { governed: 'unknown' }],
    ['a custom trigger label', { triggerLabel: 'agent-work', labels: ['agent-work'] }, { governed: true }],
    ['the default label under a custom trigger', { triggerLabel: 'agent-work', labels: ['aaoe'], labelledBefore: false }, { governed: false }],
  ] as const)('%s', (_name, over, expected) => {
    expect(decideGovernance({ ...base, ...(over as Partial<GovernanceFacts>) })).toMatchObject(expected);
  });

  it('an agent stays governed without any label (labels only add control)', () => {
    expect(decideGovernance({ ...base, author: { login: 'my-agent[bot]', type: 'Bot' }, labels: [], labelledBefore: false }).governed).toBe(true);
  });
});
