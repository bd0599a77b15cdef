import { randomUUID } from 'node:crypto';
import type { ApiUser } from '../adapters/github/github-access.js';
import type { PolicyReplayAnswer, PolicyReplayRequest } from '../contracts/policy-replay.js';
import { formatPolicyError } from '../core/policy/policy-source.js';
import {
  apiError,
  notFoundRepo,
  policyOf,
  readable,
  type Answer,
  type ControlPlanePorts,
} from './control-plane-access.js';
import { CONFIG_PATH } from './load-repo-policy.js';
import { readProposedPolicy, replayRepository } from './policy-replay.js';

/**
 * `POST /api/v1/policy/replay` (issue 25): the proposed policy replayed over the repository's last `last` governed
 * pull requests, compared with the policy in force on its default branch, for a user who can read the repository.
 * It reads GitHub (the facts the store lacks) and writes nothing on the replayed pull requests.
 */
export async function replayForUser(
  ports: ControlPlanePorts,
  user: ApiUser,
  request: PolicyReplayRequest,
): Promise<Answer<PolicyReplayAnswer>> {
  const access = await readable(ports, user, request.repo, randomUUID());
  if (!access) return notFoundRepo(request.repo);
  const proposed = readProposedPolicy(request.policy, CONFIG_PATH, ports.presets);
  if (!proposed.ok)
    return apiError(
      400,
      'invalid_request',
      `the policy does not validate: ${proposed.errors.map(formatPolicyError).join('; ')}`,
    );
  const current = await policyOf(ports, access.conn.context);
  const { report, skipped } = await replayRepository(ports, {
    repo: access.conn.repo,
    proposed: proposed.policy,
    baseline: current.ok ? current.policy : undefined,
    last: request.last,
    github: access.conn.github,
  });
  return {
    status: 200,
    body: { repo: access.conn.repo, last: request.last, totals: report.totals, rows: report.rows, skipped },
  };
}
