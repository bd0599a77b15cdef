import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { PullRequestFacts } from '../adapters/github/github-facts.js';
import { checkSnapshotReads, type PullRequestSnapshot } from '../core/policy/snapshot.js';

/**
 * Gathers the one snapshot a pull request's evaluation takes: the pull request read, its files listed, and the
 * pull request read again (with its body, the proposal an external agent declares). The files belong to the pair only
 * when the head and the base branch did not change in between; when GitHub's head is no longer the head being
 * judged, the evaluation is superseded and posts nothing. (The base branch's commit advancing does not change the
 * files: GitHub lists head against its merge base with the base branch; the base commit read last is recorded.)
 *
 * Why not the compare API (`base...head` of fixed SHAs)? It lists at most 300 files where the pull request's own
 * list gives 3,000; reading the pull request on both sides of the list pins the files to the pair as well.
 */

export type Gathered =
  | { outcome: 'pinned'; snapshot: PullRequestSnapshot; pullRequest: PullRequestFacts }
  | { outcome: 'superseded'; headSha: string; reason: string };

type SnapshotPort = Pick<GitHubAdapter, 'getPullRequest' | 'listChangedFiles' | 'getPullRequestWithBody'>;

/** Attempts to read a pair that holds still (a busy base branch can move between two reads). */
const ATTEMPTS = 3;

export async function gatherPullRequestSnapshot(
  github: SnapshotPort,
  number: number,
  judgedHead: string,
  knownBaseRef?: string,
): Promise<Gathered> {
  let reason = '';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    // the first attempt takes the pair the execution already knows (the head being judged, the base of the delivery
    // last applied) as the read before the list: one read of GitHub fewer, the same pin; any doubt reads it first
    const before =
      attempt === 0 && knownBaseRef
        ? { headSha: judgedHead, baseRef: knownBaseRef }
        : await github.getPullRequest(number);
    if (before.headSha !== judgedHead) {
      const check = checkSnapshotReads({
        judgedHead,
        before: { ...before, baseSha: '' },
        after: { ...before, baseSha: '' },
      });
      return {
        outcome: 'superseded',
        headSha: before.headSha,
        reason: check.outcome === 'superseded' ? check.reason : 'the head moved',
      };
    }
    const files = await github.listChangedFiles(number);
    const { facts: after, body } = await github.getPullRequestWithBody(number);
    const check = checkSnapshotReads({ judgedHead, before: { ...before, baseSha: '' }, after });
    if (check.outcome === 'moved' && attempt === 0 && after.headSha !== judgedHead) {
      // read after the list only: GitHub's head is another commit now, whose own evaluation follows
      return { outcome: 'superseded', headSha: after.headSha, reason: check.reason };
    }
    if (check.outcome === 'pinned') {
      const snapshot: PullRequestSnapshot = {
        number,
        baseRef: after.baseRef,
        baseSha: after.baseSha,
        headRef: after.headRef,
        headSha: after.headSha,
        defaultBranch: after.defaultBranch ?? '',
        author: { ...after.author, id: after.authorId },
        files,
        // a pull request read through the API always says; when it does not, what was listed is all that is known
        changedFiles: after.changedFiles ?? files.length,
        body,
      };
      return { outcome: 'pinned', snapshot, pullRequest: after };
    }
    reason = check.reason;
  }
  throw new Error(`the pull request did not hold still while its files were listed (${reason}); it is judged again`);
}
