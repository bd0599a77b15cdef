import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPolicyError, loadPolicy } from './load-policy.js';
import type { PolicyInput } from './schema.js';

/** The shipped presets (`policies/<name>.yml`), by name. A repository config builds on one with `extends:`. */
export type Presets = ReadonlyMap<string, PolicyInput>;

/**
 * Reads every preset of the package's `policies/` folder. A preset that does not validate, or that
 * extends another, is a bug in this package: it throws with every error.
 */
export function loadPresets(dir: string = join(packageRoot(), 'policies')): Presets {
  const presets = new Map<string, PolicyInput>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yml')).sort()) {
    const file = join(dir, name);
    const loaded = loadPolicy(readFileSync(file, 'utf8'), file);
    if (!loaded.ok) throw new Error(`invalid preset ${file}:\n${loaded.errors.map(formatPolicyError).join('\n')}`);
    if (loaded.policy.extends !== undefined) throw new Error(`preset ${file} extends "${loaded.policy.extends}": presets stand alone`);
    presets.set(name.slice(0, -'.yml'.length), loaded.policy);
  }
  return presets;
}

/** The folder holding this package's package.json, from src/ (tsx, vitest) or dist/src/ (compiled). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'policies'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the aaoe package root (package.json next to policies/)');
    dir = parent;
  }
  return dir;
}
