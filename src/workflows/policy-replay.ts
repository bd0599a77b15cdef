import { POLICY_TEXT_MAX } from '../contracts/policy-replay.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { getExecution } from '../adapters/store/executions.js';
import {
  listGovernedHistory,
  recordGovernedFacts,
  type GovernedPullRequest,
} from '../adapters/store/governed-history.js';
import { executionModelCost } from '../adapters/store/model-calls.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import type { Change } from '../core/policy/change.js';
import { evaluatePolicy } from '../core/policy/evaluate-policy.js';
import type { Evaluation } from '../core/policy/evaluation.js';
import { loadPolicy } from '../core/policy/load-policy.js';
import type { PolicyAsWritten, PolicyError, Presets } from '../core/policy/policy-source.js';
import {
  replayPolicy,
  secretsSettings,
  verdictOf,
  type RecordedPullRequest,
  type ReplayReport,
} from '../core/policy/replay.js';
import { resolvePolicy } from '../core/policy/resolve-policy.js';
import type { ChangePackageType, Policy } from '../core/policy/schema.js';
import type { SkippedPullRequest } from '../core/text/policy-preview.js';
import { proposalFacts } from './proposal-facts.js';
import { gatherPullRequestSnapshot } from './pull-request-snapshot.js';

/**
 * A proposed policy replayed over a repository's recent governed pull requests (issue 25), shared by the
 * `aaoe/policy-preview` check, the API and the CLI: the history from the store, the facts of each judged head from
 * the store or, when missing, read from GitHub pinned to that head (and recorded), then the pure replay. It only
 * reads GitHub: nothing is ever written on a replayed pull request.
 */

/** A proposed policy, resolved, with the file as written (an organisation's file is merged under a repository's own). */
export type ProposedPolicy =
  { ok: true; policy: Policy; written: PolicyAsWritten } | { ok: false; errors: PolicyError[] };

/** Reads a proposed policy file: size cap first, then parse, validate and resolve its preset. */
export function readProposedPolicy(text: string, file: string, presets: Presets): ProposedPolicy {
  if (text.length > POLICY_TEXT_MAX) {
    const message = `the file is ${text.length} characters; a policy file is at most ${POLICY_TEXT_MAX}`;
    return {
      ok: false,
      errors: [{ file, line: 1, column: 1, path: '(root)', message, hint: 'write a smaller policy' }],
    };
  }
  const loaded = loadPolicy(text, file);
  if (!loaded.ok) return loaded;
  const resolved = resolvePolicy(loaded, presets);
  return resolved.ok ? { ...resolved, written: loaded.policy } : resolved;
}

export type ReplayPorts = { runtime: { db: SqlExecutor }; now: () => Date };

/** What the replay reads of GitHub: a pull request pinned to its judged head, and files for its proposal facts. */
export type ReplayGitHub = Pick<
  GitHubAdapter,
  'getPullRequest' | 'listChangedFiles' | 'getPullRequestWithBody' | 'readFile'
>;

export type ReplayRequest = {
  repo: string;
  proposed: Policy;
  /** The policy in force (its verdicts are compared); without it, the verdicts recorded with the facts. */
  baseline: Policy | undefined;
  last: number;
  /** Reads GitHub for facts the store lacks; without it, those pull requests are skipped. */
  github: ReplayGitHub | undefined;
};

export type ReplayOutcome = { report: ReplayReport; skipped: SkippedPullRequest[] };

export async function replayRepository(ports: ReplayPorts, request: ReplayRequest): Promise<ReplayOutcome> {
  const history = await listGovernedHistory(ports.runtime.db, request.repo, request.last);
  const facts: RecordedPullRequest[] = [];
  const skipped: SkippedPullRequest[] = [];
  for (const pr of history) {
    const read = pr.facts ?? (await missingFacts(ports, request, pr));
    if (typeof read === 'string') skipped.push({ repo: pr.repo, number: pr.number, reason: read });
    else facts.push(read);
  }
  const report = await replayPolicy({ proposed: request.proposed, baseline: request.baseline, pullRequests: facts });
  return { report, skipped };
}

/**
 * The facts of a judged head the store does not have: read from GitHub pinned to that head (a pull request whose
 * head moved on since is not replayed: its files are another commit's), recorded with the baseline's verdict.
 */
async function missingFacts(
  ports: ReplayPorts,
  request: ReplayRequest,
  pr: GovernedPullRequest,
): Promise<RecordedPullRequest | string> {
  const { github, baseline } = request;
  if (!github) return pr.unreadable ?? 'no facts recorded for its judged head';
  if (!baseline) return 'no facts recorded, and no valid policy in force to record them under';
  const execution = await getExecution(ports.runtime.db, pr.executionId);
  if (!execution?.subject) return 'its execution is gone';
  const gathered = await gatherPullRequestSnapshot(github, pr.number, pr.headSha);
  if (gathered.outcome === 'superseded')
    return `its head moved on since its verdict (${gathered.reason}); the new head is not judged yet`;
  const { snapshot } = gathered;
  const spent = await executionModelCost(ports.runtime.db, execution.id);
  const change: Change = {
    files: snapshot.files,
    author: { login: execution.subject.author.login, isAgent: execution.subject.isAgent },
    ...(await proposalFacts({ execution, snapshot, policy: baseline, github })),
    ...(execution.work?.packages?.length
      ? { packages: execution.work.packages.map((p) => ({ path: p.path, type: p.type as ChangePackageType })) }
      : {}),
    spent: { tokens: spent.tokens, usd: spent.usd },
    at: execution.updatedAt,
  };
  const evaluation = await evaluatePolicy(change, baseline);
  const scanned = evaluation.gates.find((g) => g.gate === 'secrets');
  const facts: RecordedPullRequest = {
    repo: pr.repo,
    number: pr.number,
    baseSha: snapshot.baseSha,
    headSha: snapshot.headSha,
    change,
    recorded: verdictOf(evaluation.conclusion),
    ...(scanned ? { secrets: { settings: secretsSettings(baseline), result: scanned } } : {}),
  };
  await recordGovernedFacts(ports.runtime.db, { ...facts, executionId: execution.id, at: ports.now() });
  return facts;
}

/**
 * The facts of one evaluation, recorded for later replays (the evaluation workflow calls this in the transaction that
 * commits its verdict): the change without the moment's freeze (the breaker judges the moment, not the change), the
 * gates' verdict and the secrets gate's result under the policy that judged it.
 */
export async function recordEvaluatedFacts(
  db: SqlExecutor,
  evaluated: {
    executionId: string;
    repo: string;
    number: number;
    judged: { baseSha: string; headSha: string };
    change: Change;
    evaluation: Evaluation;
    policy: Policy;
    at: Date;
  },
): Promise<void> {
  const { freeze: _moment, ...change } = evaluated.change;
  const scanned = evaluated.evaluation.gates.find((g) => g.gate === 'secrets');
  await recordGovernedFacts(db, {
    repo: evaluated.repo,
    number: evaluated.number,
    baseSha: evaluated.judged.baseSha,
    headSha: evaluated.judged.headSha,
    change,
    recorded: verdictOf(evaluated.evaluation.conclusion),
    ...(scanned ? { secrets: { settings: secretsSettings(evaluated.policy), result: scanned } } : {}),
    executionId: evaluated.executionId,
    at: evaluated.at,
  });
}
