import { expect } from 'vitest';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { type ExecutionRecord } from '../../src/core/execution/records.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * A repository AAOE governs and deploys, for the deploy-authority attacks (issue 19 holes 1, 14, 15, 17): the real
 * app over HTTP against the loopback GitHub, a policy that merges approved changes itself, and helpers that take a
 * governed pull request to a merge (AAOE then dispatches), end a deployment with the action's signed report, and
 * answer what GitHub's deployment protection rule asks.
 */

export const MASTER = 'test-master-report-secret';
export const AGENT = 'my-agent[bot]';
export const POLICY = (extra = '') =>
  `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\nmerge: auto\n${extra}`;

export function deployWorld(options: { owner: string; repo: string; firstPullRequest: number; now?: () => Date }) {
  let h: Harness;
  const harness = () => h;
  const flow = governedFlow(harness, {
    owner: options.owner,
    repo: options.repo,
    agent: AGENT,
    reportSecret: MASTER,
    firstPullRequest: options.firstPullRequest,
  });
  const where = { owner: options.owner, repo: options.repo };

  async function start(extra: Partial<Parameters<typeof startHarness>[0]> = {}) {
    h = await startHarness({
      reportSecret: MASTER,
      timerIntervalMs: 100,
      ...(options.now ? { now: options.now } : {}),
      ...extra,
    });
    h.sim.addInstallation({
      id: INSTALLATION_ID,
      account: options.owner,
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
    h.sim.addRepo({
      owner: options.owner,
      name: options.repo,
      defaultBranch: 'master',
      installationId: INSTALLATION_ID,
    });
    for (const [username, permission] of [
      ['wendy-writer', 'write'],
      ['ada-admin', 'admin'],
    ] as const)
      h.sim.setPermission({ ...where, username, permission });
    await flow.setConfig(POLICY());
    return h;
  }

  const execution = async (number: number): Promise<ExecutionRecord> =>
    (await listExecutions(h.runtime.db, `${options.owner}/${options.repo}`)).find((e) => e.pullRequest === number)!;
  const pull = (number: number) => h.sim.pullRequests(where).find((p: any) => p.number === number) as any;

  /** A governed pull request, approved: with `merge: auto` AAOE merges it; GitHub's `closed` delivery follows unless `deliverMerge: false`. */
  async function approved(deliverMerge = true) {
    const { number, headSha } = await flow.openPullRequest();
    await h.deliver('issue_comment', flow.comment(number, 'wendy-writer', '/aaoe approve').payload);
    const merged = pull(number);
    expect(merged.merged).toBe(true);
    if (deliverMerge) await h.deliver('pull_request', flow.pullRequestPayload('closed', merged));
    return { number, headSha, mergeSha: merged.merge_commit_sha as string, x: await execution(number) };
  }

  /** The action's report that ends a deployment (promoted, or rolled back by the action). */
  async function report(x: ExecutionRecord, sha: string, outcome: 'promote' | 'rollback') {
    const commands =
      outcome === 'promote'
        ? [
            { name: 'deploy', exitCode: 0, durationMs: 1 },
            { name: 'promote', exitCode: 0, durationMs: 1 },
          ]
        : [
            { name: 'deploy', exitCode: 0, durationMs: 1 },
            { name: 'rollback', exitCode: 0, durationMs: 1 },
          ];
    const res = await flow.post(
      flow.report({
        executionId: x.id,
        sha,
        verdict: outcome,
        outcome: outcome === 'promote' ? 'success' : 'failure',
        title: outcome,
        reason: outcome === 'rollback' ? 'error rate 3x the baseline' : 'healthy',
        commands,
      }),
    );
    expect(res.status).toBe(200);
    await h.runtime.idle();
  }

  const dispatches = () => h.sim.dispatches(where);
  const reviews = () => h.sim.deploymentReviews(where);
  const review = (runId: number) => reviews().find((r) => r.runId === runId);

  /** GitHub asks AAOE about run `runId` deploying to `environment` (deployment.sha as GitHub fills it). */
  async function askProtectionRule(
    runId: number,
    sha: string,
    options: { environment?: string; pr?: { number: number; headSha: string } } = {},
  ) {
    const payload: any = flow.protectionRule(runId, sha, options.pr);
    const environment = options.environment ?? 'production';
    payload.environment = environment;
    payload.deployment = { ...payload.deployment, environment };
    await h.deliver('deployment_protection_rule', payload);
    return review(runId);
  }

  return {
    harness,
    flow,
    start,
    execution,
    pull,
    approved,
    report,
    dispatches,
    reviews,
    review,
    askProtectionRule,
    where,
  };
}
