import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { run } from 'probot';
import { afterAll, describe, expect, it } from 'vitest';
import { examplePayload } from '../support/app-harness.js';

/**
 * Local development (issue 23): with WEBHOOK_PROXY_URL set, Probot 14 imports smee-client (a dependency now, no
 * longer "SmeeClient is not available"), connects to the channel and forwards each delivery to the app's webhook
 * path, where it is verified and handled. The channel is a loopback stand-in for smee.io speaking its protocol
 * (server-sent events whose data carries the delivery's headers and body).
 */

const SECRET = 'proxy-webhook-secret';
const streams: ServerResponse[] = [];
const channel = createServer((req, res) => {
  if (req.url !== '/aaoe-channel') return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(': ready\n\n');
  streams.push(res);
});

afterAll(async () => {
  for (const res of streams) res.end();
  channel.closeAllConnections();
  await new Promise((resolve) => channel.close(resolve));
});

const until = async (done: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
};

describe('WEBHOOK_PROXY_URL', () => {
  it('Probot forwards the channel to the webhook path; a signed delivery arrives, a forged one does not', async () => {
    await new Promise<void>((resolve) => channel.listen(0, '127.0.0.1', resolve));
    const source = `http://127.0.0.1:${(channel.address() as AddressInfo).port}/aaoe-channel`;
    const logs: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
    const received: string[] = [];
    const privateKey = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    const server = await run(
      (app) => {
        app.on('issues.opened', (context) => void received.push(context.id));
      },
      {
        log,
        env: {
          APP_ID: '1',
          PRIVATE_KEY: privateKey,
          WEBHOOK_SECRET: SECRET,
          WEBHOOK_PROXY_URL: source,
          PORT: '0',
          HOST: '127.0.0.1',
          NODE_ENV: 'test',
        },
      },
    );
    try {
      await until(() => streams.length > 0, 'the proxy to connect');
      const send = (signature: string) => {
        const payload = { ...examplePayload('issues', 'opened'), installation: { id: 1 } };
        const id = randomUUID();
        const data = {
          'x-github-event': 'issues',
          'x-github-delivery': id,
          'x-hub-signature-256':
            signature || `sha256=${createHmac('sha256', SECRET).update(JSON.stringify(payload)).digest('hex')}`,
          body: payload,
          query: {},
          timestamp: Date.now(),
        };
        for (const res of streams) res.write(`data: ${JSON.stringify(data)}\n\n`);
        return id;
      };
      const forged = send(`sha256=${'0'.repeat(64)}`);
      const signed = send('');
      await until(() => received.length > 0, 'the delivery');
      expect(received).toEqual([signed]);
      expect(received).not.toContain(forged);
      const text = logs.join('');
      expect(text).toContain(`Forwarding ${source} to http://127.0.0.1:`);
      expect(text).toContain('/api/github/webhooks');
      expect(text).not.toContain('SmeeClient is not available');
      expect(text).not.toContain('npm install --save-dev smee-client');
    } finally {
      await server.stop();
    }
  });
});
