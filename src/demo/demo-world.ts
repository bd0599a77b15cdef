import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { readConfig } from '../adapters/config/config.js';
import { repositoryKey } from '../adapters/github/dispatch-signature.js';
import { ModelRouter } from '../adapters/model/model-router.js';
import { openRuntime, type Runtime } from '../adapters/store/runtime.js';
import { FakeOpenAI } from '../../test/core/agent/fake-openai.js';
import { startHarness, type Harness } from '../../test/support/app-harness.js';
import { GitHubSimulator } from '../../test/simulator/github-simulator.js';
import { DemoRunner } from './demo-runner.js';
import { AUTHOR, DEFAULT_BRANCH, FILES, MAINTAINER, MODEL, REPORT_SECRET } from './demo-scenarios.js';
import type { DemoRepo } from './demo-deliveries.js';
import { Timeline } from './demo-timeline.js';

/**
 * The demo's world: the GitHub simulator, the scripted model, the store, the real app (through the test harness),
 * the runner of the companion action, and the timeline that narrates; the repository installed and seeded.
 */

export type DemoWorld = {
  sim: GitHubSimulator;
  model: FakeOpenAI;
  runtime: Runtime;
  h: Harness;
  runner: DemoRunner;
  timeline: Timeline;
};

/** Starts every part; each one's close is pushed on `closers` as soon as it runs. */
export async function startWorld(
  dataDir: string,
  print: (line: string) => void,
  closers: Array<() => Promise<void>>,
  repo: DemoRepo,
): Promise<DemoWorld> {
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
    config: dashboardConfig(sim),
  });
  // the app's OAuth client on the simulated GitHub: its callback URL registered, as the setup flow does
  sim.oauth.callbackUrls = [`${h.url}/aaoe/callback`];
  // Probot's run() exits the process on SIGINT once its server stopped: the demo stops everything itself
  for (const listener of process.listeners('SIGINT'))
    if (!signalListeners.includes(listener)) process.off('SIGINT', listener);
  closers.push(() => h.close());
  const timeline = new Timeline(runtime.db, print);
  const runner = await startRunner(sim, h, timeline, repo);
  closers.push(() => runner.close());
  seedRepository(sim, repo);
  return { sim, model, runtime, h, runner, timeline };
}

/**
 * The app's settings: this process's environment, with the dashboard turned on (a session key of this run, and the
 * simulated GitHub's OAuth client to sign in with), as `.env` would set it; nothing is written to `process.env`.
 */
function dashboardConfig(sim: GitHubSimulator) {
  return readConfig({
    ...process.env,
    AAOE_SESSION_SECRET: randomBytes(32).toString('hex'),
    GITHUB_CLIENT_ID: sim.oauth.clientId,
    GITHUB_CLIENT_SECRET: sim.oauth.clientSecret,
  });
}

function startRunner(sim: GitHubSimulator, h: Harness, timeline: Timeline, repo: DemoRepo): Promise<DemoRunner> {
  return DemoRunner.start({
    sim,
    reportUrl: `${h.url}/aaoe/deploy-report`,
    // what the repository holds as the action's report-secret: its own key (`aaoe report-key`), never the app's secret
    reportSecret: repositoryKey(REPORT_SECRET, repo.installationId, `${repo.owner}/${repo.name}`),
    defaultBranch: DEFAULT_BRANCH,
    onStart: (d) => {
      timeline.say(
        `  runner: repository_dispatch aaoe-deploy for ${d.sha.slice(0, 7)}: running node action/dist/index.js, canary judged for 2 s against the loopback metrics source`,
      );
    },
    onFinish: (r) => {
      timeline.say(
        `  runner: the action finished: verdict ${r.verdict}, outcome ${r.outcome} (exit ${r.run.exitCode}); it posted its signed report to the app`,
      );
    },
  });
}

/** The installation, the repository with its files, and who may do what in it. */
function seedRepository(sim: GitHubSimulator, repo: DemoRepo): void {
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
}
