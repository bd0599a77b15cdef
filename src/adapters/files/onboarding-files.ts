import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_INSTRUCTION_PATHS } from '../../core/onboarding/agent-instructions.js';
import { CONFIG_PATH, WORKFLOW_PATH, type PresetChoice } from '../../core/onboarding/onboarding-paths.js';
import { formatPolicyError } from '../../core/policy/policy-source.js';
import { loadPolicy } from '../../core/policy/load-policy.js';
import { resolvePolicy } from '../../core/policy/resolve-policy.js';
import { loadPresets, packageRoot } from './presets.js';
import { type Presets } from '../../core/policy/policy-source.js';
import type { Policy } from '../../core/policy/schema.js';

/**
 * What onboarding adds to a repository, the same for the onboarding pull request and `aaoe init`: a commented
 * `.github/aaoe.yml` that `extends:` a shipped preset, the companion workflow `.github/workflows/aaoe-deploy.yml`
 * (this package's example), and the agent contract in the repository's agent instructions (AGENTS.md, and CLAUDE.md
 * and `.github/copilot-instructions.md` where they exist: src/core/onboarding/agent-instructions.ts). Pure once the
 * shipped files are read.
 */

export const DEFAULT_PRESET = 'standard';

/**
 * Every path the onboarding commit may change: the config and the agent instruction files. The pipeline exempts the
 * onboarding pull request from the policy only while its head is the very commit AAOE wrote and its files are these.
 */
export const ONBOARDING_PATHS: ReadonlySet<string> = new Set([CONFIG_PATH, ...AGENT_INSTRUCTION_PATHS]);

/** The shipped texts onboarding is made of: the presets as written (with their comments) and the workflow. */
export type ShippedFiles = { presets: ReadonlyMap<string, string>; workflow: string };

/** Reads `policies/*.yml` and `.github/workflows/aaoe-deploy.yml` from this package. */
export function readShippedFiles(root: string = packageRoot()): ShippedFiles {
  const presets = new Map<string, string>();
  for (const file of readdirSync(join(root, 'policies'))
    .filter((f) => f.endsWith('.yml'))
    .sort()) {
    presets.set(file.slice(0, -'.yml'.length), readFileSync(join(root, 'policies', file), 'utf8'));
  }
  return { presets, workflow: readFileSync(join(root, WORKFLOW_PATH), 'utf8') };
}

/** The preset to extend, with the comment its file opens with (what it allows, in its own words). */
export function choosePreset(shipped: ShippedFiles, name: string = DEFAULT_PRESET): PresetChoice {
  const text = shipped.presets.get(name);
  if (text === undefined)
    return { ok: false, message: `no preset "${name}": choose one of ${[...shipped.presets.keys()].join(', ')}` };
  const description: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    description.push(line.replace(/^#\s?/, ''));
  }
  return { ok: true, preset: name, description };
}

/** The commented `.github/aaoe.yml`: every active line is a choice, and the comment above it says why. */
export function renderConfig(preset: Extract<PresetChoice, { ok: true }>): string {
  const described = preset.description.map((line) => `#   ${line}`.trimEnd());
  return [
    '# AAOE configuration. AAOE reads this file from the default branch only, so a pull request can never',
    '# loosen the policy that judges it (and a pull request that edits this file fails the aaoe/policy check).',
    '# Every key: schemas/aaoe.schema.json of the AAOE release you run; `npx @aaoe-dev/aaoe@0.2.0 policy validate` checks it.',
    '',
    `# The shipped preset this repository builds on (policies/${preset.preset}.yml of AAOE):`,
    ...described,
    `extends: ${preset.preset}`,
    '',
    '# The label that turns an issue into agent work. It counts only when a person with write, maintain or',
    '# admin permission applies it (a label applied by a bot is never consent): the agent spends money.',
    'trigger: { label: aaoe }',
    '',
    "# Bot accounts whose pull requests are agent work, judged by this policy like AAOE's own.",
    "# agents: ['my-agent[bot]']",
    '',
    '# Override what the preset says, key by key, for example:',
    '# risk: { maxLevel: high, requireHumanApprovalAbove: low }   # a person approves anything above low risk',
    '# merge: manual                                             # auto: AAOE merges approved changes itself',
    "# protectedPaths: { paths: ['src/payments/**'] }            # more paths agents may not touch",
    '',
  ].join('\n');
}

export type OnboardingFiles = ReadonlyMap<string, string>;

/** The files onboarding writes, by path. */
export function onboardingFiles(shipped: ShippedFiles, preset: Extract<PresetChoice, { ok: true }>): OnboardingFiles {
  return new Map([
    [CONFIG_PATH, renderConfig(preset)],
    [WORKFLOW_PATH, shipped.workflow],
  ]);
}

/**
 * The policy a config text says, resolved with the shipped presets: what the agent contract is generated from (the
 * onboarding config, or a repository's own `.github/aaoe.yml` when `aaoe init` keeps it). `_extends` (organisation
 * defaults, which only the app can read) is not followed here: the contract then says what this file and its preset say.
 */
export function resolveConfig(
  text: string,
  file: string = CONFIG_PATH,
  presets: Presets = loadPresets(),
): { ok: true; policy: Policy } | { ok: false; errors: string[] } {
  const loaded = loadPolicy(text, file);
  if (!loaded.ok) return { ok: false, errors: loaded.errors.map(formatPolicyError) };
  const resolved = resolvePolicy(loaded, presets);
  if (!resolved.ok) return { ok: false, errors: resolved.errors.map(formatPolicyError) };
  return { ok: true, policy: resolved.policy };
}
