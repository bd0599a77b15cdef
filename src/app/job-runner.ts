import type { Probot } from 'probot';
import type { EffectJob } from '../adapters/store/executions.js';
import { QUEUES, type Job } from '../adapters/store/job-shapes.js';
import type { Runtime } from '../adapters/store/runtime.js';
import type { DeliveryJob } from '../workflows/jobs.js';
import type { Pipeline } from '../workflows/pipeline.js';
import { inTrace } from '../adapters/tracing/tracing.js';

type Log = Probot['log'];

/** A job's handler wrapped in its span (of its delivery's trace), its failure logged before it is retried. */
function logged<T extends DeliveryJob | EffectJob>(log: Log, handler: (job: Job<T>) => Promise<void>) {
  return async (job: Job<T>): Promise<void> => {
    const data: DeliveryJob | EffectJob = job.data;
    const traceId = 'traceId' in data ? data.traceId : data.id;
    const execution = 'executionId' in data ? { execution: data.executionId } : {};
    try {
      // each job is a span of its delivery's trace, in whatever process and after whatever restart it runs
      const name = 'effect' in data ? `effect ${data.effect.type}` : `delivery ${data.name}.${data.action ?? ''}`;
      await inTrace(
        traceId,
        name,
        {
          'aaoe.job': job.key,
          'aaoe.attempt': job.attempt,
          ...('executionId' in data ? { 'aaoe.execution': data.executionId } : {}),
        },
        () => handler(job),
      );
    } catch (error) {
      log.warn(
        { err: error, job: job.key, attempt: job.attempt, trace: traceId, ...execution },
        'job failed; it is retried with backoff',
      );
      throw error;
    }
  };
}

/** The job runner of this process: deliveries and effects, `concurrency` at once per queue, handled by the pipeline. */
export async function runJobs(runtime: Runtime, pipeline: Pipeline, concurrency: number, log: Log): Promise<void> {
  await runtime.queue.work<DeliveryJob>(
    QUEUES.delivery,
    logged(log, (job) => pipeline.onDelivery(job)),
    concurrency,
  );
  await runtime.queue.work<EffectJob>(
    QUEUES.effect,
    logged(log, (job) => pipeline.onEffect(job)),
    concurrency,
  );
}
