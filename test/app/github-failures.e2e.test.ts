import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelRouter, type ModelSpec } from '../../src/adapters/model/model-router.js';
import type { Proposal } from '../../src/core/agent/proposal.js';
import { readAudit } from '../../src/adapters/store/audit-log.js';
import { type AuditEntry } from '../../src/core/execution/records.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { type ExecutionRecord } from '../../src/core/execution/records.js';
import type { JobRecord } from '../../src/adapters/store/job-shapes.js';
import { FakeOpenAI } from '../core/agent/fake-openai.js';
import { AGENT, OWNER, REPO, added, prFlow } from '../security/pr-flow.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { EXTERNAL_PROPOSAL, proposalBody } from '../support/proposal-body.js';

/**
 * GitHub's answers that no retry changes end the work at once, visibly; the others are retried as jobs. End to end
 * over HTTP: the workflow refusal comes from the loopback GitHub itself (an installation without the `workflows`
 * permission, as `app.yml` asks for it); the refusals of each other effect's request are GitHub-shaped answers given
 * to that one request (test/github/github-faults.ts), everything else reaching the simulator.
 */

const MODEL: ModelSpec = { id: 'small-model', tier: 1, inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 };
const WORKFLOW = '.github/workflows/ci.yml';

let h: Harness;
let fake: FakeOpenAI;
const flow = prFlow(() => h, 500);

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  const router = new ModelRouter(new OpenAI({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 }), {
    models: [MODEL],
    tasks: { classify: { minTier: 1 }, propose: { minTier: 1 } },
    timeoutMs: 5_000,
  });
  // a short circuit that one failed request (3 attempts) does not open: each case shows what the job does about that
  // request's failure, not what the circuit does to the requests after it (test/app/github-outage.e2e.test.ts)
  h = await startHarness({
    agent: { router, contextBudgetTokens: 4_000, maxOutputTokens: 1_000 },
    reportSecret: 'test-report-secret',
    githubBounds: { circuitThreshold: 4, circuitBaseMs: 300, circuitMaxMs: 1_000 },
  });
  // the permissions app.yml asks for: no `workflows`
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
  const file = (path: string, content: string) =>
    h.sim.setFile({ owner: OWNER, repo: REPO, branch: 'master', path, content });
  file('src/server.ts', "export const server = 'ok';\n");
  file(WORKFLOW, 'on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n');
  h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'alice', permission: 'write' });
  h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'Codertocat', permission: 'admin' });
  await flow.setConfig(`trigger: { label: aaoe }\nagents: ['${AGENT}']\nmerge: auto\n`);
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});
beforeEach(() => {
  h.faults.clear();
  h.sim.resetRequests();
  fake.requests.length = 0;
});

function proposal(edits: Proposal['edits']): Proposal {
  return {
    summary: 'Change it.',
    classification: 'feature',
    edits,
    risk: { level: 'low', rationale: 'Small.' },
    cost: { estimatedTokens: 1500, estimatedUsd: 0.01 },
    deployment: { strategy: 'canary' },
    rollbackPlan: 'Revert the commit.',
    blastRadius: 'One file.',
  };
}
const answer = (p: unknown) => ({ content: JSON.stringify(p), usage: { prompt_tokens: 1200, completion_tokens: 400 } });
/** An edit of src/server.ts that changes it whatever an earlier (auto-merged) test left there. */
let edits = 0;
const serverEdit = (): Proposal['edits'] => [
  { action: 'update', path: 'src/server.ts', content: `export const server = 'changed ${++edits}';\n` },
];

/** A labelled issue, delivered; returns its execution as it is once the jobs are done. */
async function issueWork(title: string): Promise<{ number: number; x: ExecutionRecord }> {
  const issue = h.sim.addIssue({
    owner: OWNER,
    repo: REPO,
    title,
    body: 'src/server.ts needs a change.',
    user: 'alice',
    labels: ['aaoe', 'enhancement'],
  });
  const payload = examplePayload('issues', 'labeled');
  payload.issue = { ...payload.issue, ...issue };
  payload.label = { ...payload.label, name: 'aaoe' };
  payload.sender = { ...payload.sender, login: 'alice', type: 'User' };
  payload.installation = { id: INSTALLATION_ID };
  expect((await h.deliver('issues', payload)).status).toBe(200);
  await h.runtime.idle(60_000);
  return { number: issue.number as number, x: (await execution((x) => x.issue === issue.number))! };
}

async function execution(pick: (x: ExecutionRecord) => boolean): Promise<ExecutionRecord | undefined> {
  return (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find(pick);
}

async function auditOf(executionId: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for await (const entry of readAudit(h.runtime.db)) if (entry.executionId === executionId) entries.push(entry);
  return entries;
}

/** The effect jobs of an execution of one type (`request_proposal`, ...), whatever their state. */
async function jobsOf(executionId: string, type: string): Promise<JobRecord[]> {
  return (await h.runtime.queue.list({ limit: 1000 })).filter(
    (j) => (j.key ?? '').startsWith(`${executionId}:`) && (j.key ?? '').endsWith(`:${type}`),
  );
}

function statusComment(issue: number): string {
  const found = h.sim
    .comments({ owner: OWNER, repo: REPO, issueNumber: issue })
    .filter((c: any) => String(c.body).includes('<!-- aaoe:status -->'));
  expect(found).toHaveLength(1);
  return String(found[0]!.body);
}

const gitRefs = () =>
  h.sim.requests.filter((r) => r.method === 'POST' && r.path === `/repos/${OWNER}/${REPO}/git/refs`);

describe('a workflow edit without the `workflows` permission (GitHub answers 422)', () => {
  it('ends the execution failed at once, the status comment says why and what to do, and the job is not retried', async () => {
    fake.script(MODEL.id, answer(proposal([{ action: 'update', path: WORKFLOW, content: 'on: push\njobs: {}\n' }])));
    const branches = h.sim.branches({ owner: OWNER, repo: REPO }).length;
    const { number, x } = await issueWork('Speed up CI');

    expect(x.state).toBe('failed');
    expect(x.work!.failure).toMatch(
      /GitHub answered 422 to POST \/repos\/Codertocat\/Hello-World\/git\/refs: refusing to allow a GitHub App to create or update workflow `\.github\/workflows\/ci\.yml` without `workflows` permission/,
    );
    const comment = statusComment(number);
    expect(comment).not.toContain('the agent is writing a proposal');
    expect(comment).toContain('**AAOE: stopped: no pull request**');
    expect(comment).toContain('without `workflows` permission');
    expect(comment).toContain('grant it to the app');
    // asked once: the refusal is not retried (by Octokit nor by the queue), and nothing was left behind
    expect(gitRefs()).toHaveLength(1);
    const jobs = await jobsOf(x.id, 'request_proposal');
    expect(jobs.map((j) => [j.state, j.attempts])).toEqual([['completed', 1]]);
    expect(h.sim.branches({ owner: OWNER, repo: REPO })).toHaveLength(branches);
    expect(await h.runtime.queue.list({ state: 'failed' })).toEqual([]);
    const audit = await auditOf(x.id);
    expect(audit.map((e) => e.action)).toContain('github_refused');
    expect(audit.find((e) => e.action === 'failed')!.reason).toMatch(/request proposal: GitHub answered 422/);
    // the cost row counts the one model request that was sent
    expect(comment).toContain('in 1 model call |');
  }, 60_000);

  it("GitHub's answer quotes the proposed path: the status comment shows it as data, never as a mention", async () => {
    fake.script(
      MODEL.id,
      answer(proposal([{ action: 'create', path: '.github/workflows/@everyone.yml', content: 'on: push\n' }])),
    );
    const { number, x } = await issueWork('Add a workflow');
    expect(x.state).toBe('failed');
    const comment = statusComment(number);
    expect(comment).toContain('workflow `.github/workflows/@\u200deveryone.yml`');
    expect(comment).not.toMatch(/@everyone/);
  }, 60_000);

  it('a proposal that leaves the workflows alone goes through on the same installation', async () => {
    fake.script(MODEL.id, answer(proposal(serverEdit())));
    const { x } = await issueWork('Change the server');
    expect(x.state).toBe('approved');
    expect(gitRefs()).toHaveLength(1);
  }, 60_000);
});

describe('each effect: a permanent answer ends it with the reason, a transient one is retried as a job', () => {
  it('classify: a 404 ends the execution failed with the reason; a 502 is retried and the work goes on', async () => {
    h.faults.refuse({ method: 'GET', path: /\/git\/trees\//, status: 404, message: 'Not Found' });
    const failed = await issueWork('Classify me (refused)');
    expect(failed.x.state).toBe('failed');
    expect(failed.x.work!.failure).toMatch(
      /GitHub answered 404 to GET \/repos\/Codertocat\/Hello-World\/git\/trees\/[0-9a-f]+: Not Found.*The repository, branch or item is gone/,
    );
    expect(statusComment(failed.number)).toContain('Why: GitHub answered 404');
    expect((await jobsOf(failed.x.id, 'classify')).map((j) => j.attempts)).toEqual([1]);

    h.faults.refuse({ method: 'GET', path: /\/git\/trees\//, status: 502, message: 'Server Error', times: 3 });
    fake.script(MODEL.id, answer(proposal(serverEdit())));
    const retried = await issueWork('Classify me (outage)');
    expect(retried.x.state).toBe('approved');
    expect((await jobsOf(retried.x.id, 'classify'))[0]!.attempts).toBeGreaterThan(1);
  }, 60_000);

  it('request_proposal: a 502 on the branch is retried as a job; one branch, one pull request', async () => {
    h.faults.refuse({ method: 'POST', path: /\/git\/refs$/, status: 502, message: 'Server Error' });
    fake.script(MODEL.id, answer(proposal(serverEdit())));
    const { x } = await issueWork('Propose through an outage');
    expect(x.work?.failure).toBeUndefined();
    expect(x.state).toBe('approved');
    expect((await jobsOf(x.id, 'request_proposal'))[0]!.attempts).toBe(2);
    expect(
      h.sim.pullRequests({ owner: OWNER, repo: REPO }).filter((p: any) => p.head.ref === x.work!.branch),
    ).toHaveLength(1);
    expect(fake.requests).toHaveLength(1); // the proposal was kept: the retry did not ask the model again
  }, 60_000);

  it('post_status: a 403 ends that job (the audit log says why) and the work goes on; a 502 is retried', async () => {
    h.faults.refuse({
      method: 'POST',
      path: /\/issues\/\d+\/comments$/,
      status: 403,
      message: 'Resource not accessible by integration',
    });
    fake.script(MODEL.id, answer(proposal(serverEdit())));
    const { number, x } = await issueWork('Status refused once');
    expect(x.work?.failure).toBeUndefined();
    expect(x.state).toBe('approved');
    const refused = (await auditOf(x.id)).filter((e) => e.action === 'github_refused');
    expect(refused.map((e) => e.reason)).toEqual([
      expect.stringMatching(/^post_status: GitHub answered 403 .*Resource not accessible by integration/),
    ]);
    expect(statusComment(number)).toContain('the policy passes'); // a later status job wrote it

    h.faults.refuse({ method: 'POST', path: /\/issues\/\d+\/comments$/, status: 502, message: 'Server Error' });
    fake.script(MODEL.id, answer(proposal(serverEdit())));
    const again = await issueWork('Status in an outage');
    expect(again.x.state).toBe('approved');
    expect((await auditOf(again.x.id)).filter((e) => e.action === 'github_refused')).toEqual([]);
    statusComment(again.number);
  }, 60_000);

  it('evaluate_policy: a 422 on the check gives a failing check that says AAOE does not retry, the job ends, the pull request stays open to a push', async () => {
    const pr = flow.pullRequest([added('docs/refused.md', ['x'])]);
    h.faults.refuse({ method: 'POST', path: /\/check-runs$/, status: 422, message: 'Validation Failed' });
    await h.deliver('pull_request', pr.payload);
    const check = flow.checkFor(pr.headSha);
    expect(check.conclusion).toBe('failure');
    expect(check.output.summary).toContain(
      'GitHub answered 422 to POST /repos/Codertocat/Hello-World/check-runs: Validation Failed',
    );
    expect(check.output.summary).toContain('AAOE does not retry a refusal like this one');
    const x = (await execution((e) => e.pullRequest === pr.number))!;
    expect(x.state).toBe('proposed');
    expect((await jobsOf(x.id, 'evaluate_policy')).map((j) => [j.state, j.attempts])).toEqual([['completed', 1]]);
    // the next push is judged as usual
    const headSha = (pr.number.toString(16) + 'd'.repeat(40)).slice(0, 40);
    const pushed = h.sim.pushToPullRequest({
      owner: OWNER,
      repo: REPO,
      number: pr.number,
      headSha,
      files: [added('docs/refused.md', ['y'])] as never,
    });
    const sync = examplePayload('pull_request', 'synchronize');
    sync.number = pr.number;
    sync.pull_request = { ...sync.pull_request, ...pushed };
    sync.installation = { id: INSTALLATION_ID };
    await h.deliver('pull_request', sync);
    expect(flow.checkFor(headSha).conclusion).toBe('success');

    const ok = flow.pullRequest([added('docs/outage.md', ['x'])]);
    h.faults.refuse({ method: 'POST', path: /\/check-runs$/, status: 502, message: 'Server Error' });
    await h.deliver('pull_request', ok.payload);
    await h.runtime.idle(60_000);
    expect(
      h.sim
        .checkRuns({ owner: OWNER, repo: REPO })
        .filter((r: any) => r.head_sha === ok.headSha)
        .map((r: any) => r.conclusion),
    ).toEqual(['success']);
  }, 60_000);

  it('merge_pull_request: a 404 ends the job (audit) and leaves the approved pull request to a person', async () => {
    const pr = flow.pullRequest([added('docs/merge-refused.md', ['x'])]);
    h.faults.refuse({ method: 'PUT', path: /\/pulls\/\d+\/merge$/, status: 404, message: 'Not Found' });
    await h.deliver('pull_request', pr.payload);
    const x = (await execution((e) => e.pullRequest === pr.number))!;
    expect(x.state).toBe('approved');
    expect((await auditOf(x.id)).find((e) => e.action === 'github_refused')!.reason).toMatch(
      /^merge_pull_request: GitHub answered 404/,
    );
    expect((await jobsOf(x.id, 'merge_pull_request')).map((j) => j.attempts)).toEqual([1]);
    expect(
      (h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === pr.number) as any).merged,
    ).toBe(false);
  }, 60_000);

  it('dispatch_deploy: a 422 ends the merged execution failed with the reason; a 502 is retried and dispatches once; dispatch_rollback: a 404 ends it failed', async () => {
    const refused = await mergedPullRequest('docs/deploy-refused.md', { status: 422, message: 'Validation Failed' });
    expect(refused.state).toBe('failed');
    expect((await auditOf(refused.id)).find((e) => e.action === 'failed')!.reason).toMatch(
      /dispatch deploy: GitHub answered 422 to POST \/repos\/Codertocat\/Hello-World\/dispatches/,
    );
    expect((await jobsOf(refused.id, 'dispatch_deploy')).map((j) => j.attempts)).toEqual([1]);

    const before = h.sim.dispatches({ owner: OWNER, repo: REPO }).length;
    const retried = await mergedPullRequest('docs/deploy-outage.md', { status: 502, message: 'Server Error' });
    expect(retried.state).toBe('deploying');
    expect(h.sim.dispatches({ owner: OWNER, repo: REPO }).length).toBe(before + 1);
    expect((await jobsOf(retried.id, 'dispatch_deploy'))[0]!.attempts).toBe(2);

    // dispatch_rollback: a person asks for a rollback of that deployment, and GitHub answers 404 to its dispatch
    h.faults.refuse({ method: 'POST', path: /\/dispatches$/, status: 404, message: 'Not Found' });
    const said = h.sim.addComment({
      owner: OWNER,
      repo: REPO,
      issueNumber: retried.pullRequest!,
      body: '/aaoe rollback',
      user: { login: 'Codertocat', type: 'User' },
    });
    const payload = examplePayload('issue_comment', 'created');
    payload.issue = {
      ...payload.issue,
      number: retried.pullRequest,
      pull_request: { url: `${h.sim.url}/api/v3/repos/${OWNER}/${REPO}/pulls/${retried.pullRequest}` },
    };
    payload.comment = { ...payload.comment, ...said };
    payload.sender = { ...payload.sender, login: 'Codertocat', type: 'User' };
    payload.installation = { id: INSTALLATION_ID };
    await h.deliver('issue_comment', payload);
    await h.runtime.idle(60_000);
    const rolled = (await execution((e) => e.id === retried.id))!;
    expect(rolled.state).toBe('failed');
    expect((await auditOf(rolled.id)).find((e) => e.action === 'failed')!.reason).toMatch(
      /^rolling_back -> failed: dispatch rollback: GitHub answered 404/,
    );
    expect((await jobsOf(rolled.id, 'dispatch_rollback')).map((j) => j.attempts)).toEqual([1]);
  }, 60_000);
});

describe('GitHub away while an approval is judged', () => {
  it("an outage on the approver's role is retried, never judged as an unknown role", async () => {
    await flow.setConfig(
      `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\napprovals: { countReviews: true }\n`,
    );
    const number = 590;
    const headSha = (number.toString(16) + 'e'.repeat(40)).slice(0, 40);
    const pr = h.sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      user: { login: AGENT, type: 'Bot' },
      headRef: `change-${number}`,
      headSha,
      baseRef: 'master',
      labels: [],
      body: proposalBody({ ...EXTERNAL_PROPOSAL, risk: { level: 'medium', rationale: 'Touches two areas.' } }),
      files: [added('docs/approved.md', ['x'])] as never,
    });
    h.sim.addReview({ owner: OWNER, repo: REPO, number, user: 'alice', state: 'APPROVED', commitId: headSha });
    h.faults.refuse({
      method: 'GET',
      path: /\/collaborators\/alice\/permission$/,
      status: 502,
      message: 'Server Error',
      times: 3,
    });
    const opened = examplePayload('pull_request', 'opened');
    opened.number = number;
    opened.pull_request = { ...opened.pull_request, ...pr };
    opened.installation = { id: INSTALLATION_ID };
    await h.deliver('pull_request', opened);
    await h.runtime.idle(60_000);
    expect(h.faults.count('GET', /\/collaborators\/alice\/permission$/)).toBeGreaterThan(3);
    const runs = h.sim.checkRuns({ owner: OWNER, repo: REPO }).filter((r: any) => r.head_sha === headSha);
    expect(runs.map((r: any) => [r.conclusion, r.output.title])).toEqual([
      ['success', expect.stringMatching(/^Approved by alice/)],
    ]);
  }, 60_000);
});

/** A governed pull request, judged and auto-merged, and GitHub's `closed` delivery for the merge; its execution after. */
async function mergedPullRequest(
  path: string,
  dispatchFault?: { status: number; message: string },
): Promise<ExecutionRecord> {
  const pr = flow.pullRequest([added(path, ['x'])]);
  await h.deliver('pull_request', pr.payload);
  const merged = h.sim.pullRequests({ owner: OWNER, repo: REPO }).find((p: any) => p.number === pr.number) as any;
  expect(merged.merged).toBe(true);
  if (dispatchFault) h.faults.refuse({ method: 'POST', path: /\/dispatches$/, ...dispatchFault });
  const closed = examplePayload('pull_request', 'closed');
  closed.number = pr.number;
  closed.pull_request = { ...closed.pull_request, ...merged };
  closed.installation = { id: INSTALLATION_ID };
  await h.deliver('pull_request', closed);
  await h.runtime.idle(60_000);
  return (await execution((e) => e.pullRequest === pr.number))!;
}
