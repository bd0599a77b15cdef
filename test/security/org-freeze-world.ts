import { expect } from 'vitest';
import { readAudit } from '../../src/adapters/store/audit-log.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { type AuditEntry, type ExecutionRecord } from '../../src/core/execution/records.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';
import { EXTERNAL_PROPOSAL, proposalBody } from '../support/proposal-body.js';

/**
 * An organisation of three repositories under one installation, for stop the line (issue 25): the real app over
 * HTTP against the loopback GitHub, owners and a plain member of the organisation, the organisation's config in its
 * `.github` repository, and signed deliveries (pull requests, comments, labels, protection-rule requests) built
 * from GitHub's example payloads for any of the three repositories.
 */

export const OWNER = 'Codertocat';
export const REPOS = ['Hello-World', 'svc-b', 'svc-c'] as const;
export const AGENT = 'my-agent[bot]';
export const MASTER = 'org-freeze-report-secret';
const POLICY = `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`;
const ORG_CONFIG = 'organisation:\n  freezeTeams: [sre]\n  hotfix: { label: hotfix, approvals: 2 }\n';

export function orgFreezeWorld() {
  let h: Harness;
  let offsetMs = 0;
  let next = 700;
  /** A number no pull request or issue of `repo` has yet (issues take numbers too). */
  const nextNumber = (repo: string) => {
    const taken = (n: number) =>
      h.sim.pullRequests({ owner: OWNER, repo }).some((p) => p.number === n) ||
      h.sim.issues({ owner: OWNER, repo }).some((i) => i.number === n);
    while (taken(next)) next++;
    return next++;
  };
  const body = proposalBody({ ...EXTERNAL_PROPOSAL, risk: { level: 'medium', rationale: 'Touches two areas.' } });

  async function start() {
    h = await startHarness({ reportSecret: MASTER, timerIntervalMs: 100, now: () => new Date(Date.now() + offsetMs) });
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
    for (const repo of [...REPOS, '.github']) {
      h.sim.addRepo({ owner: OWNER, name: repo, defaultBranch: 'master', installationId: INSTALLATION_ID });
      for (const [username, permission] of [
        ['wendy-writer', 'write'],
        ['olga-owner', 'admin'],
        ['otto-owner', 'admin'],
        ['mia-member', 'write'],
      ] as const)
        h.sim.setPermission({ owner: OWNER, repo, username, permission });
    }
    for (const repo of REPOS) h.sim.setFile({ owner: OWNER, repo, path: '.github/aaoe.yml', content: POLICY });
    h.sim.setFile({ owner: OWNER, repo: '.github', path: '.github/aaoe.yml', content: ORG_CONFIG });
    h.sim.addOrgMember({ org: OWNER, login: 'olga-owner', role: 'admin' });
    h.sim.addOrgMember({ org: OWNER, login: 'otto-owner', role: 'admin' });
    h.sim.addOrgMember({ org: OWNER, login: 'mia-member', role: 'member' });
    h.sim.addOrgMember({ org: OWNER, login: 'sam-sre', role: 'member' });
    h.sim.addTeamMember({ org: OWNER, team: 'sre', login: 'sam-sre' });
  }

  /** An example payload of `event.action`, pointed at `repo` of the installation. */
  function payloadFor(event: string, action: string, repo: string): Record<string, any> {
    const payload = examplePayload(event, action);
    payload.repository = {
      ...payload.repository,
      name: repo,
      full_name: `${OWNER}/${repo}`,
      owner: { ...payload.repository.owner, login: OWNER },
    };
    payload.installation = { id: INSTALLATION_ID };
    return payload;
  }

  /** A governed pull request of an agent (by default `my-agent[bot]`), delivered; its number and head. */
  async function openPullRequest(
    repo: string,
    options: { labels?: string[]; author?: { login: string; id?: number } } = {},
  ) {
    const number = nextNumber(repo);
    const headSha = (number.toString(16) + 'd'.repeat(40)).slice(0, 40);
    const author = options.author ?? { login: AGENT };
    const pr = h.sim.addPullRequest({
      owner: OWNER,
      repo,
      number,
      user: { login: author.login, type: 'Bot', ...(author.id ? { id: author.id } : {}) },
      headRef: `change-${number}`,
      headSha,
      baseRef: 'master',
      labels: options.labels ?? [],
      body,
      files: [
        { filename: `docs/${number}.md`, status: 'added', additions: 1, deletions: 0, patch: '@@ -0,0 +1 @@\n+x' },
      ] as never,
    });
    const payload = payloadFor('pull_request', 'opened', repo);
    payload.number = number;
    payload.pull_request = { ...payload.pull_request, ...pr };
    await h.deliver('pull_request', payload);
    return { number, headSha, pr };
  }

  /** GitHub's `closed` (merged) delivery of a pull request a person merged. */
  async function merge(repo: string, number: number) {
    const pr = h.sim.pullRequests({ owner: OWNER, repo }).find((p: any) => p.number === number) as any;
    const sha = (number.toString(16) + 'e'.repeat(40)).slice(0, 40);
    const payload = payloadFor('pull_request', 'closed', repo);
    payload.number = number;
    payload.pull_request = { ...payload.pull_request, ...pr, state: 'closed', merged: true, merge_commit_sha: sha };
    await h.deliver('pull_request', payload);
    return sha;
  }

  /** `user` writes `text` on issue or pull request `number` of `repo`: the `issue_comment.created` delivery. */
  async function comment(repo: string, number: number, user: string, text: string, onPullRequest = true) {
    const type = user.endsWith('[bot]') ? 'Bot' : 'User';
    const json = h.sim.addComment({ owner: OWNER, repo, issueNumber: number, body: text, user: { login: user, type } });
    const payload = payloadFor('issue_comment', 'created', repo);
    payload.issue = { ...payload.issue, number };
    if (onPullRequest)
      payload.issue.pull_request = { url: `${h.sim.url}/api/v3/repos/${OWNER}/${repo}/pulls/${number}` };
    else delete payload.issue.pull_request;
    payload.comment = { ...payload.comment, ...json };
    payload.sender = { ...payload.sender, login: user, type };
    await h.deliver('issue_comment', payload);
  }

  /** An issue a maintainer labels with the trigger label: the `issues.labeled` delivery. */
  async function labelledIssue(repo: string) {
    const issue = h.sim.addIssue({
      owner: OWNER,
      repo,
      title: 'Add a health endpoint',
      body: 'Please add /healthz.',
      user: 'wendy-writer',
      labels: ['aaoe'],
    });
    const payload = payloadFor('issues', 'labeled', repo);
    payload.issue = { ...payload.issue, ...issue };
    payload.label = { ...payload.label, name: 'aaoe' };
    payload.sender = { ...payload.sender, login: 'olga-owner', type: 'User' };
    await h.deliver('issues', payload);
    return issue.number as number;
  }

  /** GitHub asks the deployment protection rule of `repo` about run `runId`. */
  async function askProtectionRule(repo: string, runId: number, sha: string) {
    const payload = payloadFor('pull_request', 'opened', repo);
    const ask = {
      action: 'requested',
      environment: 'production',
      event: 'repository_dispatch',
      deployment_callback_url: `${h.sim.url}/api/v3/repos/${OWNER}/${repo}/actions/runs/${runId}/deployment_protection_rule`,
      deployment: { ...examplePayload('deployment', 'created').deployment, sha, environment: 'production' },
      pull_requests: [],
      repository: payload.repository,
      installation: payload.installation,
      sender: payload.sender,
    };
    await h.deliver('deployment_protection_rule', ask);
    return h.sim.deploymentReviews({ owner: OWNER, repo }).find((r) => r.runId === runId);
  }

  /** The companion action's signed report that ends a deployment of the first repository as promoted. */
  async function promote(x: ExecutionRecord, sha: string) {
    const flow = governedFlow(() => h, {
      owner: OWNER,
      repo: REPOS[0],
      agent: AGENT,
      reportSecret: MASTER,
      firstPullRequest: 1,
    });
    const commands = [
      { name: 'deploy', exitCode: 0, durationMs: 1 },
      { name: 'promote', exitCode: 0, durationMs: 1 },
    ];
    const body = {
      executionId: x.id,
      sha,
      verdict: 'promote',
      outcome: 'success',
      title: 'ok',
      reason: 'healthy',
      commands,
    };
    const res = await flow.post(flow.report(body));
    expect(res.status).toBe(200);
    await h.runtime.idle();
  }

  function check(repo: string, headSha: string) {
    const runs = h.sim
      .checkRuns({ owner: OWNER, repo })
      .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy');
    expect(runs.length).toBeGreaterThan(0);
    return runs.at(-1) as any;
  }

  const replies = (repo: string, number: number) =>
    h.sim
      .comments({ owner: OWNER, repo, issueNumber: number })
      .filter((c: any) => c.user.login === 'aaoe[bot]')
      .map((c: any) => String(c.body));

  async function audit(match: (e: AuditEntry) => boolean): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for await (const e of readAudit(h.runtime.db)) if (match(e)) entries.push(e);
    return entries;
  }

  const execution = async (repo: string, number: number): Promise<ExecutionRecord | undefined> =>
    (await listExecutions(h.runtime.db, `${OWNER}/${repo}`)).find(
      (e) => e.pullRequest === number || e.issue === number,
    );

  return {
    harness: () => h,
    start,
    advance: (ms: number) => (offsetMs += ms),
    openPullRequest,
    merge,
    promote,
    comment,
    labelledIssue,
    askProtectionRule,
    check,
    replies,
    audit,
    execution,
    dispatches: (repo: string) => h.sim.dispatches({ owner: OWNER, repo }),
  };
}
