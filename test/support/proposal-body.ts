import { PROPOSAL_BLOCK_INFO, type Proposal } from '../../src/core/agent/proposal.js';

/** A valid proposal in AAOE's own format (with `edits`), as older agents still declare it. */
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

/** A pull request body carrying that proposal in its `aaoe-proposal` block. */
export function proposalBody(proposal: Proposal = EXTERNAL_PROPOSAL): string {
  return declarationBody(proposal);
}

/**
 * A pull request body with a declaration (any JSON object: the tests also send what the format refuses) in its
 * `aaoe-proposal` block, as an agent or a person writes it under its description.
 */
export function declarationBody(declaration: Record<string, unknown>, text = 'Agent change.'): string {
  return [text, '', `\`\`\`${PROPOSAL_BLOCK_INFO}`, JSON.stringify(declaration), '```'].join('\n');
}
