import { getExecution, getIssueExecution } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import { commentCreated, issueLabelled, pullRequestEvent, type DemoRepo, type Json } from './demo-deliveries.js';
import type { DeployRun } from './demo-runner.js';
import { AUTHOR, MAINTAINER, MODEL, type Scenario } from './demo-scenarios.js';
import type { DemoWorld } from './demo-world.js';

/**
 * One change of the demo, as GitHub and its people would make it: the labelled issue, the agent's pull request and
 * its check, a maintainer's `/aaoe approve`, the merge, the deployment by the companion action, the final state.
 */

export type DemoChange = {
  issue: number;
  pullRequest: number;
  executionId: string;
  mergeSha: string;
  deploy: DeployRun | undefined;
  execution: ExecutionRecord;
};

/** A pull request as the simulator holds it, as far as the demo reads it. */
type PullJson = Json & {
  number: number;
  html_url: string;
  head: { sha: string };
  merged?: boolean;
  merge_commit_sha?: string | null;
};

/** What a change's steps share: the world, the repository, and delivering to the app. */
type Play = {
  world: DemoWorld;
  repo: DemoRepo;
  fullName: string;
  deliver: (event: string, payload: Json) => Promise<void>;
};

export async function playScenario(world: DemoWorld, repo: DemoRepo, scenario: Scenario): Promise<DemoChange> {
  const { h, timeline } = world;
  const deliver = async (event: string, payload: Json) => {
    const res = await h.deliver(event, payload);
    if (res.status !== 200) throw new Error(`the app answered ${res.status} to a ${event} delivery: ${res.body}`);
    await timeline.flush();
  };
  const play: Play = { world, repo, fullName: `${repo.owner}/${repo.name}`, deliver };
  const { issue, execution, opened } = await openChange(play, scenario);
  const mergeSha = await approveAndMerge(play, execution, opened);
  if (scenario.regresses) world.runner.regressing.add(mergeSha);
  return deploy(play, { issue, execution, opened, mergeSha });
}

/** The issue opened and labelled; the agent's pull request opened and checked. */
async function openChange(play: Play, scenario: Scenario) {
  const { world, repo, fullName, deliver } = play;
  const { sim, model, runtime, timeline } = world;
  model.script(MODEL.id, {
    content: JSON.stringify(scenario.proposal),
    usage: { prompt_tokens: 1200, completion_tokens: 400 },
  });
  const issue = sim.addIssue({
    owner: repo.owner,
    repo: repo.name,
    title: scenario.title,
    body: scenario.body,
    user: AUTHOR,
    labels: scenario.labels,
  });
  const issueNumber = issue.number as number;
  timeline.say(`  ${AUTHOR} opens issue #${issueNumber} and labels it aaoe: ${String(issue.html_url)}`);
  await deliver('issues', issueLabelled(repo, issue, 'aaoe', AUTHOR));

  const execution = await getIssueExecution(runtime.db, fullName, issueNumber);
  if (!execution?.pullRequest)
    throw new Error(
      `issue #${issueNumber} did not become a pull request (execution ${execution?.state ?? 'missing'}): see the timeline above`,
    );
  const opened = pullOf(play, execution.pullRequest);
  const status = sim
    .comments({ owner: repo.owner, repo: repo.name, issueNumber })
    .find((c) => String(c.body).includes('<!-- aaoe:status -->'));
  timeline.say(`  the agent's proposal is pull request #${opened.number}: ${opened.html_url}`);
  timeline.say(`  status comment on the issue: ${(status?.html_url as string | undefined) ?? '(none)'}`);
  // GitHub then sends pull_request.opened for the pull request the app opened
  await deliver('pull_request', pullRequestEvent(repo, 'opened', opened, `${sim.appSlug}[bot]`));
  const check = latestCheck(play, opened.head.sha);
  timeline.say(
    `  check aaoe/policy on ${opened.head.sha.slice(0, 7)}: ${String(check?.conclusion)} (${String(check?.output.title)}): ${String(check?.html_url)}`,
  );
  return { issue: issueNumber, execution, opened };
}

/** A maintainer's `/aaoe approve`; AAOE merges (merge: auto). The merge commit's SHA. */
async function approveAndMerge(play: Play, execution: ExecutionRecord, opened: PullJson): Promise<string> {
  const { world, repo, deliver } = play;
  const { sim, runtime, timeline } = world;
  const comment = sim.addComment({
    owner: repo.owner,
    repo: repo.name,
    issueNumber: opened.number,
    body: 'Read the diff and the rollback plan.\n\n/aaoe approve',
    user: MAINTAINER,
  });
  timeline.say(`  ${MAINTAINER} (maintain) comments /aaoe approve: ${String(comment.html_url)}`);
  await deliver('issue_comment', commentCreated(repo, opened.number, comment, MAINTAINER, `${sim.url}/api/v3`));
  const approved = latestCheck(play, opened.head.sha);
  timeline.say(`  check aaoe/policy: ${String(approved?.conclusion)} (${String(approved?.output.title)})`);

  const merged = pullOf(play, opened.number);
  if (!merged.merged)
    throw new Error(
      `pull request #${opened.number} was not merged after the approval (execution ${String((await getExecution(runtime.db, execution.id))?.state)})`,
    );
  const mergeSha = String(merged.merge_commit_sha);
  timeline.say(`  AAOE merged #${opened.number} (merge: auto) as ${mergeSha.slice(0, 7)}`);
  return mergeSha;
}

/** GitHub sends pull_request.closed (merged); the app dispatches aaoe-deploy, the runner runs the action. */
async function deploy(
  play: Play,
  change: { issue: number; execution: ExecutionRecord; opened: PullJson; mergeSha: string },
): Promise<DemoChange> {
  const { world, repo, deliver } = play;
  const { sim, runtime, runner, timeline } = world;
  const { execution, opened } = change;
  await deliver('pull_request', pullRequestEvent(repo, 'closed', pullOf(play, opened.number), `${sim.appSlug}[bot]`));
  await runner.settled();
  await runtime.idle();
  await timeline.flush();
  const after = await getExecution(runtime.db, execution.id);
  if (!after) throw new Error(`execution ${execution.id} is gone from the store`);
  timeline.say(`  execution ${after.id.slice(0, 8)} is ${after.state}`);
  return {
    issue: change.issue,
    pullRequest: opened.number,
    executionId: execution.id,
    mergeSha: change.mergeSha,
    deploy: runner.runs.find((r) => r.executionId === execution.id),
    execution: after,
  };
}

function pullOf({ world, repo }: Play, number: number): PullJson {
  return world.sim.pullRequests({ owner: repo.owner, repo: repo.name }).find((p) => p.number === number) as PullJson;
}

function latestCheck({ world, repo }: Play, sha: string) {
  return world.sim
    .checkRuns({ owner: repo.owner, repo: repo.name })
    .filter((r) => r.head_sha === sha && r.name === 'aaoe/policy')
    .at(-1);
}
