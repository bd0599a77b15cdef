import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../adapters/files/presets.js';

/** One result of `aaoe doctor`: what was checked, what it found, and the exact fix of a problem. */
export type Finding = { level: 'ok' | 'warn' | 'fail'; check: string; message: string; fix?: string };

/** Where a check says what it found (printed at once). */
export type Report = (finding: Finding) => void;

/** `app.yml`: what the app subscribes to and asks for. */
export type Manifest = { events: string[]; permissions: Record<string, string> };

const LEVELS: Record<string, number> = { read: 1, write: 2, admin: 3 };

/** Permissions `wanted` that `granted` lacks or grants at a lower level (pure). */
export function missingPermissions(
  wanted: Record<string, string>,
  granted: Record<string, string | undefined>,
): Array<{ name: string; wanted: string; granted: string }> {
  return Object.entries(wanted)
    .filter(([name, level]) => (LEVELS[granted[name] ?? ''] ?? 0) < (LEVELS[level] ?? 1))
    .map(([name, level]) => ({ name, wanted: level, granted: granted[name] ?? 'none' }));
}

/** `app.yml` of this package. */
export function readManifest(): Manifest {
  const yml = parse(readFileSync(join(packageRoot(), 'app.yml'), 'utf8')) as {
    default_events?: string[];
    default_permissions?: Record<string, string>;
  };
  return { events: yml.default_events ?? [], permissions: yml.default_permissions ?? {} };
}
