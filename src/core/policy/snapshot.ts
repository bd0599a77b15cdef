import type { ChangedFile } from './change.js';

/**
 * One snapshot per decision. Every fact a pull request's verdict rests on is read once, pinned to the pair
 * (base SHA, head SHA), and the verdict is posted for exactly that pair: a fact from another moment voids it.
 * `gatherPullRequestSnapshot` (src/workflows/pull-request-snapshot.ts) is the only way to build one; the decisions
 * below are pure functions of it.
 */

export type PullRequestSnapshot = {
  number: number;
  /** The branch the pull request merges into, and its commit when the files were listed. */
  baseRef: string;
  baseSha: string;
  /** The head commit the files belong to: the commit the verdict is posted on. */
  headRef: string;
  headSha: string;
  /** The repository's default branch ('' when GitHub did not say: then only `deployment.branches` deploy). */
  defaultBranch: string;
  author: { login: string; type: string; id: number };
  /** The files GitHub listed for base...head (at most 3,000). */
  files: ChangedFile[];
  /** How many files GitHub counts in the diff: more than listed means some were never seen. */
  changedFiles: number;
  /** The pull request's body, read with the head it belongs to (an external agent's proposal block). */
  body: string;
};

/** What reading the pull request twice, around the file list, found. */
export type SnapshotReads = {
  judgedHead: string;
  before: { headSha: string; baseRef: string; baseSha: string };
  after: { headSha: string; baseRef: string; baseSha: string };
};

export type SnapshotCheck =
  | { outcome: 'pinned' }
  /** GitHub's head is not the head being judged: a newer evaluation (of GitHub's head) replaces this one. */
  | { outcome: 'superseded'; headSha: string; reason: string }
  /** The head or the base moved while the files were listed: they may belong to neither; read again. */
  | { outcome: 'moved'; reason: string };

/**
 * Whether the files listed between two reads of the pull request belong to the pair being judged. The base branch's
 * commit advancing is no move: GitHub lists the head against its merge base with the base branch, which a new commit
 * on the base does not change (the later base commit is the one recorded).
 */
export function checkSnapshotReads(reads: SnapshotReads): SnapshotCheck {
  const { judgedHead, before, after } = reads;
  if (before.headSha !== judgedHead) {
    return {
      outcome: 'superseded',
      headSha: before.headSha,
      reason: `the head is ${short(before.headSha)} now, not ${short(judgedHead)}`,
    };
  }
  if (after.headSha !== before.headSha)
    return {
      outcome: 'moved',
      reason: `the head moved from ${short(before.headSha)} to ${short(after.headSha)} while its files were listed`,
    };
  if (after.baseRef !== before.baseRef)
    return {
      outcome: 'moved',
      reason: `the base changed from ${before.baseRef} to ${after.baseRef} while the files were listed`,
    };
  return { outcome: 'pinned' };
}

export type Completeness = { complete: true } | { complete: false; listed: number; total: number };

/** GitHub lists at most 3,000 files of a pull request: a diff with more was never seen whole. */
export function checkCompleteness(snapshot: Pick<PullRequestSnapshot, 'files' | 'changedFiles'>): Completeness {
  return snapshot.files.length < snapshot.changedFiles
    ? { complete: false, listed: snapshot.files.length, total: snapshot.changedFiles }
    : { complete: true };
}

export type DeployTarget =
  | { deployable: true; why: 'the default branch' | 'a deploy branch named in `deployment.branches`' }
  | { deployable: false; why: string };

/**
 * Only changes into the default branch, or into a branch the policy names under `deployment.branches`, are ever
 * merged (`merge: auto`) or deployed by AAOE. Branch names compare exactly, as git does.
 */
export function decideDeployTarget(baseRef: string, defaultBranch: string, branches: readonly string[]): DeployTarget {
  if (baseRef !== '' && baseRef === defaultBranch) return { deployable: true, why: 'the default branch' };
  if (baseRef !== '' && branches.includes(baseRef))
    return { deployable: true, why: 'a deploy branch named in `deployment.branches`' };
  const allowed = [defaultBranch, ...branches]
    .filter((b) => b !== '')
    .map((b) => `\`${b}\``)
    .join(', ');
  return { deployable: false, why: `\`${baseRef}\` is not a deploy branch (${allowed || 'none known'})` };
}

/** What a merge delivery says, against what was judged. */
export type MergeFacts = {
  /** The head GitHub merged, the base it merged into, and the repository's default branch. */
  mergedHead: string;
  baseRef: string;
  defaultBranch: string;
  branches: readonly string[];
  /** The head the execution's verdict (and approvals) are bound to. */
  judgedHead: string | undefined;
};

export type MergeDeploy = { deploy: true } | { deploy: false; reason: string };

/** A merge is deployed only when it merged the judged head into a deploy branch. */
export function decideMergeDeploy(facts: MergeFacts): MergeDeploy {
  if (facts.judgedHead === undefined || facts.mergedHead !== facts.judgedHead) {
    return {
      deploy: false,
      reason: `merged head ${short(facts.mergedHead)} is not the judged head ${short(facts.judgedHead ?? 'none')}: not deployed`,
    };
  }
  const target = decideDeployTarget(facts.baseRef, facts.defaultBranch, facts.branches);
  return target.deployable ? { deploy: true } : { deploy: false, reason: `merged into ${target.why}: not deployed` };
}

export function short(sha: string): string {
  return sha.slice(0, 7);
}
