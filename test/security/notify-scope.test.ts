import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeliveryOptions,
  destinationServes,
  parseNotifyDestinations,
  type NotifyDestinations,
  type ResolvedDestination,
} from '../../src/adapters/notify/config.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { listNotificationDeliveries } from '../../src/adapters/store/notifications.js';
import { examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { startReceiver, type Receiver } from '../core/notify/support.js';

/**
 * Issue 19, low: notification destinations are global across installations. The operator defines destinations
 * (`AAOE_NOTIFY_DESTINATIONS`) and any repository's policy routes to one by name, so a repository of another
 * installation could send its events (and text its author wrote) into a channel the operator set up for someone
 * else. A destination scoped with `repositories:` only ever gets those repositories' events.
 */

const TENANT_A = { owner: 'Codertocat', repo: 'Hello-World', installationId: 4242 };
const TENANT_B = { owner: 'mallory-org', repo: 'tools', installationId: 5151 };

let h: Harness;
let slackA: Receiver;
let shared: Receiver;

beforeAll(async () => {
  slackA = await startReceiver([200]);
  shared = await startReceiver([200]);
  const notify: NotifyDestinations = {
    destinations: {
      // tenant A's channel, scoped to its repositories; `ops` is the operator's own, open to every repository
      'a-slack': { type: 'slack', url: slackA.url, repositories: [`${TENANT_A.owner}/*`] },
      ops: { type: 'slack', url: shared.url },
    },
    delivery: DeliveryOptions.parse({ attempts: 1, initialDelayMs: 0, maxDelayMs: 0, timeoutMs: 2000 }),
  };
  h = await startHarness({ notify, agent: undefined }); // no model: agent work fails at once, which is notified
  for (const t of [TENANT_A, TENANT_B]) {
    h.sim.addInstallation({
      id: t.installationId,
      account: t.owner,
      permissions: { checks: 'write', contents: 'write', issues: 'write', pull_requests: 'write', metadata: 'read' },
    });
    h.sim.addRepo({ owner: t.owner, name: t.repo, defaultBranch: 'master', installationId: t.installationId });
    h.sim.setPermission({ owner: t.owner, repo: t.repo, username: `${t.owner}-admin`, permission: 'admin' });
    // both policies route failures to tenant A's channel and to the operator's
    h.sim.setFile({
      owner: t.owner,
      repo: t.repo,
      branch: 'master',
      path: '.github/aaoe.yml',
      content:
        'trigger: { label: aaoe }\nnotifications:\n  - { to: a-slack, on: [failed] }\n  - { to: ops, on: [failed] }\n',
    });
  }
});
afterAll(async () => {
  await h?.close();
  await slackA?.close();
  await shared?.close();
});

/** A maintainer of `t` labels an issue: an execution starts and fails (no model is configured), which is notified. */
async function failedExecution(t: typeof TENANT_A) {
  const issue = h.sim.addIssue({
    owner: t.owner,
    repo: t.repo,
    title: 'Do it',
    body: 'Please.',
    user: `${t.owner}-admin`,
    labels: ['aaoe', 'enhancement'],
  });
  const payload = examplePayload('issues', 'labeled');
  payload.issue = { ...payload.issue, ...issue };
  payload.label = { ...payload.label, name: 'aaoe' };
  payload.repository = {
    ...payload.repository,
    name: t.repo,
    full_name: `${t.owner}/${t.repo}`,
    owner: { ...payload.repository.owner, login: t.owner },
  };
  payload.sender = { ...payload.sender, login: `${t.owner}-admin`, type: 'User' };
  payload.installation = { id: t.installationId };
  await h.deliver('issues', payload);
  const [x] = (await listExecutions(h.runtime.db, `${t.owner}/${t.repo}`)).filter((e) => e.issue === issue.number);
  expect(x!.state).toBe('failed');
  return x!;
}

describe('notification destinations scoped to repositories', () => {
  it("another installation's repository cannot route its events into a destination scoped to someone else", async () => {
    const b = await failedExecution(TENANT_B);
    expect(slackA.requests.map((r) => r.body).filter((body) => body.includes(TENANT_B.owner))).toEqual([]);
    expect(shared.requests.some((r) => r.body.includes(`${TENANT_B.owner}/${TENANT_B.repo}`))).toBe(true); // the operator's own one: global
    const deliveries = await listNotificationDeliveries(h.runtime.db, b.id);
    const refused = deliveries.find((d) => d.destination === 'a-slack');
    expect(refused).toMatchObject({ status: 'failed' });
    expect(refused!.lastError).toMatch(/not open to mallory-org\/tools/);
    expect(refused!.lastError).not.toContain(TENANT_A.owner); // nor does it say whose it is
  });

  it('the repositories it is scoped to still get their events', async () => {
    const before = slackA.requests.length;
    await failedExecution(TENANT_A);
    expect(slackA.requests.length).toBe(before + 1);
    expect(slackA.requests.at(-1)!.body).toContain(`${TENANT_A.owner}/${TENANT_A.repo}`);
  });
});

describe('the `repositories` key of a destination', () => {
  it('parses owner/* and owner/repo, and refuses anything else', () => {
    const parsed = parseNotifyDestinations(
      JSON.stringify({
        destinations: { a: { type: 'slack', url: 'https://x.example/h', repositories: ['acme/*', 'acme/api'] } },
      }),
      {},
    );
    expect(parsed).toMatchObject({
      ok: true,
      value: { destinations: { a: { repositories: ['acme/*', 'acme/api'] } } },
    });
    const bad = parseNotifyDestinations(
      JSON.stringify({ destinations: { a: { type: 'slack', url: 'https://x.example/h', repositories: ['*'] } } }),
      {},
    );
    expect(bad).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/destinations\.a\.repositories\.0: owner\/repo or owner\/\*/)],
    });
  });

  it.each([
    [undefined, 'any/repo', true],
    [['acme/*'], 'acme/api', true],
    [['acme/*'], 'ACME/Api', true],
    [['acme/*'], 'acme-evil/api', false],
    [['acme/api'], 'acme/api2', false],
    [['acme/api'], 'acme/api', true],
    [[], 'acme/api', false],
  ])('%j serves %s: %s', (repositories, repo, serves) => {
    const destination: ResolvedDestination = {
      type: 'slack',
      url: 'https://x.example/h',
      ...(repositories ? { repositories } : {}),
    };
    expect(destinationServes(destination, repo)).toBe(serves);
  });
});
