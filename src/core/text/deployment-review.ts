/**
 * The sentences of AAOE's answer to a deployment protection rule (the comment GitHub shows on the run's review), one
 * per way the review ends. Each starts with `AAOE: ` where the decision adds it.
 */

const short = (sha: string): string => sha.slice(0, 7);

export const DEPLOYMENT_REVIEW_TEXT = {
  frozen: (until: string, reason: string): string =>
    `deployments of this repository are frozen until ${until}: ${reason}. An admin can lift it with /aaoe resume.`,
  policyInvalid: (): string =>
    'the repository policy (.github/aaoe.yml) does not validate, so no deployment is approved until it does.',
  noHolder: (environment: string, deploymentSha: string): string =>
    `AAOE dispatched nothing to ${environment}: no execution holds its deploy lock, so this run is not an AAOE deployment (its deployment.sha ${short(deploymentSha)} was never judged for it).`,
  notDispatched: (about: string, environment: string): string =>
    `${about} holds ${environment} but AAOE has dispatched nothing for it yet.`,
  notInFlight: (about: string, state: string, eventType: string, sha: string): string =>
    `${about} is ${state.replaceAll('_', ' ')}: its ${eventType} of ${short(sha)} is not in flight, so no run deploys for it.`,
  runUnreadable: (runId: number, sha: string): string =>
    `workflow run ${runId} could not be read, so it cannot be tied to AAOE's dispatch of ${short(sha)}.`,
  otherEvent: (runId: number, event: string, eventType: string): string =>
    `workflow run ${runId} was started by ${event}, not by AAOE's dispatch: only the run of AAOE's ${eventType} deploys.`,
  beforeDispatch: (runId: number, createdAt: string, sha: string, dispatchedAt: string): string =>
    `workflow run ${runId} was created at ${createdAt}, before AAOE dispatched ${short(sha)} at ${dispatchedAt}: it is not that dispatch's run.`,
  replay: (approvedRunId: number, sha: string): string =>
    `run ${approvedRunId} was approved for AAOE's dispatch of ${short(sha)} already: a second run of one dispatch (a replay) is not.`,
  approved: (
    about: string,
    lock: { sha: string; eventType: string; environment: string; dispatchedAt: string },
    runId: number,
  ): string =>
    `${about} passed the policy with its approvals and AAOE dispatched ${lock.sha} (${lock.eventType}) to ${lock.environment} at ${lock.dispatchedAt}; run ${runId} is that dispatch's run. Not paused or frozen.`,
} as const;
