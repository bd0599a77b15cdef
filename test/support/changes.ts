import { Change, type ChangeInput, type ChangedFile } from '../../src/core/policy/change.js';
import { Policy, type PolicyInput } from '../../src/core/policy/schema.js';

/** A file touched by a change, with a patch that adds `lines` lines from line 1. */
export function file(path: string, over: Partial<ChangedFile> & { lines?: string[] } = {}): ChangedFile {
  const { lines = ['changed'], ...rest } = over;
  const status = rest.status ?? 'modified';
  const patch =
    status === 'removed' ? undefined : `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`;
  return {
    path,
    status,
    additions: status === 'removed' ? 0 : lines.length,
    deletions: status === 'removed' ? 10 : 0,
    ...(patch ? { patch } : {}),
    ...rest,
  };
}

export function change(files: ChangedFile[], over: Partial<ChangeInput> = {}): Change {
  return Change.parse({ files, author: { login: 'agent[bot]', isAgent: true }, at: '2026-11-23T10:00:00Z', ...over });
}

export function policy(input: PolicyInput = {}): Policy {
  return Policy.parse(input);
}

/** The DESIGN.md example (the `prod-policy` preset). */
export const PROD_POLICY: PolicyInput = {
  id: 'prod-policy',
  risk: { maxLevel: 'medium', requireHumanApprovalAbove: 'medium' },
  cost: { maxTokens: 120000, maxUsd: 25, hardFailOnBreach: true },
  deployment: {
    strategy: 'canary',
    canaryPercent: 10,
    autoRollback: { errorRateIncrease: 2.0, latencyIncreaseMs: 250, windowSeconds: 300 },
  },
  circuitBreaker: { maxFailures: 2, freezeMinutes: 30 },
};
