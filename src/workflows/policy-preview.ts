import type { CheckRunPlan, PullRequestFacts } from '../adapters/github/github-facts.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { RepoContext } from '../adapters/github/repo-context.js';
import { isDone, markDone } from '../adapters/store/executions.js';
import type { Job } from '../adapters/store/job-shapes.js';
import type { Presets } from '../core/policy/policy-source.js';
import { decidePreview, mergeReplays } from '../core/policy/replay.js';
import {
  explainPolicyPreview,
  explainPreviewFailed,
  explainPreviewInvalid,
  PREVIEW_CHECK_NAME,
  type PreviewText,
} from '../core/text/policy-preview.js';
import { postCheck } from './check-run.js';
import type { DeliveryOf } from './jobs.js';
import { CONFIG_PATH, DEFAULT_PRESET } from './load-repo-policy.js';
import type { PipelinePorts } from './pipeline-ports.js';
import { affectedRepositories } from './policy-preview-scope.js';
import { readProposedPolicy, replayRepository, type ReplayOutcome } from './policy-replay.js';
import { REPLAY_LAST_DEFAULT } from '../contracts/policy-replay.js';

/**
 * The `aaoe/policy-preview` check (issue 25): on a pull request that changes AAOE's config (the repository's
 * `.github/aaoe.yml`, or the organisation's shared one in the owner's `.github` repository), the policy read at the
 * pull request's head is replayed over the recent governed pull requests of each repository it would judge, and the
 * verdicts that change are posted as a neutral check on the config pull request's head. Only that check is written:
 * the replayed pull requests get nothing. The policy that judges pull requests stays the default branch's.
 */

export type PreviewPorts = PipelinePorts & { presets: Presets };

export async function previewPolicyChange(
  ports: PreviewPorts,
  job: Job<DeliveryOf<'pull_request'>>,
  context: RepoContext,
  github: GitHubAdapter,
): Promise<void> {
  const pr = job.data.pullRequest;
  const { owner, repo } = context.repo();
  const wanted = decidePreview({ event: job.data.name, action: job.data.action });
  if (!wanted) return;
  const key = `preview:${owner}/${repo}#${pr.number}:${pr.headSha}`;
  if (await isDone(ports.runtime.db, key)) return;
  const files = await github.listChangedFiles(pr.number);
  const changed = files.some((f) => f.path === CONFIG_PATH || f.previousPath === CONFIG_PATH);
  if (!changed) return;
  const post = (conclusion: 'neutral', text: PreviewText, findings: CheckRunPlan['findings'] = []) =>
    postCheck(github, job.attempt, {
      name: PREVIEW_CHECK_NAME,
      headSha: pr.headSha,
      conclusion,
      ...text,
      findings,
      detailsUrl: pr.htmlUrl,
      externalId: key,
    });
  let checkRunId: number;
  try {
    checkRunId = await preview(ports, job, context, github, pr, post);
  } catch (error) {
    context.log.error({ err: error, pullRequest: pr.number }, 'the policy preview failed');
    await post('neutral', explainPreviewFailed(error instanceof Error ? error.message : String(error)));
    throw error;
  }
  await ports.runtime.db.transaction((tx) => markDone(tx, key, null, { checkRunId, conclusion: 'neutral' }));
}

type Post = (conclusion: 'neutral', text: PreviewText, findings?: CheckRunPlan['findings']) => Promise<number>;

async function preview(
  ports: PreviewPorts,
  job: Job<DeliveryOf<'pull_request'>>,
  context: RepoContext,
  github: GitHubAdapter,
  pr: PullRequestFacts,
  post: Post,
): Promise<number> {
  // the proposed file, read at the head this check is posted on (absent there: the default preset judges)
  const text = (await github.readFile(CONFIG_PATH, pr.headSha)) ?? `extends: ${DEFAULT_PRESET}\n`;
  const proposed = readProposedPolicy(text, CONFIG_PATH, ports.presets);
  if (!proposed.ok) {
    const findings = proposed.errors.map((e) => ({
      path: e.file,
      startLine: e.line,
      endLine: e.line,
      level: 'warning' as const,
      rule: 'invalid-policy',
      message: `${e.message} (at ${e.path}). Fix: ${e.hint}`,
    }));
    return post('neutral', explainPreviewInvalid(proposed.errors), findings);
  }
  const scope = await affectedRepositories(ports, job, context, github, proposed);
  const outcomes: ReplayOutcome[] = [];
  for (const target of scope.targets) {
    const { repo, proposed: policy, baseline } = target;
    outcomes.push(
      await replayRepository(ports, {
        repo,
        proposed: policy,
        baseline,
        last: REPLAY_LAST_DEFAULT,
        github: target.github,
      }),
    );
  }
  const merged = mergeReplays(outcomes.map((o) => o.report));
  const summary = explainPolicyPreview(merged, {
    files: [CONFIG_PATH],
    headSha: pr.headSha,
    last: REPLAY_LAST_DEFAULT,
    repos: scope.targets.map((t) => t.repo),
    skipped: [...scope.skipped, ...outcomes.flatMap((o) => o.skipped)],
  });
  context.log.info(
    {
      pullRequest: pr.number,
      repos: scope.targets.length,
      replayed: merged.totals.replayed,
      changed: merged.totals.changed,
    },
    'policy preview posted',
  );
  return post('neutral', summary);
}
