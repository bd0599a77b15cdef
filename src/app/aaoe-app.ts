import type { ApplicationFunction, Context, Probot } from 'probot';
import { loadPresets, type Presets } from '../policy/presets.js';
import { recordDelivery } from '../store/deliveries.js';
import { QUEUES, type Job } from '../store/job-queue.js';
import type { EffectJob } from '../store/executions.js';
import { CHECK_NAME, Pipeline, type DeliveryJob } from './pipeline.js';
import { openRuntime, runtimeOptionsFromEnv, type Runtime } from './runtime.js';

export { CHECK_NAME };

export const PULL_REQUEST_EVENTS = [
  'pull_request.opened',
  'pull_request.synchronize',
  'pull_request.reopened',
  'pull_request.labeled',
  'pull_request.edited',
] as const;

/** Deliveries that are recorded and acted on by the job runner. */
export const ACTED_ON_EVENTS = [...PULL_REQUEST_EVENTS, 'check_run.rerequested', 'check_suite.rerequested'] as const;

export type AaoeAppOptions = {
  /** The clock: the only source of "now" for the domain. */
  now?: () => Date;
  /** How long a repository's policy is kept before it is read again (default 5 minutes). */
  policyTtlMs?: number;
  presets?: Presets;
  /** The store and job runner; default: opened from the environment (`DATABASE_URL` or `AAOE_DATA_DIR`). */
  runtime?: Runtime;
  /** Jobs run at once per queue in this process (default 4). */
  concurrency?: number;
  /** Called once the app is loaded, with its runtime (tests, `aaoe demo`). */
  onReady?: (runtime: Runtime) => void;
};

/**
 * The app. Webhook handlers only record: a delivery is de-duplicated by `X-GitHub-Delivery` and stored with
 * its job in one transaction, and the HTTP response goes out without waiting on GitHub or a model. The job
 * runner does the rest (`Pipeline`).
 */
export function aaoeApp(options: AaoeAppOptions = {}): ApplicationFunction {
  return async (app: Probot) => {
    const runtime = options.runtime ?? (await openRuntime(runtimeOptionsFromEnv(process.env)));
    runtime.queue.onError = (error) => app.log.error({ err: error }, 'job queue error');
    const pipeline = new Pipeline(app, runtime, {
      now: options.now ?? (() => new Date()),
      presets: options.presets ?? loadPresets(),
      policyTtlMs: options.policyTtlMs ?? 5 * 60_000,
    });

    app.on([...ACTED_ON_EVENTS], (context) => intake(runtime, context));

    app.on('push', async (context) => {
      const { repository, ref } = context.payload;
      const owner = repository.owner?.login ?? context.repo().owner;
      if (repository.name === '.github') pipeline.invalidatePolicy(owner);
      else if (ref === `refs/heads/${repository.default_branch}`) pipeline.invalidatePolicy(owner, repository.name);
    });

    const concurrency = options.concurrency ?? 4;
    const logged = <T>(handler: (job: Job<T>) => Promise<void>) => async (job: Job<T>) => {
      try {
        await handler(job);
      } catch (error) {
        app.log.warn({ err: error, job: job.key, attempt: job.attempt }, 'job failed; it is retried with backoff');
        throw error;
      }
    };
    await runtime.queue.work<DeliveryJob>(QUEUES.delivery, logged((job) => pipeline.onDelivery(job)), concurrency);
    await runtime.queue.work<EffectJob>(QUEUES.effect, logged((job) => pipeline.onEffect(job)), concurrency);
    options.onReady?.(runtime);
  };
}

/** Records the delivery and its job in one transaction; a delivery seen before is acknowledged and dropped. */
async function intake(runtime: Runtime, context: Context): Promise<void> {
  const payload = context.payload as Record<string, any>;
  const installationId = (payload.installation?.id as number | undefined) ?? null;
  const accepted = await runtime.db.transaction(async (tx) => {
    const first = await recordDelivery(tx, { id: context.id, event: context.name, action: payload.action ?? null, installationId });
    if (first) await runtime.queue.enqueue<DeliveryJob>(tx, QUEUES.delivery, `delivery:${context.id}`, { id: context.id, name: context.name, payload });
    return first;
  });
  if (accepted) runtime.queue.wake(QUEUES.delivery);
  else context.log.info({ delivery: context.id }, 'duplicate delivery ignored');
}
