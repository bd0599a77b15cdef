import { describe, expect, it } from 'vitest';
import { choosePreset, readShippedFiles, renderConfig } from '../../../src/adapters/files/onboarding-files.js';
import {
  decideOnboarding,
  onboardingRequest,
  type RepositoryFacts,
} from '../../../src/core/onboarding/onboarding-plan.js';
import { loadPolicy } from '../../../src/core/policy/load-policy.js';
import { resolvePolicy } from '../../../src/core/policy/resolve-policy.js';
import { loadPresets } from '../../../src/adapters/files/presets.js';
import { examplePayload } from '../../support/app-harness.js';

const fresh: RepositoryFacts = { archived: false, topics: [], empty: false, hasConfig: false, onboardingPulls: [] };

describe('decideOnboarding', () => {
  it.each<[string, Partial<RepositoryFacts>, string | true]>([
    ['a repository without config', {}, true],
    ['an archived one', { archived: true }, 'archived'],
    [
      'the aaoe-ignore topic (any case)',
      { topics: ['AAOE-Ignore'] },
      'opted out: the repository has the topic aaoe-ignore',
    ],
    [
      'a config on the default branch',
      { hasConfig: true },
      'configured: .github/aaoe.yml exists on the default branch',
    ],
    [
      'an open onboarding pull request',
      { onboardingPulls: [{ number: 3, state: 'open', merged: false }] },
      'the onboarding pull request #3 is open',
    ],
    [
      'a closed, unmerged one',
      { onboardingPulls: [{ number: 4, state: 'closed', merged: false }] },
      'opted out: the onboarding pull request #4 was closed without merging',
    ],
    [
      'a merged one whose file was removed since',
      { onboardingPulls: [{ number: 5, state: 'closed', merged: true }] },
      expect.stringMatching(/^onboarded by #5/) as unknown as string,
    ],
    ['an empty repository', { empty: true }, 'empty: the repository has no commit to build on'],
  ])('%s', (_name, facts, expected) => {
    const decision = decideOnboarding({ ...fresh, ...facts });
    expect(decision).toEqual(expected === true ? { open: true } : { open: false, reason: expected });
  });
});

describe('onboardingRequest', () => {
  it('reads the repositories of installation.created and installation_repositories.added, and nothing else', () => {
    expect(onboardingRequest('installation', examplePayload('installation', 'created'))).toEqual({
      account: 'Codertocat',
      repositories: [{ owner: 'Codertocat', name: 'Hello-World' }],
    });
    expect(
      onboardingRequest('installation_repositories', examplePayload('installation_repositories', 'added')),
    ).toEqual({ account: 'Codertocat', repositories: [{ owner: 'Codertocat', name: 'Space' }] });
    expect(onboardingRequest('installation', examplePayload('installation', 'deleted'))).toBeUndefined();
    expect(
      onboardingRequest('installation_repositories', examplePayload('installation_repositories', 'removed')),
    ).toBeUndefined();
  });
});

describe('the onboarding config', () => {
  it.each([...readShippedFiles().presets.keys()])('extending %s, it validates and resolves to the preset', (name) => {
    const preset = choosePreset(readShippedFiles(), name);
    if (!preset.ok) throw new Error(preset.message);
    const text = renderConfig(preset);
    const loaded = loadPolicy(text, '.github/aaoe.yml');
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const resolved = resolvePolicy(loaded, loadPresets());
    expect(resolved.ok && resolved.policy.id).toBe(name);
    expect(text).toContain(`# The shipped preset this repository builds on (policies/${name}.yml of AAOE):`);
  });

  it('names the presets when asked for one that does not exist', () => {
    expect(choosePreset(readShippedFiles(), 'strict')).toEqual({
      ok: false,
      message: 'no preset "strict": choose one of prod-policy, standard',
    });
  });
});
