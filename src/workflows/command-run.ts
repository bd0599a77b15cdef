import { authorityRefusal } from '../core/commands/command-rules.js';
import { COMMAND_TEXT, type ParsedCommand } from '../core/commands/commands.js';
import { COMMAND_REPLY_TEXT as TEXT } from '../core/text/commands.js';
import { refuseCommand, type CommandAt, type CommandPorts, type Outcome } from './command-apply.js';
import { approveCommand } from './command-approve.js';
import { changeCommand } from './command-change.js';
import { freezeCommand } from './command-freeze.js';

/**
 * One command, whatever brought it (a comment line, a button, an API request): what needs no execution (`help`),
 * what needs one and a valid policy, what only reads (`status`, `explain`), who is never a person here (agents, a
 * comment an app posted for someone), and then its family: approve (command-approve.ts) or a change
 * (command-change.ts). Every refusal is audited and replied to.
 */
export async function runCommand(ports: CommandPorts, parsed: ParsedCommand, at: CommandAt): Promise<Outcome> {
  if (parsed.type !== 'command') return { ok: false, text: parsed.reply };
  const command = parsed.command;
  if (command.verb === 'help') return { ok: true, text: COMMAND_TEXT.help() };
  if (command.verb === 'freeze' || command.verb === 'unfreeze') {
    const installationId = at.installationId ?? at.execution?.installationId;
    if (installationId === undefined) return { ok: false, text: TEXT.notAvailable(command.verb) };
    return freezeCommand(ports, command, { ...at, installationId });
  }
  const { execution, repoPolicy, actor } = at;
  if (!execution) return { ok: false, text: TEXT.noExecution(command.verb, at.number) };
  if (!repoPolicy.ok) return { ok: false, text: TEXT.policyInvalid(command.verb) };
  const policy = repoPolicy.policy;
  if (command.verb === 'status' || command.verb === 'explain') return { ok: true, text: TEXT.status(execution) };
  const refused = authorityRefusal(command.verb, actor, at.source, policy);
  if (refused) return refuseCommand(ports, execution, at.traceId, actor.login, command, refused);
  const run = { ...at, execution, policy };
  return command.verb === 'approve' ? approveCommand(ports, command, run) : changeCommand(ports, command, run);
}
