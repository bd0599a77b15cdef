import type { PullRequestFacts } from '../adapters/github/github-facts.js';
import type { OnboardingRequest } from '../core/onboarding/onboarding-plan.js';

/** The name of the required check. Pin its source App in branch protection. */
export const CHECK_NAME = 'aaoe/policy';

/** What every delivery job carries, whatever its kind. */
export type DeliveryBase = {
  id: string;
  name: string;
  action: string | null;
  installationId: number;
  repository: { owner: string; name: string };
  sender: string | null;
  /** `User`, `Bot` or `Organization`: a label a bot applied is never consent. */
  senderType?: string | null;
};

/**
 * What the job runner needs of a delivery, taken from the payload at intake: the facts, not the 20 KB GitHub
 * sends (storing every payload would make the store, not the network, the limit on acknowledgement). One kind per
 * thing to act on; `runDelivery` handles every kind (the compiler checks it).
 */
export type DeliveryJob = DeliveryBase &
  (
    | {
        /**
         * `issues`: the issue's number and labels, the label this delivery applied (`labeled`), and the SHA-256 of its
         * title and body as the delivery shows them (the text a person consented to when they applied the label).
         */
        kind: 'issue';
        issue: { number: number; labels: string[]; label?: string; textSha256?: string };
      }
    | {
        /** `issue_comment.created` with a line that starts with `/aaoe`: the comment to read (again, through the API). */
        kind: 'comment';
        comment: { id: number; number: number; onPullRequest: boolean };
      }
    | {
        /** `check_run.requested_action`: the button pressed on AAOE's check run, and the pull requests it names. */
        kind: 'button';
        button: { identifier: string; checkRunId: number; headSha: string };
        pullRequestNumbers: number[];
      }
    | {
        /** `deployment_protection_rule.requested`: a deployment to an environment that has AAOE as a protection rule. */
        kind: 'protection';
        protection: { environment: string; runId: number; sha: string; pullRequestNumbers: number[] };
      }
    | {
        /** `pull_request` / `pull_request_review`: the pull request as the delivery shows it. */
        kind: 'pull_request';
        pullRequest: PullRequestFacts;
      }
    | {
        /** `pull_request.closed` of a merged pull request: the merge commit. */
        kind: 'merged';
        pullRequest: PullRequestFacts;
        mergedSha: string;
      }
    | {
        /** `check_run` / `check_suite`: the pull requests to read again (the payload lists numbers only). */
        kind: 'check';
        pullRequestNumbers: number[];
      }
    | {
        /** `installation.created` / `installation_repositories.added`: the repositories to onboard. */
        kind: 'onboarding';
        onboarding: OnboardingRequest;
      }
    | {
        /** A push to the default branch (or the daily check, `after: null`: the branch as it is): checked for drift. */
        kind: 'push';
        push: { after: string | null };
      }
  );

export type DeliveryKind = DeliveryJob['kind'];
/** The job of one kind: what the work that handles that kind receives. */
export type DeliveryOf<K extends DeliveryKind> = Extract<DeliveryJob, { kind: K }>;

/**
 * A job as it was stored: jobs recorded before delivery kinds existed carry no `kind`; theirs follows from the
 * one field each kind had (so a store upgraded with jobs queued loses none).
 */
export function withKind(job: DeliveryJob | (DeliveryBase & Record<string, unknown>)): DeliveryJob {
  if (typeof job.kind === 'string') return job as DeliveryJob;
  const j = job as Record<string, unknown>;
  const kind: DeliveryKind = j.onboarding
    ? 'onboarding'
    : j.push
      ? 'push'
      : j.issue
        ? 'issue'
        : j.comment
          ? 'comment'
          : j.button
            ? 'button'
            : j.protection
              ? 'protection'
              : j.mergedSha
                ? 'merged'
                : j.pullRequest
                  ? 'pull_request'
                  : 'check';
  return {
    ...j,
    kind,
    ...(kind === 'check' || kind === 'button' ? { pullRequestNumbers: j.pullRequestNumbers ?? [] } : {}),
  } as DeliveryJob;
}
