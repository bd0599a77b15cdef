import { PROPOSAL_BLOCK_INFO, type Proposal } from '../../src/agent/proposal.js';

/** A valid proposal, as an external agent would declare it. */
export const EXTERNAL_PROPOSAL: Proposal = {
  summary: 'A change made by the agent.',
  classification: 'docs',
  edits: [{ action: 'create', path: 'docs/x.md', content: 'x' }],
  risk: { level: 'low', rationale: 'Small.' },
  cost: { estimatedTokens: 1000, estimatedUsd: 0.01 },
  deployment: { strategy: 'canary' },
  rollbackPlan: 'Revert the pull request.',
  blastRadius: 'Documentation only.',
};

/** A pull request body carrying that proposal in its `aaoe-proposal` block (what the resilience gate asks of a governed PR). */
export function proposalBody(proposal: Proposal = EXTERNAL_PROPOSAL): string {
  return ['Agent change.', '', `\`\`\`${PROPOSAL_BLOCK_INFO}`, JSON.stringify(proposal), '```'].join('\n');
}
