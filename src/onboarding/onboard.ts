import { GitHubAdapter, type Octokit } from '../github/github-adapter.js';
import { CONFIG_PATH, DEFAULT_PRESET, choosePreset, readShippedFiles, renderConfig, type ShippedFiles } from './onboarding-files.js';
import { ONBOARDING_BRANCH, ONBOARDING_TITLE, decideOnboarding, renderOnboardingBody, type OnboardingRequest, type RepositoryFacts } from './onboarding-plan.js';

/**
 * Onboarding, the I/O part: for each repository an installation delivery names, read the facts from GitHub,
 * decide, and open the onboarding pull request (branch `aaoe/onboarding`, one commit adding `.github/aaoe.yml`).
 *
 * Exactly one pull request per repository, whatever arrives: a redelivered `installation` event (same or new
 * delivery id) finds the open, merged or closed pull request from `aaoe/onboarding` and does nothing; two jobs at
 * once meet at the branch (the second finds it and reuses it) and at GitHub's own rule of one open pull request per
 * head and base (a refused duplicate counts as done); a job retried after a crash continues from the branch.
 */

export type OnboardingOutcome = { repo: string; opened?: number; skipped?: string };

type Log = { info(meta: object, msg: string): void };

/**
 * `botLogin`: the app's own login (`slug[bot]`), the author of the onboarding commit. `recordCommit`: keeps the commit
 * AAOE wrote (`owner/name`, SHA) before any branch points at it: only that exact commit is exempt from the policy.
 */
export type OnboardingPorts = { botLogin: string; recordCommit: (repo: string, sha: string) => Promise<void> };

export async function onboardRepositories(octokit: Octokit, request: OnboardingRequest, log: Log, ports: OnboardingPorts, shipped: ShippedFiles = readShippedFiles(), now: () => Date = () => new Date()): Promise<OnboardingOutcome[]> {
  const outcomes: OnboardingOutcome[] = [];
  for (const { owner, name } of request.repositories) {
    const outcome = await onboardRepository(octokit, { owner, repo: name }, ports, shipped, now);
    log.info({ repo: outcome.repo, opened: outcome.opened, skipped: outcome.skipped }, outcome.opened ? 'onboarding pull request opened' : 'no onboarding pull request');
    outcomes.push(outcome);
  }
  return outcomes;
}

async function onboardRepository(octokit: Octokit, repo: { owner: string; repo: string }, ports: OnboardingPorts, shipped: ShippedFiles, now: () => Date): Promise<OnboardingOutcome> {
  const login = ports.botLogin;
  const fullName = `${repo.owner}/${repo.repo}`;
  const github = new GitHubAdapter(octokit, repo);
  const facts = await readFacts(octokit, github, repo);
  const decision = decideOnboarding(facts.facts);
  if (!decision.open) return { repo: fullName, skipped: decision.reason };

  const preset = choosePreset(shipped, DEFAULT_PRESET);
  if (!preset.ok) throw new Error(`onboarding: ${preset.message}`); // a broken package, not a repository's fault
  const base = facts.base!;
  const commit = await github.writeCommit(
    { baseCommitSha: base.commitSha, baseTreeSha: base.treeSha, files: new Map([[CONFIG_PATH, renderConfig(preset)]]), message: 'Configure AAOE\n\nAdds .github/aaoe.yml (see the pull request for every choice).', date: now().toISOString() },
    { name: login, email: `${login}@users.noreply.github.com` },
  );
  await ports.recordCommit(fullName, commit);
  // a branch already there is an earlier attempt's (or a concurrent job's): its content is this same file, or, when
  // somebody else pushed to it, a head AAOE did not write, which the policy judges like any change
  await github.createBranch(ONBOARDING_BRANCH, commit);
  const existing = await github.findPullRequestFrom(ONBOARDING_BRANCH);
  if (existing) return { repo: fullName, skipped: `the onboarding pull request #${existing.number} is open` };
  try {
    const pr = await github.createPullRequest({ head: ONBOARDING_BRANCH, base: base.branch, title: ONBOARDING_TITLE, body: renderOnboardingBody(preset, shipped.workflow) });
    return { repo: fullName, opened: pr.number };
  } catch (error) {
    // GitHub allows one open pull request per head and base: a concurrent job opened it meanwhile
    const again = (error as { status?: number }).status === 422 ? await github.findPullRequestFrom(ONBOARDING_BRANCH) : undefined;
    if (again) return { repo: fullName, skipped: `the onboarding pull request #${again.number} is open` };
    throw error;
  }
}

async function readFacts(octokit: Octokit, github: GitHubAdapter, repo: { owner: string; repo: string }): Promise<{ facts: RepositoryFacts; base?: { branch: string; commitSha: string; treeSha: string } }> {
  const { data } = await octokit.rest.repos.get(repo);
  const pulls = await octokit.paginate(octokit.rest.pulls.list, { ...repo, head: `${repo.owner}:${ONBOARDING_BRANCH}`, state: 'all', per_page: 100 });
  const onboardingPulls = pulls.map((p) => ({ number: p.number, state: p.state === 'open' ? ('open' as const) : ('closed' as const), merged: !!p.merged_at }));
  const topics = data.topics ?? [];
  let base: { branch: string; commitSha: string; treeSha: string } | undefined;
  try {
    base = await github.branchHead(data.default_branch);
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== 404 && status !== 409) throw error; // 409: "Git Repository is empty"
  }
  const hasConfig = base ? (await github.readFile(CONFIG_PATH, base.branch)) !== undefined : false;
  const facts: RepositoryFacts = { archived: data.archived === true, topics, empty: !base, hasConfig, onboardingPulls };
  return base ? { facts, base } : { facts };
}
