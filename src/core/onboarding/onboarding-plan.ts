import { AGENTS_PATH, type SectionUpdate } from './agent-instructions.js';
import { cell } from '../text/markdown.js';
import { CONFIG_PATH, WORKFLOW_PATH, type PresetChoice } from './onboarding-paths.js';

/**
 * Onboarding, the pure part: which installation deliveries are onboarding work, whether a repository gets an
 * onboarding pull request, and what that pull request says.
 *
 * A repository gets exactly one onboarding pull request, from the branch `aaoe/onboarding`, when it has no
 * `.github/aaoe.yml` on its default branch, is not archived, and has not opted out. Opting out, like Renovate:
 * close the onboarding pull request without merging it (AAOE never opens another), or give the repository the
 * topic `aaoe-ignore` (before installing, or any time).
 */

export const ONBOARDING_BRANCH = 'aaoe/onboarding';
export const OPT_OUT_TOPIC = 'aaoe-ignore';

/** The repositories an `installation.created` / `installation_repositories.added` delivery names. */
export type OnboardingRequest = { account: string; repositories: Array<{ owner: string; name: string }> };

/** The onboarding work of a delivery, or undefined when it has none. */
export function onboardingRequest(
  name: string,
  payload: {
    action?: unknown;
    repositories?: unknown;
    repositories_added?: unknown;
    installation?: { account?: { login?: unknown } | null } | null;
  },
): OnboardingRequest | undefined {
  const list =
    name === 'installation' && payload.action === 'created'
      ? payload.repositories
      : name === 'installation_repositories' && payload.action === 'added'
        ? payload.repositories_added
        : undefined;
  const account = payload.installation?.account?.login;
  if (!Array.isArray(list) || typeof account !== 'string') return undefined;
  const repositories: OnboardingRequest['repositories'] = [];
  for (const repo of list as Array<{ full_name?: unknown; name?: unknown }>) {
    const [owner, name] = typeof repo.full_name === 'string' ? repo.full_name.split('/') : [account, repo.name];
    if (typeof owner === 'string' && owner !== '' && typeof name === 'string' && name !== '')
      repositories.push({ owner, name });
  }
  return { account, repositories };
}

/** What AAOE knows of a repository when it decides (all read from GitHub, never from the delivery). */
export type RepositoryFacts = {
  archived: boolean;
  topics: readonly string[];
  /** An empty repository has no default branch to build on. */
  empty: boolean;
  hasConfig: boolean;
  /** Pull requests from `aaoe/onboarding`, in any state. */
  onboardingPulls: ReadonlyArray<{ number: number; state: 'open' | 'closed'; merged: boolean }>;
};

export type OnboardingDecision = { open: true } | { open: false; reason: string };

export function decideOnboarding(facts: RepositoryFacts): OnboardingDecision {
  if (facts.archived) return { open: false, reason: 'archived' };
  if (facts.topics.some((t) => t.toLowerCase() === OPT_OUT_TOPIC))
    return { open: false, reason: `opted out: the repository has the topic ${OPT_OUT_TOPIC}` };
  if (facts.hasConfig) return { open: false, reason: `configured: ${CONFIG_PATH} exists on the default branch` };
  const open = facts.onboardingPulls.find((p) => p.state === 'open');
  if (open) return { open: false, reason: `the onboarding pull request #${open.number} is open` };
  const merged = facts.onboardingPulls.find((p) => p.merged);
  if (merged)
    return {
      open: false,
      reason: `onboarded by #${merged.number} (merged); ${CONFIG_PATH} was removed since, which keeps the standard preset`,
    };
  const closed = facts.onboardingPulls.find((p) => p.state === 'closed');
  if (closed)
    return {
      open: false,
      reason: `opted out: the onboarding pull request #${closed.number} was closed without merging`,
    };
  if (facts.empty) return { open: false, reason: 'empty: the repository has no commit to build on' };
  return { open: true };
}

export const ONBOARDING_TITLE = 'Configure AAOE';

/**
 * The onboarding pull request's body: what the config says and why, what the workflow does, and how to opt out.
 * The workflow is in the body, not in the commit: GitHub lets an app write under `.github/workflows/` only with
 * the `workflows` permission, which AAOE does not ask for (an agent must never be able to change CI).
 */
/** What the onboarding commit did to one agent instruction file (`skipped`: left as it is, `message` says why). */
export type AgentInstructionsNote =
  | { path: string; outcome: Exclude<SectionUpdate['outcome'], 'skipped'> }
  | { path: string; outcome: 'skipped'; message: string };

const NOTE_TEXT: Record<Exclude<SectionUpdate['outcome'], 'skipped'>, string> = {
  created: 'created, with the AAOE section',
  appended: 'the AAOE section added at the end; the rest of the file is as it was',
  replaced: 'the AAOE section brought up to date; the rest of the file is as it was',
  unchanged: 'already says what this policy says: unchanged',
};

export function renderOnboardingBody(
  preset: Extract<PresetChoice, { ok: true }>,
  workflow: string,
  agentFiles: readonly AgentInstructionsNote[] = [],
): string {
  return [
    'This pull request sets AAOE up in this repository. Nothing happens until it is merged; until then (and',
    `without \`${CONFIG_PATH}\`), AAOE judges agent pull requests with the \`standard\` preset.`,
    '',
    `### \`${CONFIG_PATH}\``,
    '',
    '| line | why |',
    '| --- | --- |',
    `| \`extends: ${preset.preset}\` | ${cell(preset.description.join(' '))} |`,
    '| `trigger: { label: aaoe }` | An issue becomes agent work when a person with write, maintain or admin permission applies the label `aaoe`. A label applied by a bot never counts. |',
    "| `agents:` (commented) | List the bot accounts of other coding agents here: their pull requests are then judged by this policy too. AAOE's own pull requests always are. |",
    '| overrides (commented) | Any key of the preset can be overridden here (`risk`, `cost`, `merge`, `protectedPaths`, `deployment`, `circuitBreaker`, ...); `npx @aaoe-dev/aaoe@0.2.0 policy validate .github/aaoe.yml` checks the file. |',
    '',
    'AAOE reads this file from the default branch only: a pull request can never loosen the policy that judges',
    'it, and one that edits this file fails the `aaoe/policy` check. Review this one yourself and merge it.',
    '',
    `### \`${WORKFLOW_PATH}\` (add it yourself)`,
    '',
    'After an approved change is merged, AAOE starts this workflow (a `repository_dispatch` of type `aaoe-deploy`):',
    'it deploys a canary with your commands, compares it with the baseline on your metrics, then promotes it or',
    'rolls it back, and reports the verdict to AAOE (failures count towards the circuit breaker). AAOE does not',
    'commit it: GitHub lets an app write workflows only with the `workflows` permission, which AAOE never asks',
    'for, so no agent can change your CI. Add it in a commit of your own (`npx @aaoe-dev/aaoe@0.2.0 init` writes it locally),',
    "then set its three commands, the metric queries, `vars.AAOE_REPORT_URL` and `secrets.AAOE_REPORT_SECRET` (this repository's own key, printed by `npx @aaoe-dev/aaoe@0.2.0 report-key <owner/repo> --installation <id>` where the app runs).",
    '',
    '<details><summary>aaoe-deploy.yml</summary>',
    '',
    '```yaml',
    workflow.trimEnd(),
    '```',
    '',
    '</details>',
    '',
    ...(agentFiles.length > 0
      ? [
          '### The agent instructions',
          '',
          `Coding agents read \`${AGENTS_PATH}\` (Claude Code its \`CLAUDE.md\`, GitHub Copilot \`.github/copilot-instructions.md\`). This pull`,
          'request puts a short AAOE section there, generated from the policy above and kept between two `<!-- aaoe:agents -->`',
          'markers: what an agent may not touch, how it declares risk and a rollback plan, and that it never approves or merges.',
          '',
          ...agentFiles.map((f) => `- \`${f.path}\`: ${f.outcome === 'skipped' ? f.message : NOTE_TEXT[f.outcome]}`),
          '',
        ]
      : []),
    '### Not now?',
    '',
    `Close this pull request without merging it: AAOE will not open another one. The repository topic \`${OPT_OUT_TOPIC}\``,
    'also keeps AAOE from onboarding it.',
    '',
    '<!-- aaoe:onboarding -->',
  ].join('\n');
}

/**
 * The `aaoe/policy` check of the onboarding pull request (`neutral`): it proposes the config that will judge agent
 * work, so it is for a person to review, not agent work to judge (its own gates would fail it for touching
 * `.github/aaoe.yml`). For the pipeline to post when the pull request is AAOE's own from `aaoe/onboarding`.
 */
export const ONBOARDING_CHECK_TEXT = {
  title: 'AAOE onboarding: review and merge it yourself',
  summary: [
    `This pull request adds \`${CONFIG_PATH}\`, the policy AAOE will judge agent work with once it is on the default branch, and the AAOE section of the agent instructions (\`${AGENTS_PATH}\`).`,
    'It is not agent work, so the policy does not judge it: read the description, adjust the file if you like, and merge it.',
    `Close it without merging to opt out (AAOE will not open another), or give the repository the topic \`${OPT_OUT_TOPIC}\`.`,
  ].join('\n\n'),
} as const;
