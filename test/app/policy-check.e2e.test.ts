import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { readAudit, verifyAudit } from '../../src/adapters/store/audit-log.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { proposalBody } from '../support/proposal-body.js';

/**
 * End to end over HTTP: signed deliveries built from @octokit/webhooks-examples go to the real app
 * (Probot's `run()`), which talks to the loopback GitHub simulator; every request the app makes is
 * checked against GitHub's OpenAPI description.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';
// Built at run time so that this file holds no literal key.
const AWS_KEY = ['AKIA', 'Z7XQ', 'M2PL', 'R4TB', 'V9WK'].join('');

let h: Harness;
let nextPr = 10;

beforeAll(async () => {
  h = await startHarness();
  h.sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await setConfig(`agents: ['${AGENT}']\n`);
});

/** Commits the config to the default branch and delivers the push, as GitHub would (it drops the cached policy). */
async function setConfig(content: string) {
  h.sim.setFile({ owner: OWNER, repo: REPO, branch: 'master', path: '.github/aaoe.yml', content });
  const push = examplePayload('push', undefined, (e: any) => e.ref === 'refs/heads/master' && !!e.installation);
  push.installation = { id: INSTALLATION_ID };
  expect((await h.deliver('push', push)).status).toBe(200);
}

type FileSpec = {
  filename: string;
  status?: string;
  patch?: string;
  additions?: number;
  deletions?: number;
  previous_filename?: string;
};

function added(filename: string, lines: string[]): FileSpec {
  return {
    filename,
    status: 'added',
    additions: lines.length,
    deletions: 0,
    patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`,
  };
}

/** A pull request in the simulator, and the matching `pull_request` delivery built from GitHub's own example. */
const PROPOSAL_BODY = proposalBody();

function pullRequest(options: {
  author?: string;
  authorType?: 'User' | 'Bot';
  labels?: string[];
  files: FileSpec[];
  action?: string;
  body?: string | null;
}) {
  const number = nextPr++;
  const headSha = (number.toString(16) + 'a'.repeat(40)).slice(0, 40);
  const pr = h.sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    user: { login: options.author ?? AGENT, type: options.authorType ?? 'Bot' },
    headRef: `change-${number}`,
    headSha,
    baseRef: 'master',
    labels: options.labels ?? [],
    body: options.body === undefined ? PROPOSAL_BODY : options.body,
    files: options.files as never,
  });
  const payload = examplePayload('pull_request', options.action ?? 'opened');
  payload.number = number;
  payload.pull_request = { ...payload.pull_request, ...pr };
  payload.installation = { id: INSTALLATION_ID, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' };
  return { number, headSha, payload };
}

/** A `check_suite.rerequested` delivery (somebody pressed "Re-run all checks") for a pull request's head. */
function checkSuiteRerequested(number: number, headSha: string) {
  const payload = examplePayload('check_suite', 'rerequested');
  payload.installation = { id: INSTALLATION_ID };
  payload.check_suite.head_sha = headSha;
  payload.check_suite.pull_requests[0].number = number;
  payload.check_suite.pull_requests[0].head.sha = headSha;
  return payload;
}

function checkFor(headSha: string) {
  const runs = h.sim
    .checkRuns({ owner: OWNER, repo: REPO })
    .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy');
  expect(runs.length).toBeGreaterThan(0);
  return runs.at(-1) as any;
}

describe('aaoe/policy over HTTP', () => {
  it('fails an agent PR that adds an AWS key and edits a workflow, annotating both, never echoing the key', async () => {
    const { headSha, payload } = pullRequest({
      files: [
        added('src/config.ts', ['export const region = "eu-west-1";', `export const awsKey = "${AWS_KEY}";`]),
        {
          filename: '.github/workflows/ci.yml',
          status: 'modified',
          additions: 1,
          deletions: 1,
          patch: '@@ -3,3 +3,3 @@ on:\n jobs:\n-  runs-on: ubuntu-22.04\n+  runs-on: ubuntu-24.04\n   steps:',
        },
      ],
    });
    const res = await h.deliver('pull_request', payload);
    expect(res.status).toBe(200);

    const check = checkFor(headSha);
    expect(check.conclusion).toBe('failure');
    expect(check.output.title).toMatch(/protected paths/);
    expect(check.output.title).toMatch(/secrets/);
    const annotations = check.output.annotations as any[];
    expect(annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'src/config.ts', start_line: 2, annotation_level: 'failure' }),
        expect.objectContaining({
          path: '.github/workflows/ci.yml',
          start_line: 3,
          annotation_level: 'failure',
          title: 'protected-path',
        }),
      ]),
    );
    expect(JSON.stringify(check)).not.toContain(AWS_KEY);
    expect(JSON.stringify(check)).not.toContain(AWS_KEY.slice(4));
  });

  it('passes a small docs change', async () => {
    const { headSha, payload } = pullRequest({ files: [added('docs/usage.md', ['# Usage', '', 'Run `npm start`.'])] });
    expect((await h.deliver('pull_request', payload)).status).toBe(200);
    const check = checkFor(headSha);
    expect(check.conclusion).toBe('success');
    expect(check.output.summary).toContain('| Risk | ✅ passed |');
  });

  it('passes an agent PR with no proposal block: AAOE derives what a revert can undo (issue 20)', async () => {
    const { headSha, payload } = pullRequest({
      files: [added('docs/usage.md', ['# Usage'])],
      body: 'I changed the docs.',
    });
    await h.deliver('pull_request', payload);
    const check = checkFor(headSha);
    expect(check.conclusion).toBe('success');
    expect(check.output.summary).toMatch(/Resilience \| ✅ passed \| A revert of the merge commit undoes the change/);
  });

  it('fails an agent PR whose block does not validate at the resilience gate, saying how to fix it', async () => {
    const body = '```aaoe-proposal\n{"summary": "x", "rollbackPlan": ""}\n```';
    const { headSha, payload } = pullRequest({ files: [added('docs/usage.md', ['# Usage'])], body });
    await h.deliver('pull_request', payload);
    const check = checkFor(headSha);
    expect(check.conclusion).toBe('failure');
    expect(check.output.summary).toMatch(
      /Resilience \| ❌ failed \| The pull request's `aaoe-proposal` block does not validate/,
    );
    expect(check.output.summary).toMatch(/rollbackPlan: must not be empty/);
  });

  it('takes the risk an external agent declares in its proposal block when it is higher, never lower', async () => {
    const declaredHigh = PROPOSAL_BODY.replace('"level":"low"', '"level":"high"');
    const { headSha, payload } = pullRequest({ files: [added('docs/usage.md', ['# Usage'])], body: declaredHigh });
    await h.deliver('pull_request', payload);
    expect(checkFor(headSha).output.summary).toMatch(
      /risk \*\*high\*\* \(AAOE's assessment: low, declared by the agent: high\)/,
    );
  });

  const highRisk = () => [
    added('db/migrations/0042_orders.sql', ['ALTER TABLE orders ADD COLUMN note text;']),
    added('infra/main.tf', ['resource "aws_s3_bucket" "logs" {', '  bucket = "logs"', '}']),
    {
      filename: 'package-lock.json',
      status: 'modified',
      additions: 2,
      deletions: 2,
      patch: '@@ -1,4 +1,4 @@\n {\n-  "version": "1.0.0",\n+  "version": "1.0.1",\n   "lockfileVersion": 3',
    },
  ];

  it('refuses a high-risk change under prod-policy with the risk reason', async () => {
    await setConfig(`extends: prod-policy\nagents: ['${AGENT}']\n`);
    const { headSha, payload } = pullRequest({ files: highRisk() });
    await h.deliver('pull_request', payload);
    const check = checkFor(headSha);
    expect(check.conclusion).toBe('failure');
    expect(check.output.summary).toMatch(/\| Risk \| ❌ failed \| Risk critical is above the policy's maxLevel medium/);
    expect(check.output.summary).toContain('prod-policy');
  });

  it('asks for a human approval for the same change when the policy allows it with approval', async () => {
    await setConfig(`agents: ['${AGENT}']\nrisk: { requireHumanApprovalAbove: medium, maxLevel: critical }\n`);
    const { headSha, payload } = pullRequest({ files: highRisk() });
    await h.deliver('pull_request', payload);
    const check = checkFor(headSha);
    expect(check.conclusion).toBe('action_required');
    expect(check.details_url).toBeTruthy();
    expect(check.output.title).toMatch(/Needs a human approval: risk/);
    expect(check.output.summary).toMatch(/above requireHumanApprovalAbove medium: a human approval is needed/);
    expect(check.output.summary).toMatch(/\/aaoe approve/);
  });

  it('judges a PR that loosens .github/aaoe.yml by the default branch policy, and fails it', async () => {
    await setConfig(`extends: prod-policy\nagents: ['${AGENT}']\n`);
    const loosened = `extends: standard\nagents: ['${AGENT}']\nrisk: { maxLevel: critical, requireHumanApprovalAbove: critical }\nprotectedPaths: { allow: ['.github/**'] }\n`;
    const { number, headSha, payload } = pullRequest({
      files: [
        {
          filename: '.github/aaoe.yml',
          status: 'modified',
          additions: 3,
          deletions: 1,
          patch: `@@ -1,2 +1,4 @@\n-extends: prod-policy\n+${loosened.trimEnd().split('\n').join('\n+')}`,
        },
        ...highRisk(),
      ],
    });
    h.sim.setFile({
      owner: OWNER,
      repo: REPO,
      branch: `change-${number}`,
      path: '.github/aaoe.yml',
      content: loosened,
    });
    await h.deliver('pull_request', payload);
    const check = checkFor(headSha);
    expect(check.conclusion).toBe('failure');
    expect(check.output.summary).toContain('prod-policy');
    expect(check.output.summary).toMatch(/\| Protected paths \| ❌ failed/);
    expect(check.output.annotations).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '.github/aaoe.yml', title: 'protected-path' })]),
    );
    // the config was read from the default branch only (and CODEOWNERS, for the blast radius, at the base commit);
    // the head's config is read by the policy preview alone (aaoe/policy-preview), never for the verdict
    const previewRead = (r: any) =>
      r.query?.ref === payload.pull_request.head.sha && /\/contents\/\.github(\/|%2F)aaoe\.yml$/i.test(r.path);
    const contentReads = h.sim.requests.filter((r: any) => r.path.includes('/contents/'));
    expect(
      contentReads.every(
        (r: any) =>
          previewRead(r) || !r.query?.ref || r.query.ref === 'master' || r.query.ref === payload.pull_request.base.sha,
      ),
    ).toBe(true);
  });

  it('accepts a config that overrides part of a preset', async () => {
    await setConfig(
      `extends: prod-policy\nagents: ['${AGENT}']\ndeployment: { autoRollback: { windowSeconds: 600 } }\n`,
    );
    const { headSha, payload } = pullRequest({ files: [added('docs/partial.md', ['x'])] });
    await h.deliver('pull_request', payload);
    expect(checkFor(headSha)).toMatchObject({
      conclusion: 'success',
      output: { summary: expect.stringContaining('prod-policy') },
    });
  });

  it('gives a human PR without the label a neutral check', async () => {
    const { headSha, payload } = pullRequest({
      author: 'octocat',
      authorType: 'User',
      files: [added('src/a.ts', ['x'])],
    });
    await h.deliver('pull_request', payload);
    const check = checkFor(headSha);
    expect(check.conclusion).toBe('neutral');
    expect(check.output.title).toBe('Not governed by AAOE');
  });

  it('keeps governing a PR whose trigger label was removed', async () => {
    const { number, headSha, payload } = pullRequest({
      author: 'octocat',
      authorType: 'User',
      files: [added('.github/workflows/x.yml', ['on: push'])],
      action: 'synchronize',
    });
    h.sim.addIssueEvent({
      owner: OWNER,
      repo: REPO,
      issueNumber: number,
      event: 'labeled',
      label: 'aaoe',
      actor: 'octocat',
    });
    h.sim.addIssueEvent({
      owner: OWNER,
      repo: REPO,
      issueNumber: number,
      event: 'unlabeled',
      label: 'aaoe',
      actor: 'octocat',
    });
    await h.deliver('pull_request', payload);
    const check = checkFor(headSha);
    expect(check.conclusion).toBe('failure');
  });

  it('governs a human PR that carries the label', async () => {
    const { headSha, payload } = pullRequest({
      author: 'octocat',
      authorType: 'User',
      labels: ['aaoe'],
      files: [added('docs/a.md', ['hello'])],
      action: 'labeled',
    });
    payload.label = { name: 'aaoe', color: 'ededed' };
    await h.deliver('pull_request', payload);
    expect(checkFor(headSha).conclusion).toBe('success');
  });

  it('fails with annotations into .github/aaoe.yml when the config does not validate', async () => {
    await setConfig(`agents: ['${AGENT}']\nrisk:\n  maxLevel: huge\n  requireHumanApprovalAbov: low\n`);
    const { headSha, payload } = pullRequest({ files: [added('docs/a.md', ['hello'])] });
    await h.deliver('pull_request', payload);
    const check = checkFor(headSha);
    expect(check.conclusion).toBe('failure');
    expect(check.output.title).toMatch(/The AAOE policy is invalid: 2 errors/);
    expect(check.output.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '.github/aaoe.yml', start_line: 3 }),
        expect.objectContaining({ path: '.github/aaoe.yml', start_line: 4 }),
      ]),
    );
  });

  it('re-evaluates on check_suite.rerequested', async () => {
    const { number, headSha } = pullRequest({ files: [added('docs/b.md', ['hi'])] });
    expect((await h.deliver('check_suite', checkSuiteRerequested(number, headSha))).status).toBe(200);
    expect(checkFor(headSha).conclusion).toBe('success');
  });

  it.each([
    ['a forged signature', 'sha256=' + '0'.repeat(64)],
    ['a signature made with another secret', 'other'],
    ['no signature', null],
  ])('answers %s with 4xx and makes no GitHub call', async (_name, signature) => {
    const { payload } = pullRequest({ files: [added('docs/c.md', ['x'])] });
    h.sim.resetRequests();
    const body = JSON.stringify(payload);
    const forged =
      signature === 'other' ? (await import('../support/app-harness.js')).sign(body, 'not-the-secret') : signature;
    const res = await h.deliver('pull_request', payload, { signature: forged });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(h.sim.requests).toEqual([]);
  });

  // one snapshot pinned to (base, head): the pair the delivery named, the files, then the pull request read after the
  // list (with its body): the files judged are those of the head the check is posted on, for one read of GitHub
  // (plus one list of its files in the delivery's own job, where the policy preview looks for a change to AAOE's config:
  // issue 25; the evaluation runs as another job, whose snapshot is pinned to the head it judges)
  it('costs four GitHub calls per pull request once the policy is cached: the file list of the preview, its files, the pull request with its body, the check', async () => {
    await h.deliver('pull_request', pullRequest({ files: [added('docs/warm-1.md', ['x'])] }).payload);
    const { payload } = pullRequest({ files: [added('docs/warm-2.md', ['y'])] });
    h.sim.resetRequests();
    await h.deliver('pull_request', payload);
    expect(h.sim.requests.map((r: any) => `${r.method} ${r.path.replace(/\d+/g, 'N')}`)).toEqual([
      'GET /repos/Codertocat/Hello-World/pulls/N/files',
      'GET /repos/Codertocat/Hello-World/pulls/N/files',
      'GET /repos/Codertocat/Hello-World/pulls/N',
      'POST /repos/Codertocat/Hello-World/check-runs',
    ]);
  });

  it('posts more than 50 annotations in batches of 50, as GitHub requires', async () => {
    const keys = Array.from(
      { length: 60 },
      (_, i) =>
        `const k${i} = "${AWS_KEY.slice(0, -2)}${String(i)
          .padStart(2, '0')
          .replace(/\d/g, (d) => 'QRSTUVWXYZ'[Number(d)]!)}";`,
    );
    const { headSha, payload } = pullRequest({ files: [added('src/keys.ts', keys)] });
    await h.deliver('pull_request', payload);
    const check = checkFor(headSha);
    expect(check.conclusion).toBe('failure');
    expect(check.output.annotations).toHaveLength(60);
    const writes = h.sim.requests.filter((r: any) => r.path.includes('/check-runs') && r.method !== 'GET');
    expect(writes.map((r: any) => r.method).slice(-2)).toEqual(['POST', 'PATCH']);
  });

  it('made no request that GitHub’s OpenAPI description rejects', () => {
    expect(h.sim.rejections).toEqual([]);
    expect(h.sim.unimplemented).toEqual([]);
  });
});

describe('intake: deliveries recorded, acknowledged at once, acted on once', () => {
  const checksOn = (headSha: string) =>
    h.sim
      .checkRuns({ owner: OWNER, repo: REPO })
      .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy');
  const executionOf = async (number: number) =>
    (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((x) => x.pullRequest === number);

  it('acknowledges a delivery while every GitHub request is held, and acts on it once GitHub answers', async () => {
    const { number, headSha, payload } = pullRequest({ files: [added('docs/held.md', ['x'])] });
    const release = h.sim.hold();
    try {
      expect((await h.deliver('pull_request', payload, { wait: false })).status).toBe(200);
      expect(checksOn(headSha)).toEqual([]);
    } finally {
      release();
    }
    await h.runtime.idle();
    expect(checksOn(headSha).map((r: any) => r.conclusion)).toEqual(['success']);
    expect((await executionOf(number))?.state).toBe('approved');
  });

  it('acts once on a delivery sent 100 times, 50 of them at once', async () => {
    const { number, headSha, payload } = pullRequest({ files: [added('docs/dup.md', ['x'])] });
    const id = 'c0ffee00-0000-4000-8000-000000000100';
    h.sim.resetRequests();
    const concurrent = await Promise.all(
      Array.from({ length: 50 }, () => h.deliver('pull_request', payload, { id, wait: false })),
    );
    const sequential = [];
    for (let i = 0; i < 50; i++) sequential.push(await h.deliver('pull_request', payload, { id, wait: false }));
    await h.runtime.idle();
    expect([...concurrent, ...sequential].every((r) => r.status === 200)).toBe(true);
    expect(checksOn(headSha)).toHaveLength(1);
    expect(h.sim.requests.filter((r: any) => r.method === 'POST' && r.path.endsWith('/check-runs'))).toHaveLength(1);
    const execution = await executionOf(number);
    expect(execution).toMatchObject({ state: 'approved', traceId: id });
    const { rows } = await h.runtime.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM deliveries WHERE id = $1',
      [id],
    );
    expect(rows[0]?.n).toBe(1);
  });

  // 5xx answers are retried inside Octokit twice (after 1 and 4 s); the third failure fails the job, which the queue retries
  it('retries a job that failed on GitHub errors, and still posts one check', async () => {
    const { number, headSha, payload } = pullRequest({ files: [added('docs/outage.md', ['x'])] });
    h.sim.failNext(3, 502);
    const id = 'c0ffee00-0000-4000-8000-000000000403';
    expect((await h.deliver('pull_request', payload, { id, wait: false })).status).toBe(200);
    await h.runtime.idle(60_000);
    expect(checksOn(headSha).map((r: any) => r.conclusion)).toEqual(['success']);
    // the delivery's job or the evaluation it caused met the errors and was retried
    const execution = await executionOf(number);
    const jobs = (await h.runtime.queue.list({ state: 'completed', limit: 1000 })).filter(
      (j) => j.key === `delivery:${id}` || (j.key ?? '').startsWith(`${execution!.id}:`),
    );
    expect(Math.max(...jobs.map((j) => j.attempts))).toBeGreaterThan(1);
    expect(await h.runtime.queue.list({ state: 'failed' })).toEqual([]);
  }, 90_000);

  /** A push to the pull request in the simulator, and its `synchronize` delivery. */
  function push(number: number, headSha: string, files: FileSpec[], updatedAt: string) {
    const pr = h.sim.pushToPullRequest({ owner: OWNER, repo: REPO, number, headSha, files: files as never });
    const sync = examplePayload('pull_request', 'synchronize');
    sync.number = number;
    sync.pull_request = { ...sync.pull_request, ...pr, updated_at: updatedAt };
    sync.installation = { id: INSTALLATION_ID };
    return sync;
  }
  const workflowEdit: FileSpec = {
    filename: '.github/workflows/ci.yml',
    status: 'modified',
    additions: 1,
    deletions: 0,
    patch: '@@ -1 +1,2 @@\n on: push\n+# x',
  };

  it('moves the execution with the pull request and records every step in the audit chain', async () => {
    const { number, headSha, payload } = pullRequest({ files: [added('docs/moves.md', ['x'])] });
    await h.deliver('pull_request', {
      ...payload,
      pull_request: { ...payload.pull_request, updated_at: '2026-11-23T10:00:00Z' },
    });
    const first = await executionOf(number);
    expect(first).toMatchObject({ state: 'approved', headSha });

    // a push that adds a workflow change: a new head, judged again, now blocked; then a re-run of the check
    const newSha = 'f'.repeat(40);
    const sync = push(number, newSha, [workflowEdit], '2026-11-23T10:05:00Z');
    await h.deliver('pull_request', sync);
    await h.deliver('check_suite', checkSuiteRerequested(number, newSha));
    const moved = await executionOf(number);
    expect(moved).toMatchObject({ id: first!.id, state: 'blocked', headSha: newSha });
    expect(checksOn(newSha).map((r: any) => r.conclusion)).toEqual(['failure', 'failure']);

    const entries = [];
    for await (const entry of readAudit(h.runtime.db)) if (entry.executionId === first!.id) entries.push(entry);
    expect(entries.map((e) => e.action)).toEqual([
      'received',
      'policy_evaluated',
      'pushed',
      'policy_evaluated',
      'evaluation_requested',
      'policy_evaluated',
    ]);
    expect(entries.at(-1)?.reason).toMatch(/^blocked -> blocked: failure: .*protected-paths failed/);
    expect(await verifyAudit(h.runtime.db)).toMatchObject({ ok: true });
  });

  it('does not move an execution back when an older delivery arrives after a newer one', async () => {
    const { number, payload } = pullRequest({ files: [added('docs/late.md', ['x'])] });
    const newSha = 'e'.repeat(40);
    const sync = push(number, newSha, [workflowEdit], '2026-11-23T11:05:00Z');
    // the push's delivery is acted on first, then the older `opened` arrives
    await h.deliver('pull_request', sync);
    await h.deliver('pull_request', {
      ...payload,
      pull_request: { ...payload.pull_request, updated_at: '2026-11-23T11:00:00Z' },
    });
    expect(await executionOf(number)).toMatchObject({ state: 'blocked', headSha: newSha });
    expect(checksOn(payload.pull_request.head.sha)).toEqual([]);
  });
});
