import { appendAudit } from '../adapters/store/audit-log.js';
import { chooseRetryAgent } from './agent-dispatch.js';
import { activeFreeze, liftFreeze, type Freeze } from '../adapters/store/breaker.js';
import { DEFAULT_ENVIRONMENT } from '../contracts/dispatch.js';
import { changeRefusal, eventFor } from '../core/commands/command-rules.js';
import type { Command } from '../core/commands/commands.js';
import { COMMAND_REPLY_TEXT as TEXT } from '../core/text/commands.js';
import {
  auditCommand,
  moveExecution,
  refuseCommand,
  type CommandPorts,
  type ExecutionCommandAt,
  type Outcome,
} from './command-apply.js';

/**
 * The commands that change an execution (`reject`, `pause`, `resume`, `retry`, `rollback`): the same people who may
 * approve may do them, never a bot. `resume` while the circuit breaker's freeze holds lifts the freeze, which only
 * an admin of the repository may do early.
 */
export async function changeCommand(ports: CommandPorts, command: Command, at: ExecutionCommandAt): Promise<Outcome> {
  const { execution, github, actor, policy } = at;
  const refuse = (why: string) => refuseCommand(ports, execution, at.traceId, actor.login, command, why);
  const permission = actor.type === 'User' ? await github.getRole(actor.login) : 'none';
  if (command.verb === 'resume') {
    const freeze = await activeFreeze(ports.runtime.db, execution.repo, DEFAULT_ENVIRONMENT, ports.now());
    if (freeze) {
      // lifting the circuit breaker's freeze early is an admin's decision
      if (permission !== 'admin')
        return refuse(TEXT.freezeAdminOnly(freeze.until, freeze.reason, actor.login, permission));
      return liftTheFreeze(ports, at, freeze);
    }
  }
  const refused = changeRefusal(command.verb, actor, permission, policy);
  if (refused) return refuse(refused);
  const event = eventFor(command, actor.login);
  if (!event) return refuse(TEXT.notAvailable(command.verb));
  const moved = await moveExecution(ports, execution, event, at.traceId, async (tx) => {
    await auditCommand(tx, at, command, 'accepted');
    // `/aaoe retry --agent <name>`: the next attempt goes to that agent (bring your own agent, agent-dispatch.ts)
    if (command.verb === 'retry' && command.agent) await chooseRetryAgent(tx, execution.id, command.agent);
  });
  if (!moved.ok) return refuse(moved.reason);
  return { ok: true };
}

/** An admin's `/aaoe resume` during a freeze: lifted and audited, and the execution judged again. */
async function liftTheFreeze(ports: CommandPorts, at: ExecutionCommandAt, freeze: Freeze): Promise<Outcome> {
  const { execution, actor } = at;
  await ports.runtime.db.transaction(async (tx) => {
    await liftFreeze(tx, execution.repo, DEFAULT_ENVIRONMENT, actor.login, ports.now());
    await appendAudit(tx, {
      executionId: execution.id,
      traceId: at.traceId,
      actor: actor.login,
      action: 'freeze_lifted',
      reason: TEXT.freezeLiftedAudit(freeze.until, freeze.reason),
      data: { until: freeze.until },
    });
  });
  if (execution.headSha && execution.pullRequest !== null)
    await moveExecution(
      ports,
      execution,
      { type: 'evaluation_requested', headSha: execution.headSha, by: actor.login },
      at.traceId,
    );
  return { ok: true, text: TEXT.freezeLifted(actor.login, freeze.until) };
}
