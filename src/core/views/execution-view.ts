import type { ApprovalRecord, AuditEntry, ExecutionAudit, ExecutionRecord } from '../execution/records.js';
import {
  POLICY_CONCLUSIONS,
  type ExecutionStatus,
  type ExecutionSummary,
  type PolicyView,
} from '../../contracts/api.js';

/** What the API shows of an execution. Pure: the stored execution, its audit entries and approvals in, JSON out. */

export function executionSummary(x: ExecutionRecord): ExecutionSummary {
  return {
    id: x.id,
    repo: x.repo,
    state: x.state,
    pullRequest: x.pullRequest,
    issue: x.issue,
    headSha: x.headSha ?? null,
    traceId: x.traceId,
    updatedAt: new Date(x.updatedAt).toISOString(),
  };
}

export function executionStatus(
  x: ExecutionRecord,
  audit: ExecutionAudit,
  approvals: readonly ApprovalRecord[],
): ExecutionStatus {
  return {
    ...executionSummary(x),
    policy: policyView(audit.entries),
    approvals: approvals.map((a) => ({
      login: a.actor.login,
      type: a.actor.type,
      source: a.source,
      pullRequest: a.pullRequest,
      headSha: a.headSha,
      at: a.at,
    })),
    cost: audit.cost,
    timeline: audit.entries.map((e) => ({
      seq: e.seq,
      at: e.at.toISOString(),
      actor: e.actor,
      action: e.action,
      reason: e.reason,
    })),
  };
}

const REASON = new RegExp(`^\\S+ -> \\S+: (${POLICY_CONCLUSIONS.join('|')}): ([\\s\\S]*)$`);

/**
 * The latest `policy_evaluated` entry, read back: its reason is written by the pipeline as
 * `<from> -> <to>: <conclusion>: <gate> <outcome>, ...; risk <level>[; approved by ...]`.
 */
export function policyView(entries: readonly AuditEntry[]): PolicyView | null {
  const entry = [...entries].reverse().find((e) => e.action === 'policy_evaluated');
  if (!entry?.reason) return null;
  const match = REASON.exec(entry.reason);
  if (!match) return null;
  const [, conclusion = '', body = ''] = match;
  const [gatesPart = '', ...rest] = body.split('; ');
  const gates = gatesPart.split(', ').flatMap((g) => {
    const [, gate, outcome] = /^(\S+) (\S+)$/.exec(g.trim()) ?? [];
    return gate !== undefined && outcome !== undefined ? [{ gate, outcome }] : [];
  });
  const risk = rest.map((p) => /^risk (\w+)$/.exec(p)?.[1]).find((r) => r !== undefined) ?? null;
  const data = entry.data as { headSha?: unknown } | null;
  return {
    conclusion: conclusion as PolicyView['conclusion'],
    headSha: typeof data?.headSha === 'string' ? data.headSha : null,
    at: entry.at.toISOString(),
    gates,
    risk,
    text: entry.reason,
  };
}
