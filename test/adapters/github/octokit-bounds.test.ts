/**
 * AaoeOctokit against a loopback server that answers as told: the bounds of one request (retries, per-attempt
 * timeout, deadline), the per-installation circuit, and rate limits not waited out.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AaoeOctokit, GitHubCircuits, GITHUB_BOUNDS } from '../../../src/adapters/github/octokit.js';

let server: Server;
let url = '';
let answers: Array<{ status: number; delayMs?: number; headers?: Record<string, string> }> = [];
const seen: Array<{ method: string; path: string; at: number }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', at: Date.now() });
    const next = answers.shift() ?? { status: 200 };
    setTimeout(() => {
      if (res.destroyed) return;
      res
        .writeHead(next.status, { 'content-type': 'application/json', ...next.headers })
        .end(JSON.stringify(next.status < 300 ? { ok: true } : { message: 'Server Error' }));
    }, next.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  answers = [];
  seen.length = 0;
});

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
function client(bounds: Record<string, unknown>, circuits = new GitHubCircuits({ ...GITHUB_BOUNDS, ...bounds })) {
  // an installation's client (Probot's factory gives `auth.installationId`: the circuit's key)
  return new AaoeOctokit({
    auth: { token: 'test-token', installationId: bounds.installation ?? 42 },
    baseUrl: url,
    log: quiet,
    aaoeBounds: { ...bounds, circuits },
  } as never) as any;
}

describe('bounded GitHub requests (AaoeOctokit)', () => {
  it("retries a GET twice (after 1 s and 4 s), then gives GitHub's answer", async () => {
    answers = [{ status: 502 }, { status: 502 }, { status: 502 }, { status: 502 }];
    const started = Date.now();
    await expect(client({ circuitThreshold: 10 }).request('GET /repos/o/r')).rejects.toMatchObject({ status: 502 });
    expect(seen).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(7_000);
  }, 15_000);

  it('never retries a POST inside the request (the job retries it, and its writes are keyed)', async () => {
    answers = [{ status: 502 }, { status: 201 }];
    await expect(client({}).request('POST /repos/o/r/check-runs', { name: 'x', head_sha: 'a' })).rejects.toMatchObject({
      status: 502,
    });
    expect(seen.map((s) => s.method)).toEqual(['POST']);
  });

  it('gives up on an attempt that does not answer, and on the request at its deadline; nothing is sent after it', async () => {
    answers = Array.from({ length: 5 }, () => ({ status: 200, delayMs: 3_000 }));
    const started = Date.now();
    await expect(
      client({ attemptTimeoutMs: 300, requestDeadlineMs: 1_000, circuitThreshold: 10 }).request('GET /repos/o/r'),
    ).rejects.toMatchObject({
      name: 'TimeoutError',
      message: expect.stringMatching(/did not answer GET \/repos\/o\/r within 1 s/),
    });
    const gaveUp = Date.now() - started;
    expect(gaveUp).toBeGreaterThanOrEqual(950);
    expect(gaveUp).toBeLessThan(1_500);
    const sent = seen.length;
    expect(sent).toBe(1); // the first attempt timed out at 300 ms; its retry (due 1 s later) fell after the deadline
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(seen).toHaveLength(sent); // the retry the plugin had scheduled was never sent
  }, 15_000);

  it("opens the installation's circuit after 3 failed attempts: its next calls fail at once without a request, then it closes on an answer", async () => {
    const circuits = new GitHubCircuits({ ...GITHUB_BOUNDS, circuitBaseMs: 400 });
    const octokit = client({}, circuits);
    answers = [{ status: 503 }, { status: 503 }, { status: 503 }];
    await expect(octokit.request('GET /repos/o/r')).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(3);
    const started = Date.now();
    await expect(octokit.request('GET /repos/o/r/pulls')).rejects.toMatchObject({
      circuitOpen: true,
      message: expect.stringMatching(/held back until/),
    });
    expect(Date.now() - started).toBeLessThan(50);
    expect(seen).toHaveLength(3);
    // another installation is not held back
    await expect(client({ installation: 7 }, circuits).request('GET /repos/o/r')).resolves.toMatchObject({
      status: 200,
    });
    await new Promise((resolve) => setTimeout(resolve, 450));
    answers = [{ status: 200 }];
    await expect(octokit.request('GET /repos/o/r/pulls')).resolves.toMatchObject({ status: 200 });
    answers = [{ status: 502 }];
    // closed again: one failure alone does not open it
    await expect(octokit.request('POST /repos/o/r/issues', { title: 't' })).rejects.toMatchObject({ status: 502 });
    await expect(octokit.request('GET /repos/o/r')).resolves.toMatchObject({ status: 200 });
  }, 15_000);

  it('does not wait out a long rate limit inside the request: it fails at once, and the circuit holds the installation until the reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3_600;
    answers = [{ status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) } }];
    const circuits = new GitHubCircuits(GITHUB_BOUNDS);
    const started = Date.now();
    await expect(client({}, circuits).request('GET /repos/o/r')).rejects.toMatchObject({ status: 403 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(seen).toHaveLength(1);
    const until = circuits.heldUntil('42', Date.now());
    expect(until).toBeGreaterThan(Date.now() + GITHUB_BOUNDS.circuitMaxMs - 5_000); // the reset is an hour away: capped
  });

  it('a refusal no retry changes is not retried and leaves the circuit closed', async () => {
    answers = [{ status: 422 }, { status: 422 }, { status: 422 }, { status: 422 }];
    const circuits = new GitHubCircuits(GITHUB_BOUNDS);
    const octokit = client({}, circuits);
    for (let i = 0; i < 4; i++) await expect(octokit.request('GET /repos/o/r')).rejects.toMatchObject({ status: 422 });
    expect(seen).toHaveLength(4);
    expect(circuits.heldUntil('42', Date.now())).toBeUndefined();
  });
});
