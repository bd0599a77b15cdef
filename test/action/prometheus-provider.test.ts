import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignCounts, prometheusProvider } from '../../action/src/providers/prometheus.js';
import { runActionWithPrometheus } from './prometheus-action.js';

// The Prometheus provider against a real Prometheus (Debian's `prometheus`, installed by .ci/run) scraping a
// small loopback service every second. Under CI the server must be there: the test fails instead of skipping.

const binary = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim();
if (!binary && process.env.CI === 'true') {
  describe('the prometheus provider', () => {
    it('needs the prometheus binary under CI (.ci/run installs the Debian package)', () => {
      expect.fail('prometheus is not on PATH: run `apt-get install -y --no-install-recommends prometheus`');
    });
  });
}

const ERROR_RATE =
  'sum(rate(http_requests_total{track="{{track}}",code="500"}[5s])) / sum(rate(http_requests_total{track="{{track}}"}[5s]))';

describe('alignCounts', () => {
  it('matches error rates and request counts by timestamp; a step without requests has no errors', () => {
    const rates: [number, number][] = [
      [10, 0.02],
      [20, 0.05],
      [40, 0.01],
    ];
    const requests: [number, number][] = [
      [10, 100],
      [20, 200],
      [30, 0],
      [40, 50],
      [50, 80],
    ];
    // 30: no requests, so no rate (0 / 0): a step with no errors; 50: requests but no rate: left out.
    expect(alignCounts(rates, requests)).toEqual({ fractions: [0.02, 0.05, 0, 0.01], requests: [100, 200, 0, 50] });
  });
});

describe.skipIf(!binary)(
  binary
    ? 'the prometheus provider against a real prometheus'
    : 'the prometheus provider (skipped: no prometheus binary on PATH; apt-get install prometheus)',
  () => {
    let service: Server;
    let prometheus: ChildProcess;
    let url: string;
    let dir: string;
    let log = '';

    beforeAll(async () => {
      // Each scrape is 1,000 requests per track: 2% errors for the baseline, 6% for the canary; the twins
      // (`twin-baseline`, `twin-canary`) both have 2%.
      const rates = { baseline: 0.02, canary: 0.06, 'twin-baseline': 0.02, 'twin-canary': 0.02 };
      const tracks = Object.keys(rates) as (keyof typeof rates)[];
      const counts = Object.fromEntries(tracks.map((t) => [t, { ok: 0, error: 0 }])) as Record<
        keyof typeof rates,
        { ok: number; error: number }
      >;
      service = createServer((req, res) => {
        for (const track of tracks) {
          counts[track].error += 1000 * rates[track];
          counts[track].ok += 1000 * (1 - rates[track]);
        }
        const lines = ['# TYPE http_requests_total counter'];
        for (const track of tracks) {
          lines.push(
            `http_requests_total{track="${track}",code="200"} ${counts[track].ok}`,
            `http_requests_total{track="${track}",code="500"} ${counts[track].error}`,
          );
        }
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(`${lines.join('\n')}\n`);
      });
      await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
      const servicePort = (service.address() as AddressInfo).port;
      const port = await freePort();
      dir = mkdtempSync(join(tmpdir(), 'aaoe-prometheus-'));
      writeFileSync(
        join(dir, 'prometheus.yml'),
        `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: shop\n    static_configs:\n      - targets: ["127.0.0.1:${servicePort}"]\n`,
      );
      prometheus = spawn(
        binary,
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      prometheus.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
      url = `http://127.0.0.1:${port}`;
      // Ready when the rate over 5 s has data for a few seconds.
      const deadline = Date.now() + 25_000;
      for (;;) {
        const points = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('count_over_time(up[10s])')}`)
          .then((r) => r.json() as Promise<{ data?: { result?: { value: [number, string] }[] } }>)
          .then((b) => Number(b.data?.result?.[0]?.value[1] ?? 0))
          .catch(() => 0);
        if (points >= 9) break;
        if (Date.now() > deadline) throw new Error(`prometheus did not collect samples in time:\n${log}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }, 40_000);

    afterAll(async () => {
      prometheus?.kill('SIGTERM');
      await new Promise((resolve) =>
        prometheus?.exitCode !== null ? resolve(undefined) : prometheus.once('exit', resolve),
      );
      await new Promise((resolve) => service?.close(resolve));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('runs query_range for the baseline and the canary and gives one sample per step', async () => {
      const provider = prometheusProvider({ url, queries: { 'error-rate': ERROR_RATE } });
      const end = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
      const samples = await provider.collect('error-rate', {
        start: new Date(end.getTime() - 3000),
        end,
        stepSeconds: 1,
      });
      if ('error' in samples) throw new Error(samples.error);
      expect(samples.baseline).toHaveLength(3);
      expect(samples.canary).toHaveLength(3);
      for (const v of samples.baseline) expect(v).toBeCloseTo(0.02, 6);
      for (const v of samples.canary) expect(v).toBeCloseTo(0.06, 6);
    });

    it('turns an error of prometheus into a sample error with its message', async () => {
      const provider = prometheusProvider({ url, queries: { 'error-rate': 'sum(rate(http_requests_total[5s]' } });
      const end = new Date();
      const samples = await provider.collect('error-rate', {
        start: new Date(end.getTime() - 3000),
        end,
        stepSeconds: 1,
      });
      expect(samples).toMatchObject({ metric: 'error-rate', error: expect.stringMatching(/^prometheus: bad_data: /) });
    });

    it('refuses a query that gives several series', async () => {
      const provider = prometheusProvider({
        url,
        queries: { 'error-rate': 'rate(http_requests_total{track="{{track}}"}[5s])' },
      });
      const end = new Date();
      const samples = await provider.collect('error-rate', {
        start: new Date(end.getTime() - 3000),
        end,
        stepSeconds: 1,
      });
      expect(samples).toMatchObject({
        error: 'the query gave 2 series; aggregate it to one (for example with sum(...))',
      });
    });

    // The action (its source, through `run`) deploys, judges error counts from this Prometheus interval by
    // interval, and promotes or rolls back (issue 24).
    const action = (inputs: Record<string, string>) => runActionWithPrometheus(url, inputs);

    it("promotes a canary whose errors are the baseline's twin (error counts judged as counts)", async () => {
      const run = await action({ track: 'twin-' });
      expect(run.outputs.verdict).toBe('promote');
      expect(run.commands).toEqual(['deploy', 'promote']);
      expect(run.summary).toContain('## AAOE canary: ✅ Promoted');
      expect(run.summary).toMatch(/canary \d+ errors in \d+ requests vs baseline \d+ in \d+/);
      expect(run.summary).toMatch(/conditional (binomial|Poisson score) test/);
    }, 30_000);

    it("rolls back a canary with 3x the baseline's errors at the first look, and says why", async () => {
      const run = await action({ track: '' });
      expect(run.outputs.verdict).toBe('rollback');
      expect(run.commands).toEqual(['deploy', 'rollback']);
      const report = JSON.parse(run.outputs.report ?? '{}') as { counts: { judged: number }; reason: string };
      expect(report.counts.judged).toBe(1);
      expect(report.reason).toMatch(/^error-rate in interval 1: .*significantly worse than the baseline/);
      expect(report.reason).toMatch(/≤ the boundary/);
    }, 30_000);

    it.each([
      ['every query fails', { 'error-rate-query': 'sum(rate(http_requests_total[2s]', 'requests-query': 'oops(' }],
      [
        'no query returns data',
        {
          'error-rate-query': 'sum(rate(no_such_metric_total{track="{{track}}"}[{{step}}]))',
          'requests-query': 'sum(increase(no_such_metric_total{track="{{track}}"}[{{step}}]))',
        },
      ],
    ])(
      '%s: inconclusive, never promoted',
      async (_name, queries) => {
        const run = await action({ track: 'twin-', ...queries });
        expect(run.outputs.verdict).toBe('inconclusive');
        expect(run.commands).not.toContain('promote');
        expect(run.summary).toContain('⚠️ Inconclusive');
      },
      30_000,
    );
  },
);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}
