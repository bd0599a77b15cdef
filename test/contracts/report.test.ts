import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportIntervals } from '../../action/src/report.js';
import { type Report } from '../../src/contracts/report.js';
import { run } from '../../action/src/run.js';
import { type ActionIO } from '../../action/src/action-context.js';
import { signDispatch, repositoryKey } from '../../src/adapters/github/dispatch-signature.js';
import { ROLLBACK_EVENT_TYPE } from '../../src/contracts/dispatch.js';
import { DeployReport, REPORT_MODES, REPORT_PATH, REPORT_SIGNATURE_HEADER } from '../../src/contracts/report.js';
import { analyzeCanary } from '../../src/core/canary/analyze-canary.js';
import { metricsFromPolicy, planFromPolicy } from '../../src/core/canary/plan-from-policy.js';
import { interval } from '../core/canary/samples.js';

// The app <-> action contract for the report, checked at run time: a report the action's own code writes parses
// with the app's own schema (src/contracts/report.ts), extra fields kept as they came.

const NOW = new Date('2026-12-01T10:00:00Z');
const SHA = 'd'.repeat(40);
const KEY = repositoryKey('master-secret-for-contract-tests', 4242, 'octo-org/shop');

/** Runs the action (rollback mode, on a signed `aaoe-rollback` dispatch) and returns its `report` output. */
async function actionReport(rollbackCommand: string): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'aaoe-contract-'));
  const unsigned = {
    version: 1 as const,
    executionId: 'exe_01JREPORT',
    sha: SHA,
    environment: 'production',
    repository: 'octo-org/shop',
    issuedAt: NOW.toISOString(),
  };
  const payload = { ...unsigned, signature: signDispatch({ ...unsigned, eventType: ROLLBACK_EVENT_TYPE }, KEY) };
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ action: ROLLBACK_EVENT_TYPE, client_payload: payload }));
  const inputs: Record<string, string> = {
    mode: 'rollback',
    'rollback-command': rollbackCommand,
    'report-secret': KEY,
  };
  const outputs: Record<string, string> = {};
  const io: ActionIO = {
    input: (name) => inputs[name] ?? '',
    setOutput: (name, value) => {
      outputs[name] = value;
    },
    appendSummary: async () => {},
    info: () => {},
    warning: () => {},
    error: () => {},
    setFailed: () => {},
    env: {
      GITHUB_EVENT_NAME: 'repository_dispatch',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: 'octo-org/shop',
      GITHUB_RUN_ID: '99',
      GITHUB_SERVER_URL: 'https://github.com',
      RUNNER_TEMP: dir,
    },
    now: () => NOW,
    sleep: async () => {},
  };
  await run(io);
  const json = outputs.report;
  if (json === undefined) throw new Error('the action wrote no report');
  return JSON.parse(json);
}

describe('the report contract', () => {
  it('names the path and the header both sides use', () => {
    expect(REPORT_PATH).toBe('/aaoe/deploy-report');
    expect(REPORT_SIGNATURE_HEADER).toBe('x-aaoe-signature-256');
    expect(REPORT_MODES).toEqual(['canary', 'health', 'rollback', 'policy']);
  });

  it.each([
    ['true', 'rolled-back', 'success'],
    ['exit 3', 'error', 'failure'],
  ])('a rollback report the action writes (command `%s`) parses with the app schema', async (cmd, verdict, outcome) => {
    const written = await actionReport(cmd);
    const parsed = DeployReport.safeParse(written);
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    expect(parsed.data).toMatchObject({ executionId: 'exe_01JREPORT', sha: SHA, mode: 'rollback', verdict, outcome });
    expect(parsed.data.commands).toEqual([expect.objectContaining({ name: 'rollback' })]);
    // what the app does not act on is kept as it came
    expect(parsed.data).toMatchObject({ environment: 'production', at: NOW.toISOString() });
    expect(parsed.data.run?.url).toBe('https://github.com/octo-org/shop/actions/runs/99');
  });

  it('a canary report, with the intervals and counts the action writes, parses with the app schema', () => {
    const thresholds = { errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 300 };
    const plan = planFromPolicy(thresholds, { startedAt: NOW, intervalSeconds: 60 });
    const samples = [0, 1, 2, 3, 4].map((i) => interval(i, { errors: 6 }));
    const verdict = analyzeCanary({
      plan,
      metrics: metricsFromPolicy(thresholds),
      samples,
      now: new Date(NOW.getTime() + 5 * 60_000),
    });
    const report: Report = {
      version: 1,
      executionId: 'exe_01JREPORT',
      sha: SHA,
      environment: 'production',
      deploymentId: 42,
      mode: 'canary',
      verdict: verdict.kind,
      outcome: 'failure',
      title: verdict.title,
      reason: verdict.reason,
      counts: verdict.counts,
      intervals: reportIntervals(verdict),
      commands: [{ name: 'deploy', exitCode: 0, durationMs: 5 }],
      run: { repository: 'octo-org/shop', runId: '1', runAttempt: '1', url: null },
      at: NOW.toISOString(),
      traceparent: null,
    };
    const parsed = DeployReport.safeParse(JSON.parse(JSON.stringify(report)));
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({ verdict: 'rollback', counts: verdict.counts });
  });

  it('a report about no commit (no dispatch, no GITHUB_SHA) is refused by the app', () => {
    const report = { version: 1, executionId: 'x', sha: null, mode: 'policy', verdict: 'policy' };
    expect(DeployReport.safeParse({ ...report, outcome: 'success', title: 't', reason: 'r' }).success).toBe(false);
  });
});
