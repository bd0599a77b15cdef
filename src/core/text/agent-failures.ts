/**
 * Why an issue's execution stopped, in words for its status comment (which adds what to do next): one sentence per
 * cause, each saying what AAOE found and what would fix it.
 */

export const POLICY_INVALID =
  'the repository policy (.github/aaoe.yml) does not validate; the check on any pull request says where';

export const NO_MODEL =
  'no model is configured for this app: set AAOE_MODELS (a models file), AAOE_MODEL_API_KEY and, for an endpoint other than OpenAI, AAOE_MODEL_BASE_URL';

export function classifyFailed(message: string): string {
  return `no model could classify the issue: ${message}`;
}

export function proposalFailed(message: string, overCap: boolean): string {
  return overCap
    ? `the request was not sent: ${message} (raise \`cost.maxTokens\` / \`cost.maxUsd\` / \`cost.monthlyUsd\` in the policy, or narrow the issue)`
    : `no model gave a usable proposal: ${message}`;
}

export function editsDoNotApply(base: { branch: string; commitSha: string }, errors: readonly string[]): string {
  return `the proposal's edits do not apply to ${base.branch} at ${base.commitSha.slice(0, 7)}: ${errors.join('; ')}`;
}

export function branchTaken(branch: string, sha: string): string {
  return `the branch ${branch} exists and points at ${sha.slice(0, 7)}, not at the proposed commit: AAOE does not overwrite it`;
}
