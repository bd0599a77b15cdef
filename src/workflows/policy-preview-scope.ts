import merge from 'deepmerge';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { RepoContext } from '../adapters/github/repo-context.js';
import { listGovernedRepos } from '../adapters/store/governed-history.js';
import type { Job } from '../adapters/store/job-shapes.js';
import { loadPolicy } from '../core/policy/load-policy.js';
import { formatPolicyError, isPlainObject, type PolicyAsWritten, type Presets } from '../core/policy/policy-source.js';
import { resolvePolicy } from '../core/policy/resolve-policy.js';
import type { Policy } from '../core/policy/schema.js';
import type { SkippedPullRequest } from '../core/text/policy-preview.js';
import type { DeliveryOf } from './jobs.js';
import { CONFIG_PATH } from './load-repo-policy.js';
import type { PipelinePorts } from './pipeline-ports.js';

/**
 * Which repositories a config pull request's policy would judge (issue 25), each with its policy in force and the
 * policy it would have once the pull request is merged: the repository itself; and, for the owner's `.github`
 * repository (the organisation's shared config), every repository of the installation AAOE governs whose config
 * reads that file (Probot's fallback when a repository has no file of its own, or its `_extends`).
 */

/** The organisation's shared config lives in this repository of the owner. */
export const ORG_CONFIG_REPO = '.github';

export type PreviewTarget = {
  repo: string;
  github: GitHubAdapter;
  baseline: Policy | undefined;
  proposed: Policy;
};

export type Scope = { targets: PreviewTarget[]; skipped: SkippedPullRequest[] };

export async function affectedRepositories(
  ports: PipelinePorts & { presets: Presets },
  job: Job<DeliveryOf<'pull_request'>>,
  context: RepoContext,
  github: GitHubAdapter,
  proposed: { policy: Policy; written: PolicyAsWritten },
): Promise<Scope> {
  const { owner, repo } = context.repo();
  const here = await ports.policyFor(context);
  const targets: PreviewTarget[] = [
    { repo: `${owner}/${repo}`, github, baseline: here.ok ? here.policy : undefined, proposed: proposed.policy },
  ];
  const skipped: SkippedPullRequest[] = [];
  if (repo.toLowerCase() !== ORG_CONFIG_REPO) return { targets, skipped };
  const { installationId } = job.data;
  for (const fullName of await listGovernedRepos(ports.runtime.db, installationId, owner)) {
    if (fullName.toLowerCase() === `${owner}/${repo}`.toLowerCase()) continue;
    const conn = await ports.connect(installationId, fullName, job.data.id);
    const current = await ports.policyFor(conn.context);
    const readsOrg = (current.sources ?? []).some(
      (s) => s.owner.toLowerCase() === owner.toLowerCase() && s.repo.toLowerCase() === ORG_CONFIG_REPO,
    );
    if (!readsOrg) continue;
    const own = await conn.github.readFile(CONFIG_PATH);
    const resolved = proposedFor(proposed.written, own, ports.presets);
    if (typeof resolved === 'string') {
      skipped.push({ repo: fullName, number: 0, reason: `its config merged with the proposed one: ${resolved}` });
      continue;
    }
    targets.push({
      repo: fullName,
      github: conn.github,
      baseline: current.ok ? current.policy : undefined,
      proposed: resolved,
    });
  }
  return { targets, skipped };
}

/**
 * The policy a repository would have with the proposed organisation file: that file alone when the repository has
 * none of its own (Probot's fallback), else its own file over it (as Probot merges `_extends`); or why it cannot be.
 */
function proposedFor(org: PolicyAsWritten, ownText: string | undefined, presets: Presets): Policy | string {
  let written = org;
  if (ownText !== undefined) {
    const loaded = loadPolicy(ownText, CONFIG_PATH);
    if (!loaded.ok) return loaded.errors.map(formatPolicyError).join('; ');
    if (!isPlainObject(loaded.policy)) return 'its config is not a mapping';
    written = merge.all<PolicyAsWritten>([{}, org, loaded.policy]);
  }
  const resolved = resolvePolicy({ policy: written }, presets);
  return resolved.ok ? resolved.policy : resolved.errors.map(formatPolicyError).join('; ');
}
