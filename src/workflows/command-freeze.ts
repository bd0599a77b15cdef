import { appendAudit } from '../adapters/store/audit-log.js';
import type { Transaction } from '../adapters/store/database.js';
import { getExecution } from '../adapters/store/executions.js';
import { liftOrgFreeze, liveGovernedExecutions, recordOrgFreeze } from '../adapters/store/org-freezes.js';
import type { FreezeCommand } from '../core/commands/commands.js';
import { decideFreezeAuthority, knownAgents, resolveUntil } from '../core/decisions/org-freeze.js';
import { agentIdentity } from '../core/policy/governance.js';
import { COMMAND_REPLY_TEXT } from '../core/text/commands.js';
import { ORG_FREEZE_TEXT as TEXT } from '../core/text/org-freeze.js';
import type { CommandAt, CommandPorts, Outcome } from './command-apply.js';
import { moveExecution } from './command-apply.js';
import { readOrgConfig } from './org-freeze-facts.js';

/**
 * `/aaoe freeze --org`, `/aaoe unfreeze --org`, `/aaoe freeze --agent <name>`, `/aaoe unfreeze --agent <name>`, from
 * a comment on any issue or pull request of the installation (or the API, or the dashboard). Who may: an owner of
 * the organisation or an active member of a freeze team its own config names (read from the owner's `.github`
 * repository), checked through GitHub's membership API at this moment and recorded with the immutable id GitHub
 * reports; never an agent or a bot. Every attempt is audited; an accepted one judges every governed pull request of
 * the installation again, so their checks say it at once.
 */

/** Who asks, as the caller authenticated them; `installationId` scopes the freeze. */
export type FreezeAt = Pick<CommandAt, 'github' | 'actor' | 'traceId' | 'repoPolicy'> & { installationId: number };

export async function freezeCommand(ports: CommandPorts, command: FreezeCommand, at: FreezeAt): Promise<Outcome> {
  const { actor, github } = at;
  const what = command.scope === 'org' ? 'the organisation freeze' : `the kill switch of the agent ${command.agent}`;
  const refuse = async (why: string): Promise<Outcome> => {
    await audit(ports, at, `${command.verb}_refused`, `refused: ${why}`, { command });
    return { ok: false, text: COMMAND_REPLY_TEXT.refused(usage(command), actor.login, why), reason: why };
  };
  if (command.scope === 'agent' && !knownAgents().includes(command.agent))
    return refuse(TEXT.unknownAgent(command.agent, knownAgents()));
  const authority = await authorise(at);
  if (!authority.ok) return refuse(authority.reason);
  const by = { login: actor.login, id: authority.userId };
  const scope = { installationId: at.installationId, scope: command.scope, agent: agentOf(command) };
  if (command.verb === 'unfreeze') {
    const lifted = await ports.runtime.db.transaction(async (tx) => {
      const freeze = await liftOrgFreeze(tx, { ...scope, by }, ports.now());
      if (freeze)
        await audit(
          ports,
          at,
          'unfreeze',
          `lifted ${what} (${authority.via})`,
          { ...scope, by, freeze: freeze.id },
          tx,
        );
      return freeze;
    });
    if (!lifted) return refuse(TEXT.nothingToLift(what));
    await judgeAgain(ports, at);
    return { ok: true, text: TEXT.unfrozenReply(actor.login, what) };
  }
  const until = resolveUntil(command.scope === 'org' ? command.until : undefined, ports.now());
  if (!until.ok) return refuse(until.reason);
  const reason = command.reason ?? '';
  const owner = github.repo.owner;
  const made = await ports.runtime.db.transaction(async (tx) => {
    const result = await recordOrgFreeze(tx, { ...scope, owner, reason, until: until.until, by, now: ports.now() });
    if (result.recorded) {
      const untilText = result.freeze.until;
      const data = { ...scope, by, freeze: result.freeze.id, until: untilText };
      await audit(ports, at, 'freeze', TEXT.audit(`froze: ${what}`, authority.via, untilText, reason), data, tx);
    }
    return result;
  });
  if (!made.recorded) return refuse(TEXT.alreadyFrozen(what, made.freeze.by.login));
  await judgeAgain(ports, at);
  return {
    ok: true,
    text:
      command.scope === 'org'
        ? TEXT.frozenReply(actor.login, authority.via, made.freeze.until, reason)
        : TEXT.agentFrozenReply(actor.login, command.agent, reason),
  };
}

/** Who the actor is to the organisation, read from GitHub now, and whether that lets them freeze it. */
async function authorise(at: FreezeAt): Promise<ReturnType<typeof decideFreezeAuthority>> {
  const { actor, github } = at;
  const config = await readOrgConfig(github);
  const membership =
    actor.type === 'User'
      ? await github.getOrgMembership(actor.login)
      : { role: 'none' as const, state: 'none' as const, userId: undefined };
  const teams: string[] = [];
  if (membership.state === 'active' && membership.role !== 'admin')
    for (const slug of config.freezeTeams)
      if ((await github.isTeamMember(`${github.repo.owner}/${slug}`, actor.login)) === true) teams.push(slug);
  const agents = at.repoPolicy.ok ? at.repoPolicy.policy.agents : [];
  const id = membership.userId;
  const isAgent = agentIdentity({ ...actor, ...(id !== undefined ? { id } : {}) }, { agents }) !== undefined;
  return decideFreezeAuthority({ actor, isAgent, membership, teams }, config);
}

function agentOf(command: FreezeCommand): string | null {
  return command.scope === 'agent' ? command.agent : null;
}

function usage(command: FreezeCommand): string {
  return `${command.verb} ${command.scope === 'org' ? '--org' : `--agent ${command.agent}`}`;
}

async function audit(
  ports: CommandPorts,
  at: FreezeAt,
  action: string,
  reason: string,
  data: unknown,
  tx?: Transaction,
): Promise<void> {
  await appendAudit(tx ?? ports.runtime.db, {
    executionId: null,
    traceId: at.traceId,
    actor: at.actor.login,
    action: `org_${action}`,
    reason,
    data,
  });
}

/** Every governed pull request of the installation with a head is judged again: its check says the freeze (or its end). */
async function judgeAgain(ports: CommandPorts, at: FreezeAt): Promise<void> {
  for (const id of await liveGovernedExecutions(ports.runtime.db, at.installationId)) {
    const execution = await getExecution(ports.runtime.db, id);
    if (!execution?.headSha || execution.pullRequest === null) continue;
    const event = { type: 'evaluation_requested' as const, headSha: execution.headSha, by: at.actor.login };
    // one that is not under evaluation (merged, deploying) is not judged again: the review and dispatch read the freeze
    await moveExecution(ports, execution, event, at.traceId).catch(() => undefined);
  }
}
