import { firstLine } from './markdown.js';

/** The commit, title and notes of the pull request AAOE opens for an issue (its body: `renderPullRequestBody`). */

export function commitMessage(summary: string, issue: number, executionId: string, traceId: string): string {
  return `${firstLine(summary)}\n\nProposed by AAOE for #${issue} (execution ${executionId}, trace ${traceId}).`;
}

export function pullRequestTitle(issueTitle: string): string {
  return `AAOE: ${issueTitle}`.slice(0, 256);
}

/** Why the pull request is governed (shown with its execution). */
export function governedBecause(issue: number): string {
  return `opened by AAOE for issue #${issue}`;
}

export function reviewersRefused(message: string): string {
  return `GitHub refused the request: ${message}`;
}
