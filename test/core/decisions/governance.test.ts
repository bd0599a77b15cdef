import { describe, expect, it } from 'vitest';
import { decideOnboardingExemption, type OnboardingFacts } from '../../../src/core/decisions/onboarding-exemption.js';
import { decideGovernance, type CommitFacts, type GovernanceFacts } from '../../../src/core/policy/governance.js';

/**
 * The governance decision on plain facts, one row per case the security suites exercise through the app
 * (test/security/agent-identity, governance-identity, onboarding-exemption) and the boundaries around them.
 */

const facts: GovernanceFacts = {
  author: { login: 'octocat', type: 'User', id: 1 },
  appLogin: 'aaoe[bot]',
  agents: [],
  exemptBots: ['dependabot[bot]'],
  triggerLabel: 'aaoe',
  labels: [],
  commits: [],
  labelledBefore: false,
};

const person = { name: 'Octo Cat', email: 'octocat@example.com' };
const commit = (over: Partial<CommitFacts> = {}): CommitFacts => ({
  sha: 'abcdef0123456789',
  message: 'change',
  author: person,
  committer: person,
  ...over,
});

type Expected = { governed: boolean | 'unknown'; isAgent?: boolean; agent?: string; need?: string };

describe('decideGovernance (security cases on plain facts)', () => {
  it.each<[string, Partial<GovernanceFacts>, Expected]>([
    // agent-identity
    [
      'a catalogue agent by account id (Devin)',
      { author: { login: 'devin-ai-integration[bot]', type: 'Bot', id: 158243242 } },
      { governed: true, isAgent: true, agent: 'devin' },
    ],
    [
      'a catalogue login with another id: the Bot default, not the agent',
      { author: { login: 'devin-ai-integration[bot]', type: 'Bot', id: 5 } },
      { governed: true, isAgent: true, agent: 'devin-ai-integration[bot]' },
    ],
    [
      "a person's pull request with a catalogue agent's Co-authored-by trailer",
      { commits: [commit({ message: 'fix\n\nCo-authored-by: Claude <noreply@anthropic.com>' })] },
      { governed: true, isAgent: true, agent: 'claude' },
    ],
    [
      "a forged trailer: the name says Claude, the email is nobody's agent",
      { commits: [commit({ message: 'fix\n\nCo-authored-by: Claude <claude@example.com>' })] },
      { governed: false },
    ],
    [
      "a commit authored by a catalogue agent's account",
      { commits: [commit({ author: { ...person, account: { login: 'claude[bot]', id: 209825114, type: 'Bot' } } })] },
      { governed: true, isAgent: true, agent: 'claude' },
    ],
    [
      'a Bot commit author alone is not enough',
      { commits: [commit({ author: { ...person, account: { login: 'fmt[bot]', id: 9, type: 'Bot' } } })] },
      { governed: false },
    ],
    [
      'Dependabot, exempt by the preset',
      { author: { login: 'dependabot[bot]', type: 'Bot', id: 49699333 } },
      { governed: false },
    ],
    [
      'Dependabot without the exemption: every Bot author is governed',
      { author: { login: 'dependabot[bot]', type: 'Bot', id: 49699333 }, exemptBots: [] },
      { governed: true, isAgent: true },
    ],
    // governance-identity
    [
      'a renamed agent account stays governed (the execution decides)',
      {
        author: { login: 'renamed', type: 'User', id: 77 },
        execution: { isAgent: true, governedBecause: 'opened by my-agent[bot]', agent: 'my-agent[bot]' },
      },
      { governed: true, isAgent: true, agent: 'my-agent[bot]' },
    ],
    [
      'an agent removed from `agents:` stays governed',
      { execution: { isAgent: true, governedBecause: 'listed' } },
      { governed: true, isAgent: true },
    ],
    [
      'a changed trigger label does not un-govern',
      { triggerLabel: 'other', execution: { isAgent: false, governedBecause: 'carries the `aaoe` label' } },
      { governed: true, isAgent: false },
    ],
    [
      'an unlisted Bot author is governed',
      { author: { login: 'tool[bot]', type: 'Bot', id: 3 } },
      { governed: true, isAgent: true, agent: 'tool[bot]' },
    ],
    [
      'an agent listed by account id, whatever its login',
      { author: { login: 'new-name', type: 'User', id: 4242 }, agents: ['4242'] },
      { governed: true, isAgent: true, agent: 'new-name' },
    ],
    [
      'an id entry never matches an unknown id (0)',
      { author: { login: 'octocat', type: 'User', id: 0 }, agents: ['0'] },
      { governed: false },
    ],
    [
      'a listed login matches case-insensitively',
      { author: { login: 'My-Agent', type: 'User' }, agents: ['my-agent'] },
      { governed: true, isAgent: true },
    ],
    [
      'a catalogue keyword in `agents:` is never a login',
      { author: { login: 'claude', type: 'User', id: 8 }, agents: ['claude'] },
      { governed: false },
    ],
    // labels only add control
    ['the trigger label, any case', { labels: ['AAOE'] }, { governed: true, isAgent: false }],
    ['the label once, removed since', { labelledBefore: true }, { governed: true, isAgent: false }],
    ['AAOE itself', { author: { login: 'AAOE[bot]', type: 'Bot' } }, { governed: true, isAgent: true, agent: 'aaoe' }],
    // what is still to read
    ['commits not read yet', { commits: undefined }, { governed: 'unknown', need: 'commits' }],
    ['label history not read yet', { labelledBefore: undefined }, { governed: 'unknown', need: 'labelHistory' }],
    ['a person, no agent commit, never labelled', {}, { governed: false }],
  ])('%s', (_name, over, expected) => {
    expect(decideGovernance({ ...facts, ...over })).toMatchObject(expected);
  });
});

const onboarding: OnboardingFacts = {
  governedBefore: false,
  headRef: 'aaoe/onboarding',
  onboardingBranch: 'aaoe/onboarding',
  authorLogin: 'aaoe[bot]',
  appLogin: 'AAOE[bot]',
  headWrittenByAaoe: true,
  files: [{ path: '.github/aaoe.yml' }],
  onboardingPaths: new Set(['.github/aaoe.yml', 'AGENTS.md']),
};

describe('decideOnboardingExemption (onboarding-exemption on plain facts)', () => {
  it.each<[string, Partial<OnboardingFacts>, ReturnType<typeof decideOnboardingExemption>]>([
    ["AAOE's pull request at the commit AAOE wrote, touching only its files", {}, { exempt: true }],
    ['both onboarding files', { files: [{ path: '.github/aaoe.yml' }, { path: 'AGENTS.md' }] }, { exempt: true }],
    ['a commit somebody else pushed to the onboarding branch', { headWrittenByAaoe: false }, { exempt: false }],
    ['another file besides', { files: [{ path: '.github/aaoe.yml' }, { path: 'src/app.ts' }] }, { exempt: false }],
    [
      'a file renamed from elsewhere into an onboarding path',
      { files: [{ path: 'AGENTS.md', previousPath: 'src/x.ts' }] },
      { exempt: false },
    ],
    ['another author on the branch', { authorLogin: 'mallory' }, { exempt: false }],
    ['another branch', { headRef: 'aaoe/onboarding-2' }, { exempt: false }],
    ['governed once: judged whatever the branch', { governedBefore: true }, { exempt: false }],
    ['the head commit not looked up yet', { headWrittenByAaoe: undefined }, { exempt: 'unknown', need: 'headCommit' }],
    ['the files not listed yet', { files: undefined }, { exempt: 'unknown', need: 'files' }],
  ])('%s', (_name, over, expected) => {
    expect(decideOnboardingExemption({ ...onboarding, ...over })).toEqual(expected);
  });
});
