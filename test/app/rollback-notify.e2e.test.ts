import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNotifyDestinations } from '../../src/adapters/notify/config.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { listNotificationDeliveries } from '../../src/adapters/store/notifications.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * A failed canary, end to end over HTTP: the action's signed report rolls the change back; AAOE notifies a Slack
 * incoming webhook and a signed JSON webhook (loopback servers; the webhook answers 500 twice before it takes it),
 * comments on the pull request with the team mention, opens one debug issue with the evidence, and the second
 * failure trips the breaker, which is news of its own (`frozen`).
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';
const REPORT_SECRET = 'test-report-secret';
const HOOK_SECRET = 'loopback-webhook-secret-0123';

type Received = {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  answered: number;
};

let h: Harness;
let receiver: Server;
let receiverUrl = '';
const received: Received[] = [];
let webhookFailuresLeft = 2;

const flow = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: REPORT_SECRET,
  firstPullRequest: 900,
});

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const failing = req.url === '/hook' && webhookFailuresLeft-- > 0;
      const answered = failing ? 500 : 200;
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answered,
      });
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(failing ? 'boom' : 'ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const destinations = parseNotifyDestinations(
    JSON.stringify({
      destinations: {
        'ops-slack': { type: 'slack', url: `${receiverUrl}/slack` },
        pager: { type: 'webhook', url: `${receiverUrl}/hook`, secret: HOOK_SECRET },
      },
      delivery: { attempts: 4, initialDelayMs: 50, maxDelayMs: 200, timeoutMs: 2000 },
    }),
    {},
  );
  if (!destinations.ok) throw new Error(destinations.errors.join('; '));
  h = await startHarness({ reportSecret: REPORT_SECRET, notify: destinations.value });
  h.sim.addInstallation({
    id: INSTALLATION_ID,
    account: OWNER,
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
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'wendy-writer', permission: 'write' });
  await flow.setConfig(
    [
      `agents: ['${AGENT}']`,
      'risk: { maxLevel: high, requireHumanApprovalAbove: low }',
      'merge: auto',
      'circuitBreaker: { maxFailures: 2, freezeMinutes: 30 }',
      'selfHeal: propose-fix',
      'notifications:',
      '  - { to: ops-slack, on: [rollback, frozen] }',
      '  - { to: pager, on: [rollback, frozen] }',
      "  - { to: github, on: [rollback], mention: ['@Codertocat/sre'], where: [pull_request] }",
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** A governed change approved, merged and deployed, whose canary the action then rolls back. */
async function rolledBack(reason: string) {
  const { number } = await flow.openPullRequest();
  await h.deliver('issue_comment', flow.comment(number, 'wendy-writer', '/aaoe approve').payload);
  const pr = h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === number) as any;
  await h.deliver('pull_request', flow.pullRequestPayload('closed', pr));
  const x = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.pullRequest === number)!;
  expect(x.state).toBe('deploying');
  const res = await flow.post(
    flow.report({
      executionId: x.id,
      sha: pr.merge_commit_sha,
      verdict: 'rollback',
      outcome: 'failure',
      title: 'Canary regressed',
      reason,
      counts: { promote: 0, rollback: 2, inconclusive: 0 },
      intervals: [1, 2].map((index) => ({
        index,
        outcome: 'rollback',
        metrics: [
          {
            metric: 'error_rate',
            outcome: 'rollback',
            baseline: 0.01,
            canary: 0.034,
            effect: 3.4,
            pValue: 0.0004,
            threshold: 2,
            reason: 'error rate 3.4x the baseline',
          },
        ],
      })),
      commands: [
        { name: 'deploy', exitCode: 0, durationMs: 10 },
        { name: 'rollback', exitCode: 0, durationMs: 10 },
      ],
    }),
  );
  expect(res.status).toBe(200);
  await h.runtime.idle();
  return { number, x };
}

describe('a failed canary: rolled back, people told, the evidence in a debug issue, the breaker counting', () => {
  it('notifies Slack and a signed webhook (retried past two 500s without holding the execution), comments with the mention, opens one debug issue', async () => {
    const { number, x } = await rolledBack('error rate 3.4x the baseline @everyone <!-- aaoe:status -->');
    expect((await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.id === x.id)!.state).toBe(
      'rolled_back',
    );

    const slack = received.filter((r) => r.path === '/slack');
    expect(slack).toHaveLength(1);
    expect(JSON.parse(slack[0]!.body).text).toContain(`${OWNER}/${REPO}`);

    const hooks = received.filter((r) => r.path === '/hook');
    expect(hooks.map((r) => r.answered)).toEqual([500, 500, 200]);
    const delivered = hooks.at(-1)!;
    expect(delivered.headers['x-aaoe-signature-256']).toBe(
      `sha256=${createHmac('sha256', HOOK_SECRET).update(delivered.body).digest('hex')}`,
    );
    expect(new Set(hooks.map((r) => r.headers['x-aaoe-delivery'])).size).toBe(1); // one delivery id across the attempts
    const payload = JSON.parse(delivered.body);
    expect(payload).toMatchObject({
      version: 1,
      event: 'rollback',
      repository: `${OWNER}/${REPO}`,
      pullRequest: { number },
      execution: { id: x.id, state: 'rolled_back' },
    });

    const rows = await listNotificationDeliveries(h.runtime.db, x.id);
    expect(rows.find((r) => r.destination === 'pager')).toMatchObject({
      attempts: 3,
      status: 'delivered',
      lastStatus: 200,
    });

    const comments = h.sim.comments({ owner: OWNER, repo: REPO, issueNumber: number }).map((c: any) => String(c.body));
    expect(comments.some((c) => c.includes('@Codertocat/sre'))).toBe(true);

    const debug = [...h.sim.issues({ owner: OWNER, repo: REPO })].filter((i: any) =>
      i.labels.some((l: any) => l.name === 'aaoe-debug'),
    );
    expect(debug).toHaveLength(1);
    const body = String(debug[0]!.body);
    expect(body).toContain('error_rate');
    expect(body).toContain('```mermaid');
    expect(body).not.toContain('@everyone');
    expect(body).not.toContain('<!-- aaoe:status -->');
    // selfHeal: propose-fix: the debug issue carries the trigger label, and agent work on it starts with the
    // policy's consent (the label the app applied is not consent, so its webhooks start nothing)
    expect((debug[0] as any).labels.map((l: any) => l.name).sort()).toEqual(['aaoe', 'aaoe-debug']);
    const fix = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).filter((e) => e.issue === debug[0]!.number);
    expect(fix).toHaveLength(1);
    expect(fix[0]!.work?.issue?.labelledBy).toBe(`policy:selfHeal (debug issue of execution ${x.id})`);
    expect(h.sim.rejections).toEqual([]);
  });

  it('the second failure trips the breaker: Slack and the webhook hear "frozen"', async () => {
    const before = received.length;
    await rolledBack('latency +400 ms');
    const events = received
      .slice(before)
      .filter((r) => r.path === '/hook' && r.answered === 200)
      .map((r) => JSON.parse(r.body).event);
    expect(events.sort()).toEqual(['frozen', 'rollback']);
    expect(
      [...h.sim.issues({ owner: OWNER, repo: REPO })].filter((i: any) =>
        i.labels.some((l: any) => l.name === 'aaoe-debug'),
      ),
    ).toHaveLength(2); // one per rolled-back execution
    expect(h.sim.rejections).toEqual([]);
  });
});
