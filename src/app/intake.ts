import { performance } from 'node:perf_hooks';
import { issueTextDigest } from '../core/agent/issue-consent.js';
import { toPullRequestFacts } from '../adapters/github/github-facts.js';
import { CHECK_NAME, type DeliveryBase, type DeliveryJob } from '../workflows/jobs.js';
import { markQueued, recordDeliveries, takeUnqueued } from '../adapters/store/deliveries.js';
import { QUEUES } from '../adapters/store/job-shapes.js';
import { onboardingRequest } from '../core/onboarding/onboarding-plan.js';
import type { Runtime } from '../adapters/store/runtime.js';

type Json = Record<string, unknown>;
type Base = DeliveryBase;
type PullRequestPayload = Parameters<typeof toPullRequestFacts>[0];

const obj = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null ? (value as Json) : undefined;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
/** The numbers of a payload's list of pull requests (`[{ number }]`), ignoring anything else. */
const numbersOf = (list: unknown): number[] =>
  (Array.isArray(list) ? (list as unknown[]) : [])
    .map((p) => obj(p)?.number)
    .filter((n): n is number => typeof n === 'number');

/**
 * The job of a delivery, or `undefined` when there is nothing to act on: no installation to act as, or a
 * re-run requested for somebody else's check. The payload is untrusted JSON: every field is checked before use.
 */
export function deliveryJob(id: string, name: string, payload: Json): DeliveryJob | undefined {
  const installationId = num(obj(payload.installation)?.id);
  const sender = obj(payload.sender);
  // an installation delivery names no repository: its job is the repositories to onboard, under the account
  const onboarding = onboardingRequest(name, payload);
  if (onboarding && installationId !== undefined)
    return {
      id,
      name,
      action: str(payload.action) ?? null,
      installationId,
      repository: { owner: onboarding.account, name: '' },
      sender: str(sender?.login) ?? null,
      senderType: str(sender?.type) ?? null,
      kind: 'onboarding',
      onboarding,
    };
  const repository = obj(payload.repository);
  const owner = str(obj(repository?.owner)?.login);
  const repoName = str(repository?.name);
  if (installationId === undefined || !owner || !repoName) return undefined;
  const base: Base = {
    id,
    name,
    action: str(payload.action) ?? null,
    installationId,
    repository: { owner, name: repoName },
    sender: str(sender?.login) ?? null,
    senderType: str(sender?.type) ?? null,
  };
  switch (name) {
    case 'issues':
      return issueJob(base, payload);
    case 'pull_request':
    case 'pull_request_review':
      return pullRequestJob(base, payload);
    case 'deployment_protection_rule':
      return protectionJob(base, payload);
    case 'push':
      return pushJob(base, payload, str(repository?.default_branch));
    case 'issue_comment':
      return commentJob(base, payload);
    case 'check_run':
    case 'check_suite':
      return checkJob(base, payload);
    default:
      return undefined;
  }
}

function issueJob(base: Base, payload: Json): DeliveryJob | undefined {
  const issue = obj(payload.issue);
  const number = num(issue?.number);
  // an `issues` delivery about a pull request is not issue work
  if (!issue || issue.pull_request || number === undefined) return undefined;
  const labels = (Array.isArray(issue.labels) ? (issue.labels as unknown[]) : [])
    .map((l) => obj(l)?.name)
    .filter((l): l is string => typeof l === 'string');
  const labelName = str(obj(payload.label)?.name);
  const label = labelName !== undefined ? { label: labelName } : {};
  const title = str(issue.title);
  const text = title !== undefined ? { textSha256: issueTextDigest({ title, body: str(issue.body) ?? null }) } : {};
  return { ...base, kind: 'issue', issue: { number, labels, ...label, ...text } };
}

function pullRequestJob(base: Base, payload: Json): DeliveryJob | undefined {
  const pr = obj(payload.pull_request);
  if (base.name === 'pull_request' && payload.action === 'closed') {
    // only a merge matters (it starts the deployment); a pull request closed unmerged changes nothing
    const sha = pr?.merged === true ? str(pr.merge_commit_sha) : undefined;
    return pr && sha !== undefined
      ? { ...base, kind: 'merged', pullRequest: toPullRequestFacts(pr as PullRequestPayload), mergedSha: sha }
      : undefined;
  }
  return pr ? { ...base, kind: 'pull_request', pullRequest: toPullRequestFacts(pr as PullRequestPayload) } : undefined;
}

function protectionJob(base: Base, payload: Json): DeliveryJob | undefined {
  // the callback URL names the workflow run to review: .../actions/runs/{run_id}/deployment_protection_rule
  const url = str(payload.deployment_callback_url) ?? '';
  const runId = Number(/\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(url)?.[1]);
  const environment = str(payload.environment);
  const sha = str(obj(payload.deployment)?.sha);
  if (!Number.isSafeInteger(runId) || environment === undefined || sha === undefined) return undefined;
  const pullRequestNumbers = numbersOf(payload.pull_requests);
  return { ...base, kind: 'protection', protection: { environment, runId, sha, pullRequestNumbers } };
}

function pushJob(base: Base, payload: Json, branch: string | undefined): DeliveryJob | undefined {
  // a push to the default branch is checked for architecture drift (when the policy names a model)
  const after = str(payload.after);
  if (branch === undefined || payload.ref !== `refs/heads/${branch}` || payload.deleted === true || after === undefined)
    return undefined;
  return { ...base, kind: 'push', push: { after } };
}

function commentJob(base: Base, payload: Json): DeliveryJob | undefined {
  // most comments are conversation: only one with a line that starts with /aaoe becomes a job
  const comment = obj(payload.comment);
  const issue = obj(payload.issue);
  const id = num(comment?.id);
  const number = num(issue?.number);
  if (id === undefined || number === undefined || !/^[ \t]*\/aaoe/im.test(str(comment?.body) ?? '')) return undefined;
  return { ...base, kind: 'comment', comment: { id, number, onPullRequest: !!issue?.pull_request } };
}

function checkJob(base: Base, payload: Json): DeliveryJob | undefined {
  const run = obj(payload.check_run);
  if (base.name === 'check_run' && run?.name !== CHECK_NAME) return undefined;
  if (run && base.name === 'check_run' && payload.action === 'requested_action') {
    const identifier = str(obj(payload.requested_action)?.identifier);
    const checkRunId = num(run.id);
    if (identifier === undefined || checkRunId === undefined) return undefined;
    const headSha = str(run.head_sha) ?? String(run.head_sha);
    return {
      ...base,
      kind: 'button',
      pullRequestNumbers: numbersOf(run.pull_requests),
      button: { identifier, checkRunId, headSha },
    };
  }
  const suite = base.name === 'check_run' ? run : obj(payload.check_suite);
  if (!suite) return undefined;
  return { ...base, kind: 'check', pullRequestNumbers: numbersOf(suite.pull_requests) };
}

type Pending = { job: DeliveryJob; resolve: (accepted: boolean) => void; reject: (error: unknown) => void };

/**
 * A delivery that arrived after the intake stopped (the process shuts down): answered 503 (the webhook middleware
 * takes `status`), so the delivery shows as failed on GitHub and can be redelivered to a running process.
 */
export class IntakeStoppedError extends Error {
  readonly status = 503;
  constructor() {
    super('AAOE is shutting down and did not record this delivery; redeliver it once AAOE runs again');
    this.name = 'IntakeStoppedError';
  }
}

export type IntakeOptions = {
  /** Deliveries per insert (default 500). */
  maxBatch?: number;
  /** Jobs moved into the queue per transaction (default 50: on the embedded store a transaction holds the thread). */
  relayBatch?: number;
  /** Errors of the background relay (it is retried by the next delivery or the next interval). */
  onError?: (error: unknown) => void;
};

/**
 * Records deliveries and says when they are safe to acknowledge, then moves their jobs into the job queue.
 *
 * - Group commit: deliveries that arrive within a millisecond of each other are recorded by one insert, each
 *   with its job, and acknowledged once it committed, so an acknowledged delivery is never lost.
 * - Relay: when deliveries stop streaming in, the recorded jobs are moved into the queue, dozens per
 *   transaction, and the delivery workers are woken. At start-up, and every few seconds, the relay also picks
 *   up what a process that died had recorded but not moved.
 *
 * Acknowledging is thus one small insert, and the queue's own insert (the costlier statement) runs in large
 * batches off the path of the HTTP response.
 */
export class Intake {
  private pending: Pending[] = [];
  private writing: Promise<void> | undefined;
  private lastArrival = -Infinity;
  private relayScheduled = false;
  private relaying: Promise<number> | undefined;
  private relayAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private closed = false;

  constructor(
    private readonly runtime: Runtime,
    private readonly options: IntakeOptions = {},
  ) {}

  /** Resolves true once recorded with its job, false for a delivery seen before (by `X-GitHub-Delivery`). */
  submit(job: DeliveryJob): Promise<boolean> {
    if (this.closed) return Promise.reject(new IntakeStoppedError());
    this.lastArrival = performance.now();
    return new Promise((resolve, reject) => {
      this.pending.push({ job, resolve, reject });
      // write 1 ms later, with the requests read meanwhile: the embedded store runs synchronously, so
      // writing at once would commit every delivery alone (measured: 7 per commit under load instead of 1)
      this.writing ??= new Promise((r) => setTimeout(r, 1)).then(() => this.write());
    });
  }

  /**
   * Resolves once no delivery has arrived for `quietMs`, or after `maxWaitMs` at most: background jobs wait
   * while deliveries stream in, so that acknowledgements stay fast, and still make progress under a flood.
   */
  async quiet(quietMs = 25, maxWaitMs = 1000): Promise<void> {
    const start = performance.now();
    for (;;) {
      const now = performance.now();
      const wait = Math.min(this.lastArrival + quietMs - now, start + maxWaitMs - now);
      if (wait <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Relays what is waiting now, then every `intervalMs` (what another process recorded before it died). */
  start(intervalMs = 10_000): Promise<number> {
    this.stopped = false;
    this.timer = setInterval(
      () => void this.relay().catch((error: unknown) => this.options.onError?.(error)),
      intervalMs,
    );
    this.timer.unref();
    return this.relay();
  }

  /**
   * Refuses deliveries from now on (503), lets those submitted already be recorded and answered, and starts no relay
   * after this (one that is running finishes); deliveries recorded but not queued are queued at the next start, or
   * by another process's relay.
   */
  async stop(): Promise<void> {
    this.closed = true;
    this.stopped = true;
    clearInterval(this.timer);
    await this.writing;
    await this.relaying?.catch(() => {});
  }

  /**
   * Moves the jobs of recorded deliveries into the job queue until none is left, and wakes the delivery
   * workers. Several processes may relay at once: rows are locked and skipped, and a job's id follows from its
   * delivery's, so no job is queued twice.
   */
  relay(): Promise<number> {
    if (this.relaying) {
      this.relayAgain = true; // deliveries recorded after this relay looked are moved by another round
      return this.relaying;
    }
    this.relaying = (async () => {
      let total = 0;
      do {
        this.relayAgain = false;
        total += await this.relayRound();
      } while (this.anotherRound());
      return total;
    })().finally(() => (this.relaying = undefined));
    return this.relaying;
  }

  /** Whether a relay asked for another round while this one ran (set from another call, across an await). */
  private anotherRound(): boolean {
    return this.relayAgain;
  }

  private async relayRound(): Promise<number> {
    const limit = this.options.relayBatch ?? 50;
    let total = 0;
    for (;;) {
      const moved = await this.runtime.db.transaction(async (tx) => {
        const rows = await takeUnqueued<DeliveryJob>(tx, limit);
        if (rows.length === 0) return 0;
        await this.runtime.queue.enqueueMany(
          tx,
          QUEUES.delivery,
          rows.map(({ id, job }) => ({ key: `delivery:${id}`, data: job })),
        );
        await markQueued(
          tx,
          rows.map(({ id }) => id),
        );
        return rows.length;
      });
      total += moved;
      if (moved < limit) break;
      await new Promise((resolve) => setImmediate(resolve)); // let acknowledgements through between batches
    }
    if (total > 0) this.runtime.queue.wake(QUEUES.delivery);
    return total;
  }

  private relayWhenQuiet(): void {
    if (this.relayScheduled) return;
    this.relayScheduled = true;
    void this.quiet()
      .then(() => {
        this.relayScheduled = false;
        return this.stopped ? 0 : this.relay();
      })
      .catch((error: unknown) => this.options.onError?.(error));
  }

  private async write(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.options.maxBatch ?? 500);
        try {
          const inserted = await recordDeliveries(
            this.runtime.db,
            batch.map(({ job }) => ({
              id: job.id,
              event: job.name,
              action: job.action,
              installationId: job.installationId,
              job,
            })),
          );
          // a delivery sent twice within one batch is recorded for its first copy only
          const firsts = new Set(batch.filter(({ job }) => inserted.delete(job.id)));
          for (const item of batch) item.resolve(firsts.has(item));
          if (firsts.size > 0) this.relayWhenQuiet();
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
