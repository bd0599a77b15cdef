import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AaoeConfig } from '../adapters/config/config.js';
import { writeEnvFile } from '../adapters/config/env-file.js';
import { readAppYml } from '../adapters/files/app-yml.js';
import { readBody } from '../adapters/http/http-body.js';
import {
  createSmeeChannel,
  manifestExchange,
  type AppCredentials,
  type CreateChannel,
  type ExchangeCode,
} from '../adapters/github/manifest-conversion.js';
import { computeAppManifest, createAppUrl, SETUP_REDIRECT_PATH } from '../core/setup/app-manifest.js';
import { manifestPage, registeredPage, textPage } from './setup-pages.js';

/**
 * `npm start` without credentials: registers the GitHub App from `app.yml` through GitHub's manifest flow, so that it
 * ends with deliveries arriving. The manifest's webhook is the app's webhook path under `AAOE_PUBLIC_URL`, or, for
 * local development, the smee.io channel of `WEBHOOK_PROXY_URL` (the page creates one on request); with neither, the
 * page says what to set and registers nothing. GitHub's redirect must carry the `state` this process made (a code
 * from someone else's registration is refused), the code is exchanged once for the app's credentials, and they are
 * written to `.env` (owner-readable only) with the public URL or channel, the dashboard's session key and the report
 * secret, so that the next `npm start` runs the app and `aaoe doctor` sees the same settings.
 */

export type SetupLog = { info: (message: string) => void; warn: (message: string) => void };

export type SetupFlowOptions = {
  /** The environment the app runs with (`.env` under the real environment). */
  config: AaoeConfig;
  /** Where `.env` is written (default: the working directory, where `npm start` reads it). */
  cwd?: string;
  appYml?: Record<string, unknown>;
  exchange?: ExchangeCode;
  createChannel?: CreateChannel;
  log?: SetupLog;
};

const FORM_LIMIT = 4096;
const HOST_HEADER = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;

type SetupState = { state: string; proxyUrl: string | undefined; done: boolean };

const sameSecret = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

const newState = () => randomBytes(24).toString('hex');

/** The setup flow's request handler. */
export function setupHandler(options: SetupFlowOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { config } = options;
  const log = options.log ?? { info: console.log, warn: console.warn };
  const appYml = options.appYml ?? readAppYml();
  const exchange = options.exchange ?? manifestExchange(config.github.urls.api);
  const setup: SetupState = { state: newState(), proxyUrl: config.github.webhookProxyUrl, done: false };
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://setup.invalid');
    const send = (status: number, html: string) =>
      void res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
    if (req.method === 'GET' && url.pathname === '/') return void res.writeHead(302, { location: '/probot' }).end();
    if (req.method === 'GET' && url.pathname === '/probot') {
      const host = req.headers.host && HOST_HEADER.test(req.headers.host) ? req.headers.host : 'localhost';
      const manifest = computeAppManifest(appYml, {
        publicUrl: config.dashboard.publicUrl,
        proxyUrl: setup.proxyUrl,
        webhookPath: config.github.webhookPath,
        setupOrigin: `http://${host}`,
      });
      const target = createAppUrl(config.github.urls.web, config.env.GH_ORG?.trim() || undefined, setup.state);
      send(200, manifestPage(manifest, target, setup.state));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/probot/smee') return createChannel(req, res, options, setup, log);
    if (req.method === 'GET' && url.pathname === SETUP_REDIRECT_PATH) {
      const code = url.searchParams.get('code') ?? '';
      const state = url.searchParams.get('state') ?? '';
      if (setup.done) {
        send(409, textPage('Already registered', 'This setup registered an app already.'));
        return;
      }
      if (!code || !sameSecret(state, setup.state)) {
        send(400, textPage('Not this setup', "The redirect does not carry this setup's state: nothing done."));
        return;
      }
      setup.state = newState();
      const credentials = await exchange(code).catch((error: unknown) => error as Error);
      if (credentials instanceof Error) {
        log.warn(`setup: the manifest conversion failed: ${credentials.message}`);
        send(502, textPage('GitHub did not register the app', credentials.message));
        return;
      }
      writeCredentials(credentials, options, setup);
      setup.done = true;
      log.info(`setup: registered the app ${credentials.html_url}; its credentials are in .env: restart the app`);
      return void res
        .writeHead(302, { location: `${credentials.html_url}/installations/new`, 'cache-control': 'no-store' })
        .end(registeredPage(credentials.html_url));
    }
    send(404, textPage('Not found', 'The setup serves /probot.'));
  };
}

/** `POST /probot/smee` (with this setup's state): a new smee.io channel, kept in `.env` as `WEBHOOK_PROXY_URL`. */
async function createChannel(
  req: IncomingMessage,
  res: ServerResponse,
  options: SetupFlowOptions,
  setup: SetupState,
  log: SetupLog,
): Promise<void> {
  const form = new URLSearchParams((await readBody(req, FORM_LIMIT)) ?? '');
  if (!sameSecret(form.get('state') ?? '', setup.state))
    return void res.writeHead(400, { 'content-type': 'text/plain' }).end('not this setup: nothing done');
  try {
    const channel = await (options.createChannel ?? createSmeeChannel)();
    writeEnvFile({ WEBHOOK_PROXY_URL: channel }, options.cwd);
    setup.proxyUrl = channel;
    log.info(`setup: created the smee.io channel ${channel} (WEBHOOK_PROXY_URL in .env)`);
    res.writeHead(303, { location: '/probot' }).end();
  } catch (error) {
    log.warn(`setup: no smee.io channel: ${(error as Error).message}`);
    res.writeHead(502, { 'content-type': 'text/plain' }).end(`smee.io did not create a channel: ${String(error)}`);
  }
}

/** The app's credentials and the settings the next start needs, into `.env`. */
function writeCredentials(credentials: AppCredentials, options: SetupFlowOptions, setup: SetupState): void {
  const { config } = options;
  const random = () => randomBytes(32).toString('hex');
  if (!credentials.webhook_secret) throw new Error('GitHub registered the app without a webhook secret');
  writeEnvFile(
    {
      APP_ID: String(credentials.id),
      PRIVATE_KEY: credentials.pem,
      WEBHOOK_SECRET: credentials.webhook_secret,
      GITHUB_CLIENT_ID: credentials.client_id,
      GITHUB_CLIENT_SECRET: credentials.client_secret,
      ...(config.dashboard.publicUrl ? { AAOE_PUBLIC_URL: config.dashboard.publicUrl } : {}),
      ...(setup.proxyUrl ? { WEBHOOK_PROXY_URL: setup.proxyUrl } : {}),
      ...(config.dashboard.sessionSecret ? {} : { AAOE_SESSION_SECRET: random() }),
      ...(config.server.reportSecret?.trim() ? {} : { AAOE_REPORT_SECRET: random() }),
    },
    options.cwd,
  );
}

/** The setup flow on its own HTTP server (`npm start` without credentials). */
export async function startSetupFlow(
  options: SetupFlowOptions & { port: number; host?: string },
): Promise<{ url: string; stop: () => Promise<void> }> {
  const handle = setupHandler(options);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log?.warn(`setup: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end((error as Error).message);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : 'localhost'}:${port}`;
  (options.log ?? console).info(`AAOE is not registered yet: open ${url} to register the GitHub App`);
  return {
    url,
    stop: () =>
      new Promise((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}
