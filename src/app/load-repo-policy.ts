import type { Context } from 'probot';
import { GitHubAdapter } from '../github/github-adapter.js';
import { loadPolicy, resolvePolicy, type PolicyAsWritten, type PolicyError } from '../policy/load-policy.js';
import type { Presets } from '../policy/presets.js';
import type { Policy } from '../policy/schema.js';

/** The repository config, read from the default branch only. */
export const CONFIG_FILE = 'aaoe.yml';
export const CONFIG_PATH = `.github/${CONFIG_FILE}`;

/** Without a config file a repository is judged by this preset. */
export const DEFAULT_PRESET = 'standard';

export type RepoPolicy = { ok: true; policy: Policy; source: string } | { ok: false; errors: PolicyError[] };

/**
 * Reads `.github/aaoe.yml` from the default branch through Probot's `context.config` (which follows
 * `_extends` to organisation defaults and falls back to the owner's `.github` repository), applies
 * `extends: <preset>` and validates. Never reads the pull request's head: a change cannot loosen the
 * policy that judges it. When the merged config does not validate, the repository's own file is read
 * again as text so that every error carries `line:col`.
 */
export async function loadRepoPolicy(context: Context, presets: Presets): Promise<RepoPolicy> {
  let merged: unknown;
  try {
    merged = await context.config(CONFIG_FILE);
  } catch (error) {
    return positionedErrors(context, presets, error);
  }
  if (merged === null || merged === undefined) {
    const resolved = resolvePolicy({ policy: { extends: DEFAULT_PRESET } }, presets);
    if (!resolved.ok) throw new Error(`the ${DEFAULT_PRESET} preset does not resolve: ${resolved.errors[0]?.message}`);
    return { ok: true, policy: resolved.policy, source: `the \`${DEFAULT_PRESET}\` preset (no \`${CONFIG_PATH}\` on the default branch)` };
  }

  // resolvePolicy validates what it is given (as written: every key optional until merged with its preset)
  const resolved = resolvePolicy({ policy: merged as PolicyAsWritten, file: CONFIG_PATH }, presets);
  if (resolved.ok) return { ok: true, policy: resolved.policy, source: `\`${CONFIG_PATH}\` on the default branch` };
  return positionedErrors(context, presets, resolved.errors[0]?.message);
}

/** Reads the repository's own file as text so that each error carries its `line:col`. */
async function positionedErrors(context: Context, presets: Presets, cause: unknown): Promise<RepoPolicy> {
  const github = new GitHubAdapter(context.octokit, context.repo());
  const text = await github.readFile(CONFIG_PATH);
  if (text !== undefined) {
    const loaded = loadPolicy(text, CONFIG_PATH);
    if (!loaded.ok) return { ok: false, errors: loaded.errors };
    const resolved = resolvePolicy(loaded, presets);
    if (!resolved.ok) return { ok: false, errors: resolved.errors };
  }
  // The repository's own file is fine (or absent): the problem is in what it extends.
  const message = cause instanceof Error ? cause.message : cause ? String(cause) : 'the merged configuration does not validate';
  return {
    ok: false,
    errors: [
      {
        file: CONFIG_PATH,
        line: 1,
        column: 1,
        path: '(root)',
        message: `the configuration this file builds on (_extends, or the owner's .github repository) is invalid: ${message}`,
        hint: 'Run `aaoe policy validate` on the extended file and fix it there.',
      },
    ],
  };
}
