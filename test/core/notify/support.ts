import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { analyzeCanary } from '../../../src/core/canary/analyze-canary.js';
import { metricsFromPolicy, planFromPolicy } from '../../../src/core/canary/plan-from-policy.js';
import { reportIntervals } from '../../../action/src/report.js';
import { type Report } from '../../../src/contracts/report.js';
import type { ExecutionRecord } from '../../../src/core/execution/records.js';
import { interval } from '../canary/samples.js';
import { EXTERNAL_PROPOSAL } from '../../support/proposal-body.js';

/** A loopback HTTP receiver: answers each request with the next scripted status (the last one repeats), records it. */
export type Receiver = {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingHttpHeaders; body: string }>;
  close: () => Promise<void>;
};

export async function startReceiver(statuses: number[] = [200], options: { delayMs?: number } = {}): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const status = statuses[Math.min(requests.length - 1, statuses.length - 1)]!;
      const answer = () => res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const POLICY = { errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 300 };
const START = new Date('2026-03-01T10:00:00Z');

/**
 * A report as the companion action sends it after a failed canary: the real analysis (two healthy intervals, a
 * third with three times the error rate) through the action's own `reportIntervals`.
 */
export function rollbackReport(over: Partial<Report> = {}): Report {
  const plan = planFromPolicy(POLICY, { startedAt: START, intervalSeconds: 60 });
  const verdict = analyzeCanary({
    plan,
    metrics: metricsFromPolicy(POLICY),
    samples: [interval(0), interval(1), interval(2, { errors: 3 })],
    now: new Date(START.getTime() + 3 * 60_000),
  });
  if (verdict.kind !== 'rollback') throw new Error(`the fixture expects a rollback, got ${verdict.kind}`);
  return {
    version: 1,
    executionId: 'exec-1',
    sha: 'a'.repeat(40),
    environment: 'production',
    deploymentId: 17,
    mode: 'canary',
    verdict: 'rollback',
    outcome: 'failure',
    title: verdict.title,
    reason: verdict.reason,
    counts: verdict.counts,
    intervals: reportIntervals(verdict),
    commands: [
      { name: 'deploy', exitCode: 0, durationMs: 4200 },
      { name: 'rollback', exitCode: 0, durationMs: 1800 },
    ],
    run: {
      repository: 'acme/shop',
      runId: '991',
      runAttempt: '1',
      url: 'https://github.com/acme/shop/actions/runs/991',
    },
    at: '2026-03-01T10:03:00.000Z',
    ...over,
  };
}

/** A rolled-back execution of an issue AAOE worked on, as the store keeps it. */
export function rolledBackExecution(over: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    id: 'exec-1',
    state: 'rolling_back',
    version: 7,
    headSha: 'b'.repeat(40),
    updatedAt: '2026-03-01T10:03:00.000Z',
    repo: 'acme/shop',
    installationId: 4242,
    pullRequest: 12,
    traceId: 'trace-1',
    subject: {
      author: { login: 'aaoe[bot]', type: 'Bot' },
      isAgent: true,
      htmlUrl: 'https://github.com/acme/shop/pull/12',
      governedBecause: 'opened by AAOE for issue #5',
    },
    issue: 5,
    work: {
      issue: {
        number: 5,
        title: 'Cache the product list',
        htmlUrl: 'https://github.com/acme/shop/issues/5',
        labelledBy: 'octocat',
      },
      proposal: {
        ...EXTERNAL_PROPOSAL,
        summary: 'Cache the product list for 60 s.',
        classification: 'feature',
        risk: { level: 'medium', rationale: 'Touches the hot path.' },
      },
    },
    ...over,
  };
}
