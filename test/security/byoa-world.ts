import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { repositoryKey } from '../../src/adapters/github/dispatch-signature.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { AGENT_RESULT_PATH } from '../../src/contracts/agent-result.js';
import { runBundle, type BundleRun } from '../action/run-bundle.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';

/**
 * Bring your own agent, the world its tests share: the real app (signed deliveries) against the GitHub simulator,
 * whose default branch is a real git commit (so the agent job's checkout is the base AAOE names), and the committed
 * action bundle run as GitHub runs it in that checkout with a scripted agent command.
 */

export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
export const MASTER = 'byoa-master-secret';
export const KEY = repositoryKey(MASTER, INSTALLATION_ID, `${OWNER}/${REPO}`);

export const BASE_FILES: Record<string, string> = {
  'README.md': '# Hello-World\n\nA small service.\n',
  'src/server.ts': "export const port = 8080;\n\nexport function start() {\n  return 'ok';\n}\n",
  '.github/workflows/ci.yml': 'on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n',
};

/** A scripted agent: edits two files and prints a Claude Code `--output-format json` usage report. */
export function scriptedAgent(costUsd = 0.42): string {
  return [
    `printf 'export function health() {\\n  return 200;\\n}\\n' > src/health.ts`,
    `sed -i 's/8080/9090/' src/server.ts`,
    `echo '{"type":"result","subtype":"success","result":"Added a health check and moved the port.","total_cost_usd":${costUsd},"usage":{"input_tokens":1000,"output_tokens":200}}'`,
  ].join('\n');
}

export type World = {
  h: Harness;
  /** The checkout of the base commit the agent job runs in. */
  dirs: string[];
  checkout: string;
  baseSha: string;
  close(): Promise<void>;
};

export async function startWorld(): Promise<World> {
  const h = await startHarness({ reportSecret: MASTER, agent: undefined });
  h.sim.addInstallation({
    id: INSTALLATION_ID,
    account: OWNER,
    permissions: {
      checks: 'write',
      contents: 'write',
      issues: 'write',
      pull_requests: 'write',
      actions: 'read',
      metadata: 'read',
    },
  });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'alice', permission: 'write' });
  for (const [path, content] of Object.entries(BASE_FILES))
    h.sim.setFile({ owner: OWNER, repo: REPO, branch: 'master', path, content });
  const world: World = {
    h,
    dirs: [],
    checkout: '',
    baseSha: '',
    close: async () => {
      for (const d of world.dirs) rmSync(d, { recursive: true, force: true });
      await h.close();
    },
  };
  world.baseSha = commitBase(world);
  return world;
}

/**
 * A fresh git checkout holding BASE_FILES in one commit (fixed dates: always the same SHA); the simulator's default
 * branch is pointed at it.
 */
export function commitBase(world: World): string {
  const dir = mkdtempSync(join(tmpdir(), 'aaoe-byoa-'));
  world.dirs.push(dir);
  world.checkout = dir;
  for (const [path, content] of Object.entries(BASE_FILES)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' },
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  const sha = git('rev-parse', 'HEAD').trim();
  world.h.sim.setBranchSha({ owner: OWNER, repo: REPO, branch: 'master', sha });
  return sha;
}

export async function setConfig(world: World, content: string): Promise<void> {
  world.h.sim.setFile({ owner: OWNER, repo: REPO, branch: 'master', path: '.github/aaoe.yml', content });
  const push = examplePayload('push', undefined, (e: any) => e.ref === 'refs/heads/master' && !!e.installation);
  push.installation = { id: INSTALLATION_ID };
  expect((await world.h.deliver('push', push)).status).toBe(200);
}

/** An issue labelled by alice (a writer): the consent that starts agent work. */
export async function labelIssue(world: World, title: string, labels = ['aaoe', 'enhancement']): Promise<number> {
  const issue = world.h.sim.addIssue({
    owner: OWNER,
    repo: REPO,
    title,
    body: 'Please add it.',
    user: 'alice',
    labels,
  });
  const payload = examplePayload('issues', 'labeled');
  payload.issue = { ...payload.issue, ...issue };
  payload.label = { ...payload.label, name: 'aaoe' };
  payload.sender = { ...payload.sender, login: 'alice', type: 'User' };
  payload.installation = { id: INSTALLATION_ID };
  expect((await world.h.deliver('issues', payload)).status).toBe(200);
  return issue.number as number;
}

export function agentDispatches(world: World) {
  return world.h.sim.dispatches({ owner: OWNER, repo: REPO }).filter((d) => d.eventType.startsWith('aaoe-agent-'));
}

export async function executionOf(world: World, issue: number) {
  return (await listExecutions(world.h.runtime.db)).find((x) => x.repo === `${OWNER}/${REPO}` && x.issue === issue);
}

/** The committed bundle in agent mode, run as GitHub runs it for a dispatch, in the checkout. */
export async function runAgentJob(
  world: World,
  dispatch: { eventType: string; payload: unknown },
  options: { runId: number; command?: string; key?: string; path?: string; headSha?: string; addRun?: boolean },
): Promise<BundleRun> {
  if (options.addRun !== false)
    world.h.sim.addWorkflowRun({
      owner: OWNER,
      repo: REPO,
      id: options.runId,
      event: 'repository_dispatch',
      headSha: options.headSha ?? world.baseSha,
      path: options.path ?? `.github/workflows/${dispatch.eventType}.yml`,
    });
  const run = await runBundle(
    {
      mode: 'agent',
      'agent-command': options.command ?? scriptedAgent(),
      'usage-format': 'claude-json',
      'report-url': `${world.h.url}${AGENT_RESULT_PATH}`,
      'report-secret': options.key ?? KEY,
    },
    {
      event: { name: 'repository_dispatch', payload: { action: dispatch.eventType, client_payload: dispatch.payload } },
      env: {
        GITHUB_WORKSPACE: world.checkout,
        GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
        GITHUB_RUN_ID: String(options.runId),
        GIT_CONFIG_NOSYSTEM: '1',
      },
    },
  );
  world.dirs.push(run.dir);
  await world.h.runtime.idle();
  return run;
}

export async function modelCalls(world: World, executionId: string) {
  const { rows } = await world.h.runtime.db.query<{ model: string; cost_usd: string; tokens: number }>(
    'SELECT model, cost_usd::text AS cost_usd, (input_tokens + output_tokens)::int AS tokens FROM model_calls WHERE execution_id = $1 ORDER BY id',
    [executionId],
  );
  return rows;
}
