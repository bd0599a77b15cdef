import { z } from 'zod';
import { PROPOSAL_SCHEMA_ID, Proposal } from './proposal.js';

/**
 * The JSON Schema of a proposal (what an agent returns, and the ```aaoe-proposal block of an external
 * agent's pull request), generated from the zod schema so that agents are held to what the app validates.
 * Committed as `schemas/proposal.schema.json`; a test keeps it in step.
 */
export function proposalJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(Proposal, { io: 'input', target: 'draft-2020-12' }),
    $id: PROPOSAL_SCHEMA_ID,
    title: 'AAOE proposal (an agent\'s structured change)',
  };
}

export function renderProposalJsonSchema(): string {
  return `${JSON.stringify(proposalJsonSchema(), null, 2)}\n`;
}
