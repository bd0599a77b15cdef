import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusProvider } from '../../action/src/providers/prometheus.js';

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
      // Each scrape is 100 requests per track: 2 errors for the baseline, 6 for the canary.
      const counts = { baseline: { ok: 0, error: 0 }, canary: { ok: 0, error: 0 } };
      service = createServer((req, res) => {
        counts.baseline.ok += 98;
        counts.baseline.error += 2;
        counts.canary.ok += 94;
        counts.canary.error += 6;
        const lines = ['# TYPE http_requests_total counter'];
        for (const track of ['baseline', 'canary'] as const) {
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
  },
);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}
