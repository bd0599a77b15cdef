import { ProbotOctokit } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDebugIssue } from '../../../src/workflows/debug-issue-work.js';
import { type NotifyPolicy, type NotifyPorts } from '../../../src/workflows/notify-ports.js';
import { GitHubAdapter } from '../../../src/adapters/github/github-adapter.js';
import { NotificationsPolicy } from '../../../src/core/notify/notifications-schema.js';
import { NO_DESTINATIONS } from '../../../src/adapters/notify/config.js';
import { DEBUG_LABEL, debugIssueMarker } from '../../../src/core/notify/debug-issue.js';
import { showExecution } from '../../../src/adapters/store/audit-log.js';
import { openDatabase, type Database } from '../../../src/adapters/store/database.js';
import { isDone, type EffectJob } from '../../../src/adapters/store/executions.js';
import type { Job } from '../../../src/adapters/store/job-shapes.js';
import { MIGRATIONS, migrate } from '../../../src/adapters/store/migrations.js';
import { getNotificationDeliveries } from '../../../src/adapters/store/notifications.js';
import { GitHubSimulator } from '../../simulator/github-simulator.js';
import { rollbackReport, rolledBackExecution } from './support.js';

const OWNER = 'acme';
const REPO = 'shop';
const INSTALLATION_ID = 4242;
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

let sim: GitHubSimulator;
let db: Database;
let github: GitHubAdapter;
let octokit: InstanceType<typeof ProbotOctokit>;

beforeAll(async () => {
  sim = await GitHubSimulator.start();
  sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  sim.addRepo({ owner: OWNER, name: REPO, installationId: INSTALLATION_ID });
  sim.addIssue({ owner: OWNER, repo: REPO, number: 5, title: 'Cache the product list', user: 'octocat' });
  sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number: 12,
    user: { login: 'aaoe[bot]', type: 'Bot' },
    headSha: 'b'.repeat(40),
    files: [],
  });
  octokit = new ProbotOctokit({
    auth: { token: sim.createInstallationToken(INSTALLATION_ID) },
    baseUrl: `${sim.url}/api/v3`,
    log: silent,
    retry: { enabled: false },
    throttle: { enabled: false },
  });
  github = new GitHubAdapter(octokit as never, { owner: OWNER, repo: REPO });
  db = await openDatabase({ memory: true });
  await migrate(db, MIGRATIONS);
}, 60_000);

afterAll(async () => {
  await sim?.close();
  await db?.close();
});

const ports: () => NotifyPorts = () => ({
  runtime: { db },
  now: () => new Date('2026-03-01T10:04:00.000Z'),
  destinations: NO_DESTINATIONS,
  latestDeployReport: async (_db, executionId) => rollbackReport({ executionId }),
  botLogin: async () => 'aaoe[bot]',
});

/** The job of the `open_debug_issue` effect that a rollback emits. */
function jobOf(executionId: string): Job<EffectJob> {
  const key = `${executionId}:7:3:open_debug_issue`;
  return {
    id: `job-${executionId}`,
    key,
    attempt: 0,
    data: { executionId, traceId: 'trace-1', effect: { type: 'open_debug_issue', key } },
  };
}

/** The open issues of the repository AAOE labelled as debug issues, as GitHub lists them. */
async function debugIssues(): Promise<
  Array<{ number: number; title: string; body: string; labels: string[]; author: string }>
> {
  const { data } = await octokit.rest.issues.listForRepo({
    owner: OWNER,
    repo: REPO,
    state: 'open',
    labels: DEBUG_LABEL,
  });
  return data.map((i) => ({
    number: i.number,
    title: i.title,
    body: i.body ?? '',
    labels: i.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
    author: i.user?.login ?? '',
  }));
}

describe('openDebugIssue on the GitHub simulator', () => {
  it('opens one issue across two runs (the second after a crash before it was marked done), labelled for selfHeal, and notifies the pull request', async () => {
    const execution = rolledBackExecution({ id: 'exec-heal' });
    const job = jobOf(execution.id);
    const policy: NotifyPolicy = {
      notifications: NotificationsPolicy.parse([
        { to: 'github', on: ['debug_issue'], where: ['pull_request'], mention: ['@acme/sre'] },
      ]),
      selfHeal: 'propose-fix',
      trigger: { label: 'aaoe' },
    };

    // the first run dies after GitHub opened the issue, before its outcome commits
    const dying: NotifyPorts = {
      ...ports(),
      runtime: { db: { ...db, transaction: () => Promise.reject(new Error('the process died')) } },
    };
    await expect(openDebugIssue(dying, job, execution, github, policy)).rejects.toThrow('the process died');
    expect(await isDone(db, job.key)).toBe(false);
    const [opened] = (await debugIssues()).filter((i) => i.body.includes(debugIssueMarker(execution.id)));
    expect(opened).toBeDefined();

    // the job runs again: it finds that issue by its marker instead of opening another
    const second = await openDebugIssue(ports(), job, execution, github, policy);
    expect(second).toEqual({
      issue: { number: opened!.number, url: expect.stringMatching(new RegExp(`/acme/shop/issues/${opened!.number}$`)) },
      created: false,
    });
    expect(await isDone(db, job.key)).toBe(true);

    const third = await openDebugIssue(ports(), job, execution, github, policy);
    expect(third).toEqual({ issue: null, created: false, reason: 'done already' });

    const issues = (await debugIssues()).filter((i) => i.body.includes(debugIssueMarker(execution.id)));
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    expect(issue!.author).toBe('aaoe[bot]');
    expect(issue!.labels).toEqual([DEBUG_LABEL, 'aaoe']);
    expect(issue!.title).toBe('AAOE rollback of #12: Roll back: 1 interval failed (limit 0, 3 intervals judged of 5)');
    expect(issue!.body).toContain('| 3 | error-rate |');
    expect(issue!.body).toContain('```mermaid\nxychart-beta');
    expect(issue!.body).toContain('The policy has `selfHeal: propose-fix`');

    // the route for debug_issue: one comment on the pull request (upserted by its marker on the second run)
    const comments = sim.comments({ owner: OWNER, repo: REPO, issueNumber: 12 }).map((c) => String(c.body));
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain(`@acme/sre **AAOE: debug issue opened**`);
    expect(comments[0]).toContain(`See: debug issue #${issue!.number}, pull request #12`);
    const [delivery] = await getNotificationDeliveries(db, `${job.key}:debug_issue`);
    expect(delivery).toMatchObject({ destination: 'github:pull_request#12', status: 'delivered' });

    const audit = (await showExecution(db, execution.id)).entries.map((e) => [e.action, e.reason]);
    expect(audit).toEqual([
      ['debug_issue_opened', `#${issue!.number} labelled aaoe-debug, aaoe (selfHeal: propose-fix)`],
    ]);

    expect(sim.rejections).toEqual([]);
    // one issue was created
    expect(sim.requests.filter((r) => r.method === 'POST' && r.path === `/repos/${OWNER}/${REPO}/issues`)).toHaveLength(
      1,
    );
    expect(sim.unimplemented).toEqual([]);
  });

  it('with selfHeal off, labels it aaoe-debug only; another execution gets its own issue', async () => {
    const execution = rolledBackExecution({ id: 'exec-plain' });
    const result = await openDebugIssue(ports(), jobOf(execution.id), execution, github, {
      notifications: [],
      trigger: { label: 'aaoe' },
    });
    expect(result.created).toBe(true);
    const issues = await debugIssues();
    const mine = issues.find((i) => i.number === result.issue!.number)!;
    expect(mine.labels).toEqual([DEBUG_LABEL]);
    expect(mine.body).toContain('With `selfHeal: propose-fix` in the policy');
    expect(issues.filter((i) => i.body.includes(debugIssueMarker('exec-heal')))).toHaveLength(1);
    expect(sim.rejections).toEqual([]);
  });
});
