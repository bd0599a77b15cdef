import type { GateResult } from '../evaluation.js';
import type { Change } from '../change.js';
import type { Policy } from '../schema.js';

/**
 * The circuit-breaker gate: while a freeze holds (failed deployments froze the repository, an agent's kill switch is
 * on, or the organisation is frozen: docs/freeze.md), nothing passes, approved or not, and the check says whose
 * freeze, until when, why, and how it ends. A hotfix the organisation's approvals let through its freeze passes,
 * marked as such.
 */
export function evaluateBreakerGate(freeze: Change['freeze'] | null, policy: Policy['circuitBreaker']): GateResult {
  const base = { gate: 'circuit-breaker' as const, title: 'Circuit breaker', findings: [] };
  const evidence = [
    `circuitBreaker: ${policy.maxFailures} failed deployments within a day freeze execution for ${policy.freezeMinutes} minutes`,
  ];
  if (!freeze) return { ...base, outcome: 'passed', reason: 'Execution is not frozen.', evidence };
  const until = freeze.until ? `until ${freeze.until}` : 'until lifted';
  if (freeze.hotfix)
    return { ...base, outcome: 'passed', reason: `${freeze.hotfix} (frozen ${until}: ${freeze.reason}).`, evidence };
  const scope = freeze.scope ?? 'repository';
  return {
    ...base,
    outcome: 'failed',
    reason: `Frozen ${until}: ${freeze.reason}.`,
    evidence,
    hint:
      scope === 'repository'
        ? `The freeze ends on its own at ${freeze.until}; an admin of the repository can lift it earlier with \`/aaoe resume\`. Then re-run this check.`
        : scope === 'agent'
          ? 'An owner of the organisation (or a member of its freeze teams) lifts the kill switch with `/aaoe unfreeze --agent <name>`. Then re-run this check.'
          : 'An owner of the organisation (or a member of its freeze teams) lifts it with `/aaoe unfreeze --org`; a change labelled as a hotfix passes with the approvals of owners the organisation config asks for (docs/freeze.md). Then re-run this check.',
  };
}
