import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { NotificationsPolicy, NotifyEvent, SelfHealPolicy } from '../core/notify/notifications-schema.js';
import type { NotifyDestinations } from '../adapters/notify/config.js';
import type { FetchLike } from '../adapters/notify/senders.js';
import { showExecution } from '../adapters/store/audit-log.js';
import type { Database, SqlExecutor } from '../adapters/store/database.js';
import { latestDeployReport } from '../adapters/store/deploy-reports.js';
import type { ExecutionRecord } from '../core/execution/records.js';

/** What notifications and the debug issue share: their ports, what they read of the policy, and the facts they gather. */

export type NotifyPorts = {
  runtime: { db: Database };
  now: () => Date;
  /** The operator's destinations (`AAOE_NOTIFY_DESTINATIONS`). */
  destinations: NotifyDestinations;
  /** The latest verified report of the companion action for an execution (default: the stored one, src/adapters/store/deploy-reports.ts). */
  latestDeployReport?: (db: SqlExecutor, executionId: string) => Promise<Record<string, unknown> | undefined>;
  /** The app's own login (`slug[bot]`): its comments are updated, its debug issues found again. */
  botLogin: () => Promise<string>;
  /**
   * `selfHeal: propose-fix`: starts agent work on the debug issue, the consent being the policy's (a label the app
   * applies is never consent, so the issue's own webhooks start nothing). Absent: the debug issue is only labelled.
   */
  startFix?: (
    execution: ExecutionRecord,
    issue: { number: number; title: string; htmlUrl: string },
    key: string,
    traceId: string,
  ) => Promise<{ outcome: string; executionId?: string }>;
  /** Tests: another fetch, another way of waiting between attempts. */
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
};

/** What of the policy notifications read (`Policy` has it). Undefined: the policy does not validate (nothing routed). */
export type NotifyPolicy = {
  notifications: NotificationsPolicy;
  selfHeal?: SelfHealPolicy;
  trigger: { label: string };
};

/** The GitHub calls notifications make. */
export type NotifyGitHub = Pick<GitHubAdapter, 'upsertComment' | 'createIssue' | 'findOpenIssueWithMarker'>;

/** One destination's result, as the job's outcome records it. */
export type DeliveryResult = {
  destination: string;
  delivered: boolean;
  attempts: number;
  error?: string;
  already?: true;
};

export type NotifyResult = {
  event: string;
  delivered: string[];
  failed: Array<{ destination: string; error: string }>;
  skipped?: string;
};

/** The audit actions whose reason explains an event (the transition that emitted the effect appended them). */
const EXPLAINED_BY: Record<NotifyEvent, readonly string[]> = {
  failed: ['failed'],
  rollback: ['canary_verdict', 'rollback_requested'],
  completed: ['promotion_finished', 'canary_verdict'],
  frozen: ['breaker_tripped', 'frozen'],
  waiting: ['policy_evaluated'],
  debug_issue: ['canary_verdict', 'rollback_requested'],
};

/** The evidence, if any (a store that cannot be read throws: the job is retried before anything was sent). */
export function reportOf(ports: NotifyPorts, executionId: string): Promise<Record<string, unknown> | undefined> {
  return (ports.latestDeployReport ?? latestDeployReport)(ports.runtime.db, executionId);
}

/** Why, in words: the action's report for the deployment's events, else the audit entry of the transition behind the event. */
export async function reasonFor(
  db: SqlExecutor,
  execution: ExecutionRecord,
  event: NotifyEvent,
  report: Record<string, unknown> | undefined,
): Promise<string> {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  if (report && ['rollback', 'completed', 'debug_issue'].includes(event)) {
    const said = [text(report.title), text(report.reason)].filter(Boolean).join(': ');
    if (said) return said.slice(0, 2000);
  }
  if (event === 'failed' && execution.work?.failure) return execution.work.failure.slice(0, 2000);
  const { entries } = await showExecution(db, execution.id);
  const explained = entries.filter((e) => EXPLAINED_BY[event].includes(e.action) && e.reason).at(-1);
  return (explained?.reason ?? `the execution is ${execution.state.replaceAll('_', ' ')}`).slice(0, 2000);
}
