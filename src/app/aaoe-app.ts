import type { ApplicationFunction, Context, Probot } from 'probot';
import { GitHubAdapter, toPullRequestFacts, type PullRequestFacts } from '../github/github-adapter.js';
import type { Change } from '../policy/change.js';
import { evaluatePolicy } from '../policy/evaluate-policy.js';
import { explainEvaluation, explainInvalidPolicy, explainUngoverned } from '../policy/explain.js';
import { decideGovernance } from '../policy/governance.js';
import { loadPresets, type Presets } from '../policy/presets.js';
import { loadRepoPolicy, type RepoPolicy } from './load-repo-policy.js';
import { PolicyCache } from './policy-cache.js';

/** The name of the required check. Pin its source App in branch protection. */
export const CHECK_NAME = 'aaoe/policy';

export const PULL_REQUEST_EVENTS = [
  'pull_request.opened',
  'pull_request.synchronize',
  'pull_request.reopened',
  'pull_request.labeled',
  'pull_request.edited',
] as const;

export type AaoeAppOptions = {
  /** The clock: the only source of "now" for the domain. */
  now?: () => Date;
  /** How long a repository's policy is kept before it is read again (default 5 minutes). */
  policyTtlMs?: number;
  presets?: Presets;
};

/**
 * The app: one function, as Probot wants it. Handlers translate events into calls of the domain;
 * the domain never sees a payload.
 */
export function aaoeApp(options: AaoeAppOptions = {}): ApplicationFunction {
  const now = options.now ?? (() => new Date());
  return (app: Probot) => {
    const presets = options.presets ?? loadPresets();
    const policies = new PolicyCache<RepoPolicy>(options.policyTtlMs ?? 5 * 60_000);
    let appLogin: Promise<string> | undefined;

    const botLogin = (): Promise<string> => {
      appLogin ??= app
        .auth()
        .then((octokit) => octokit.rest.apps.getAuthenticated())
        .then(({ data }) => `${data?.slug ?? 'aaoe'}[bot]`)
        .catch((error: unknown) => {
          appLogin = undefined;
          throw error;
        });
      return appLogin;
    };

    const policyFor = async (context: Context): Promise<RepoPolicy> => {
      const { owner, repo } = context.repo();
      const cached = policies.get(owner, repo);
      if (cached) return cached;
      const loaded = await loadRepoPolicy(context, presets);
      policies.set(owner, repo, loaded);
      return loaded;
    };

    const check = (context: Context, pr: PullRequestFacts) =>
      runPolicyCheck({ context, pr, policy: () => policyFor(context), botLogin, now });

    app.on([...PULL_REQUEST_EVENTS], async (context) => {
      await check(context, toPullRequestFacts(context.payload.pull_request));
    });

    app.on('check_run.rerequested', async (context) => {
      if (context.payload.check_run.name !== CHECK_NAME) return;
      const github = new GitHubAdapter(context.octokit, context.repo());
      for (const { number } of context.payload.check_run.pull_requests) {
        await check(context, await github.getPullRequest(number));
      }
    });

    app.on('check_suite.rerequested', async (context) => {
      const github = new GitHubAdapter(context.octokit, context.repo());
      for (const { number } of context.payload.check_suite.pull_requests) {
        await check(context, await github.getPullRequest(number));
      }
    });

    app.on('push', async (context) => {
      const { repository, ref } = context.payload;
      const owner = repository.owner?.login ?? context.repo().owner;
      if (repository.name === '.github') policies.invalidate(owner);
      else if (ref === `refs/heads/${repository.default_branch}`) policies.invalidate(owner, repository.name);
    });
  };
}

type PolicyCheck = {
  context: Context;
  pr: PullRequestFacts;
  policy: () => Promise<RepoPolicy>;
  botLogin: () => Promise<string>;
  now: () => Date;
};

/**
 * Judges one pull request and posts the `aaoe/policy` check on its head commit. If anything throws,
 * it still tries to post a failing check; if even that fails the check stays missing, which keeps a
 * required check blocking the merge.
 */
export async function runPolicyCheck({ context, pr, policy, botLogin, now }: PolicyCheck): Promise<void> {
  const github = new GitHubAdapter(context.octokit, context.repo());
  const log = context.log.child({ pullRequest: pr.number, headSha: pr.headSha });
  const post = (conclusion: 'success' | 'failure' | 'action_required' | 'neutral', text: { title: string; summary: string }, findings: Parameters<GitHubAdapter['postCheckRun']>[0]['findings'] = []) =>
    github.postCheckRun({
      name: CHECK_NAME,
      headSha: pr.headSha,
      conclusion,
      title: text.title,
      summary: text.summary,
      findings,
      detailsUrl: pr.htmlUrl,
      externalId: `pr:${pr.number}`,
    });

  try {
    const repoPolicy = await policy();
    if (!repoPolicy.ok) {
      log.warn({ errors: repoPolicy.errors.length }, 'policy invalid');
      const findings = repoPolicy.errors.map((e) => ({
        path: e.file,
        startLine: e.line,
        endLine: e.line,
        startColumn: e.column,
        endColumn: e.column,
        level: 'failure' as const,
        rule: 'invalid-policy',
        message: `${e.message} (at ${e.path}). Fix: ${e.hint}`,
      }));
      await post('failure', explainInvalidPolicy(repoPolicy.errors), findings);
      return;
    }

    const facts = {
      author: pr.author,
      appLogin: await botLogin(),
      agents: repoPolicy.policy.agents,
      triggerLabel: repoPolicy.policy.trigger.label,
      labels: pr.labels,
    };
    let governance = decideGovernance(facts);
    if (governance.governed === 'unknown') {
      governance = decideGovernance({ ...facts, labelledBefore: await github.wasEverLabelled(pr.number, facts.triggerLabel) });
    }
    if (governance.governed !== true) {
      const reason = governance.governed === false ? governance.reason : 'Governance could not be decided.';
      await post('neutral', explainUngoverned(reason));
      log.info('not governed');
      return;
    }

    const change: Change = {
      files: await github.listChangedFiles(pr.number),
      author: { login: pr.author.login, isAgent: governance.isAgent },
      spent: { tokens: 0, usd: 0 },
      at: now().toISOString(),
    };
    const evaluation = await evaluatePolicy(change, repoPolicy.policy);
    const text = explainEvaluation(evaluation, { policySource: repoPolicy.source });
    await post(evaluation.conclusion, text, evaluation.gates.flatMap((g) => g.findings));
    log.info({ conclusion: evaluation.conclusion, risk: evaluation.risk.level, governedBecause: governance.reason }, 'policy evaluated');
  } catch (error) {
    log.error({ err: error }, 'policy evaluation failed');
    await post('failure', {
      title: 'AAOE could not evaluate the policy',
      summary: `The evaluation failed: ${error instanceof Error ? error.message : String(error)}.\n\nA change that cannot be judged does not pass. Re-run this check; if it fails again, the app's logs (delivery ${context.id}) have the details.`,
    });
  }
}

