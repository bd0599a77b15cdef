import { repositoryKey } from '../adapters/github/dispatch-signature.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { ModelRouter, type ModelSpec } from '../adapters/model/model-router.js';
import type { Proposal } from '../core/agent/proposal.js';
import { openRuntime, type Runtime } from '../adapters/store/runtime.js';
import { getIssueExecution, getExecution, type ExecutionRecord } from '../adapters/store/executions.js';
import { FakeOpenAI } from '../../test/core/agent/fake-openai.js';
import { startHarness, type Harness } from '../../test/support/app-harness.js';
import { GitHubSimulator } from '../../test/simulator/github-simulator.js';
import { commentCreated, issueLabelled, pullRequestEvent, type DemoRepo } from './demo-deliveries.js';
import { DemoRunner, type DeployRun } from './demo-runner.js';
import { Timeline } from './demo-timeline.js';
import { invokedDirectly } from '../adapters/process/invoked-directly.js';

/**
 * `npm run demo`: the whole flow on one machine, with no credentials and no network beyond loopback.
 *
 * The real app (Probot's `run()`, the same environment as `npm start`) on an embedded store in a temporary
 * directory, pointed at the project's loopback GitHub simulator (`test/simulator`, every request checked
 * against GitHub's OpenAPI description) and a scripted OpenAI-compatible model (`test/agent/fake-openai.ts`).
 * Deliveries are GitHub's own example payloads, signed. Then two labelled issues go through the pipeline:
 * proposal, pull request, the `aaoe/policy` check (`action_required`: the policy wants a person for medium
 * risk), `/aaoe approve` by a maintainer, the merge (`merge: auto`), the `aaoe-deploy` dispatch, and the
 * companion action's committed bundle run by the demo's runner against a loopback metrics source: the first
 * canary is healthy and promoted, the second regresses, is rolled back, and the circuit breaker counts it.
 *
 * `--ci` runs the same scenario and exits (0 when every expected state was reached); without it the app keeps
 * listening until Ctrl-C.
 */

export const DEMO_REPO: DemoRepo = { owner: 'octo-org', name: 'shop', installationId: 4242 };
const DEFAULT_BRANCH = 'main';
const REPORT_SECRET = 'demo-report-secret';
const MODEL: ModelSpec = { id: 'demo-model', tier: 1, inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 };
const AUTHOR = 'alice'; // writes issues and applies the trigger label (write permission)
const MAINTAINER = 'bob'; // reviews and approves (maintain permission)

/** The repository's policy: medium-risk changes need a person; AAOE merges approved changes itself. */
export const DEMO_POLICY = `# The demo repository's policy (see docs/getting-started.md)
extends: standard
risk: { maxLevel: high, requireHumanApprovalAbove: low }
merge: auto
deployment: { strategy: canary, canaryPercent: 10 }
circuitBreaker: { maxFailures: 2, freezeMinutes: 30 }
`;

const FILES: Record<string, string> = {
  '.github/aaoe.yml': DEMO_POLICY,
  '.github/CODEOWNERS': `* @${MAINTAINER}\n`,
  'README.md': '# shop\n\nA small web shop.\n',
  'src/server.ts':
    "import { createServer } from 'node:http';\nimport { total } from './checkout.js';\n\nexport const server = createServer((req, res) => {\n  res.end(String(total([])));\n});\n",
  'src/checkout.ts':
    'export function total(prices: number[]): number {\n  return prices.reduce((sum, p) => sum + p, 0);\n}\n',
};

type Scenario = { title: string; body: string; labels: string[]; proposal: Proposal; regresses: boolean };

const SCENARIOS: Scenario[] = [
  {
    title: 'Add a /healthz endpoint',
    body: 'The load balancer needs `/healthz` on the server in src/server.ts to answer 200 while it runs.',
    labels: ['aaoe', 'enhancement'],
    regresses: false,
    proposal: {
      summary: 'Add a /healthz endpoint that answers 200 while the server runs.',
      classification: 'feature',
      edits: [
        {
          action: 'create',
          path: 'src/health.ts',
          content: "export function health() {\n  return { status: 'ok' };\n}\n",
        },
        {
          action: 'update',
          path: 'src/server.ts',
          replacements: [
            {
              search: '  res.end(String(total([])));',
              replace:
                "  if (req.url === '/healthz') return void res.end(JSON.stringify(health()));\n  res.end(String(total([])));",
            },
          ],
        },
      ],
      risk: { level: 'medium', rationale: 'A new route on the public server.' },
      cost: { estimatedTokens: 1500, estimatedUsd: 0.01 },
      deployment: { strategy: 'canary' },
      rollbackPlan: 'Revert the commit; nothing else depends on the route.',
      blastRadius: 'Requests to /healthz only.',
    },
  },
  {
    title: 'Round checkout totals to cents',
    body: 'src/checkout.ts sums floating point prices; totals like 0.30000000000000004 reach the receipts.',
    labels: ['aaoe', 'bug'],
    regresses: true,
    proposal: {
      summary: 'Round the checkout total to whole cents.',
      classification: 'bug',
      edits: [
        {
          action: 'update',
          path: 'src/checkout.ts',
          replacements: [
            {
              search: '  return prices.reduce((sum, p) => sum + p, 0);',
              replace: '  return Math.round(prices.reduce((sum, p) => sum + p, 0) * 100) / 100;',
            },
          ],
        },
      ],
      risk: { level: 'medium', rationale: 'Changes what every checkout computes.' },
      cost: { estimatedTokens: 1200, estimatedUsd: 0.01 },
      deployment: { strategy: 'canary' },
      rollbackPlan: 'Revert the commit.',
      blastRadius: 'Every checkout.',
    },
  },
];

export type DemoChange = {
  issue: number;
  pullRequest: number;
  executionId: string;
  mergeSha: string;
  deploy: DeployRun | undefined;
  execution: ExecutionRecord;
};

export type DemoRun = {
  sim: GitHubSimulator;
  runtime: Runtime;
  /** The app's base URL (webhooks at `/api/github/webhooks`, `/healthz`, `/readyz`, `/metrics`). */
  url: string;
  dataDir: string;
  repo: DemoRepo;
  changes: DemoChange[];
  runner: DemoRunner;
  timeline: Timeline;
  close(): Promise<void>;
};

export type DemoOptions = {
  print?: (line: string) => void;
  /** The embedded store's directory; default a new temporary one (removed by `close`). */
  dataDir?: string;
};

/** Starts everything and runs the scenario; the app keeps running until `close()`. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoRun> {
  const print = options.print ?? ((line: string) => console.log(line));
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'aaoe-demo-'));
  const repo = DEMO_REPO;
  const fullName = `${repo.owner}/${repo.name}`;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    // everything is closed even when one part fails to, and a failure is said
    for (const fn of closers.reverse())
      await fn().catch((error: unknown) => print(`closing: ${(error as Error).message ?? String(error)}`));
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    print('Starting the GitHub simulator, the scripted model and the app (embedded store, no credentials)...');
    const sim = await GitHubSimulator.start();
    closers.push(() => sim.close());
    const model = await FakeOpenAI.start();
    closers.push(() => model.close());
    const runtime = await openRuntime({ database: { dataDir }, queue: { retryDelaySeconds: 1 } });
    closers.push(() => runtime.close());
    const router = new ModelRouter(new OpenAI({ apiKey: 'demo-key', baseURL: model.baseURL, maxRetries: 0 }), {
      models: [MODEL],
      tasks: { classify: { minTier: 1 }, propose: { minTier: 1 } },
      timeoutMs: 10_000,
    });
    const signalListeners = process.listeners('SIGINT');
    const h: Harness = await startHarness({
      sim,
      runtime,
      agent: { router, contextBudgetTokens: 4_000, maxOutputTokens: 1_000 },
      reportSecret: REPORT_SECRET,
    });
    // Probot's run() exits the process on SIGINT once its server stopped: the demo stops everything itself
    for (const listener of process.listeners('SIGINT'))
      if (!signalListeners.includes(listener)) process.off('SIGINT', listener);
    closers.push(() => h.close());
    const timeline = new Timeline(runtime.db, print);
    const runner = await DemoRunner.start({
      sim,
      reportUrl: `${h.url}/aaoe/deploy-report`,
      // what the repository holds as the action's report-secret: its own key (`aaoe report-key`), never the app's secret
      reportSecret: repositoryKey(REPORT_SECRET, repo.installationId, `${repo.owner}/${repo.name}`),
      defaultBranch: DEFAULT_BRANCH,
      onStart: (d) =>
        timeline.say(
          `  runner: repository_dispatch aaoe-deploy for ${d.sha.slice(0, 7)}: running node action/dist/index.js, canary judged for 2 s on ${runner.metricsUrl}/metrics`,
        ),
      onFinish: (r) =>
        timeline.say(
          `  runner: the action finished: verdict ${r.verdict}, outcome ${r.outcome} (exit ${r.run.exitCode}); it posted its signed report to the app`,
        ),
    });
    closers.push(() => runner.close());

    sim.addInstallation({
      id: repo.installationId,
      account: repo.owner,
      accountType: 'Organization',
      permissions: {
        checks: 'write',
        contents: 'write',
        issues: 'write',
        pull_requests: 'write',
        deployments: 'write',
        actions: 'read',
        members: 'read',
        metadata: 'read',
      },
    });
    sim.addRepo({
      owner: repo.owner,
      name: repo.name,
      defaultBranch: DEFAULT_BRANCH,
      installationId: repo.installationId,
    });
    for (const [path, content] of Object.entries(FILES))
      sim.setFile({ owner: repo.owner, repo: repo.name, branch: DEFAULT_BRANCH, path, content });
    sim.setPermission({ owner: repo.owner, repo: repo.name, username: AUTHOR, permission: 'write' });
    sim.setPermission({ owner: repo.owner, repo: repo.name, username: MAINTAINER, permission: 'maintain' });
    print(`The app listens on ${h.url}; GitHub is simulated at ${sim.url}; the store is in ${dataDir}.`);
    print(`Repository ${fullName}, policy .github/aaoe.yml:\n${DEMO_POLICY.replace(/^/gm, '    ')}`);

    const deliver = async (event: string, payload: unknown) => {
      const res = await h.deliver(event, payload);
      if (res.status !== 200) throw new Error(`the app answered ${res.status} to a ${event} delivery: ${res.body}`);
      await timeline.flush();
    };
    const pull = (number: number) =>
      sim.pullRequests({ owner: repo.owner, repo: repo.name }).find((p) => p.number === number) as Record<string, any>;
    const latestCheck = (sha: string) =>
      sim
        .checkRuns({ owner: repo.owner, repo: repo.name })
        .filter((r) => r.head_sha === sha && r.name === 'aaoe/policy')
        .at(-1);

    const changes: DemoChange[] = [];
    for (const [i, scenario] of SCENARIOS.entries()) {
      print(`\n== ${i + 1}. ${scenario.title}${scenario.regresses ? ' (its canary will regress)' : ''}`);
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
      timeline.say(`  ${AUTHOR} opens issue #${issue.number} and labels it aaoe: ${issue.html_url}`);
      await deliver('issues', issueLabelled(repo, issue, 'aaoe', AUTHOR));

      const execution = await getIssueExecution(runtime.db, fullName, issue.number as number);
      if (!execution?.pullRequest)
        throw new Error(
          `issue #${issue.number} did not become a pull request (execution ${execution?.state ?? 'missing'}): see the timeline above`,
        );
      const opened = pull(execution.pullRequest);
      const status = sim
        .comments({ owner: repo.owner, repo: repo.name, issueNumber: issue.number as number })
        .find((c) => String(c.body).includes('<!-- aaoe:status -->'));
      timeline.say(`  the agent's proposal is pull request #${opened.number}: ${opened.html_url}`);
      timeline.say(`  status comment on the issue: ${status?.html_url ?? '(none)'}`);
      // GitHub then sends pull_request.opened for the pull request the app opened
      await deliver('pull_request', pullRequestEvent(repo, 'opened', opened, `${sim.appSlug}[bot]`));
      const check = latestCheck(String(opened.head.sha));
      timeline.say(
        `  check aaoe/policy on ${String(opened.head.sha).slice(0, 7)}: ${check?.conclusion} (${check?.output.title}): ${check?.html_url}`,
      );

      const comment = sim.addComment({
        owner: repo.owner,
        repo: repo.name,
        issueNumber: opened.number,
        body: 'Read the diff and the rollback plan.\n\n/aaoe approve',
        user: MAINTAINER,
      });
      timeline.say(`  ${MAINTAINER} (maintain) comments /aaoe approve: ${comment.html_url}`);
      await deliver('issue_comment', commentCreated(repo, opened.number, comment, MAINTAINER, `${sim.url}/api/v3`));
      const approved = latestCheck(String(opened.head.sha));
      timeline.say(`  check aaoe/policy: ${approved?.conclusion} (${approved?.output.title})`);

      const merged = pull(opened.number);
      if (!merged.merged)
        throw new Error(
          `pull request #${opened.number} was not merged after the approval (execution ${(await getExecution(runtime.db, execution.id))?.state})`,
        );
      const mergeSha = String(merged.merge_commit_sha);
      timeline.say(`  AAOE merged #${opened.number} (merge: auto) as ${mergeSha.slice(0, 7)}`);
      if (scenario.regresses) runner.regressing.add(mergeSha);
      // GitHub sends pull_request.closed (merged); the app dispatches aaoe-deploy, the runner runs the action
      await deliver('pull_request', pullRequestEvent(repo, 'closed', merged, `${sim.appSlug}[bot]`));
      await runner.settled();
      await runtime.idle();
      await timeline.flush();
      const after = (await getExecution(runtime.db, execution.id))!;
      timeline.say(`  execution ${after.id.slice(0, 8)} is ${after.state}`);
      changes.push({
        issue: issue.number as number,
        pullRequest: opened.number,
        executionId: execution.id,
        mergeSha,
        deploy: runner.runs.find((r) => r.executionId === execution.id),
        execution: after,
      });
    }

    const { rows } = await runtime.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM breaker_failures WHERE repo = $1',
      [fullName],
    );
    print(
      `\nCircuit breaker for ${fullName} (production): ${rows[0]?.n ?? 0} failed deployment(s) counted; it freezes at 2 (circuitBreaker.maxFailures).`,
    );
    print(`GitHub requests the simulator refused: ${sim.rejections.length}`);
    return { sim, runtime, url: h.url, dataDir, repo, changes, runner, timeline, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** What `--ci` checks: every expected state reached; the problems, one per line. */
export async function demoProblems(run: DemoRun): Promise<string[]> {
  const problems: string[] = [];
  const [healthy, regressed] = run.changes;
  if (healthy?.execution.state !== 'completed')
    problems.push(`the first change ended ${healthy?.execution.state ?? 'nowhere'}, not completed`);
  if (regressed?.execution.state !== 'rolled_back')
    problems.push(`the second change ended ${regressed?.execution.state ?? 'nowhere'}, not rolled_back`);
  const { rows } = await run.runtime.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM breaker_failures WHERE repo = $1',
    [`${run.repo.owner}/${run.repo.name}`],
  );
  if (rows[0]?.n !== 1) problems.push(`the breaker counted ${rows[0]?.n ?? 0} failures, not 1`);
  if (run.sim.rejections.length > 0)
    problems.push(
      `the simulator refused ${run.sim.rejections.length} request(s): ${run.sim.rejections.map((r) => `${r.method} ${r.path}: ${r.reason}`).join('; ')}`,
    );
  return problems;
}

async function main(argv: string[]): Promise<number> {
  const ci = argv.includes('--ci');
  const run = await runDemo();
  const problems = await demoProblems(run);
  for (const problem of problems) console.error(`demo: ${problem}`);
  if (ci) {
    await run.close();
    console.log(
      problems.length === 0
        ? '\nThe demo reached every expected state.'
        : '\nThe demo did not reach every expected state.',
    );
    return problems.length === 0 ? 0 : 1;
  }
  console.log(`\nThe app keeps running (Ctrl-C stops it and deletes ${run.dataDir}):`);
  console.log(`  liveness    ${run.url}/healthz`);
  console.log(`  readiness   ${run.url}/readyz`);
  console.log(`  metrics     ${run.url}/metrics`);
  console.log(`  webhooks    ${run.url}/api/github/webhooks (signed with the demo's secret)`);
  console.log(`  GitHub      ${run.sim.url}/api/v3 (the simulator)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  console.log('\nStopping...');
  await run.close();
  return 0;
}

if (invokedDirectly(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
