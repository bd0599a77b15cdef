import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '../../core/policy/load-policy.js';
import { formatPolicyError, type PolicyAsWritten, type Presets } from '../../core/policy/policy-source.js';
import { resolvePolicy } from '../../core/policy/resolve-policy.js';

/** The shipped presets by name (the type lives in core: src/core/policy/policy-source.ts). */

const PRESET_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Reads every `*.yml` of a folder (default: the package's `policies/`) as a preset named after its file.
 * Presets stand alone: a preset may not `extends` (or `_extends`) another, and must resolve on its own.
 * A preset that does not is a bug in this package: this throws with every error, formatted.
 */
export function loadPresets(dir: string = join(packageRoot(), 'policies')): Presets {
  const presets = new Map<string, PolicyAsWritten>();
  const none: Presets = new Map();
  for (const entry of readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .sort()) {
    const file = join(dir, entry);
    const name = basename(entry, '.yml');
    if (!PRESET_NAME.test(name))
      throw new Error(`preset ${file}: the file name must be a preset name (lowercase letters, digits and dashes)`);
    const loaded = loadPolicy(readFileSync(file, 'utf8'), file);
    if (!loaded.ok) throw new Error(`invalid preset ${file}:\n${loaded.errors.map(formatPolicyError).join('\n')}`);
    if (loaded.policy.extends !== undefined || loaded.policy._extends !== undefined) {
      throw new Error(
        `preset ${file} builds on "${loaded.policy.extends ?? loaded.policy._extends}": presets stand alone`,
      );
    }
    const resolved = resolvePolicy(loaded, none);
    if (!resolved.ok) throw new Error(`invalid preset ${file}:\n${resolved.errors.map(formatPolicyError).join('\n')}`);
    presets.set(name, loaded.policy);
  }
  return presets;
}

/** The folder holding this package's package.json and policies/, from src/ (tsx, vitest) or dist/src/ (compiled). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'policies'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the aaoe package root (package.json next to policies/)');
    dir = parent;
  }
  return dir;
}
