import type { components } from '@octokit/openapi-webhooks-types';
import { expect } from 'vitest';
import { signBody } from '../../src/adapters/github/signature.js';
import { repositoryKey } from '../../src/adapters/github/dispatch-signature.js';
import { readAudit } from '../../src/adapters/store/audit-log.js';
import { type AuditEntry } from '../../src/core/execution/records.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { INSTALLATION_ID, examplePayload, type Harness } from './app-harness.js';
import { EXTERNAL_PROPOSAL, proposalBody } from './proposal-body.js';

/**
 * A governed pull request's life over HTTP, for end-to-end tests of the real app: the config pushed, pull requests
 * opened by an agent, comments, button presses, protection-rule requests and the action's signed reports, each a
 * signed delivery built from GitHub's own example payloads; and what the loopback GitHub and the store hold after.
 */
export function governedFlow(
  harness: () => Harness,
  options: { owner: string; repo: string; agent: string; reportSecret: string; firstPullRequest: number },
) {
  const { owner: OWNER, repo: REPO, agent: AGENT, reportSecret: REPORT_SECRET } = options;
  let nextPr = options.firstPullRequest;
  /** A pull request number not used yet (issues the app opened take numbers too). */
  const nextNumber = () => {
    const sim = harness().sim;
    const taken = (n: number) =>
      sim.pullRequests({ owner: OWNER, repo: REPO }).some((p) => p.number === n) ||
      sim.issues({ owner: OWNER, repo: REPO }).some((i) => i.number === n);
    while (taken(nextPr)) nextPr++;
    return nextPr++;
  };

  async function setConfig(content: string) {
    harness().sim.setFile({ owner: OWNER, repo: REPO, branch: 'master', path: '.github/aaoe.yml', content });
    const push = examplePayload('push', undefined, (e: any) => e.ref === 'refs/heads/master' && !!e.installation);
    push.installation = { id: INSTALLATION_ID };
    expect((await harness().deliver('push', push)).status).toBe(200);
  }

  const mediumBody = proposalBody({ ...EXTERNAL_PROPOSAL, risk: { level: 'medium', rationale: 'Touches two areas.' } });
  const file = (filename: string) => ({
    filename,
    status: 'added',
    additions: 1,
    deletions: 0,
    patch: '@@ -0,0 +1 @@\n+x',
  });

  /** A governed pull request that needs an approval, delivered; returns its number and head. */
  async function openPullRequest(
    options: {
      author?: string;
      authorType?: 'User' | 'Bot';
      labels?: string[];
      files?: string[];
      headSha?: string;
    } = {},
  ) {
    const number = nextNumber();
    const headSha = options.headSha ?? (number.toString(16) + 'b'.repeat(40)).slice(0, 40);
    const pr = harness().sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      user: { login: options.author ?? AGENT, type: options.authorType ?? 'Bot' },
      headRef: `change-${number}`,
      headSha,
      baseRef: 'master',
      labels: options.labels ?? [],
      body: mediumBody,
      files: (options.files ?? [`docs/${number}.md`]).map(file) as never,
    });
    await harness().deliver('pull_request', pullRequestPayload('opened', pr));
    expect(latestCheck(headSha).conclusion).toBe('action_required');
    return { number, headSha, pr };
  }

  function pullRequestPayload(action: string, pr: Record<string, any>) {
    const payload = examplePayload('pull_request', action);
    payload.number = pr.number;
    payload.pull_request = { ...payload.pull_request, ...pr };
    payload.installation = { id: INSTALLATION_ID };
    return payload;
  }

  /** A comment written by `user` on pull request `number`, and its `issue_comment` delivery (GitHub's example). */
  function comment(
    number: number,
    user: string,
    body: string,
    type: 'User' | 'Bot' = user.endsWith('[bot]') ? 'Bot' : 'User',
  ) {
    const json = harness().sim.addComment({
      owner: OWNER,
      repo: REPO,
      issueNumber: number,
      body,
      user: { login: user, type },
    });
    return { id: json.id as number, payload: commentPayload('created', number, json, user, type) };
  }

  function commentPayload(
    action: 'created' | 'edited',
    number: number,
    json: Record<string, unknown>,
    user: string,
    type: 'User' | 'Bot',
  ) {
    const payload = examplePayload('issue_comment', action);
    payload.issue = {
      ...payload.issue,
      number,
      pull_request: { url: `${harness().sim.url}/api/v3/repos/${OWNER}/${REPO}/pulls/${number}` },
    };
    payload.comment = { ...payload.comment, ...json };
    payload.sender = { ...payload.sender, login: user, type };
    payload.installation = { id: INSTALLATION_ID };
    return payload;
  }

  /** Somebody pressed a button of the latest `aaoe/policy` check run on `headSha`. */
  function buttonPress(number: number, headSha: string, by: string, identifier = 'approve') {
    const run = latestCheck(headSha);
    const payload = examplePayload('check_run', 'requested_action');
    payload.check_run = {
      ...payload.check_run,
      id: run.id,
      name: 'aaoe/policy',
      head_sha: headSha,
      pull_requests: [
        {
          ...payload.check_run.pull_requests[0],
          number,
          head: { ...payload.check_run.pull_requests[0].head, sha: headSha },
        },
      ],
    };
    payload.requested_action = { identifier };
    payload.repository = examplePayload('pull_request', 'opened').repository; // the example is another repository's
    payload.sender = { ...payload.sender, login: by, type: 'User' };
    payload.installation = { id: INSTALLATION_ID };
    return payload;
  }

  /**
   * A `deployment_protection_rule.requested` delivery. @octokit/webhooks-examples has no example of this event,
   * so it is built field by field against GitHub's own webhook schema (the type from @octokit/openapi-webhooks-types).
   */
  function protectionRule(runId: number, sha: string, pr?: { number: number; headSha: string }) {
    const base = examplePayload('pull_request', 'opened');
    const payload = {
      action: 'requested',
      environment: 'production',
      event: 'push',
      deployment_callback_url: `${harness().sim.url}/api/v3/repos/${OWNER}/${REPO}/actions/runs/${runId}/deployment_protection_rule`,
      deployment: { ...examplePayload('deployment', 'created').deployment, sha, environment: 'production' },
      pull_requests: pr
        ? [{ ...base.pull_request, number: pr.number, head: { ...base.pull_request.head, sha: pr.headSha } }]
        : [],
      repository: base.repository,
      installation: { id: INSTALLATION_ID, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' },
      sender: base.sender,
    } satisfies Partial<components['schemas']['webhook-deployment-protection-rule-requested']>;
    return payload;
  }

  /** A report of the companion action (version 1), as `action/README.md` documents it. */
  const report = (over: Record<string, unknown>) => ({
    version: 1,
    environment: 'production',
    deploymentId: null,
    mode: 'canary',
    title: 't',
    reason: 'r',
    counts: null,
    intervals: [],
    commands: [],
    run: { repository: `${OWNER}/${REPO}`, runId: '1', runAttempt: '1', url: null },
    at: new Date().toISOString(),
    ...over,
  });
  /** Sends a report to the app, signed with the repository's key (derived from the report secret) unless a signature is given. */
  const post = (body: unknown, signature?: string) => {
    const text = JSON.stringify(body);
    const key = repositoryKey(REPORT_SECRET, INSTALLATION_ID, `${OWNER}/${REPO}`);
    return fetch(`${harness().url}/aaoe/deploy-report`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-aaoe-signature-256': signature ?? signBody(text, key) },
      body: text,
    });
  };

  function latestCheck(headSha: string) {
    const runs = harness()
      .sim.checkRuns({ owner: OWNER, repo: REPO })
      .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy');
    expect(runs.length).toBeGreaterThan(0);
    return runs.at(-1) as any;
  }

  function replies(number: number) {
    return harness()
      .sim.comments({ owner: OWNER, repo: REPO, issueNumber: number })
      .filter((c: any) => c.user.login === 'aaoe[bot]')
      .map((c: any) => String(c.body));
  }

  async function auditOf(number: number): Promise<AuditEntry[]> {
    const [x] = (await listExecutions(harness().runtime.db, `${OWNER}/${REPO}`)).filter(
      (e) => e.pullRequest === number,
    );
    const entries: AuditEntry[] = [];
    for await (const entry of readAudit(harness().runtime.db)) if (entry.executionId === x!.id) entries.push(entry);
    return entries;
  }

  return {
    setConfig,
    mediumBody,
    file,
    nextNumber,
    openPullRequest,
    pullRequestPayload,
    comment,
    commentPayload,
    buttonPress,
    protectionRule,
    report,
    post,
    latestCheck,
    replies,
    auditOf,
  };
}
