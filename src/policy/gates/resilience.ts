import type { ProposalFacts } from '../change.js';
import type { GateResult } from '../result.js';
import type { Policy } from '../schema.js';

/**
 * The resilience gate: a governed change says how it is deployed, how it is rolled back and what it can break.
 * AAOE's own pull requests carry the proposal they were made from; an external agent puts the same proposal in
 * an `aaoe-proposal` block of its pull request body. Without one (or with one that does not validate) the gate
 * fails and says how to add it.
 */
export function evaluateResilienceGate(proposal: ProposalFacts, deployment: Policy['deployment']): GateResult {
  const base = { gate: 'resilience' as const, title: 'Resilience', findings: [] };
  if (proposal.status !== 'present') {
    return {
      ...base,
      outcome: 'failed',
      reason: proposal.status === 'missing' ? 'The pull request carries no proposal: no rollback plan, deployment strategy or blast radius.' : 'The pull request\'s proposal does not validate.',
      evidence: [proposal.message],
      hint: `Fix the pull request body: ${proposal.message}`,
    };
  }
  const evidence = [
    `proposal from ${proposal.source === 'aaoe' ? 'AAOE (the issue it was made for)' : 'the aaoe-proposal block of the pull request body'}`,
    `deployment: ${proposal.strategy} (the policy deploys by ${deployment.strategy}${deployment.strategy === 'canary' ? ` at ${deployment.canaryPercent}%` : ''})`,
    `rollback plan: ${oneLine(proposal.rollbackPlan)}`,
    `blast radius: ${oneLine(proposal.blastRadius)}`,
  ];
  return { ...base, outcome: 'passed', reason: 'The proposal gives a rollback plan, a deployment strategy and its blast radius.', evidence };
}

function oneLine(text: string): string {
  // the agent's words: no mentions (a zero-width joiner after @)
  const line = text.replace(/\s+/g, ' ').trim().replace(/@(?=[\w-])/g, '@\u200d');
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
