import type { GateResult } from '../evaluation.js';
import type { Policy } from '../schema.js';

/**
 * The circuit-breaker gate: while failed deployments have frozen the repository, nothing passes, approved or not,
 * and the check says until when, why, and how it ends.
 */
export function evaluateBreakerGate(
  freeze: { until: string; reason: string } | null,
  policy: Policy['circuitBreaker'],
): GateResult {
  const base = { gate: 'circuit-breaker' as const, title: 'Circuit breaker', findings: [] };
  const evidence = [
    `circuitBreaker: ${policy.maxFailures} failed deployments within a day freeze execution for ${policy.freezeMinutes} minutes`,
  ];
  if (!freeze) return { ...base, outcome: 'passed', reason: 'Execution is not frozen.', evidence };
  return {
    ...base,
    outcome: 'failed',
    reason: `Frozen until ${freeze.until}: ${freeze.reason}.`,
    evidence,
    hint: `The freeze ends on its own at ${freeze.until}; an admin of the repository can lift it earlier with \`/aaoe resume\`. Then re-run this check.`,
  };
}
