import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryIdFor, type Notification } from '../../../src/core/notify/message.js';
import {
  backoffMs,
  sendGitHubComment,
  sendSlack,
  sendWebhook,
  sendWithRetries,
  type SendTiming,
} from '../../../src/adapters/notify/senders.js';
import { startReceiver, type Receiver } from '../../core/notify/support.js';

const SECRET = 'receiver-shared-secret-0123456789';
const TIMING: SendTiming = { attempts: 3, initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000 };

const notification: Notification = {
  key: 'exec-1:7:2:notify',
  event: 'rollback',
  repository: 'acme/shop',
  execution: { id: 'exec-1', state: 'rolling_back', traceId: 'trace-1', headSha: 'b'.repeat(40) },
  pullRequest: { number: 12, url: 'https://github.com/acme/shop/pull/12' },
  issue: null,
  reason: 'Roll back: 1 interval failed <!channel> @here & <https://evil.example|click>',
  runUrl: 'https://github.com/acme/shop/actions/runs/991',
  debugIssue: null,
  at: '2026-03-01T10:03:00.000Z',
};

/** The receiver's side of the signature check: GitHub's webhook scheme. */
function verifies(body: string, header: string | undefined, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

let receivers: Receiver[] = [];
async function receiver(statuses: number[], options?: { delayMs?: number }): Promise<Receiver> {
  const r = await startReceiver(statuses, options);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

describe('the Slack sender (@slack/webhook)', () => {
  it('posts text and blocks with the execution, repository, pull request link and reason, Slack-escaped', async () => {
    const slack = await receiver([200]);
    const outcome = await sendSlack(slack.url, notification, TIMING);
    expect(outcome).toEqual({ ok: true, attempts: 1, status: 200 });
    expect(slack.requests).toHaveLength(1);
    const message = JSON.parse(slack.requests[0]!.body);
    expect(message.text).toContain('AAOE: acme/shop#12: deployment rolled back');
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain('<https://github.com/acme/shop/pull/12|#12>');
    expect(blocks).toContain('`exec-1` (rolling back)');
    expect(blocks).toContain('acme/shop');
    expect(blocks).toContain('<https://github.com/acme/shop/actions/runs/991|logs>');
    // the reason cannot ping the channel or forge a link
    expect(blocks).toContain('&lt;!channel&gt; @here &amp; &lt;https://evil.example|click&gt;');
    expect(blocks).not.toContain('<!channel>');
    expect(message.text).not.toContain('<!channel>');
  });

  it('retries a 500 and records the attempts', async () => {
    const slack = await receiver([500, 500, 200]);
    expect(await sendSlack(slack.url, notification, TIMING)).toEqual({ ok: true, attempts: 3, status: 200 });
    expect(slack.requests).toHaveLength(3);
  });

  it('does not retry a 404 (a revoked webhook stays revoked)', async () => {
    const slack = await receiver([404]);
    const outcome = await sendSlack(slack.url, notification, TIMING);
    expect(outcome).toMatchObject({ ok: false, attempts: 1, status: 404, error: 'HTTP 404: no' });
    expect(slack.requests).toHaveLength(1);
  });
});

describe('the webhook sender', () => {
  it('POSTs the version 1 payload with its event, a stable delivery id and a signature that verifies', async () => {
    const hook = await receiver([200]);
    expect(await sendWebhook(hook.url, SECRET, 'pager', notification, TIMING)).toEqual({
      ok: true,
      attempts: 1,
      status: 200,
    });
    const [request] = hook.requests;
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['x-aaoe-event']).toBe('rollback');
    expect(request!.headers['x-aaoe-delivery']).toBe(deliveryIdFor(notification.key, 'pager'));
    expect(request!.headers['x-aaoe-delivery']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(verifies(request!.body, request!.headers['x-aaoe-signature-256'] as string, SECRET)).toBe(true);
    expect(verifies(request!.body, request!.headers['x-aaoe-signature-256'] as string, 'another-secret-entirely')).toBe(
      false,
    );
    expect(JSON.parse(request!.body)).toEqual({
      version: 1,
      event: 'rollback',
      execution: { id: 'exec-1', state: 'rolling_back', traceId: 'trace-1', headSha: 'b'.repeat(40) },
      repository: 'acme/shop',
      pullRequest: { number: 12, url: 'https://github.com/acme/shop/pull/12' },
      issue: null,
      reason: notification.reason,
      runUrl: 'https://github.com/acme/shop/actions/runs/991',
      debugIssue: null,
      at: '2026-03-01T10:03:00.000Z',
    });
  });

  it('answers 500 twice then 200: delivered on the third attempt, every attempt with the same delivery id', async () => {
    const hook = await receiver([500, 500, 200]);
    expect(await sendWebhook(hook.url, SECRET, 'pager', notification, TIMING)).toEqual({
      ok: true,
      attempts: 3,
      status: 200,
    });
    expect(new Set(hook.requests.map((r) => r.headers['x-aaoe-delivery'])).size).toBe(1);
    expect(new Set(hook.requests.map((r) => r.body)).size).toBe(1);
  });

  it.each([
    [[500], 3, 500],
    [[429, 408, 503], 3, 503],
    [[400], 1, 400],
    [[401], 1, 401],
    [[410], 1, 410],
  ])('answers %j: %i attempts, failed with %i', async (statuses, attempts, status) => {
    const hook = await receiver(statuses);
    const outcome = await sendWebhook(hook.url, SECRET, 'pager', notification, TIMING);
    expect(outcome).toEqual({ ok: false, attempts, status, error: `HTTP ${status}` });
    expect(hook.requests).toHaveLength(attempts);
  });

  it('gives up on an attempt that takes longer than the timeout, and on a closed port', async () => {
    const slow = await receiver([200], { delayMs: 1_000 });
    const started = Date.now();
    const outcome = await sendWebhook(slow.url, SECRET, 'pager', notification, {
      ...TIMING,
      attempts: 2,
      timeoutMs: 100,
    });
    expect(outcome).toEqual({ ok: false, attempts: 2, status: null, error: 'no answer within 100 ms' });
    expect(Date.now() - started).toBeLessThan(900);
    const gone = await receiver([200]);
    await gone.close();
    const refused = await sendWebhook(gone.url, SECRET, 'pager', notification, { ...TIMING, attempts: 2 });
    expect(refused).toMatchObject({ ok: false, attempts: 2, status: null });
    expect(refused.ok ? '' : refused.error).toMatch(/ECONNREFUSED|fetch failed/);
  });
});

describe('retries', () => {
  it('waits with exponential backoff, capped, between attempts', async () => {
    const waits: number[] = [];
    let calls = 0;
    const outcome = await sendWithRetries(
      {
        attempts: 5,
        initialDelayMs: 100,
        maxDelayMs: 300,
        timeoutMs: 1000,
        sleep: async (ms) => void waits.push(ms),
        random: () => 1,
      },
      async () => {
        calls += 1;
        return { ok: false, status: 502, error: 'HTTP 502' };
      },
    );
    expect(outcome).toEqual({ ok: false, attempts: 5, status: 502, error: 'HTTP 502' });
    expect(calls).toBe(5);
    expect(waits).toEqual([100, 200, 300, 300]);
    expect(backoffMs(1, { initialDelayMs: 100, maxDelayMs: 300 }, () => 0)).toBe(50);
  });

  it('a GitHub comment is upserted by its marker, and a 422 is not retried', async () => {
    const calls: Array<{ issue: number; marker: string; body: string }> = [];
    const ok = await sendGitHubComment(
      async (issue, marker, body) => void calls.push({ issue, marker, body }),
      12,
      notification,
      ['@acme/sre'],
      TIMING,
    );
    expect(ok).toEqual({ ok: true, attempts: 1, status: null });
    expect(calls[0]!.marker).toBe('<!-- aaoe:notify exec-1:7:2:notify -->');
    expect(calls[0]!.body.startsWith(`${calls[0]!.marker}\n@acme/sre **AAOE: deployment rolled back**`)).toBe(true);
    // the reason is data: no mention
    expect(calls[0]!.body).toContain('@\u200dhere');
    let tries = 0;
    const refused = await sendGitHubComment(
      async () => {
        tries += 1;
        throw Object.assign(new Error('Validation Failed'), { status: 422 });
      },
      12,
      notification,
      [],
      TIMING,
    );
    expect(refused).toEqual({ ok: false, attempts: 1, status: 422, error: 'GitHub answered 422: Validation Failed' });
    expect(tries).toBe(1);
  });

  it('a GitHub comment slower than the timeout is not abandoned: its attempts never overlap, so the upsert cannot post twice', async () => {
    let running = 0;
    let overlapped = false;
    const calls: number[] = [];
    const slow = async () => {
      running += 1;
      overlapped ||= running > 1;
      calls.push(Date.now());
      await new Promise((resolve) => setTimeout(resolve, 80));
      running -= 1;
      if (calls.length === 1) throw Object.assign(new Error('Server Error'), { status: 502 });
    };
    const outcome = await sendGitHubComment(slow, 12, notification, [], { ...TIMING, timeoutMs: 20 });
    expect(outcome).toEqual({ ok: true, attempts: 2, status: null });
    expect(overlapped).toBe(false);
  });
});
