import type { IncomingMessage, ServerResponse } from 'node:http';
import { capWebhookBodies, webhookBodyCapHandler } from './webhook-body-cap.js';
import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from 'probot';
import type { AgentConfig } from '../adapters/model/models-config.js';
import { loadPresets } from '../adapters/files/presets.js';
import { type Presets } from '../core/policy/policy-source.js';
import type { Retention } from '../adapters/store/retention.js';
import { SpanKind } from '@opentelemetry/api';
import { inTrace, traceOctokit } from '../adapters/tracing/tracing.js';
import type { NotifyDestinations } from '../adapters/notify/config.js';
import { Intake, deliveryJob } from './intake.js';
import { CHECK_NAME } from '../workflows/jobs.js';
import { observeGitHubCalls } from './metrics-github.js';
import { reportHandler } from '../workflows/deploy-report.js';
import { agentResultHandler } from '../workflows/agent-handback.js';
import { mountOperations, type OperationsStore } from './operations.js';
import { Pipeline } from '../workflows/pipeline.js';
import { openRuntime, type Runtime } from '../adapters/store/runtime.js';
import { probotAccess, type GitHubAccess } from '../adapters/github/github-access.js';
import { readConfig, type AaoeConfig } from '../adapters/config/config.js';
import { startMaintenance, startTimers } from './loops.js';
import { runJobs } from './job-runner.js';

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

/** An HTTP handler in Probot's chain (`addHandler`): true when it answered the request. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** What the handlers mounted beside the webhooks (the API, the dashboard) are built from. */
export type AppServices = {
  app: Probot;
  runtime: Runtime;
  now: () => Date;
  presets: Presets;
  access: GitHubAccess;
  config: AaoeConfig;
};

export type AaoeAppOptions = {
  /** The clock: the only source of "now" for the domain. */
  now?: () => Date;
  /** How long a repository's policy is kept before it is read again (default 5 minutes). */
  policyTtlMs?: number;
  presets?: Presets;
  /** The environment's settings (`src/adapters/config`); default: this process's environment. */
  config?: AaoeConfig;
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
  /**
   * The HTTP handlers served beside the webhooks and the operations paths, in order (the launcher mounts the API and
   * the dashboard here: `src/server.ts`).
   */
  handlers?: (services: AppServices) => HttpHandler[];
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
    const config = options.config ?? readConfig();
    const retention = options.retention ?? config.store.retention;
    const now = options.now ?? (() => new Date());
    const presets = options.presets ?? loadPresets();
    await observeGitHubCalls(app);
    traceGitHubCalls(app);
    const runtime = options.runtime ?? (await openRuntime(config.store.runtime));
    const reportSecret = options.reportSecret ?? config.server.reportSecret;
    // before anything reads a webhook body: over 25 MB, or of no declared length, it is refused unread
    capWebhookBodies(config.github.webhookPath);
    appOptions.addHandler(webhookBodyCapHandler);
    mountOperations(appOptions, options.operations ?? runtime, { log: app.log });
    appOptions.addHandler(reportHandler({ runtime, now }, reportSecret, app.log));
    // the API and the dashboard reach GitHub the same way: one access (its app login read once)
    const access = probotAccess(app, fetch, () => config.github.oauthClient);
    for (const handler of options.handlers?.({ app, runtime, now, presets, access, config }) ?? [])
      appOptions.addHandler(handler);
    watchQueue(runtime, app.log);
    const pipeline = new Pipeline(app, runtime, {
      now,
      presets,
      policyTtlMs: options.policyTtlMs ?? 5 * 60_000,
      agent: 'agent' in options ? options.agent : config.model.agent(),
      notify: options.notify ?? config.notify(),
      reportSecret,
    });
    appOptions.addHandler(agentResultHandler(pipeline.agentPorts, reportSecret, app.log));
    const intake = new Intake(runtime, {
      onError: (error) => {
        app.log.error({ err: error }, 'moving deliveries into the job queue failed; retried');
      },
    });
    runtime.queue.beforeJob = () => intake.quiet();
    runtime.onClose(() => intake.stop());
    recordDeliveries(app, intake);
    invalidatePoliciesOnPush(app, pipeline);
    await runJobs(runtime, pipeline, options.concurrency ?? config.server.jobConcurrency, app.log);
    await intake.start();
    startTimers(runtime, now, options.timerIntervalMs ?? config.server.timerIntervalMs, app.log);
    startMaintenance(runtime, now, retention, options.maintenanceIntervalMs ?? 3_600_000, app.log);
    options.onReady?.(runtime);
  };
}

/** The job queue's errors and orphans, logged. */
function watchQueue(runtime: Runtime, log: Probot['log']): void {
  runtime.queue.onError = (error) => {
    log.error({ err: error }, 'job queue error');
  };
  runtime.queue.onOrphans = (count) => {
    log.warn({ jobs: count }, 'jobs of a process that died are retried');
  };
  if (runtime.queue.orphansAtOpen > 0)
    log.warn({ jobs: runtime.queue.orphansAtOpen }, 'jobs cut off when the app last stopped are retried');
}

/** Every delivery acted on is recorded with its job, once (by `X-GitHub-Delivery`), in its trace's server span. */
function recordDeliveries(app: Probot, intake: Intake): void {
  app.on([...ACTED_ON_EVENTS, ...ALWAYS_DELIVERED_EVENTS], async (context) => {
    const job = deliveryJob(context.id, context.name, context.payload);
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
}

/** A push to a repository's default branch (or to the owner's `.github`) makes its cached policy stale. */
function invalidatePoliciesOnPush(app: Probot, pipeline: Pipeline): void {
  app.on('push', (context) => {
    const { repository, ref } = context.payload;
    const owner = repository.owner?.login ?? context.repo().owner;
    if (repository.name === '.github') pipeline.invalidatePolicy(owner);
    else if (ref === `refs/heads/${repository.default_branch}`) pipeline.invalidatePolicy(owner, repository.name);
  });
}

/** Every Octokit the app gets from `app.auth()` makes a client span per request (see `tracing.ts`). */
function traceGitHubCalls(app: Pick<Probot, 'auth'>): void {
  const auth = app.auth.bind(app);
  app.auth = async (installationId?: number) => traceOctokit(await auth(installationId));
}
