import { z } from 'zod';
import { RepoName } from './api.js';

/**
 * `POST /api/v1/policy/replay` (issue 25): a proposed policy file, replayed over a repository's recent governed pull
 * requests; the answer lists the verdicts that change and the totals. Nothing is written on the replayed pull requests.
 */

/** How many recent governed pull requests are replayed unless asked otherwise, and at most. */
export const REPLAY_LAST_DEFAULT = 50;
export const REPLAY_LAST_MAX = 500;

/** A policy file is at most this many characters (checked before it is parsed). */
export const POLICY_TEXT_MAX = 64 * 1024;

export const PolicyReplayRequest = z.strictObject({
  repo: RepoName,
  /** The proposed policy file's text (YAML, as `.github/aaoe.yml`). */
  policy: z
    .string()
    .min(1, 'the policy file as text')
    .max(POLICY_TEXT_MAX, `a policy file is at most ${POLICY_TEXT_MAX} characters`),
  last: z.int().min(1).max(REPLAY_LAST_MAX).default(REPLAY_LAST_DEFAULT),
});
export type PolicyReplayRequest = z.infer<typeof PolicyReplayRequest>;

export type ReplayVerdictName = 'passed' | 'needs approval' | 'refused';

export type PolicyReplayAnswer = {
  repo: string;
  last: number;
  totals: {
    replayed: number;
    changed: number;
    unchanged: number;
    transitions: Array<{ from: ReplayVerdictName; to: ReplayVerdictName; count: number }>;
  };
  rows: Array<{
    repo: string;
    number: number;
    headSha: string;
    from: ReplayVerdictName;
    to: ReplayVerdictName;
    risk: string;
    gates: Array<{ gate: string; title: string; from: string; to: string; reason: string }>;
  }>;
  skipped: Array<{ repo: string; number: number; reason: string }>;
};
