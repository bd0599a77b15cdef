import { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { type Octokit } from '../adapters/github/github-facts.js';
import {
  AGENT_INSTRUCTION_PATHS,
  MAX_INSTRUCTIONS_BYTES,
  planAgentInstructions,
  type ContractPolicy,
} from '../core/onboarding/agent-instructions.js';
import { CONFIG_PATH } from '../core/onboarding/onboarding-paths.js';
import {
  DEFAULT_PRESET,
  choosePreset,
  readShippedFiles,
  renderConfig,
  resolveConfig,
  type ShippedFiles,
} from '../adapters/files/onboarding-files.js';
import {
  ONBOARDING_BRANCH,
  ONBOARDING_TITLE,
  decideOnboarding,
  renderOnboardingBody,
  type AgentInstructionsNote,
  type OnboardingRequest,
  type RepositoryFacts,
} from '../core/onboarding/onboarding-plan.js';

/**
 * Onboarding, the I/O part: for each repository an installation delivery names, read the facts from GitHub,
 * decide, and open the onboarding pull request (branch `aaoe/onboarding`, one commit adding `.github/aaoe.yml` and
 * the AAOE section of the agent instructions: AGENTS.md, and CLAUDE.md and `.github/copilot-instructions.md` where
 * the default branch has them; src/core/onboarding/agent-instructions.ts).
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

export async function onboardRepositories(
  octokit: Octokit,
  request: OnboardingRequest,
  log: Log,
  ports: OnboardingPorts,
  shipped: ShippedFiles = readShippedFiles(),
  now: () => Date = () => new Date(),
): Promise<OnboardingOutcome[]> {
  const outcomes: OnboardingOutcome[] = [];
  for (const { owner, name } of request.repositories) {
    const outcome = await onboardRepository(octokit, { owner, repo: name }, ports, shipped, now);
    log.info(
      { repo: outcome.repo, opened: outcome.opened, skipped: outcome.skipped },
      outcome.opened ? 'onboarding pull request opened' : 'no onboarding pull request',
    );
    outcomes.push(outcome);
  }
  return outcomes;
}

async function onboardRepository(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  ports: OnboardingPorts,
  shipped: ShippedFiles,
  now: () => Date,
): Promise<OnboardingOutcome> {
  const login = ports.botLogin;
  const fullName = `${repo.owner}/${repo.repo}`;
  const github = new GitHubAdapter(octokit, repo);
  const facts = await readFacts(octokit, github, repo);
  const decision = decideOnboarding(facts.facts);
  if (!decision.open) return { repo: fullName, skipped: decision.reason };

  const preset = choosePreset(shipped, DEFAULT_PRESET);
  if (!preset.ok) throw new Error(`onboarding: ${preset.message}`); // a broken package, not a repository's fault
  const { base } = facts;
  if (!base) throw new Error(`onboarding: ${fullName} has no default branch to build on`); // decideOnboarding refuses an empty repository
  const config = renderConfig(preset);
  const policy = resolveConfig(config);
  if (!policy.ok)
    throw new Error(`onboarding: the ${preset.preset} preset does not resolve: ${policy.errors.join('; ')}`); // a broken package
  const contract = await agentInstructionFiles(octokit, repo, policy.policy, base.commitSha);
  const files = new Map([[CONFIG_PATH, config], ...contract.files]);
  const notes = contract.notes;
  const written = [...files.keys()].join(', ');
  const commit = await github.writeCommit(
    {
      baseCommitSha: base.commitSha,
      baseTreeSha: base.treeSha,
      files,
      message: `Configure AAOE\n\nWrites ${written} (see the pull request for every choice).`,
      date: now().toISOString(),
    },
    { name: login, email: `${login}@users.noreply.github.com` },
  );
  await ports.recordCommit(fullName, commit);
  // a branch already there is an earlier attempt's (or a concurrent job's): its content is this same file, or, when
  // somebody else pushed to it, a head AAOE did not write, which the policy judges like any change
  await github.createBranch(ONBOARDING_BRANCH, commit);
  const existing = await github.findPullRequestFrom(ONBOARDING_BRANCH);
  if (existing) return { repo: fullName, skipped: `the onboarding pull request #${existing.number} is open` };
  try {
    const pr = await github.createPullRequest({
      head: ONBOARDING_BRANCH,
      base: base.branch,
      title: ONBOARDING_TITLE,
      body: renderOnboardingBody(preset, shipped.workflow, notes),
    });
    return { repo: fullName, opened: pr.number };
  } catch (error) {
    // GitHub allows one open pull request per head and base: a concurrent job opened it meanwhile
    const again =
      (error as { status?: number }).status === 422 ? await github.findPullRequestFrom(ONBOARDING_BRANCH) : undefined;
    if (again) return { repo: fullName, skipped: `the onboarding pull request #${again.number} is open` };
    throw error;
  }
}

async function readFacts(
  octokit: Octokit,
  github: GitHubAdapter,
  repo: { owner: string; repo: string },
): Promise<{ facts: RepositoryFacts; base?: { branch: string; commitSha: string; treeSha: string } }> {
  const { data } = await octokit.rest.repos.get(repo);
  const pulls = await octokit.paginate(octokit.rest.pulls.list, {
    ...repo,
    head: `${repo.owner}:${ONBOARDING_BRANCH}`,
    state: 'all',
    per_page: 100,
  });
  const onboardingPulls = pulls.map((p) => ({
    number: p.number,
    state: p.state === 'open' ? ('open' as const) : ('closed' as const),
    merged: !!p.merged_at,
  }));
  const topics = data.topics ?? [];
  let base: { branch: string; commitSha: string; treeSha: string } | undefined;
  try {
    base = await github.branchHead(data.default_branch);
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== 404 && status !== 409) throw error; // 409: "Git Repository is empty"
  }
  const hasConfig = base ? (await github.readFile(CONFIG_PATH, base.branch)) !== undefined : false;
  const facts: RepositoryFacts = { archived: data.archived, topics, empty: !base, hasConfig, onboardingPulls };
  return base ? { facts, base } : { facts };
}

/**
 * The agent contract, generated from the policy this pull request proposes, in the instruction files as they are at
 * the base commit: the new texts to commit (only what changes), and what happened to each file, for the description.
 */
async function agentInstructionFiles(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  policy: ContractPolicy,
  ref: string,
): Promise<{ files: Map<string, string>; notes: AgentInstructionsNote[] }> {
  const found = new Map<string, InstructionFile>();
  for (const path of AGENT_INSTRUCTION_PATHS) found.set(path, await readInstructionFile(octokit, repo, path, ref));
  // an unreadable file is there (so AGENTS.md is never created over it), and is left alone below
  const textOf = (path: string) => {
    const file = found.get(path);
    return file === undefined ? undefined : file.kind === 'text' ? file.text : '';
  };
  const files = new Map<string, string>();
  const notes: AgentInstructionsNote[] = [];
  for (const { path, update } of planAgentInstructions(policy, textOf)) {
    const file = found.get(path);
    if (file?.kind === 'unreadable') notes.push({ path, outcome: 'skipped', message: file.message });
    else if (update.outcome === 'skipped') notes.push({ path, outcome: 'skipped', message: update.message });
    else {
      if ('text' in update) files.set(path, update.text);
      notes.push({ path, outcome: update.outcome });
    }
  }
  return { files, notes };
}

type InstructionFile = { kind: 'text'; text: string } | { kind: 'unreadable'; message: string } | undefined;

/**
 * An agent instruction file at `ref`, read through the contents API's JSON form, which says the size first: a file
 * over the cap, or one that is not UTF-8 text (it would not survive being decoded and written back byte for byte), is
 * left alone and said so; undefined when there is no such file.
 */
async function readInstructionFile(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  path: string,
  ref: string,
): Promise<InstructionFile> {
  let data: unknown;
  try {
    ({ data } = await octokit.rest.repos.getContent({ ...repo, path, ref }));
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
  const file = data as { type?: unknown; size?: unknown; encoding?: unknown; content?: unknown };
  if (Array.isArray(data) || file.type !== 'file')
    return { kind: 'unreadable', message: `${path} is not a file, so AAOE left it as it is.` };
  if (
    typeof file.size !== 'number' ||
    file.size > MAX_INSTRUCTIONS_BYTES ||
    file.encoding !== 'base64' ||
    typeof file.content !== 'string'
  ) {
    return {
      kind: 'unreadable',
      message: `${path} is larger than ${MAX_INSTRUCTIONS_BYTES} bytes, so AAOE left it as it is: add the section of AGENTS.md to it yourself.`,
    };
  }
  const bytes = Buffer.from(file.content, 'base64');
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes))
    return {
      kind: 'unreadable',
      message: `${path} is not UTF-8 text, so AAOE left it as it is: add the section of AGENTS.md to it yourself.`,
    };
  return { kind: 'text', text };
}
