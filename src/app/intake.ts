import { performance } from 'node:perf_hooks';
import { issueTextDigest } from '../core/agent/issue-consent.js';
import { toPullRequestFacts } from '../adapters/github/github-adapter.js';
import { CHECK_NAME, type DeliveryBase, type DeliveryJob } from '../workflows/jobs.js';
import { markQueued, recordDeliveries, takeUnqueued } from '../adapters/store/deliveries.js';
import { QUEUES } from '../adapters/store/job-queue.js';
import { onboardingRequest } from '../core/onboarding/onboarding-plan.js';
import type { Runtime } from '../adapters/store/runtime.js';

/**
 * The job of a delivery, or `undefined` when there is nothing to act on: no installation to act as, or a
 * re-run requested for somebody else's check.
 */
export function deliveryJob(id: string, name: string, payload: Record<string, any>): DeliveryJob | undefined {
  const installationId = payload.installation?.id;
  // an installation delivery names no repository: its job is the repositories to onboard, under the account
  const onboarding = onboardingRequest(name, payload);
  if (onboarding && typeof installationId === 'number')
    return {
      id,
      name,
      action: payload.action,
      installationId,
      repository: { owner: onboarding.account, name: '' },
      sender: payload.sender?.login ?? null,
      senderType: payload.sender?.type ?? null,
      kind: 'onboarding',
      onboarding,
    };
  const repository = payload.repository;
  if (typeof installationId !== 'number' || !repository?.owner?.login || !repository?.name) return undefined;
  const base: DeliveryBase = {
    id,
    name,
    action: typeof payload.action === 'string' ? payload.action : null,
    installationId,
    repository: { owner: String(repository.owner.login), name: String(repository.name) },
    sender: typeof payload.sender?.login === 'string' ? payload.sender.login : null,
    senderType: typeof payload.sender?.type === 'string' ? payload.sender.type : null,
  };
  if (name === 'issues') {
    // an `issues` delivery about a pull request is not issue work
    if (!payload.issue || payload.issue.pull_request || typeof payload.issue.number !== 'number') return undefined;
    const labels = ((payload.issue.labels ?? []) as Array<{ name?: unknown }>)
      .map((l) => l.name)
      .filter((l): l is string => typeof l === 'string');
    const label = typeof payload.label?.name === 'string' ? { label: payload.label.name } : {};
    const text =
      typeof payload.issue.title === 'string'
        ? {
            textSha256: issueTextDigest({
              title: payload.issue.title,
              body: typeof payload.issue.body === 'string' ? payload.issue.body : null,
            }),
          }
        : {};
    return { ...base, kind: 'issue', issue: { number: payload.issue.number, labels, ...label, ...text } };
  }
  if (name === 'pull_request' && payload.action === 'closed') {
    // only a merge matters (it starts the deployment); a pull request closed unmerged changes nothing
    const sha = payload.pull_request?.merged === true ? payload.pull_request.merge_commit_sha : undefined;
    return typeof sha === 'string'
      ? { ...base, kind: 'merged', pullRequest: toPullRequestFacts(payload.pull_request), mergedSha: sha }
      : undefined;
  }
  if ((name === 'pull_request' || name === 'pull_request_review') && payload.pull_request)
    return { ...base, kind: 'pull_request', pullRequest: toPullRequestFacts(payload.pull_request) };
  if (name === 'deployment_protection_rule') {
    // the callback URL names the workflow run to review: .../actions/runs/{run_id}/deployment_protection_rule
    const runId = Number(
      /\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(String(payload.deployment_callback_url ?? ''))?.[1],
    );
    if (
      !Number.isSafeInteger(runId) ||
      typeof payload.environment !== 'string' ||
      typeof payload.deployment?.sha !== 'string'
    )
      return undefined;
    const numbers = ((payload.pull_requests ?? []) as Array<{ number?: unknown }>)
      .map((p) => p.number)
      .filter((n): n is number => typeof n === 'number');
    return {
      ...base,
      kind: 'protection',
      protection: { environment: payload.environment, runId, sha: payload.deployment.sha, pullRequestNumbers: numbers },
    };
  }
  if (name === 'push') {
    // a push to the default branch is checked for architecture drift (when the policy names a model)
    const branch = repository.default_branch;
    if (
      typeof branch !== 'string' ||
      payload.ref !== `refs/heads/${branch}` ||
      payload.deleted === true ||
      typeof payload.after !== 'string'
    )
      return undefined;
    return { ...base, kind: 'push', push: { after: payload.after } };
  }
  if (name === 'issue_comment') {
    // most comments are conversation: only one with a line that starts with /aaoe becomes a job
    const c = payload.comment;
    if (
      typeof c?.id !== 'number' ||
      typeof payload.issue?.number !== 'number' ||
      !/^[ \t]*\/aaoe/im.test(String(c.body ?? ''))
    )
      return undefined;
    return {
      ...base,
      kind: 'comment',
      comment: { id: c.id, number: payload.issue.number, onPullRequest: !!payload.issue.pull_request },
    };
  }
  if (name === 'check_run' && payload.check_run?.name !== CHECK_NAME) return undefined;
  if (name === 'check_run' && payload.action === 'requested_action') {
    const numbers = ((payload.check_run.pull_requests ?? []) as Array<{ number?: unknown }>)
      .map((p) => p.number)
      .filter((n): n is number => typeof n === 'number');
    const identifier = payload.requested_action?.identifier;
    if (typeof identifier !== 'string' || typeof payload.check_run.id !== 'number') return undefined;
    return {
      ...base,
      kind: 'button',
      pullRequestNumbers: numbers,
      button: { identifier, checkRunId: payload.check_run.id, headSha: String(payload.check_run.head_sha) },
    };
  }
  const suite = name === 'check_run' ? payload.check_run : name === 'check_suite' ? payload.check_suite : undefined;
  if (!suite) return undefined;
  const numbers = ((suite.pull_requests ?? []) as Array<{ number?: unknown }>)
    .map((p) => p.number)
    .filter((n): n is number => typeof n === 'number');
  return { ...base, kind: 'check', pullRequestNumbers: numbers };
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
    this.timer = setInterval(() => void this.relay().catch((error) => this.options.onError?.(error)), intervalMs);
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
      } while (this.relayAgain);
      return total;
    })().finally(() => (this.relaying = undefined));
    return this.relaying;
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
      .catch((error) => this.options.onError?.(error));
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
