import { loadPresets } from '../adapters/files/presets.js';
import type { Database } from '../adapters/store/database.js';
import { listRecordedFacts, listRecordedRepos } from '../adapters/store/governed-history.js';
import { REPLAY_LAST_DEFAULT, REPLAY_LAST_MAX } from '../contracts/policy-replay.js';
import { formatPolicyError } from '../core/policy/policy-source.js';
import { mergeReplays, replayPolicy, type ReplayReport } from '../core/policy/replay.js';
import { renderReplayText, type SkippedPullRequest } from '../core/text/policy-preview.js';
import { EXIT, readText, type CliIo, type Env } from './cli-io.js';
import { withStore } from './with-store.js';
import { readProposedPolicy } from '../workflows/policy-replay.js';

/**
 * `aaoe policy replay --policy <file> [--repo owner/name] [--last N] [--format text|json]` (issue 25): the policy
 * file replayed over the facts the store recorded for the last N governed pull requests of a repository (of each
 * repository with recorded facts, without `--repo`), each compared with the verdict recorded with its facts. It reads
 * only the store: no GitHub call, nothing written. Exit codes: 0 no verdict changes, 1 some do, 2 invalid input.
 * (`aaoe/policy-preview` and `POST /api/v1/policy/replay` compare with the policy in force and read GitHub for
 * facts the store lacks.)
 */

export type PolicyReplayOptions = {
  policy: string;
  repo?: string | undefined;
  last?: number;
  format?: 'text' | 'json';
};

export const POLICY_REPLAY_DESCRIPTION =
  'replay a policy file over the recorded facts of recent governed pull requests: the verdicts that would change';

export const POLICY_REPLAY_EXAMPLES = [
  'aaoe policy replay --policy .github/aaoe.yml --repo octo/api',
  'aaoe policy replay --policy proposed.yml --last 200 --format json',
] as const;

/** The command's action: the store named by the environment, then `replayInStore`. */
export async function runPolicyReplay(options: PolicyReplayOptions, io: CliIo, env: Env): Promise<number> {
  const last = options.last ?? REPLAY_LAST_DEFAULT;
  if (!Number.isInteger(last) || last < 1 || last > REPLAY_LAST_MAX) {
    io.stderr(`aaoe policy replay: --last is a whole number from 1 to ${REPLAY_LAST_MAX}`);
    return EXIT.invalid;
  }
  const text = readText(options.policy, io);
  if (text === undefined) return EXIT.invalid;
  return withStore(env, io, {}, (db) => replayInStore(db, { ...options, last }, text, io));
}

/** Replays the policy text over the store's recorded facts and writes the changes and totals. */
export async function replayInStore(
  db: Database,
  options: PolicyReplayOptions & { last: number },
  text: string,
  io: CliIo,
): Promise<number> {
  const proposed = readProposedPolicy(text, options.policy, loadPresets());
  if (!proposed.ok) {
    for (const e of proposed.errors) io.stderr(formatPolicyError(e));
    return EXIT.invalid;
  }
  const repos = options.repo ? [options.repo] : await listRecordedRepos(db);
  const reports: ReplayReport[] = [];
  const skipped: SkippedPullRequest[] = [];
  for (const repo of repos) {
    const recorded = await listRecordedFacts(db, repo, options.last);
    skipped.push(...recorded.unreadable.map((u) => ({ repo, ...u })));
    reports.push(await replayPolicy({ proposed: proposed.policy, pullRequests: recorded.facts }));
  }
  const report = mergeReplays(reports);
  if (options.format === 'json') io.stdout(JSON.stringify({ repos, last: options.last, ...report, skipped }, null, 2));
  else io.stdout(renderReplayText(report, skipped));
  return report.totals.changed > 0 ? EXIT.fail : EXIT.pass;
}
