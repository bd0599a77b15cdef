import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { PullRequestCommit, PullRequestFacts } from '../adapters/github/github-facts.js';
import { decideGovernance, MAX_COMMITS, type GovernanceFacts, type Governance } from '../core/policy/governance.js';
import type { Policy } from '../core/policy/schema.js';
import type { ExecutionRecord } from '../core/execution/records.js';

/**
 * Gathers the facts that decide whether AAOE governs a pull request and decides (src/core/policy/governance.ts): the
 * author, the policy's agents and exemptions, the labels, and only when those do not settle it the commits of the
 * head being judged (their accounts, emails and `Co-authored-by:` trailers), then the label history. An execution
 * AAOE keeps for the pull request decides on its own: once governed, always governed.
 */
export async function decidePullRequestGovernance(
  github: Pick<GitHubAdapter, 'wasEverLabelled' | 'listPullRequestCommits' | 'getPullRequest'>,
  pr: PullRequestFacts,
  policy: Policy,
  appLogin: string,
  governedBefore: ExecutionRecord | undefined,
): Promise<Governance> {
  let facts: GovernanceFacts = {
    author: { ...pr.author, ...(pr.authorId ? { id: pr.authorId } : {}) },
    appLogin,
    agents: policy.agents,
    exemptBots: policy.governance.exemptBots,
    triggerLabel: policy.trigger.label,
    labels: pr.labels,
    // once governed, always governed: the execution decides, whatever the policy, labels or login say now
    ...(governedBefore
      ? {
          execution: {
            isAgent: governedBefore.subject?.isAgent ?? true,
            governedBecause: governedBefore.subject?.governedBecause ?? `governed by execution ${governedBefore.id}`,
            ...(governedBefore.subject?.agent ? { agent: governedBefore.subject.agent } : {}),
          },
        }
      : {}),
  };
  for (;;) {
    const governance = decideGovernance(facts);
    if (governance.governed !== 'unknown') return governance;
    if (governance.need === 'commits') facts = { ...facts, commits: await commitsOfHead(github, pr) };
    else facts = { ...facts, labelledBefore: await github.wasEverLabelled(pr.number, facts.triggerLabel) };
  }
}

/** Thrown when GitHub's commit list is not yet the pushed head's: the job is retried and reads it again. */
export class CommitsNotCaughtUpError extends Error {}

/**
 * The commits of the head being judged (`pr.headSha`), from GitHub's list of the pull request's commits (oldest first,
 * at most 250). The list is GitHub's now, and the head being judged may not be GitHub's head any more:
 *
 * - the list ends at the judged head: it is that head's;
 * - the judged head is in the list, further back: the pull request moved on by a push on top of it; the commits up to
 *   it are its own (the later ones were pushed after it);
 * - the judged head is not in the list and is still the pull request's head: GitHub's list has not caught up with
 *   the push yet: thrown, so the job is retried and reads it again;
 * - the judged head is not in the list and the pull request has moved on (a force-push replaced it): that head's
 *   commits cannot be read from the list. Nothing is taken from another head's commits; the verdict on the old head
 *   (from its author and labels) decides nothing that matters, because GitHub merges only the current head, whose
 *   own delivery is judged with its own commits, and a pull request governed once stays governed;
 * - the list holds GitHub's maximum (250) and the head is not in it: the pull request has more commits than GitHub
 *   lists; the first 250 are what can be seen (docs/agents.md says so).
 */
async function commitsOfHead(
  github: Pick<GitHubAdapter, 'listPullRequestCommits' | 'getPullRequest'>,
  pr: PullRequestFacts,
): Promise<PullRequestCommit[]> {
  const listed = (await github.listPullRequestCommits(pr.number)).slice(0, MAX_COMMITS);
  const head = pr.headSha.toLowerCase();
  const at = listed.findIndex((c) => c.sha.toLowerCase() === head);
  if (at !== -1) return listed.slice(0, at + 1);
  if (listed.length >= MAX_COMMITS) return listed;
  const now = await github.getPullRequest(pr.number);
  if (now.headSha.toLowerCase() === head) {
    throw new CommitsNotCaughtUpError(
      `GitHub lists the commits of ${pr.number} up to ${listed.at(-1)?.sha.slice(0, 7) ?? 'none'}, not yet up to its head ${head.slice(0, 7)}: retried`,
    );
  }
  return [];
}
