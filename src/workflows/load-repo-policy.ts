import merge from 'deepmerge';
import type { RepoContext } from '../adapters/github/repo-context.js';
import { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { loadPolicy } from '../core/policy/load-policy.js';
import { resolvePolicy } from '../core/policy/resolve-policy.js';
import { type PolicyError } from '../core/policy/policy-source.js';
import type { ProtectedPathsFacts } from '../core/policy/gates/protected-paths.js';
import type { Presets } from '../core/policy/policy-source.js';
import type { Policy } from '../core/policy/schema.js';

/** The repository config, read from the default branch only. */
export const CONFIG_FILE = 'aaoe.yml';
export const CONFIG_PATH = `.github/${CONFIG_FILE}`;

/** Without a config file a repository is judged by this preset. */
export const DEFAULT_PRESET = 'standard';

/** A file the configuration was read from (or looked for): the repository's own, the owner's `.github`, what it `_extends`. */
export type ConfigSource = { owner: string; repo: string; path: string };

/**
 * The policy, or why it does not validate; `sources`: every file read to build it (a push to the default branch of
 * any of their repositories drops the cached policy, src/workflows/policy-cache.ts).
 */
export type RepoPolicy = ({ ok: true; policy: Policy; source: string } | { ok: false; errors: PolicyError[] }) & {
  sources?: ConfigSource[];
};

/**
 * Reads `.github/aaoe.yml` from the default branch through Probot's `context.config` (which follows
 * `_extends` to organisation defaults and falls back to the owner's `.github` repository), applies
 * `extends: <preset>` and validates. Never reads the pull request's head: a change cannot loosen the
 * policy that judges it. When the merged config does not validate, the repository's own file is read
 * again as text so that every error carries `line:col`.
 */
export async function loadRepoPolicy(context: RepoContext, presets: Presets): Promise<RepoPolicy> {
  const { merged, sources, error } = await readConfig(context);
  if (error !== undefined) return { ...(await positionedErrors(context, presets, error)), sources };
  const { owner, repo } = context.repo();
  if (merged === null || merged === undefined) {
    const resolved = resolvePolicy({ policy: { extends: DEFAULT_PRESET } }, presets);
    if (!resolved.ok) throw new Error(`the ${DEFAULT_PRESET} preset does not resolve: ${resolved.errors[0]?.message}`);
    return {
      ok: true,
      policy: resolved.policy,
      source: `the \`${DEFAULT_PRESET}\` preset (no \`${CONFIG_PATH}\` on the default branch)`,
      sources,
    };
  }

  // resolvePolicy validates what it is given (as written: every key optional until merged with its preset)
  const resolved = resolvePolicy({ policy: merged, file: CONFIG_PATH }, presets);
  if (resolved.ok)
    return {
      ok: true,
      policy: withConfigFiles(resolved.policy, extendedFiles(sources, owner, repo)),
      source: `\`${CONFIG_PATH}\` on the default branch`,
      sources,
    };
  return { ...(await positionedErrors(context, presets, resolved.errors[0]?.message)), sources };
}

/**
 * The config as Probot's `context.config(CONFIG_FILE)` reads it (`octokit.config.get`: `_extends` followed, the
 * owner's `.github` repository as the fallback, the files deep-merged over `{}`; `null` when no file exists), and the
 * files it read.
 */
async function readConfig(
  context: RepoContext,
): Promise<{ merged: unknown; sources: ConfigSource[]; error?: unknown }> {
  const sources: ConfigSource[] = [];
  try {
    const got = await context.octokit.config.get({
      ...context.repo(),
      path: CONFIG_PATH,
      defaults: (configs: object[]) => merge.all<Record<string, unknown>>([{}, ...configs]),
    });
    for (const f of got.files) sources.push({ owner: f.owner, repo: f.repo, path: f.path });
    const merged = got.files.some((f) => f.config !== null) ? got.config : null;
    return { merged, sources };
  } catch (error) {
    return { merged: undefined, sources, error: error ?? 'the configuration could not be read' };
  }
}

/** The files of this repository, other than its own config file, that the configuration builds on (`_extends`). */
export function extendedFiles(sources: readonly ConfigSource[], owner: string, repo: string): string[] {
  const here = (s: ConfigSource) =>
    s.owner.toLowerCase() === owner.toLowerCase() && s.repo.toLowerCase() === repo.toLowerCase();
  return [...new Set(sources.filter((s) => here(s) && s.path !== CONFIG_PATH).map((s) => s.path))];
}

/** The policy with the files it extends in this repository, as facts for the protected-paths gate. */
function withConfigFiles(policy: Policy, configFiles: string[]): Policy {
  if (configFiles.length === 0) return policy;
  const protectedPaths: ProtectedPathsFacts = { ...policy.protectedPaths, configFiles };
  return { ...policy, protectedPaths };
}

/** Reads the repository's own file as text so that each error carries its `line:col`. */
async function positionedErrors(context: RepoContext, presets: Presets, cause: unknown): Promise<RepoPolicy> {
  const github = new GitHubAdapter(context.octokit, context.repo());
  const text = await github.readFile(CONFIG_PATH);
  if (text !== undefined) {
    const loaded = loadPolicy(text, CONFIG_PATH);
    if (!loaded.ok) return { ok: false, errors: loaded.errors };
    const resolved = resolvePolicy(loaded, presets);
    if (!resolved.ok) return { ok: false, errors: resolved.errors };
  }
  // The repository's own file is fine (or absent): the problem is in what it extends.
  const message =
    cause instanceof Error
      ? cause.message
      : typeof cause === 'string' && cause
        ? cause
        : cause
          ? JSON.stringify(cause)
          : 'the merged configuration does not validate';
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
