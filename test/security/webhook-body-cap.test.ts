import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { probeHealthz } from './availability.js';

/**
 * Issue 19, hole 20: the webhook endpoint read a body of any size before it checked the signature, so anyone could
 * make the app buffer gigabytes. GitHub sends at most 25 MB. Over HTTP, as an attacker sends it: a 30 MB POST is
 * refused with 413 as soon as its headers arrive (before the body is sent), a body with no length is refused too,
 * `/healthz` keeps answering, and GitHub's own signed deliveries still go through.
 */

const MB = 1024 * 1024;

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.sim.addInstallation({
    id: INSTALLATION_ID,
    account: 'Codertocat',
    permissions: { checks: 'write', contents: 'write', issues: 'write', pull_requests: 'write', metadata: 'read' },
  });
  h.sim.addRepo({ owner: 'Codertocat', name: 'Hello-World', defaultBranch: 'master', installationId: INSTALLATION_ID });
});
afterAll(async () => {
  await h?.close();
});

/**
 * POSTs `headers` to the webhook path and sends only the first megabyte of the body; resolves with the status the
 * app answers, or `undefined` when it has not answered within `waitMs` (it is waiting for the rest of the body).
 */
function postFirstMegabyte(
  headers: Record<string, string>,
  waitMs = 3_000,
): Promise<{ status: number | undefined; ms: number }> {
  const url = new URL('/api/github/webhooks', h.url);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-github-delivery': 'flood-1',
        'x-hub-signature-256': 'sha256=' + '0'.repeat(64),
        ...headers,
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status: undefined, ms: performance.now() - started });
    }, waitMs);
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume();
      resolve({ status: res.statusCode, ms: performance.now() - started });
      req.destroy();
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(MB, 0x20));
  });
}

describe('webhook body cap', () => {
  it('refuses a 30 MB body with 413 from its Content-Length, before reading it, while /healthz answers', async () => {
    const probe = probeHealthz(h.url);
    const { status, ms } = await postFirstMegabyte({ 'content-length': String(30 * MB) });
    const { slowestMs, answered } = await probe.stop();
    expect(status).toBe(413);
    expect(ms).toBeLessThan(2_000);
    expect(slowestMs).toBeLessThan(2_000);
    expect(answered).toBeGreaterThan(0);
  });

  it('refuses a body sent without a length (chunked), which GitHub never sends', async () => {
    const { status } = await postFirstMegabyte({ 'transfer-encoding': 'chunked' });
    expect(status).toBe(411);
  });

  it('still takes a signed delivery of normal size, and one just under the cap is read to its signature check', async () => {
    const payload = examplePayload('issues', 'opened');
    payload.installation = { id: INSTALLATION_ID };
    expect((await h.deliver('issues', payload)).status).toBe(200);
    const padded = { ...payload, padding: 'x'.repeat(24 * MB) };
    const wrongSignature = await h.deliver('issues', padded, { signature: 'sha256=' + '0'.repeat(64) });
    expect(wrongSignature.status).toBe(400);
  }, 60_000);
});
