import { performance } from 'node:perf_hooks';
import { toPullRequestFacts, type PullRequestFacts } from '../github/github-adapter.js';
import { recordDeliveries } from '../store/deliveries.js';
import { QUEUES } from '../store/job-queue.js';
import type { Runtime } from './runtime.js';

/** The name of the required check. Pin its source App in branch protection. */
export const CHECK_NAME = 'aaoe/policy';

/**
 * What the job runner needs of a delivery, taken from the payload at intake: the facts, not the 20 KB GitHub
 * sends (storing every payload would make the store, not the network, the limit on acknowledgement).
 */
export type DeliveryJob = {
  id: string;
  name: string;
  action: string | null;
  installationId: number;
  repository: { owner: string; name: string };
  sender: string | null;
  /** `pull_request`: the pull request as the delivery shows it. */
  pullRequest?: PullRequestFacts;
  /** `check_run` / `check_suite`: the pull requests to read again (the payload lists numbers only). */
  pullRequestNumbers?: number[];
};

/**
 * The job of a delivery, or `undefined` when there is nothing to act on: no installation to act as, or a
 * re-run requested for somebody else's check.
 */
export function deliveryJob(id: string, name: string, payload: Record<string, any>): DeliveryJob | undefined {
  const installationId = payload.installation?.id;
  const repository = payload.repository;
  if (typeof installationId !== 'number' || !repository?.owner?.login || !repository?.name) return undefined;
  const base = {
    id,
    name,
    action: typeof payload.action === 'string' ? payload.action : null,
    installationId,
    repository: { owner: String(repository.owner.login), name: String(repository.name) },
    sender: typeof payload.sender?.login === 'string' ? payload.sender.login : null,
  };
  if (name === 'pull_request' && payload.pull_request) return { ...base, pullRequest: toPullRequestFacts(payload.pull_request) };
  if (name === 'check_run' && payload.check_run?.name !== CHECK_NAME) return undefined;
  const suite = name === 'check_run' ? payload.check_run : name === 'check_suite' ? payload.check_suite : undefined;
  if (!suite) return undefined;
  const numbers = ((suite.pull_requests ?? []) as Array<{ number?: unknown }>).map((p) => p.number).filter((n): n is number => typeof n === 'number');
  return { ...base, pullRequestNumbers: numbers };
}

type Pending = { job: DeliveryJob; resolve: (accepted: boolean) => void; reject: (error: unknown) => void };

/**
 * Records deliveries and their jobs, and says when they are safe to acknowledge. Deliveries that arrive
 * while a write is under way go into the next one together (group commit): one delivery alone is written at
 * once; under load, one transaction carries many. A delivery is acknowledged only after its transaction
 * committed, so an acknowledged delivery is never lost.
 */
export class Intake {
  private pending: Pending[] = [];
  private writing = false;
  private lastArrival = -Infinity;
  private wakePending = false;

  constructor(
    private readonly runtime: Runtime,
    private readonly maxBatch = 500,
  ) {}

  /** Resolves true once recorded with its job, false for a delivery seen before (by `X-GitHub-Delivery`). */
  submit(job: DeliveryJob): Promise<boolean> {
    this.lastArrival = performance.now();
    return new Promise((resolve, reject) => {
      this.pending.push({ job, resolve, reject });
      if (!this.writing) {
        // write 1 ms later, with the requests read meanwhile: the embedded store runs synchronously, so
        // writing at once would commit every delivery alone (measured: 7 per commit under load instead of 1)
        this.writing = true;
        setTimeout(() => void this.write(), 1);
      }
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

  /** Starts the delivery workers once deliveries stop streaming in (not once per write: each wake is a poll). */
  private wakeWhenQuiet(): void {
    if (this.wakePending) return;
    this.wakePending = true;
    void this.quiet().then(() => {
      this.wakePending = false;
      this.runtime.queue.wake(QUEUES.delivery);
    });
  }

  private async write(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const fresh = await this.runtime.db.transaction(async (tx) => {
            const inserted = await recordDeliveries(tx, batch.map(({ job }) => ({ id: job.id, event: job.name, action: job.action, installationId: job.installationId })));
            // a delivery sent twice within one batch is recorded (and queued) for its first copy only
            const firsts = batch.filter(({ job }) => inserted.delete(job.id));
            await this.runtime.queue.enqueueMany(tx, QUEUES.delivery, firsts.map(({ job }) => ({ key: `delivery:${job.id}`, data: job })));
            return new Set(firsts);
          });
          for (const item of batch) item.resolve(fresh.has(item));
          if (fresh.size > 0) this.wakeWhenQuiet();
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
