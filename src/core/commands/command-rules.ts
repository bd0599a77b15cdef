import type { ExecutionEvent } from '../execution/execution-model.js';
import { HUMAN_ONLY_VERBS, agentIdentity } from '../policy/governance.js';
import type { PermissionFact } from '../policy/approval-facts.js';
import type { RepositoryPermission } from '../policy/approvals-schema.js';
import { COMMAND_REPLY_TEXT as TEXT } from '../text/commands.js';
import type { Command } from './commands.js';

/**
 * Who may do what with a command, decided on plain facts (pure): the actor, the permission GitHub reported for
 * them, the policy's approvals section, and where the command came from. Each rule returns the refusal's reason
 * (a sentence of `COMMAND_REPLY_TEXT`), or undefined when the command may go on.
 */

/** Where a command came from: the approval binds to what each source names (the API and `/aaoe approve <sha>` name the head). */
export type CommandSource =
  | { kind: 'comment'; id: number; createdAt: string; updatedAt: string; viaApp?: string; sha?: string }
  | { kind: 'button'; id: number; headSha: string }
  | { kind: 'api'; id: number; sha?: string };

export type CommandActor = { login: string; type: string };

type ApprovalsRules = { agents: readonly string[]; approvals: { permissions: readonly RepositoryPermission[] } };

/** A person's say over an execution: agents never approve, resume or roll back, nor does a comment an app posted. */
export function authorityRefusal(
  verb: Command['verb'],
  actor: CommandActor,
  source: CommandSource,
  policy: ApprovalsRules,
): string | undefined {
  if (!HUMAN_ONLY_VERBS.has(verb)) return undefined;
  const agent = agentIdentity(actor, policy);
  if (agent) return TEXT.agentIdentity(actor.login, agent, verb, policy.approvals.permissions);
  if (source.kind === 'comment' && source.viaApp) return TEXT.viaApp(source.viaApp, actor.login, verb);
  return undefined;
}

/** Whether a permission is one the policy lets approve (and change an execution). */
export function isAllowed(permission: PermissionFact, policy: ApprovalsRules): boolean {
  return (policy.approvals.permissions as readonly string[]).includes(permission);
}

/** Every command that changes the execution: the same people who may approve may do it, never a bot. */
export function changeRefusal(
  verb: Command['verb'],
  actor: CommandActor,
  permission: PermissionFact,
  policy: ApprovalsRules,
): string | undefined {
  if (actor.type === 'User' && isAllowed(permission, policy)) return undefined;
  return TEXT.noSay(actor.login, actor.type, permission, verb, policy.approvals.permissions);
}

/** Re-running the policy decides nothing by itself: anyone who may triage the repository may ask for it. */
export function mayRerun(permission: PermissionFact): boolean {
  return ['triage', 'write', 'maintain', 'admin'].includes(permission);
}

/** The facts an approval is bound with: the head AAOE judged, GitHub's head now, when AAOE first saw that head. */
export type ApprovalBindingFacts = {
  source: CommandSource;
  /** The head AAOE judged last (the execution's `headSha`). */
  judgedHead: string | undefined;
  /** The pull request's head as GitHub has it now. */
  head: string;
  /** When AAOE recorded `head` (read only for a plain comment, which names no commit). */
  headSeenAt: Date | undefined;
};

/** The commit a source names: the button's check-run commit, or the SHA of `/aaoe approve <sha>` or the API. */
export function namedSha(source: CommandSource): string | undefined {
  return source.kind === 'button' ? source.headSha : source.sha;
}

/**
 * Why an approval cannot be bound to the pull request's current head, or undefined when it can: the head AAOE
 * judged must be the head GitHub has now; a named SHA (`/aaoe approve <sha>`, the API's `sha`, the check run's
 * commit) must be that head; a plain comment must have been written after AAOE saw that head.
 */
export function approvalBindingProblem(f: ApprovalBindingFacts): string | undefined {
  const head = f.head.toLowerCase();
  if (!f.judgedHead || f.judgedHead.toLowerCase() !== head) return TEXT.headNotJudged(head, f.judgedHead);
  const named = namedSha(f.source);
  if (named !== undefined && !head.startsWith(named.toLowerCase()))
    return f.source.kind === 'button' ? TEXT.buttonOfOtherHead(named, head) : TEXT.namesOtherHead(named, head);
  // GitHub's created_at has whole seconds: a head AAOE recorded within that second is taken as seen
  if (
    f.source.kind === 'comment' &&
    named === undefined &&
    (!f.headSeenAt || !(f.headSeenAt.getTime() <= Date.parse(f.source.createdAt) + 999))
  )
    return TEXT.commentBeforeHead(head);
  return undefined;
}

/** The event a changing command asks of the execution, or undefined when the command changes nothing here. */
export function eventFor(command: Command, by: string): ExecutionEvent | undefined {
  switch (command.verb) {
    case 'reject':
      return { type: 'rejected', by, reason: command.reason ?? TEXT.rejectedBy(by) };
    case 'pause':
      return { type: 'paused', by };
    case 'resume':
      return { type: 'resumed', by };
    case 'retry':
      return { type: 'retry', by };
    case 'rollback':
      return { type: 'rollback_requested', by, reason: TEXT.rollbackRequestedBy(by) };
    default:
      return undefined;
  }
}
