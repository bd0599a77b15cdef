import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import { lockIssueExecution, lockPullRequestExecution } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import type { CommandActor, CommandSource } from '../core/commands/command-rules.js';
import type { Command } from '../core/commands/commands.js';
import { transition } from '../core/execution/transition.js';
import { type ExecutionEvent } from '../core/execution/execution-model.js';
import { COMMAND_REPLY_TEXT as TEXT } from '../core/text/commands.js';
import type { AgentWorkPorts } from './agent-ports.js';
import { commitTransition } from './commit-transition.js';
import type { RepoPolicy } from './load-repo-policy.js';

/**
 * What every command applies once it is decided: an event on the execution (locked, its effects committed with
 * it), or a refusal (audited, with its reason). Shared by the command families (command-approve.ts,
 * command-change.ts, command-button.ts).
 */

/** What commands need of the app: the store, the clock, the policy, the app's login (no GitHub client of their own). */
export type CommandPorts = Omit<AgentWorkPorts, 'connect'>;

/** A command's outcome: the reply's text, and when refused why, in words (the reply's text without the command). */
export type Outcome = { ok: boolean; text?: string; reason?: string };

/** What one command is run with: the facts of its delivery (comment, button or API request). */
export type CommandAt = {
  execution: ExecutionRecord | undefined;
  repoPolicy: RepoPolicy;
  github: GitHubAdapter;
  actor: CommandActor;
  source: CommandSource;
  traceId: string;
  number: number;
  onPullRequest: boolean;
  /** The installation the command came through (scopes `/aaoe freeze --org`: command-freeze.ts). */
  installationId?: number;
};

/** What a command of an execution with a valid policy is run with. */
export type ExecutionCommandAt = Omit<CommandAt, 'execution' | 'repoPolicy'> & {
  execution: ExecutionRecord;
  policy: Extract<RepoPolicy, { ok: true }>['policy'];
};

/** Applies an event to the execution (locked), committing its effects; the reason when it is not allowed now. */
export async function moveExecution(
  ports: CommandPorts,
  execution: ExecutionRecord,
  event: ExecutionEvent,
  traceId: string,
  also?: (tx: SqlExecutor) => Promise<unknown>,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  return ports.runtime.db.transaction(async (tx) => {
    const before =
      execution.pullRequest !== null
        ? await lockPullRequestExecution(tx, execution.repo, execution.pullRequest)
        : execution.issue !== null
          ? await lockIssueExecution(tx, execution.repo, execution.issue)
          : undefined;
    if (!before) return { ok: false as const, reason: 'the execution vanished' };
    const result = transition(before, event, ports.now());
    await commitTransition(
      tx,
      ports.runtime.queue,
      before,
      { ...before, ...result.execution },
      result.effects,
      traceId,
    );
    if (result.outcome === 'illegal') return { ok: false as const, reason: result.reason };
    await also?.(tx);
    return { ok: true as const };
  });
}

/** The audit entry of an accepted command. */
export function auditCommand(tx: SqlExecutor, at: ExecutionCommandAt, command: Command, outcome: string) {
  return appendAudit(tx, {
    executionId: at.execution.id,
    traceId: at.traceId,
    actor: at.actor.login,
    action: `command:${command.verb}`,
    reason: outcome,
    data: { source: at.source.kind, sourceId: at.source.id },
  });
}

/** A refused command: audited, and replied to with its reason. */
export async function refuseCommand(
  ports: CommandPorts,
  execution: ExecutionRecord,
  traceId: string,
  login: string,
  command: Command,
  why: string,
): Promise<Outcome> {
  await ports.runtime.db.transaction((tx) =>
    appendAudit(tx, {
      executionId: execution.id,
      traceId,
      actor: login,
      action: `command:${command.verb}`,
      reason: `refused: ${why}`,
      data: null,
    }),
  );
  return { ok: false, text: TEXT.refused(command.verb, login, why), reason: why };
}
