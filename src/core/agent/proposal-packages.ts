import type { Proposal } from './proposal.js';

/**
 * The proposal's edits with the required files (a plan step's change packages) as they are: an edit the model made
 * to one of those paths gives way to the package.
 */
export function withPackages(
  edits: Proposal['edits'],
  packages: ReadonlyArray<{ path: string; content: string }>,
  existing: ReadonlyMap<string, unknown>,
): Proposal['edits'] {
  if (packages.length === 0) return edits;
  const required = new Set(packages.map((p) => p.path));
  return [
    ...edits.filter((e) => !required.has(e.path)),
    ...packages.map((p) =>
      existing.has(p.path)
        ? { action: 'update' as const, path: p.path, content: p.content }
        : { action: 'create' as const, path: p.path, content: p.content },
    ),
  ];
}
