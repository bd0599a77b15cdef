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
    ['an unlisted bot (every Bot author is governed)', { author: { login: 'some-tool[bot]', type: 'Bot' }, labelledBefore: false }, { governed: true, isAgent: true, reason: expect.stringMatching(/a Bot account/) }],
    ['a bot the policy exempts, never labelled', { author: { login: 'Dependabot[bot]', type: 'Bot' }, exemptBots: ['dependabot[bot]'], labelledBefore: false }, { governed: false, reason: expect.stringMatching(/exempts/) }],
    ['a bot the policy exempts, labelled', { author: { login: 'dependabot[bot]', type: 'Bot' }, exemptBots: ['dependabot[bot]'], labels: ['aaoe'] }, { governed: true, isAgent: false }],
    ['a bot the policy exempts but lists as an agent', { author: { login: 'my-agent[bot]', type: 'Bot' }, exemptBots: ['my-agent[bot]'] }, { governed: true, isAgent: true }],
    ['an agent listed by account id, under any login', { author: { login: 'renamed', type: 'User', id: 4242 }, agents: ['4242'] }, { governed: true, isAgent: true, reason: expect.stringMatching(/account id 4242/) }],
    ['an id that is not the author\'s', { author: { login: 'octocat', type: 'User', id: 1 }, agents: ['4242'], labelledBefore: false }, { governed: false }],
    ['no id known: an id entry matches nothing', { author: { login: 'octocat', type: 'User', id: 0 }, agents: ['0'], labelledBefore: false }, { governed: false }],
    ['governed once, however the facts look now', { execution: { isAgent: true, governedBecause: 'opened by my-agent[bot], listed as an agent (by login)' }, labelledBefore: false }, { governed: true, isAgent: true, reason: 'opened by my-agent[bot], listed as an agent (by login)' }],
    ['governed once by a label, now an agent too', { author: { login: 'x[bot]', type: 'Bot' }, execution: { isAgent: false, governedBecause: 'carries the `aaoe` label' } }, { governed: true, isAgent: true }],
    ['governed once by a label, the label renamed since', { triggerLabel: 'other', labels: ['aaoe'], execution: { isAgent: false, governedBecause: 'carries the `aaoe` label' } }, { governed: true, isAgent: false }],
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
