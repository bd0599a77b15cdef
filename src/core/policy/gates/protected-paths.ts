import picomatch from 'picomatch';
import type { Change, ChangedFile } from '../change.js';
import type { Finding, GateResult } from '../evaluation.js';
import type { Policy } from '../schema.js';

/** The AAOE configuration: a governed change may never touch it, whatever the policy says. */
export const CONFIG_PATHS = ['.github/aaoe.yml', '.github/aaoe.yaml'] as const;

/** Protected unless the policy releases them with `protectedPaths.allow`. */
export const DEFAULT_PROTECTED_PATHS = ['.github/workflows/**', 'policies/**'] as const;

/**
 * The policy's protected paths, and the facts of where the policy was read from: `configFiles` are the files of the
 * same repository the configuration builds on (`_extends: <repo>:<path>`). They are policy as much as
 * `.github/aaoe.yml` is, so a governed change may not touch them either, and no `allow` releases them.
 */
export type ProtectedPathsFacts = Policy['protectedPaths'] & { configFiles?: readonly string[] };

export function evaluateProtectedPathsGate(change: Change, policy: ProtectedPathsFacts): GateResult {
  const isConfig = picomatch([...CONFIG_PATHS], { dot: true });
  const extended = new Set(policy.configFiles ?? []);
  const isDefault = picomatch([...DEFAULT_PROTECTED_PATHS], { dot: true });
  const isReleased = policy.allow.length > 0 ? picomatch(policy.allow, { dot: true }) : () => false;
  const isExtra = policy.paths.length > 0 ? picomatch(policy.paths, { dot: true }) : () => false;

  const protectedBy = (path: string): string | undefined => {
    if (isConfig(path)) return 'the AAOE configuration';
    if (extended.has(path)) return 'a file the AAOE configuration extends (`_extends`)';
    if (isExtra(path)) return 'protectedPaths.paths';
    if (isDefault(path) && !isReleased(path)) return 'a built-in protected path';
    return undefined;
  };

  const findings: Finding[] = [];
  const evidence: string[] = [];
  for (const file of change.files) {
    const paths = file.previousPath && file.previousPath !== file.path ? [file.path, file.previousPath] : [file.path];
    for (const path of paths) {
      const why = protectedBy(path);
      if (!why) continue;
      evidence.push(`\`${path}\` (${file.status}) is ${why}`);
      findings.push({
        path: file.path,
        ...firstChangedLine(file),
        level: 'failure',
        rule: 'protected-path',
        message: `${path} is protected (${why}): a governed change may not ${verb(file)} it.`,
      });
      break;
    }
  }

  const released = policy.allow.length > 0 ? ` (released by this policy: ${policy.allow.join(', ')})` : '';
  if (findings.length === 0) {
    return {
      gate: 'protected-paths',
      title: 'Protected paths',
      outcome: 'passed',
      reason: `No protected path is touched${released}.`,
      evidence: [
        `protected: ${[...CONFIG_PATHS, ...extended, ...DEFAULT_PROTECTED_PATHS, ...policy.paths].join(', ')}${released}`,
      ],
      findings,
    };
  }
  return {
    gate: 'protected-paths',
    title: 'Protected paths',
    outcome: 'failed',
    reason: `${findings.length} protected path${findings.length === 1 ? ' is' : 's are'} touched.`,
    evidence,
    hint: 'Remove these files from the change. Workflows, policies and the AAOE configuration change only through a human pull request that is not governed by AAOE; a policy can release workflows or policies with protectedPaths.allow, never the AAOE configuration.',
    findings,
  };
}

function verb(file: ChangedFile): string {
  if (file.status === 'removed') return 'delete';
  if (file.status === 'added') return 'create';
  if (file.status === 'renamed') return 'rename';
  return 'modify';
}

/** The first line the change touches in the new file, so the annotation lands where the edit is. */
function firstChangedLine(file: ChangedFile): { startLine: number; endLine: number } {
  const m = file.patch ? /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/m.exec(file.patch) : null;
  const line = m ? Math.max(1, Number(m[1])) : 1;
  return { startLine: line, endLine: line };
}
