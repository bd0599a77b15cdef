import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDispatch } from '../../src/adapters/github/dispatch-signature.js';
import { around } from '../core/canary/samples.js';
import { runBundle, startServer, type BundleRun } from './run-bundle.js';

// The acceptance of issue 6: the committed bundle, run as GitHub runs it, against a loopback metrics server
// (the http provider), a loopback GitHub API (deployment statuses) and a loopback app (the report).

const SECRET = 'report-secret-for-tests';
const UNSIGNED = {
  version: 1 as const,
  executionId: 'exe_01JTEST',
  sha: 'a'.repeat(40),
  environment: 'production',
  canaryPercent: 15,
  deploymentId: 42,
  repository: 'octo-org/shop',
  issuedAt: new Date().toISOString(),
};
/** The app's payload, signed with the repository's key (the action's report-secret). */
const PAYLOAD = { ...UNSIGNED, signature: signDispatch({ ...UNSIGNED, eventType: 'aaoe-deploy' }, SECRET) };
let errorFactor = 1;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  server = await startServer((req, url) => {
    if (url.pathname === '/metrics') {
      const metric = url.searchParams.get('metric');
      if (metric === 'error-rate')
        return { status: 200, body: { baseline: around(0.02, 12), canary: around(0.02 * errorFactor, 12, 0.2, 1) } };
      if (metric === 'latency')
        return { status: 200, body: { baseline: around(300, 12, 0.1), canary: around(305, 12, 0.1, 1) } };
      return { status: 404, body: {} };
    }
    if (req.method === 'POST' && url.pathname === '/repos/octo-org/shop/deployments/42/statuses')
      return { status: 201, body: { id: 1 } };
    if (req.method === 'POST' && url.pathname === '/report') return { status: 202, body: {} };
    return { status: 404, body: { message: 'Not Found' } };
  });
});
afterAll(() => server.close());

function deploy(factor: number, extraInputs: Record<string, string> = {}): Promise<BundleRun> {
  errorFactor = factor;
  server.requests.length = 0;
  const log = (word: string) =>
    `echo "${word} percent=$AAOE_CANARY_PERCENT execution=$AAOE_EXECUTION_ID verdict=\${AAOE_VERDICT:-}" | tee -a "$HOME/commands.log"`;
  return runBundle(
    {
      mode: 'canary',
      'deploy-command': log('deploy'),
      'promote-command': log('promote'),
      'rollback-command': log('rollback'),
      provider: 'http',
      'metrics-url': `${server.url}/metrics`,
      'window-seconds': '2',
      'interval-seconds': '1',
      'github-token': 'ghs_test',
      'report-url': `${server.url}/report`,
      'report-secret': SECRET,
      ...extraInputs,
    },
    {
      event: { name: 'repository_dispatch', payload: { action: 'aaoe-deploy', client_payload: PAYLOAD } },
      env: { GITHUB_API_URL: server.url },
    },
  );
}

const commandsLog = (run: BundleRun) =>
  existsSync(join(run.dir, 'commands.log')) ? readFileSync(join(run.dir, 'commands.log'), 'utf8') : '';
const statuses = () =>
  server.requests
    .filter((r) => r.path.endsWith('/statuses'))
    .map((r) => JSON.parse(r.body) as { state: string; description: string });

describe('the action bundle, run as GitHub runs it', () => {
  it('promotes a healthy canary: deploy, analysis, promote command; outputs, summary, statuses and report', async () => {
    const run = await deploy(1);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(commandsLog(run)).toBe(
      'deploy percent=15 execution=exe_01JTEST verdict=\npromote percent=15 execution=exe_01JTEST verdict=promote\n',
    );
    expect(run.outputs).toMatchObject({ verdict: 'promote', outcome: 'success' });
    expect(run.summary).toContain('## AAOE canary: ✅ Promoted');
    expect(run.summary).toMatch(
      /\| 1 \| error-rate \| 12 canary and 12 baseline samples \| 0\.02 \| 0\.02\d* \| [\d.]+x \| one-sided Mann-Whitney U \(rank test\) \| [\d.]+ \| [^|]+ \| [\d.]+ \| ≤ 2x \| ✅ pass: not significantly worse than the baseline/,
    );
    expect(run.summary).toContain('```mermaid\nxychart-beta');
    expect(statuses().map((s) => s.state)).toEqual(['in_progress', 'success']);
    const status = server.requests.find((r) => r.path.endsWith('/statuses'))!;
    expect(status.headers.authorization).toBe('Bearer ghs_test');

    const report = server.requests.find((r) => r.path === '/report')!;
    expect(report.headers['x-aaoe-signature-256']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(report.body).digest('hex')}`,
    );
    expect(JSON.parse(report.body)).toMatchObject({
      version: 1,
      executionId: 'exe_01JTEST',
      sha: 'a'.repeat(40),
      deploymentId: 42,
      verdict: 'promote',
      outcome: 'success',
      counts: { planned: 2, passed: 2 },
    });
    expect(JSON.parse(run.outputs.report!)).toEqual(JSON.parse(report.body));
  });

  it('rolls back a canary with 3x the error rate: rollback command, outcome failure, failure status, annotation', async () => {
    const run = await deploy(3);
    expect(run.exitCode).toBe(1);
    expect(commandsLog(run)).toBe(
      'deploy percent=15 execution=exe_01JTEST verdict=\nrollback percent=15 execution=exe_01JTEST verdict=rollback\n',
    );
    expect(run.outputs).toMatchObject({ verdict: 'rollback', outcome: 'failure' });
    expect(statuses().map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(run.stdout).toMatch(
      /::error title=AAOE canary%3A error-rate failed::error-rate in interval 1: significantly worse than the baseline/,
    );
    expect(run.summary).toContain('## AAOE canary: ❌ Rolled back');
    expect(run.summary).toContain('❌ fail');
    expect(JSON.parse(server.requests.find((r) => r.path === '/report')!.body)).toMatchObject({
      verdict: 'rollback',
      outcome: 'failure',
      commands: [
        { name: 'deploy', exitCode: 0 },
        { name: 'rollback', exitCode: 0 },
      ],
    });
  });

  it('never promotes when the metrics cannot be read: inconclusive, rolled back', async () => {
    const run = await deploy(1, { 'metrics-url': `${server.url}/nothing-here` });
    expect(run.exitCode).toBe(1);
    expect(commandsLog(run)).toMatch(/^deploy .*\nrollback .*verdict=inconclusive\n$/);
    expect(run.outputs).toMatchObject({ verdict: 'inconclusive', outcome: 'failure' });
  });

  it('refuses a dispatch payload that tries to reach the shell, and runs no command', async () => {
    errorFactor = 1;
    const run = await runBundle(
      {
        mode: 'canary',
        'deploy-command': 'touch "$HOME/deployed"',
        'promote-command': 'true',
        'rollback-command': 'true',
        provider: 'http',
        'metrics-url': `${server.url}/metrics`,
      },
      {
        event: {
          name: 'repository_dispatch',
          payload: { action: 'aaoe-deploy', client_payload: { ...PAYLOAD, executionId: 'x$(touch pwned)' } },
        },
      },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error title=AAOE%3A invalid dispatch payload::.*executionId/);
    expect(existsSync(join(run.dir, 'deployed'))).toBe(false);
    expect(existsSync(join(run.dir, 'pwned'))).toBe(false);
  });

  it('reports every invalid input by name', async () => {
    const run = await runBundle({ mode: 'canary', 'interval-seconds': 'soon' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ verdict: 'error', outcome: 'failure' });
    expect(run.stdout).toContain('input interval-seconds');
  });

  it('rollback mode runs the rollback command', async () => {
    const run = await runBundle({
      mode: 'rollback',
      'rollback-command': 'echo "rolled back $AAOE_EXECUTION_ID"',
      'execution-id': 'exe_9',
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ verdict: 'rolled-back', outcome: 'success' });
    expect(run.summary).toContain('rolled back exe_9');
  });

  it('health mode judges the window that just ended and runs no command', async () => {
    errorFactor = 3;
    const run = await runBundle({
      mode: 'health',
      provider: 'http',
      'metrics-url': `${server.url}/metrics`,
      'window-seconds': '120',
      'interval-seconds': '60',
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ verdict: 'rollback', outcome: 'failure' });
    expect(run.summary).toContain('Health analysis only: nothing was promoted or rolled back.');
  });

  it('policy mode validates the policy with the shipped presets, and evaluates a change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aaoe-policy-'));
    writeFileSync(join(dir, 'aaoe.yml'), 'extends: standard\nrisk: { maxLevel: low }\n');
    writeFileSync(join(dir, 'bad.yml'), 'risk: { maxLevel: huge }\n');
    writeFileSync(
      join(dir, 'change.json'),
      JSON.stringify({
        files: [{ path: 'infra/prod/main.tf', status: 'modified', additions: 3, deletions: 1 }],
        author: { login: 'agent[bot]', isAgent: true },
        at: '2026-03-01T10:00:00Z',
      }),
    );
    const valid = await runBundle({ mode: 'policy', 'policy-file': join(dir, 'aaoe.yml') });
    expect(valid.exitCode).toBe(0);
    expect(valid.summary).toContain('is a valid policy');
    const invalid = await runBundle({ mode: 'policy', 'policy-file': join(dir, 'bad.yml') });
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stdout).toMatch(/bad\.yml:1:\d+: .*huge/);
    const evaluated = await runBundle({
      mode: 'policy',
      'policy-file': join(dir, 'aaoe.yml'),
      'change-file': join(dir, 'change.json'),
    });
    expect(evaluated.outputs).toMatchObject({ verdict: 'policy', outcome: 'failure' });
    expect(evaluated.exitCode).toBe(1);
    expect(evaluated.summary).toContain('| Gate | Result | Why |');
  });
});
