import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DispatchPayload } from '../../src/contracts/dispatch.js';
import { demoProblems, runDemo, type DemoRun } from '../../src/demo/demo.js';
import { urlsIn } from '../../src/demo/demo-links.js';
import { readAudit, verifyAudit } from '../../src/adapters/store/audit-log.js';
import { type AuditEntry } from '../../src/core/execution/records.js';

/**
 * `npm run demo -- --ci` as a test: the same scenario (the real app over HTTP, the GitHub simulator, the scripted
 * model, the committed action bundle as the runner), asserted on the GitHub objects and the store.
 */

let run: DemoRun;
const lines: string[] = [];

beforeAll(async () => {
  run = await runDemo({ print: (line) => lines.push(line) });
}, 300_000);
afterAll(async () => {
  await run?.close();
});

const repo = () => ({ owner: run.repo.owner, repo: run.repo.name });

async function auditOf(executionId: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for await (const entry of readAudit(run.runtime.db)) if (entry.executionId === executionId) entries.push(entry);
  return entries;
}

describe('the demo: two labelled issues through the whole pipeline', () => {
  it('reaches every expected state (what --ci checks)', async () => {
    expect(await demoProblems(run)).toEqual([]);
    expect(run.changes.map((c) => c.execution.state)).toEqual(['completed', 'rolled_back']);
  });

  it('each issue became one pull request by the app, judged action_required, then success after the approval, and merged', () => {
    for (const change of run.changes) {
      const pr = run.sim.pullRequests(repo()).find((p) => p.number === change.pullRequest) as any;
      expect(pr).toMatchObject({
        merged: true,
        state: 'closed',
        merge_commit_sha: change.mergeSha,
        user: { login: 'aaoe[bot]' },
      });
      expect(pr.body).toContain(`for #${change.issue}`);
      const checks = run.sim.checkRuns(repo()).filter((r) => r.head_sha === pr.head.sha && r.name === 'aaoe/policy');
      expect(checks.map((c) => c.conclusion)).toEqual(['action_required', 'success']);
      const comments = run.sim.comments({ ...repo(), issueNumber: change.pullRequest });
      expect(comments.some((c: any) => c.user.login === 'bob' && String(c.body).includes('/aaoe approve'))).toBe(true);
      expect(
        run.sim
          .comments({ ...repo(), issueNumber: change.issue })
          .filter((c: any) => String(c.body).includes('<!-- aaoe:status -->')),
      ).toHaveLength(1);
    }
  });

  it('dispatched aaoe-deploy once per merge, with a payload the action accepts, and the runner ran the bundle on each', () => {
    const dispatches = run.sim.dispatches(repo());
    expect(dispatches.map((d) => d.eventType)).toEqual(['aaoe-deploy', 'aaoe-deploy']);
    // the fields this scenario decides (the payload may carry more, such as a trace context)
    expect(dispatches.map((d) => DispatchPayload.parse(d.payload))).toMatchObject(
      run.changes.map((c) => ({
        version: 1,
        executionId: c.executionId,
        sha: c.mergeSha,
        environment: 'production',
        canaryPercent: 10,
        pullRequest: c.pullRequest,
      })),
    );
    const [healthy, regressed] = run.changes;
    expect(healthy!.deploy).toMatchObject({ verdict: 'promote', outcome: 'success', run: { exitCode: 0 } });
    expect(regressed!.deploy).toMatchObject({ verdict: 'rollback', outcome: 'failure', run: { exitCode: 1 } });
    expect(regressed!.deploy!.run.summary).toContain('## AAOE canary: ❌ Rolled back');
  });

  it('the audit log tells the story: approval by the maintainer, merge, deploy, verdict and the report', async () => {
    const [healthy, regressed] = run.changes;
    const first = await auditOf(healthy!.executionId);
    expect(first.find((e) => e.action === 'command:approve')).toMatchObject({ actor: 'bob' });
    expect(first.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'received',
        'proposal_ready',
        'policy_evaluated',
        'merge',
        'merged',
        'deploy_started',
        'canary_verdict',
        'promotion_finished',
        'deploy_report',
      ]),
    );
    const second = await auditOf(regressed!.executionId);
    expect(second.map((e) => e.action)).toEqual(
      expect.arrayContaining(['canary_verdict', 'rollback_finished', 'deploy_report']),
    );
    expect(second.find((e) => e.action === 'canary_verdict')!.reason).toMatch(/error-rate/);
    expect((await verifyAudit(run.runtime.db)).ok).toBe(true);
  });

  it('the circuit breaker counted the rolled-back canary (one failure: not frozen)', async () => {
    const { rows } = await run.runtime.db.query<{ execution_id: string }>(
      'SELECT execution_id FROM breaker_failures WHERE repo = $1',
      ['octo-org/shop'],
    );
    expect(rows.map((r) => r.execution_id)).toEqual([run.changes[1]!.executionId]);
    const { rows: freezes } = await run.runtime.db.query('SELECT id FROM freezes');
    expect(freezes).toEqual([]);
  });

  it('printed a timeline, and GitHub refused nothing', async () => {
    const text = lines.join('\n');
    for (const expected of [
      /command:approve .* by bob/,
      /canary_verdict\s+-> promoted/,
      /canary_verdict\s+-> rolling_back/,
      /rollback_finished\s+-> rolled_back/,
      /1 failed deployment\(s\) counted/,
      /pull request #\d+: http:\/\/127\.0\.0\.1:\d+\/octo-org\/shop\/pull\/\d+/,
    ]) {
      expect(text).toMatch(expected);
    }
    expect(run.sim.rejections).toEqual([]);
    expect(run.sim.unimplemented).toEqual([]);
    const health = await fetch(`${run.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await (await fetch(`${run.url}/metrics`)).text()).toMatch(/aaoe_executions\{state="completed"\} 1/);
  });

  it('printed a link to every page a newcomer needs, and each opens what it names (what --ci checks)', async () => {
    const text = lines.join('\n');
    const [healthy, regressed] = run.changes;
    const sim = run.sim.url;
    for (const expected of [
      new RegExp(
        `opens issue #${healthy!.issue} and labels it aaoe: ${sim}/octo-org/shop/issues/${healthy!.issue}$`,
        'm',
      ),
      new RegExp(`pull request #${regressed!.pullRequest}: ${sim}/octo-org/shop/pull/${regressed!.pullRequest}$`, 'm'),
      new RegExp(`check aaoe/policy on \\w{7}: action_required \\(.*\\): ${sim}/octo-org/shop/runs/\\d+$`, 'm'),
      new RegExp(`check aaoe/policy after the approval: success \\(.*\\): ${sim}/octo-org/shop/runs/\\d+$`, 'm'),
      /comments \/aaoe approve: http:\/\/\S+#issuecomment-\d+$/m,
      /AAOE opened debug issue #\d+ with the evidence: http:\/\/\S+\/octo-org\/shop\/issues\/\d+$/m,
      new RegExp(`executions: ${run.url}/aaoe$`, 'm'),
      new RegExp(`is rolled_back; on the dashboard: ${run.url}/aaoe/executions/${regressed!.executionId}$`, 'm'),
    ])
      expect(text).toMatch(expected);
    const urls = new Set(run.printed.flatMap(urlsIn));
    expect(urls.size).toBeGreaterThanOrEqual(20);
    expect(await run.timeline.links.check(run.printed, { appUrl: run.url, signInAs: 'bob' })).toEqual([]);
    // the check run's page is the gate table as GitHub renders it, with the approval
    const approvedCheck = lines.find((l) => l.includes('check aaoe/policy after the approval'))!;
    const page = await (await fetch(urlsIn(approvedCheck)[0]!)).text();
    expect(page).toMatch(/<tr><td>Risk<\/td><td>✋ needs approval<\/td>/);
    expect(page).toContain('Approved by @bob.');
  });

  it('says what the verdicts say: no "needs approval" beside a success, no reason cut inside a word', () => {
    const text = () => lines.join('\n');
    const approvedLines = lines.filter((l) => /policy_evaluated\s+-> approved/.test(l));
    expect(approvedLines).toHaveLength(2);
    for (const line of approvedLines) {
      expect(line).toContain('success: risk approved by bob');
      expect(line).not.toMatch(/needs[ _]approval/);
    }
    for (const line of lines) expect(line).not.toMatch(/\S…/);
    // the terminal shows the gate table once, and why the canary was rolled back
    expect(lines.filter((l) => /^ {6}\| Risk \| ✋ needs approval \|/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^ {6}\| Gate \| Result \| Why \|$/.test(l))).toHaveLength(1);
    expect(text()).toMatch(/^ {6}Why: error-rate in interval 1/m);
    // the canary's reason is whole or cut after a word
    const verdict = lines.find((l) => /canary_verdict\s+-> rolling_back/.test(l))!;
    expect(verdict).toMatch(/error-rate in interval 1: canary [\d.]+ vs baseline/);
  });
});
