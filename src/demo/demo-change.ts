import { getExecution, getIssueExecution } from '../adapters/store/executions.js';
import { type ExecutionRecord } from '../core/execution/records.js';
import { commentCreated, issueLabelled, pullRequestEvent, type DemoRepo, type Json } from './demo-deliveries.js';
import type { DeployRun } from './demo-runner.js';
import { AUTHOR, MAINTAINER, MODEL, type Scenario } from './demo-scenarios.js';
import type { DemoWorld } from './demo-world.js';
import type { CheckRunRecord } from '../../test/simulator/github-simulator.js';

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
  timeline.link(`  ${AUTHOR} opens issue #${issueNumber} and labels it aaoe`, {
    url: String(issue.html_url),
    names: `issue #${issueNumber}`,
    contains: [scenario.title, AUTHOR, 'opened this issue'],
  });
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
  timeline.link(`  the agent's proposal is pull request #${opened.number}`, {
    url: opened.html_url,
    names: `pull request #${opened.number}`,
    contains: [
      String(opened.title),
      'Proposed by AAOE',
      'Rollback plan',
      'aaoe/policy',
      ...scenario.proposal.edits.slice(0, 1).map((e) => e.path),
    ],
  });
  if (!status) throw new Error(`AAOE wrote no status comment on issue #${issueNumber}`);
  timeline.link('  status comment on the issue', {
    url: String(status.html_url),
    names: `the status comment on issue #${issueNumber}`,
    contains: [`id="issuecomment-${String(status.id)}"`, 'AAOE:'],
  });
  // GitHub then sends pull_request.opened for the pull request the app opened
  await deliver('pull_request', pullRequestEvent(repo, 'opened', opened, `${sim.appSlug}[bot]`));
  const check = latestCheck(play, opened.head.sha);
  linkCheck(play, `  check aaoe/policy on ${opened.head.sha.slice(0, 7)}`, check);
  // the gate table, once: the check's own Markdown rows, as its page renders them
  if (!shownGates.has(world)) {
    shownGates.add(world);
    for (const row of markdownLines(String(check?.output.summary), (l) => l.startsWith('|')))
      timeline.say(`      ${row}`);
  }
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
  timeline.link(`  ${MAINTAINER} (maintain) comments /aaoe approve`, {
    url: String(comment.html_url),
    names: `${MAINTAINER}'s approval on pull request #${opened.number}`,
    contains: [`id="issuecomment-${String(comment.id)}"`, '/aaoe approve'],
  });
  await deliver('issue_comment', commentCreated(repo, opened.number, comment, MAINTAINER, `${sim.url}/api/v3`));
  linkCheck(play, '  check aaoe/policy after the approval', latestCheck(play, opened.head.sha), [
    `Approved by @${MAINTAINER}`,
  ]);

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
  timeline.link(`  execution ${after.id.slice(0, 8)} is ${after.state}; on the dashboard`, {
    url: `${world.h.url}/aaoe/executions/${after.id}`,
    names: `the dashboard's page of execution ${after.id.slice(0, 8)}`,
    contains: [after.id.slice(0, 8)],
    signedIn: true,
  });
  const debugIssue = world.sim
    .issues({ owner: repo.owner, repo: repo.name })
    .find((i) => String(i.body).includes(`aaoe:debug-issue execution=${after.id}`));
  if (debugIssue)
    timeline.link(`  AAOE opened debug issue #${String(debugIssue.number)} with the evidence`, {
      url: String(debugIssue.html_url),
      names: `debug issue #${String(debugIssue.number)}`,
      contains: [String(debugIssue.title), 'Verdict per interval', '<th>Interval</th>'],
    });
  for (const why of markdownLines(String(debugIssue?.body), (l) => l.startsWith('**Why:**')))
    timeline.say(`      ${why.replaceAll('**', '')}`);
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

const shownGates = new WeakSet<DemoWorld>();

/** The lines of Markdown AAOE wrote that `keep` picks, without control characters (they are printed to a terminal). */
function markdownLines(markdown: string, keep: (line: string) => boolean): string[] {
  return markdown
    .slice(0, 65_536)
    .split('\n')
    .filter(keep)
    .map((line) => line.replace(/\p{Cc}/gu, ''));
}

/** A check run's line: its conclusion and title, and the link to its page (the gate table). */
function linkCheck(play: Play, text: string, check: CheckRunRecord | undefined, contains: string[] = []): void {
  if (!check) throw new Error(`${text.trim()}: AAOE posted no check run`);
  play.world.timeline.link(`${text}: ${String(check.conclusion)} (${String(check.output.title)})`, {
    url: String(check.html_url),
    names: `check run ${check.id} (${String(check.conclusion)})`,
    contains: [String(check.output.title), String(check.conclusion), '<th>Gate</th>', 'Protected paths', ...contains],
  });
}

function latestCheck({ world, repo }: Play, sha: string): CheckRunRecord | undefined {
  return world.sim
    .checkRuns({ owner: repo.owner, repo: repo.name })
    .filter((r) => r.head_sha === sha && r.name === 'aaoe/policy')
    .at(-1);
}
