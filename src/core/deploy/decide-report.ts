import type { DeployReport } from '../../contracts/report.js';
import type { ExecutionEvent, ExecutionState } from '../execution/execution-model.js';

/**
 * What a verified report may do to an execution (pure). A report is a claim about one execution and the commit AAOE
 * dispatched for it: about another commit it is refused; it can only end a deployment (promoted, or rolled back),
 * never approve anything, and only while one is running (deploying or verifying; rolling back for a rollback run).
 */

export type ReportFacts = {
  report: Pick<DeployReport, 'executionId' | 'sha' | 'mode' | 'verdict' | 'outcome' | 'title' | 'reason' | 'commands'>;
  /** The execution as it is now, or undefined when there is none with the report's id. */
  execution: { id: string; state: ExecutionState } | undefined;
  /** The commit AAOE dispatched for it (the deploy lock's record), if any. */
  dispatchedSha: string | undefined;
};

export type ReportDecision =
  | { kind: 'refuse'; status: 404 | 409; error: string }
  /** A report that comes when nothing it could end is running: answered, not applied. */
  | { kind: 'stale'; state: ExecutionState }
  /** The events the report moves the execution through, in order (none: kept as evidence only). */
  | { kind: 'apply'; events: ExecutionEvent[] };

export function decideReport({ report, execution, dispatchedSha }: ReportFacts): ReportDecision {
  if (!execution) return { kind: 'refuse', status: 404, error: `no execution ${report.executionId}` };
  if (!dispatchedSha || dispatchedSha !== report.sha)
    return {
      kind: 'refuse',
      status: 409,
      error: `execution ${execution.id} dispatched ${dispatchedSha ?? 'nothing'}, not ${report.sha}`,
    };
  const state = execution.state;
  if (report.mode === 'rollback') {
    if (state !== 'rolling_back') return { kind: 'stale', state };
    return { kind: 'apply', events: report.outcome === 'success' ? [{ type: 'rollback_finished' }] : [] };
  }
  if (state !== 'deploying' && state !== 'verifying') return { kind: 'stale', state };
  const events: ExecutionEvent[] = state === 'deploying' ? [{ type: 'analysis_started' }] : [];
  const promoted = report.verdict === 'promote' && report.outcome === 'success';
  const rolledBack = report.commands.some((c) => c.name === 'rollback' && c.exitCode === 0);
  // anything but a promotion is a failure: an inconclusive canary never promotes
  events.push({
    type: 'canary_verdict',
    verdict: promoted ? 'pass' : report.verdict === 'inconclusive' ? 'inconclusive' : 'fail',
    reason: `${report.title}: ${report.reason}`.slice(0, 2000),
  });
  if (promoted) events.push({ type: 'promotion_finished' });
  else if (rolledBack) events.push({ type: 'rollback_finished' });
  return { kind: 'apply', events };
}
