import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from './presets.js';

/** `app.yml` of this package (the GitHub App manifest's events, permissions and texts), as parsed. */
export function readAppYml(path: string = join(packageRoot(), 'app.yml')): Record<string, unknown> {
  const parsed: unknown = parse(readFileSync(path, 'utf8'));
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${path} is not a YAML mapping`);
  return parsed as Record<string, unknown>;
}
