import type { CheckRunPlan } from '../adapters/github/github-facts.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { classifyGitHubError, isOutage } from '../adapters/github/github-errors.js';
import { explainEvaluationFailed, type CheckText } from '../core/text/pull-request-check.js';

export type Conclusion = CheckRunPlan['conclusion'];
export type PostCheck = (
  conclusion: Conclusion,
  text: CheckText,
  findings?: CheckRunPlan['findings'],
) => Promise<number>;

/**
 * Posts the check run for one job. The first attempt creates it; a later attempt first looks for the one an
 * earlier attempt may have created (same `external_id`) and updates that instead: never two for one job.
 */
export async function postCheck(
  github: GitHubAdapter,
  attempt: number,
  plan: CheckRunPlan & { externalId: string },
): Promise<number> {
  if (attempt > 0) {
    const existing = await github.findCheckRun(plan.headSha, plan.name, plan.externalId);
    if (existing) return github.updateCheckRun(existing.id, plan, existing.annotations === 0);
  }
  return github.postCheckRun(plan);
}

/**
 * Fail closed: a change that cannot be judged gets a failing check (replaced when a retry succeeds). A refusal no
 * retry changes says so: AAOE does not retry it, and the check says what to fix. Not while GitHub is away (an
 * outage, a rate limit): the job is retried, the check it posts then is the only one, and the missing required
 * check blocks the merge meanwhile.
 */
export async function postFailure(post: PostCheck, error: unknown, traceId: string): Promise<void> {
  if (isOutage(error)) return;
  const failure = classifyGitHubError(error);
  const permanent = failure.kind === 'permanent';
  const reason = permanent ? failure.reason : error instanceof Error ? error.message : String(error);
  try {
    await post('failure', explainEvaluationFailed({ reason, permanent }, traceId));
  } catch {
    // The check stays missing, which keeps a required check blocking the merge.
  }
}
