import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import { executionOfCheckRun } from '../adapters/store/approvals.js';
import { getExecution, isDone, markDone } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import { QUEUES, type Job } from '../adapters/store/job-shapes.js';
import { mayRerun, type CommandActor } from '../core/commands/command-rules.js';
import type { ParsedCommand } from '../core/commands/commands.js';
import { COMMAND_REPLY_TEXT as TEXT } from '../core/text/commands.js';
import type { RepoContext } from '../adapters/github/repo-context.js';
import { moveExecution, type CommandPorts, type Outcome } from './command-apply.js';
import { runCommand } from './command-run.js';
import type { DeliveryOf } from './jobs.js';
import type { RepoPolicy } from './load-repo-policy.js';

/**
 * A `check_run.requested_action` delivery: a button of the `aaoe/policy` check was pressed. The button belongs to
 * the check run pressed, and that to the execution that posted it (the effects ledger): never to whichever pull
 * request GitHub lists first for the commit, which several pull requests can share. Approve is the approve command
 * bound to the check run's commit; Re-run policy asks for the policy to be evaluated again.
 */
export async function onButton(
  ports: CommandPorts,
  job: Job<DeliveryOf<'button'>>,
  context: RepoContext,
  github: GitHubAdapter,
): Promise<void> {
  const facts = job.data.button;
  const db = ports.runtime.db;
  const key = `${job.key}:button:${facts.checkRunId}`;
  if (await isDone(db, key)) return;
  const { owner, repo } = context.repo();
  const fullName = `${owner}/${repo}`;
  const executionId = await executionOfCheckRun(db, facts.checkRunId);
  const found = executionId ? await getExecution(db, executionId) : undefined;
  const execution = found && found.repo.toLowerCase() === fullName.toLowerCase() ? found : undefined;
  if (!execution) return replyUnbound(ports, job, github, key);
  const repoPolicy = await ports.policyFor(context);
  const actor = { login: job.data.sender ?? 'ghost', type: job.data.senderType ?? 'User' };
  const command: ParsedCommand = {
    type: 'command',
    line: 1,
    command: { verb: facts.identifier === 'approve' ? 'approve' : 'explain' },
  };
  const outcome =
    facts.identifier === 'rerun'
      ? await rerun(ports, execution, repoPolicy, github, actor, job.data.id)
      : await runCommand(ports, command, {
          execution,
          repoPolicy,
          github,
          actor,
          source: { kind: 'button', id: facts.checkRunId, headSha: facts.headSha },
          traceId: job.data.id,
          number: execution.pullRequest ?? 0,
          onPullRequest: true,
        });
  if (outcome.text && execution.pullRequest) await reply(ports, github, job, execution.pullRequest, outcome.text);
  await db.transaction((tx) => markDone(tx, key, execution.id, { ok: outcome.ok }));
  ports.runtime.queue.wake(QUEUES.effect);
}

/** A button of a check run no execution posted: applied to none, said on the one pull request it may be about. */
async function replyUnbound(
  ports: CommandPorts,
  job: Job<DeliveryOf<'button'>>,
  github: GitHubAdapter,
  key: string,
): Promise<void> {
  const facts = job.data.button;
  const numbers = job.data.pullRequestNumbers;
  const [about] = numbers;
  const text = TEXT.buttonOfNoExecution(facts.identifier, job.data.sender ?? 'ghost', facts.checkRunId);
  if (about !== undefined && numbers.length === 1) await reply(ports, github, job, about, text);
  await ports.runtime.db.transaction((tx) =>
    markDone(tx, key, null, { ok: false, reason: 'check run of no known execution' }),
  );
}

async function reply(
  ports: CommandPorts,
  github: GitHubAdapter,
  job: Job<DeliveryOf<'button'>>,
  number: number,
  text: string,
): Promise<void> {
  const marker = `<!-- aaoe:reply:button:${job.data.id} -->`;
  await github.upsertComment(number, marker, `${marker}\n${text}`, await ports.botLogin());
}

/** Re-run policy: decides nothing by itself, so anyone who may triage the repository may ask for it. */
async function rerun(
  ports: CommandPorts,
  execution: ExecutionRecord,
  repoPolicy: RepoPolicy,
  github: GitHubAdapter,
  actor: CommandActor,
  traceId: string,
): Promise<Outcome> {
  if (!execution.headSha) return { ok: false, text: TEXT.rerunNoExecution() };
  if (!repoPolicy.ok) return { ok: false, text: TEXT.rerunPolicyInvalid() };
  const permission = actor.type === 'User' ? await github.getRole(actor.login) : 'none';
  if (!mayRerun(permission)) return { ok: false, text: TEXT.rerunRefused(actor.login, permission) };
  const moved = await moveExecution(
    ports,
    execution,
    { type: 'evaluation_requested', headSha: execution.headSha, by: actor.login },
    traceId,
  );
  return moved.ok ? { ok: true } : { ok: false, text: TEXT.rerunIllegal(moved.reason) };
}
