import { describe, expect, it } from 'vitest';
import {
  agentInCommits,
  agentIdentity,
  decideGovernance,
  listedAgent,
  type CommitFacts,
  type GovernanceFacts,
} from '../../../src/core/policy/governance.js';

const base: GovernanceFacts = {
  author: { login: 'octocat', type: 'User' },
  appLogin: 'aaoe[bot]',
  agents: ['my-agent[bot]'],
  triggerLabel: 'aaoe',
  labels: [],
  commits: [],
};

const person = { name: 'Octo Cat', email: 'octocat@example.com' };
const commit = (over: Partial<CommitFacts> = {}): CommitFacts => ({
  sha: 'abcdef0123456789',
  message: 'change',
  author: person,
  committer: person,
  ...over,
});

describe('decideGovernance', () => {
  it.each([
    ['AAOE itself', { author: { login: 'AAOE[bot]', type: 'Bot' } }, { governed: true, isAgent: true }],
    ['a listed agent', { author: { login: 'my-agent[bot]', type: 'Bot' } }, { governed: true, isAgent: true }],
    ['a human with the label', { labels: ['bug', 'AAOE'] }, { governed: true, isAgent: false }],
    ['a human whose label was removed', { labelledBefore: true }, { governed: true, isAgent: false }],
    ['a human, never labelled', { labelledBefore: false }, { governed: false }],
    [
      'an unlisted bot (every Bot author is governed)',
      { author: { login: 'some-tool[bot]', type: 'Bot' }, labelledBefore: false },
      { governed: true, isAgent: true, reason: expect.stringMatching(/a Bot account/) },
    ],
    [
      'a bot the policy exempts, never labelled',
      { author: { login: 'Dependabot[bot]', type: 'Bot' }, exemptBots: ['dependabot[bot]'], labelledBefore: false },
      { governed: false, reason: expect.stringMatching(/exempts/) },
    ],
    [
      'a bot the policy exempts, labelled',
      { author: { login: 'dependabot[bot]', type: 'Bot' }, exemptBots: ['dependabot[bot]'], labels: ['aaoe'] },
      { governed: true, isAgent: false },
    ],
    [
      'a bot the policy exempts but lists as an agent',
      { author: { login: 'my-agent[bot]', type: 'Bot' }, exemptBots: ['my-agent[bot]'] },
      { governed: true, isAgent: true },
    ],
    [
      'an agent listed by account id, under any login',
      { author: { login: 'renamed', type: 'User', id: 4242 }, agents: ['4242'] },
      { governed: true, isAgent: true, reason: expect.stringMatching(/account id 4242/) },
    ],
    [
      "an id that is not the author's",
      { author: { login: 'octocat', type: 'User', id: 1 }, agents: ['4242'], labelledBefore: false },
      { governed: false },
    ],
    [
      'no id known: an id entry matches nothing',
      { author: { login: 'octocat', type: 'User', id: 0 }, agents: ['0'], labelledBefore: false },
      { governed: false },
    ],
    [
      'governed once, however the facts look now',
      {
        execution: { isAgent: true, governedBecause: 'opened by my-agent[bot], listed as an agent (by login)' },
        labelledBefore: false,
      },
      { governed: true, isAgent: true, reason: 'opened by my-agent[bot], listed as an agent (by login)' },
    ],
    [
      'governed once by a label, now an agent too',
      {
        author: { login: 'x[bot]', type: 'Bot' },
        execution: { isAgent: false, governedBecause: 'carries the `aaoe` label' },
      },
      { governed: true, isAgent: true },
    ],
    [
      'governed once by a label, the label renamed since',
      {
        triggerLabel: 'other',
        labels: ['aaoe'],
        execution: { isAgent: false, governedBecause: 'carries the `aaoe` label' },
      },
      { governed: true, isAgent: false },
    ],
    ['a human, commits not read yet', { commits: undefined }, { governed: 'unknown', need: 'commits' }],
    ['a human, history not read yet', {}, { governed: 'unknown', need: 'labelHistory' }],
    ['AAOE itself is the agent `aaoe`', { author: { login: 'aaoe[bot]', type: 'Bot' } }, { agent: 'aaoe' }],
    [
      'a catalogue agent by account id, unlisted',
      { author: { login: 'copilot-swe-agent[bot]', type: 'Bot', id: 198982749 } },
      { governed: true, isAgent: true, agent: 'copilot' },
    ],
    [
      'Copilot as the User-looking `Copilot` login, by id',
      { author: { login: 'Copilot', type: 'Bot', id: 198982749 } },
      { agent: 'copilot' },
    ],
    [
      'a catalogue User account without a documented id, by login',
      { author: { login: 'OpenHands-Agent', type: 'User', id: 77 }, labelledBefore: false },
      { governed: true, agent: 'openhands' },
    ],
    [
      "a catalogue login whose id is another account's: the Bot default, not the agent",
      { author: { login: 'cursor[bot]', type: 'Bot', id: 5 } },
      { governed: true, agent: 'cursor[bot]' },
    ],
    [
      'a catalogue Bot the policy exempts is still governed (the exemption waives the Bot default only)',
      {
        author: { login: 'devin-ai-integration[bot]', type: 'Bot', id: 158243242 },
        exemptBots: ['devin-ai-integration[bot]'],
      },
      { governed: true, agent: 'devin' },
    ],
    [
      'a human whose commit carries an agent trailer',
      { commits: [commit({ message: 'x\n\nCo-authored-by: openhands <OpenHands@All-Hands.dev>' })] },
      { governed: true, isAgent: true, agent: 'openhands', reason: expect.stringMatching(/commit abcdef0 carries/) },
    ],
    [
      "a human with a forged trailer: an agent's name, another email",
      {
        commits: [commit({ message: 'x\n\nCo-authored-by: Claude <claude@anthropic.example>' })],
        labelledBefore: false,
      },
      { governed: false },
    ],
    [
      "an exempt Bot whose branch has an agent's commit",
      {
        author: { login: 'dependabot[bot]', type: 'Bot' },
        exemptBots: ['dependabot[bot]'],
        commits: [commit({ committer: { name: 'Cursor Agent', email: 'cursoragent@cursor.com' } })],
      },
      { governed: true, agent: 'cursor', reason: expect.stringMatching(/committed as Cursor/) },
    ],
    [
      "a Bot commit author that is no agent does not govern a person's pull request",
      {
        commits: [
          commit({
            author: {
              name: 'github-actions[bot]',
              email: '41898282+github-actions[bot]@users.noreply.github.com',
              account: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
            },
          }),
        ],
        labelledBefore: false,
      },
      { governed: false },
    ],
    [
      "a listed agent as a commit's committer, by id",
      {
        agents: ['4242'],
        commits: [
          commit({ committer: { name: 'x', email: 'x@example.com', account: { login: 'x', id: 4242, type: 'User' } } }),
        ],
      },
      { governed: true, agent: 'x' },
    ],
    [
      "a listed agent's noreply address in a trailer",
      {
        agents: ['my-agent[bot]'],
        commits: [commit({ message: 'x\n\nCo-authored-by: A <1+my-agent[bot]@users.noreply.github.com>' })],
      },
      { governed: true, agent: 'my-agent[bot]' },
    ],
    [
      "governed once: the execution's agent is kept",
      { execution: { isAgent: true, governedBecause: 'trailer', agent: 'claude' }, labelledBefore: false },
      { governed: true, agent: 'claude', reason: 'trailer' },
    ],
    ['a custom trigger label', { triggerLabel: 'agent-work', labels: ['agent-work'] }, { governed: true }],
    [
      'the default label under a custom trigger',
      { triggerLabel: 'agent-work', labels: ['aaoe'], labelledBefore: false },
      { governed: false },
    ],
  ] as const)('%s', (_name, over, expected) => {
    expect(decideGovernance({ ...base, ...(over as Partial<GovernanceFacts>) })).toMatchObject(expected);
  });

  it('a trailer that governed once keeps governing after a force-push removed it (the execution decides)', () => {
    const first = decideGovernance({
      ...base,
      commits: [commit({ message: 'x\n\nCo-authored-by: Claude <noreply@anthropic.com>' })],
    });
    expect(first).toMatchObject({ governed: true, agent: 'claude' });
    if (first.governed !== true) throw new Error('not governed');
    const rewritten = { ...base, commits: [commit({ message: 'x' })], labelledBefore: false };
    expect(decideGovernance(rewritten).governed).toBe(false);
    expect(
      decideGovernance({
        ...rewritten,
        execution: { isAgent: first.isAgent, governedBecause: first.reason, agent: first.agent! },
      }),
    ).toMatchObject({ governed: true, agent: 'claude', reason: first.reason });
  });

  it('reads at most 250 commits', () => {
    const commits = [
      ...Array.from({ length: 250 }, () => commit()),
      commit({ message: 'x\n\nCo-authored-by: Claude <noreply@anthropic.com>' }),
    ];
    expect(agentInCommits(commits, [])).toBeUndefined();
    expect(agentInCommits(commits.slice(1), [])).toMatchObject({ agent: 'claude' });
  });

  it('catalogue names and `all-known` in `agents:` are keywords, never logins', () => {
    expect(listedAgent({ login: 'claude' }, ['claude', 'all-known'])).toBeUndefined();
    expect(listedAgent({ login: 'claude', id: 9 }, ['9'])).toBe('by account id 9');
  });

  it("a catalogue agent's account is an agent identity (it may not approve), a person is not", () => {
    expect(agentIdentity({ login: 'openhands-agent', type: 'User' }, { agents: [] })).toMatch(/OpenHands/);
    expect(agentIdentity({ login: 'octocat', type: 'User' }, { agents: ['all-known'] })).toBeUndefined();
  });

  it('an agent stays governed without any label (labels only add control)', () => {
    expect(
      decideGovernance({ ...base, author: { login: 'my-agent[bot]', type: 'Bot' }, labels: [], labelledBefore: false })
        .governed,
    ).toBe(true);
  });
});
