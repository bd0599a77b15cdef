import { Change } from '../../core/policy/change.js';
import type { GateResult } from '../../core/policy/evaluation.js';
import type { RecordedPullRequest, ReplayVerdict, SecretsScan } from '../../core/policy/replay.js';
import type { SqlExecutor } from './database.js';
import type { Migration } from './schema-migration.js';

/**
 * The history a policy is replayed over (issue 25): the governed pull requests of a repository, most recent first,
 * each with the head its latest verdict was posted for (`executions.subject.judged`), and the facts of that change
 * as they were judged (`governed_facts`), when recorded. Facts are recorded once per (pull request, head): the
 * change is a function of its pinned (base, head) pair, so a row never needs updating.
 */

export const GOVERNED_FACTS_MIGRATION: Migration = {
  version: 19,
  name: 'facts of governed pull requests, for policy replay',
  sql: `
-- The change a governed pull request's verdict was decided on, pinned to its (base, head) pair, and the gates'
-- verdict under the policy in force when it was recorded. Read by the policy preview and \`aaoe policy replay\`.
CREATE TABLE governed_facts (
  repo         text NOT NULL,
  pull_request integer NOT NULL,
  head_sha     text NOT NULL,
  base_sha     text NOT NULL,
  execution_id text NOT NULL,
  change       jsonb NOT NULL,
  verdict      text NOT NULL,
  -- the secrets gate's result on the change and the settings it ran with: reused by a policy with the same settings
  secrets      jsonb,
  recorded_at  timestamptz NOT NULL,
  PRIMARY KEY (repo, pull_request, head_sha)
);
CREATE INDEX governed_facts_recent ON governed_facts (repo, recorded_at DESC);
`,
};

/** A governed pull request of the history: the pair its latest verdict was posted for, and its facts if recorded. */
export type GovernedPullRequest = {
  executionId: string;
  repo: string;
  installationId: number;
  number: number;
  baseSha: string;
  headSha: string;
  /** The recorded facts of that head; absent: to be read from GitHub (and recorded). */
  facts?: RecordedPullRequest;
  /** Recorded facts that no longer read as a change (a shape this release does not know): read again. */
  unreadable?: string;
};

export type FactsToRecord = RecordedPullRequest & { executionId: string; at: Date };

/** Records the facts of one judged head once (the same pair recorded again keeps the first). */
export async function recordGovernedFacts(db: SqlExecutor, facts: FactsToRecord): Promise<void> {
  await db.query(
    `INSERT INTO governed_facts (repo, pull_request, head_sha, base_sha, execution_id, change, verdict, secrets, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
    [
      facts.repo,
      facts.number,
      facts.headSha,
      facts.baseSha,
      facts.executionId,
      JSON.stringify(facts.change),
      facts.recorded,
      facts.secrets ? JSON.stringify(facts.secrets) : null,
      facts.at,
    ],
  );
}

type HistoryRow = {
  id: string;
  repo: string;
  installation_id: number | string;
  pull_request: number;
  base_sha: string;
  head_sha: string;
  change: unknown;
  verdict: string | null;
  secrets: unknown;
};

/**
 * The `last` most recently updated governed pull requests of `repo` that have a verdict, newest first, with the
 * recorded facts of the head that verdict was posted for.
 */
export async function listGovernedHistory(db: SqlExecutor, repo: string, last: number): Promise<GovernedPullRequest[]> {
  const { rows } = await db.query<HistoryRow>(
    `SELECT e.id, e.repo, e.installation_id, e.pull_request,
            e.subject->'judged'->>'baseSha' AS base_sha, e.subject->'judged'->>'headSha' AS head_sha,
            f.change, f.verdict, f.secrets
       FROM executions e
       LEFT JOIN governed_facts f
         ON f.repo = e.repo AND f.pull_request = e.pull_request AND f.head_sha = e.subject->'judged'->>'headSha'
      WHERE e.repo = $1 AND e.pull_request IS NOT NULL AND e.subject->'judged'->>'headSha' IS NOT NULL
      ORDER BY e.updated_at DESC, e.id
      LIMIT $2`,
    [repo, last],
  );
  return rows.map((row) => {
    const base = {
      executionId: row.id,
      repo: row.repo,
      installationId: Number(row.installation_id),
      number: row.pull_request,
      baseSha: row.base_sha,
      headSha: row.head_sha,
    };
    if (row.change === null || row.change === undefined) return base;
    const read = readFacts(row);
    return typeof read === 'string' ? { ...base, unreadable: read } : { ...base, facts: read };
  });
}

/** Repositories with recorded facts (`aaoe policy replay` without `--repo`). */
export async function listRecordedRepos(db: SqlExecutor): Promise<string[]> {
  const { rows } = await db.query<{ repo: string }>('SELECT DISTINCT repo FROM governed_facts ORDER BY repo');
  return rows.map((r) => r.repo);
}

/**
 * The recorded facts of the `last` pull requests of `repo` recorded most recently (each pull request's latest head),
 * newest first: what `aaoe policy replay` reads without GitHub. Unreadable rows are returned as reasons.
 */
export async function listRecordedFacts(
  db: SqlExecutor,
  repo: string,
  last: number,
): Promise<{ facts: RecordedPullRequest[]; unreadable: Array<{ number: number; reason: string }> }> {
  const { rows } = await db.query<HistoryRow & { recorded_at: Date }>(
    `SELECT * FROM (
       SELECT DISTINCT ON (pull_request) execution_id AS id, repo, 0 AS installation_id, pull_request, base_sha,
              head_sha, change, verdict, secrets, recorded_at
         FROM governed_facts WHERE repo = $1
        ORDER BY pull_request, recorded_at DESC
     ) latest ORDER BY recorded_at DESC, pull_request DESC LIMIT $2`,
    [repo, last],
  );
  const facts: RecordedPullRequest[] = [];
  const unreadable: Array<{ number: number; reason: string }> = [];
  for (const row of rows) {
    const read = readFacts(row);
    if (typeof read === 'string') unreadable.push({ number: row.pull_request, reason: read });
    else facts.push(read);
  }
  return { facts, unreadable };
}

const VERDICTS: ReadonlySet<string> = new Set<ReplayVerdict>(['passed', 'needs approval', 'refused']);

function readFacts(row: HistoryRow): RecordedPullRequest | string {
  const json: unknown = typeof row.change === 'string' ? JSON.parse(row.change) : row.change;
  const change = Change.safeParse(json);
  if (!change.success) return `the recorded facts do not read as a change (${change.error.issues.length} issues)`;
  if (row.verdict === null || !VERDICTS.has(row.verdict)) return `unknown recorded verdict ${String(row.verdict)}`;
  const secrets = secretsOf(row.secrets);
  return {
    repo: row.repo,
    number: row.pull_request,
    baseSha: row.base_sha,
    headSha: row.head_sha,
    change: change.data,
    recorded: row.verdict as ReplayVerdict,
    ...(secrets ? { secrets } : {}),
  };
}

const OUTCOMES: ReadonlySet<unknown> = new Set(['passed', 'failed', 'needs_approval']);

/** A recorded secrets result in the shape this release writes, else none (the replay scans again). */
function secretsOf(value: unknown): SecretsScan | undefined {
  const json: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (typeof json !== 'object' || json === null) return undefined;
  const { settings, result } = json as { settings?: unknown; result?: Partial<GateResult> };
  const valid =
    typeof settings === 'string' &&
    result?.gate === 'secrets' &&
    OUTCOMES.has(result.outcome) &&
    typeof result.reason === 'string' &&
    Array.isArray(result.evidence) &&
    Array.isArray(result.findings);
  return valid ? { settings, result: result as GateResult } : undefined;
}

/** The repositories of an owner, in one installation, that have governed pull requests (an organisation's config). */
export async function listGovernedRepos(db: SqlExecutor, installationId: number, owner: string): Promise<string[]> {
  const { rows } = await db.query<{ repo: string }>(
    `SELECT DISTINCT repo FROM executions
      WHERE installation_id = $1 AND lower(split_part(repo, '/', 1)) = lower($2) AND pull_request IS NOT NULL
      ORDER BY repo`,
    [installationId, owner],
  );
  return rows.map((r) => r.repo);
}
