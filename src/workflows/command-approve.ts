import type { PullRequestFacts } from '../adapters/github/github-facts.js';
import { headSince, recordApproval } from '../adapters/store/approvals.js';
import type { ApprovalRecord } from '../core/execution/records.js';
import { approvalBindingProblem, isAllowed, namedSha, type CommandSource } from '../core/commands/command-rules.js';
import type { Command } from '../core/commands/commands.js';
import type { ApprovalRef, ApprovalsEvaluation } from '../core/policy/approval-facts.js';
import { changedPaths } from '../core/policy/change.js';
import { APPROVAL_TEXT } from '../core/text/approvals.js';
import { COMMAND_REPLY_TEXT as TEXT } from '../core/text/commands.js';
import {
  auditCommand,
  moveExecution,
  refuseCommand,
  type CommandPorts,
  type ExecutionCommandAt,
  type Outcome,
} from './command-apply.js';
import { judgeApprovals } from './judge-approvals.js';

/**
 * `/aaoe approve` (and the Approve button, and the API's approve): who may approve is checked before anything is
 * written (a stranger's approval leaves no row); the approval is bound to the pull request, its base and the head
 * the approver saw (checked to be the head now), recorded, and judged with every other approval at once.
 */
export async function approveCommand(ports: CommandPorts, command: Command, at: ExecutionCommandAt): Promise<Outcome> {
  const { execution, github, actor, policy } = at;
  const refuse = (why: string) => refuseCommand(ports, execution, at.traceId, actor.login, command, why);
  if (execution.pullRequest === null) return refuse(TEXT.approveWithoutPullRequest());
  const role = actor.type === 'User' ? await github.getRole(actor.login) : 'none';
  if (!isAllowed(role, policy)) {
    return refuse(
      APPROVAL_TEXT.rejection(actor.login, {
        rule: 'permission',
        permission: role === 'none' ? 'none' : role,
        allowed: [...policy.approvals.permissions],
      }),
    );
  }
  const pr = await github.getPullRequest(execution.pullRequest);
  const unbound = approvalBindingProblem({
    source: at.source,
    judgedHead: execution.headSha,
    head: pr.headSha,
    headSeenAt: await headSeenAt(ports, at, pr),
  });
  if (unbound) return refuse(unbound);
  const record: ApprovalRecord = {
    executionId: execution.id,
    pullRequest: execution.pullRequest,
    // bound to the pull request, its base and the head the approver saw (checked above to be the head now)
    baseSha: pr.baseSha,
    headSha: pr.headSha,
    actor,
    source: at.source.kind,
    sourceId: at.source.id,
    at: at.source.kind === 'comment' ? at.source.createdAt : ports.now().toISOString(),
  };
  await ports.runtime.db.transaction((tx) => recordApproval(tx, record));
  const files = await github.listChangedFiles(execution.pullRequest);
  const judged = await judgeApprovals(ports, github, execution, policy, pr, changedPaths(files));
  const refused = rejectionOf(judged, at.source);
  if (refused) return refuse(refused.message);
  await moveExecution(
    ports,
    execution,
    { type: 'evaluation_requested', headSha: execution.headSha ?? pr.headSha, by: actor.login },
    at.traceId,
    (tx) => auditCommand(tx, at, command, TEXT.approvalAudit(record.headSha, judged.summary)),
  );
  return {
    ok: true,
    ...(judged.status === 'unsatisfied' ? { text: TEXT.approvalRecorded(actor.login, judged.summary) } : {}),
  };
}

/** When AAOE saw the pull request's head: needed only for a plain comment, which names no commit. */
async function headSeenAt(
  ports: CommandPorts,
  at: ExecutionCommandAt,
  pr: PullRequestFacts,
): Promise<Date | undefined> {
  if (at.source.kind !== 'comment' || namedSha(at.source) !== undefined) return undefined;
  return headSince(ports.runtime.db, at.execution.id, pr.headSha.toLowerCase());
}

/** The judgement's rejection of the approval this command recorded, if it was rejected. */
function rejectionOf(judged: ApprovalsEvaluation, source: CommandSource) {
  return judged.rejected.find((r) => r.ref.source === source.kind && refId(r.ref) === source.id);
}

function refId(ref: ApprovalRef): number {
  switch (ref.source) {
    case 'comment':
      return ref.commentId;
    case 'button':
      return ref.checkRunId;
    case 'api':
      return ref.requestId;
    case 'review':
      return -1;
  }
}
