import { capWebhookBodies, webhookBodyCapHandler } from './webhook-body-cap.js';
import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from 'probot';
import { agentConfigFromEnv, type AgentConfig } from '../adapters/model/models-config.js';
import { loadPresets, type Presets } from '../adapters/files/presets.js';
import { QUEUES, type Job } from '../adapters/store/job-queue.js';
import { fireDueTimers } from '../adapters/store/timers.js';
import { pruneStore, retentionFromEnv, type Retention } from '../adapters/store/retention.js';
import { scheduleDriftChecks } from '../workflows/drift-work.js';
import { SpanKind } from '@opentelemetry/api';
import { inTrace, traceOctokit } from './tracing.js';
import { notifyDestinationsFromEnv, type NotifyDestinations } from '../adapters/notify/config.js';
import type { EffectJob } from '../adapters/store/executions.js';
import { Intake, deliveryJob } from './intake.js';
import { CHECK_NAME, type DeliveryJob } from '../workflows/jobs.js';
import { observeGitHubCalls } from './metrics.js';
import { reportHandler } from '../workflows/deploy-work.js';
import { apiHandler } from '../api/api-handler.js';
import { dashboardHandler } from '../dashboard/dashboard-handler.js';
import { mountOperations, type OperationsStore } from './operations.js';
import { Pipeline } from '../workflows/pipeline.js';
import { openRuntime, runtimeOptionsFromEnv, type Runtime } from '../adapters/store/runtime.js';
import { probotAccess } from '../adapters/github/github-access.js';

export { CHECK_NAME };

export const PULL_REQUEST_EVENTS = [
  'pull_request.opened',
  'pull_request.synchronize',
  'pull_request.reopened',
  'pull_request.labeled',
  'pull_request.edited',
  // a merge: the approved change is deployed
  'pull_request.closed',
] as const;

/** An issue opened with the trigger label, or labelled with it: agent work. */
export const ISSUE_EVENTS = ['issues.opened', 'issues.labeled'] as const;

/** A comment that may hold `/aaoe` commands, a button pressed on the check run, a review (counted under `approvals.countReviews`). */
export const COMMAND_EVENTS = [
  'issue_comment.created',
  'check_run.requested_action',
  'pull_request_review.submitted',
  'pull_request_review.dismissed',
] as const;

/** Deliveries that are recorded and acted on by the job runner. */
export const ACTED_ON_EVENTS = [
  ...PULL_REQUEST_EVENTS,
  ...ISSUE_EVENTS,
  ...COMMAND_EVENTS,
  'deployment_protection_rule.requested',
  'check_run.rerequested',
  'check_suite.rerequested',
  'push',
] as const;

/**
 * Installations: onboarding (`src/onboarding`). GitHub sends these to every app without a subscription, and refuses
 * them in a manifest's `default_events` ("Default events unsupported"), so app.yml does not list them.
 */
export const ALWAYS_DELIVERED_EVENTS = ['installation.created', 'installation_repositories.added'] as const;

export type AaoeAppOptions = {
  /** The clock: the only source of "now" for the domain. */
  now?: () => Date;
  /** How long a repository's policy is kept before it is read again (default 5 minutes). */
  policyTtlMs?: number;
  presets?: Presets;
  /** The store and job runner; default: opened from the environment (`DATABASE_URL` or `AAOE_DATA_DIR`). */
  runtime?: Runtime;
  /**
   * Jobs run at once per queue in this process (default `AAOE_JOB_CONCURRENCY`, else 4). 0 runs no jobs: a
   * process that only acknowledges, beside workers on the same PostgreSQL.
   */
  concurrency?: number;
  /** The agent's model router and budgets; default: from the environment (`AAOE_MODELS`, see `agentConfigFromEnv`). */
  agent?: AgentConfig;
  /** What /readyz and /metrics read (default: the runtime); tests point it at a broken database. */
  operations?: OperationsStore;
  /** The operator's notification destinations; default: `AAOE_NOTIFY_DESTINATIONS` (read at start: a broken setting stops the app). */
  notify?: NotifyDestinations;
  /** The HMAC key of the companion action's reports (its `report-secret`); default `AAOE_REPORT_SECRET`. */
  reportSecret?: string;
  /**
   * How often due timers (changes waiting for their change window) are moved into the job queue, by `now`
   * (default `AAOE_TIMER_INTERVAL_SECONDS`, else 15 s).
   */
  timerIntervalMs?: number;
  /** How long the store keeps deliveries, jobs and model calls; default: `AAOE_RETAIN_*_DAYS` (read at start: a broken setting stops the app). */
  retention?: Retention;
  /** How often maintenance (retention, the daily drift checks) runs: default every hour, the first a minute after start (or sooner, if this is shorter). */
  maintenanceIntervalMs?: number;
  /** Called once the app is loaded, with its runtime (tests use it). */
  onReady?: (runtime: Runtime) => void;
};

/**
 * The app. Webhook handlers only record: a delivery is de-duplicated by `X-GitHub-Delivery` and recorded with
 * its job (`Intake`), and the HTTP response goes out once that is committed, without waiting on GitHub or a
 * model. The job runner does the rest (`Pipeline`).
 */
export function aaoeApp(options: AaoeAppOptions = {}): ApplicationFunction {
  return async (app: Probot, appOptions: ApplicationFunctionOptions) => {
    const retention = options.retention ?? retentionOrThrow(process.env);
    const now = options.now ?? (() => new Date());
    const presets = options.presets ?? loadPresets();
    await observeGitHubCalls(app);
    traceGitHubCalls(app);
    const runtime = options.runtime ?? (await openRuntime(runtimeOptionsFromEnv(process.env)));
    // before anything reads a webhook body: over 25 MB, or of no declared length, it is refused unread
    capWebhookBodies(process.env.WEBHOOK_PATH ?? '/api/github/webhooks');
    appOptions.addHandler(webhookBodyCapHandler);
    mountOperations(appOptions, options.operations ?? runtime, { log: app.log });
    appOptions.addHandler(
      reportHandler({ runtime, now }, options.reportSecret ?? process.env.AAOE_REPORT_SECRET, app.log),
    );
    // the API and the dashboard reach GitHub the same way: one access (its app login read once)
    const access = probotAccess(app);
    appOptions.addHandler(apiHandler(app, { runtime, now, presets, access }));
    appOptions.addHandler(dashboardHandler(app, { runtime, now, presets, access }));
    runtime.queue.onError = (error) => app.log.error({ err: error }, 'job queue error');
    runtime.queue.onOrphans = (count) => app.log.warn({ jobs: count }, 'jobs of a process that died are retried');
    if (runtime.queue.orphansAtOpen > 0)
      app.log.warn({ jobs: runtime.queue.orphansAtOpen }, 'jobs cut off when the app last stopped are retried');
    const pipeline = new Pipeline(app, runtime, {
      now,
      presets,
      policyTtlMs: options.policyTtlMs ?? 5 * 60_000,
      agent: 'agent' in options ? options.agent : agentConfigFromEnv(process.env),
      notify: options.notify ?? notifyDestinationsFromEnv(process.env),
      reportSecret: options.reportSecret ?? process.env.AAOE_REPORT_SECRET,
    });

    const intake = new Intake(runtime, {
      onError: (error) => app.log.error({ err: error }, 'moving deliveries into the job queue failed; retried'),
    });
    runtime.queue.beforeJob = () => intake.quiet();
    runtime.onClose(() => intake.stop());
    app.on([...ACTED_ON_EVENTS, ...ALWAYS_DELIVERED_EVENTS], async (context) => {
      const job = deliveryJob(context.id, context.name, context.payload as Record<string, any>);
      if (!job) return;
      const event = `${context.name}.${(context.payload as { action?: string }).action ?? ''}`;
      await inTrace(
        context.id,
        `webhook ${event}`,
        { 'github.event': event, 'github.delivery': context.id },
        async () => {
          if (!(await intake.submit(job))) context.log.info({ delivery: context.id }, 'duplicate delivery ignored');
        },
        SpanKind.SERVER,
      );
    });

    app.on('push', async (context) => {
      const { repository, ref } = context.payload;
      const owner = repository.owner?.login ?? context.repo().owner;
      if (repository.name === '.github') pipeline.invalidatePolicy(owner);
      else if (ref === `refs/heads/${repository.default_branch}`) pipeline.invalidatePolicy(owner, repository.name);
    });

    const concurrency = options.concurrency ?? jobConcurrencyFromEnv(process.env);
    const logged =
      <T extends DeliveryJob | EffectJob>(handler: (job: Job<T>) => Promise<void>) =>
      async (job: Job<T>) => {
        try {
          // each job is a span of its delivery's trace, in whatever process and after whatever restart it runs
          const traceId = 'traceId' in job.data ? job.data.traceId : job.data.id;
          const name =
            'effect' in job.data
              ? `effect ${job.data.effect.type}`
              : `delivery ${job.data.name}.${job.data.action ?? ''}`;
          await inTrace(
            traceId,
            name,
            {
              'aaoe.job': job.key,
              'aaoe.attempt': job.attempt,
              ...('executionId' in job.data ? { 'aaoe.execution': job.data.executionId } : {}),
            },
            () => handler(job),
          );
        } catch (error) {
          app.log.warn(
            {
              err: error,
              job: job.key,
              attempt: job.attempt,
              trace: 'traceId' in job.data ? job.data.traceId : job.data.id,
              ...('executionId' in job.data ? { execution: job.data.executionId } : {}),
            },
            'job failed; it is retried with backoff',
          );
          throw error;
        }
      };
    await runtime.queue.work<DeliveryJob>(
      QUEUES.delivery,
      logged((job) => pipeline.onDelivery(job)),
      concurrency,
    );
    await runtime.queue.work<EffectJob>(
      QUEUES.effect,
      logged((job) => pipeline.onEffect(job)),
      concurrency,
    );
    await intake.start();
    startTimers(runtime, now, options.timerIntervalMs ?? timerIntervalFromEnv(process.env), app.log);
    startMaintenance(runtime, now, retention, options.maintenanceIntervalMs ?? 3_600_000, app.log);
    options.onReady?.(runtime);
  };
}

function jobConcurrencyFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const text = env.AAOE_JOB_CONCURRENCY?.trim();
  if (!text) return 4;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`AAOE_JOB_CONCURRENCY must be a whole number, 0 or more, not "${text}"`);
  return value;
}

/** The timer loop: waits that are due (by the app's clock) become jobs; any process may run it, each timer fires once. */
function startTimers(
  runtime: Runtime,
  now: () => Date,
  intervalMs: number,
  log: { error(meta: object, msg: string): void },
): void {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    running ??= fireDueTimers(runtime.db, runtime.queue, now())
      .catch((error: unknown) => log.error({ err: error }, 'firing due timers failed; tried again at the next tick'))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  runtime.onClose(async () => {
    clearInterval(timer);
    await running;
  });
}

/**
 * Hourly maintenance (and a minute after start): retention deletes what only operations need past its retention
 * (`AAOE_RETAIN_*_DAYS`, src/adapters/store/retention.ts; never the audit log; a broken setting stops the app), and
 * repositories with an architecture model not checked for a day get their daily drift check.
 */
function startMaintenance(
  runtime: Runtime,
  now: () => Date,
  retention: Retention,
  intervalMs: number,
  log: { info(meta: object, msg: string): void; error(meta: object, msg: string): void },
): void {
  let running: Promise<unknown> | undefined;
  const prune = () => {
    running ??= pruneStore(runtime.db, retention, now())
      .then((pruned) => log.info({ pruned }, 'retention applied'))
      .then(() => scheduleDriftChecks(runtime, now()))
      .then((checks) => checks > 0 && log.info({ checks }, 'daily drift checks queued'))
      .catch((error: unknown) => log.error({ err: error }, 'maintenance failed; tried again in an hour'))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(prune, intervalMs);
  timer.unref();
  const first = setTimeout(prune, Math.min(60_000, intervalMs));
  first.unref();
  runtime.onClose(async () => {
    clearInterval(timer);
    clearTimeout(first);
    await running;
  });
}

function retentionOrThrow(env: Readonly<Record<string, string | undefined>>): Retention {
  const read = retentionFromEnv(env);
  if (!read.ok) throw new Error(read.errors.join('; '));
  return read.retention;
}

function timerIntervalFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const text = env.AAOE_TIMER_INTERVAL_SECONDS?.trim();
  if (!text) return 15_000;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`AAOE_TIMER_INTERVAL_SECONDS must be a positive number, not "${text}"`);
  return value * 1000;
}

/** Every Octokit the app gets from `app.auth()` makes a client span per request (see `tracing.ts`). */
function traceGitHubCalls(app: Pick<Probot, 'auth'>): void {
  const auth = app.auth.bind(app);
  app.auth = async (installationId?: number) => traceOctokit(await auth(installationId));
}
