import { extractProposalBlock, type Proposal } from '../agent/proposal.js';
import type { GitHubAdapter } from '../github/github-adapter.js';
import type { Change } from '../policy/change.js';
import type { Policy } from '../policy/schema.js';
import type { PullRequestSnapshot } from '../policy/snapshot.js';
import type { ExecutionRecord } from '../store/executions.js';

export type ProposalFactsInput = {
  execution: ExecutionRecord;
  snapshot: PullRequestSnapshot;
  policy: Policy;
  github: Pick<GitHubAdapter, 'readFile'>;
};

/**
 * The proposal behind a governed pull request and what its agent declared: AAOE's own (kept with the execution),
 * else the `aaoe-proposal` block of the pull request body as the snapshot read it. A declaration only ever raises what
 * AAOE computes; AAOE's own spend is what its calls cost, so only an external estimate adds to it.
 */
export async function proposalFacts(input: ProposalFactsInput): Promise<Pick<Change, 'proposal' | 'declared'>> {
  const { execution, snapshot } = input;
  const own = execution.work?.proposal;
  const facts = (p: Proposal, source: 'aaoe' | 'pull-request-body') => ({ status: 'present' as const, source, strategy: p.deployment.strategy, rollbackPlan: p.rollbackPlan, blastRadius: p.blastRadius });
  if (own) return { proposal: facts(own, 'aaoe'), declared: { risk: { level: own.risk.level, rationale: own.risk.rationale } } };
  const extracted = extractProposalBlock(snapshot.body);
  if (!extracted.ok) return { proposal: { status: extracted.reason, message: extracted.message } };
  const p = extracted.proposal;
  return {
    proposal: facts(p, 'pull-request-body'),
    declared: { risk: { level: p.risk.level, rationale: p.risk.rationale }, cost: { tokens: p.cost.estimatedTokens, usd: p.cost.estimatedUsd } },
  };
}
