import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runtime } from '../adapters/store/runtime.js';
import type { GitHubSimulator } from '../../test/simulator/github-simulator.js';
import { invokedDirectly } from '../adapters/process/invoked-directly.js';
import { playScenario, type DemoChange } from './demo-change.js';
import type { DemoRepo } from './demo-deliveries.js';
import { urlsIn } from './demo-links.js';
import type { DemoRunner } from './demo-runner.js';
import { DEMO_POLICY, DEMO_REPO, MAINTAINER, SCENARIOS } from './demo-scenarios.js';
import type { Timeline } from './demo-timeline.js';
import { startWorld } from './demo-world.js';

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
 * Every step prints a link to what AAOE wrote there (the simulator's read-only pages of the issue, the pull request,
 * the check run, the comments, the debug issue) and to the execution on the dashboard, which is turned on (sign-in
 * through the simulator's OAuth web flow). Every link printed is then opened (`demo-links.ts`): each must answer 200
 * with the content it names. `--ci` runs the same scenario and exits (0 when every expected state was reached and
 * every link opened what it names); without it the app keeps listening until Ctrl-C.
 */

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
  /** Every line the demo printed (the links in them are what `--ci` opens). */
  printed: string[];
  close(): Promise<void>;
};

export type DemoOptions = {
  print?: (line: string) => void;
  /** The embedded store's directory; default a new temporary one (removed by `close`). */
  dataDir?: string;
};

/** Starts everything and runs the scenario; the app keeps running until `close()`. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoRun> {
  const printed: string[] = [];
  const print = (line: string) => {
    printed.push(line);
    if (options.print) options.print(line);
    else console.log(line);
  };
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'aaoe-demo-'));
  const repo = DEMO_REPO;
  const fullName = `${repo.owner}/${repo.name}`;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    // everything is closed even when one part fails to, and a failure is said
    for (const fn of closers.reverse())
      await fn().catch((error: unknown) => {
        print(`closing: ${error instanceof Error ? error.message : String(error)}`);
      });
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    print('Starting the GitHub simulator, the scripted model and the app (embedded store, no credentials)...');
    const world = await startWorld(dataDir, print, closers, repo);
    const { sim, runtime, h, runner, timeline } = world;
    print(
      `The app listens on ${h.url.replace('http://', '')}; GitHub is simulated on ${sim.url.replace('http://', '')}; the store is in ${dataDir}.`,
    );
    print(`Repository ${fullName}, policy .github/aaoe.yml:\n${DEMO_POLICY.replace(/^/gm, '    ')}`);

    const changes: DemoChange[] = [];
    for (const [i, scenario] of SCENARIOS.entries()) {
      print(`\n== ${i + 1}. ${scenario.title}${scenario.regresses ? ' (its canary will regress)' : ''}`);
      changes.push(await playScenario(world, repo, scenario));
    }

    const { rows } = await runtime.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM breaker_failures WHERE repo = $1',
      [fullName],
    );
    print(
      `\nCircuit breaker for ${fullName} (production): ${rows[0]?.n ?? 0} failed deployment(s) counted; it freezes at 2 (circuitBreaker.maxFailures).`,
    );
    print(`GitHub requests the simulator refused: ${sim.rejections.length}`);
    printLinks(timeline, { appUrl: h.url, repoUrl: `${sim.url}/${fullName}`, fullName, changes });
    return { sim, runtime, url: h.url, dataDir, repo, changes, runner, timeline, printed, close };
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
  problems.push(...(await run.timeline.links.check(run.printed, { appUrl: run.url, signInAs: MAINTAINER })));
  if (run.sim.rejections.length > 0)
    problems.push(
      `the simulator refused ${run.sim.rejections.length} request(s): ${run.sim.rejections.map((r) => `${r.method} ${r.path}: ${r.reason}`).join('; ')}`,
    );
  return problems;
}

/** The links to open once the story is told: GitHub's pages, the dashboard, the app's operations endpoints. */
function printLinks(
  timeline: Timeline,
  at: { appUrl: string; repoUrl: string; fullName: string; changes: DemoChange[] },
): void {
  const { appUrl } = at;
  timeline.say('\nWhat AAOE wrote, on the simulated GitHub (read-only pages; the links above open the same):');
  timeline.link('  repository', {
    url: at.repoUrl,
    names: `the repository page of ${at.fullName}`,
    contains: [at.fullName, ...at.changes.map((c) => `#${c.pullRequest} `)],
  });
  timeline.say(`The dashboard (sign in as ${MAINTAINER} on the simulated GitHub's sign-in page):`);
  timeline.link('  executions', {
    url: `${appUrl}/aaoe`,
    names: 'the dashboard',
    contains: ['Executions', ...at.changes.map((c) => c.executionId.slice(0, 8))],
    signedIn: true,
  });
  timeline.say('The app:');
  timeline.link('  liveness ', { url: `${appUrl}/healthz`, names: 'liveness', contains: ['"ok"'] });
  timeline.link('  readiness', { url: `${appUrl}/readyz`, names: 'readiness', contains: ['"checks"'] });
  timeline.link('  metrics  ', { url: `${appUrl}/metrics`, names: 'metrics', contains: ['aaoe_executions'] });
  timeline.say('  webhooks are signed POSTs to /api/github/webhooks (the demo signs them with its own secret)');
}

async function main(argv: string[]): Promise<number> {
  const ci = argv.includes('--ci');
  const run = await runDemo();
  console.log(`\nChecking every link printed above (${new Set(run.printed.flatMap(urlsIn)).size})...`);
  const problems = await demoProblems(run);
  for (const problem of problems) console.error(`demo: ${problem}`);
  if (ci) {
    await run.close();
    console.log(
      problems.length === 0
        ? '\nThe demo reached every expected state, and every link it printed opens what it names.'
        : `\nThe demo found ${problems.length} problem(s): see above.`,
    );
    return problems.length === 0 ? 0 : 1;
  }
  console.log(`\nThe app keeps running: open the links above (Ctrl-C stops it and deletes ${run.dataDir}).`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      resolve();
    });
    process.once('SIGTERM', () => {
      resolve();
    });
  });
  console.log('\nStopping...');
  await run.close();
  return 0;
}

if (invokedDirectly(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exit(code);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
