import type { GitHubAdapter, PullRequestFacts } from '../github/github-adapter.js';
import { decideGovernance, type Governance } from '../policy/governance.js';
import type { Policy } from '../policy/schema.js';
import type { ExecutionRecord } from '../store/executions.js';

/**
 * Gathers the facts that decide whether AAOE governs a pull request and decides (src/policy/governance.ts): the
 * author, the policy's agents and exemptions, the labels, and (only when those do not settle it) the label history.
 * An execution AAOE keeps for the pull request decides on its own: once governed, always governed.
 */
export async function decidePullRequestGovernance(
  github: Pick<GitHubAdapter, 'wasEverLabelled'>,
  pr: PullRequestFacts,
  policy: Policy,
  appLogin: string,
  governedBefore: ExecutionRecord | undefined,
): Promise<Governance> {
  const facts = {
    author: { ...pr.author, id: pr.authorId },
    appLogin,
    agents: policy.agents,
    exemptBots: policy.governance.exemptBots,
    triggerLabel: policy.trigger.label,
    labels: pr.labels,
    // once governed, always governed: the execution decides, whatever the policy, labels or login say now
    ...(governedBefore
      ? { execution: { isAgent: governedBefore.subject?.isAgent ?? true, governedBecause: governedBefore.subject?.governedBecause ?? `governed by execution ${governedBefore.id}` } }
      : {}),
  };
  const governance = decideGovernance(facts);
  if (governance.governed !== 'unknown') return governance;
  return decideGovernance({ ...facts, labelledBefore: await github.wasEverLabelled(pr.number, facts.triggerLabel) });
}
