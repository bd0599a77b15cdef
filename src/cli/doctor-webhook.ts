import type { ProbotOctokit } from 'probot';
import type { AaoeConfig } from '../adapters/config/config.js';
import { computeHookUrl, httpOrigin } from '../core/setup/app-manifest.js';
import type { Report } from './doctor-findings.js';
import { reportDeliveries, type Delivery } from './doctor-deliveries.js';

type AppOctokit = InstanceType<typeof ProbotOctokit>;
type HookConfig = { url?: string; content_type?: string; secret?: string | null; insecure_ssl?: string | number };

/**
 * The webhook (`GET /app/hook/config`, `GET /app/hook/deliveries`): a URL that reaches the app's webhook path (or the
 * smee.io channel the app listens on), JSON, a secret, and whether the app accepted GitHub's recent deliveries (any
 * answer but 2xx is a failure). GitHub never returns the secret (it shows `********`), so a wrong `WEBHOOK_SECRET`
 * shows only as deliveries the app refused (a signature that does not match).
 */
export async function checkWebhook(
  octokit: AppOctokit,
  aaoe: AaoeConfig,
  settings: string,
  report: Report,
): Promise<void> {
  const webhookSecret = aaoe.github.webhookSecret;
  if (!webhookSecret)
    report({
      level: 'fail',
      check: 'webhook secret',
      message: 'WEBHOOK_SECRET is not set: the app cannot verify any delivery',
      fix: `set WEBHOOK_SECRET to the app's webhook secret (GitHub never shows it: if nobody kept it, set a new one under "Webhook secret" at ${settings} and use the same value)`,
    });
  let config: HookConfig;
  try {
    config = (await octokit.request('GET /app/hook/config')).data;
  } catch (error) {
    report({ level: 'fail', check: 'webhook', message: `GET /app/hook/config failed: ${(error as Error).message}` });
    return;
  }
  reportHookConfig(config, settings, report);
  if (config.url) reportHookUrl(config.url, aaoe, settings, report);
  if (!config.secret) {
    report({
      level: 'fail',
      check: 'webhook secret',
      message: "the app's webhook has no secret on GitHub: deliveries are not signed, and the app refuses them",
      fix: `set "Webhook secret" at ${settings} to the value of WEBHOOK_SECRET`,
    });
    return;
  }
  // GitHub shows only "********": whether it is WEBHOOK_SECRET shows in how the app answered recent deliveries
  let deliveries: Delivery[];
  try {
    deliveries = (await octokit.request('GET /app/hook/deliveries', { per_page: 25 })).data;
  } catch (error) {
    report({
      level: 'warn',
      check: 'webhook secret',
      message: `a secret is set on GitHub; its recent deliveries could not be read (${(error as Error).message})`,
    });
    return;
  }
  reportDeliveries(deliveries, settings, report);
}

function reportHookConfig(config: HookConfig, settings: string, report: Report): void {
  if (!config.url)
    report({
      level: 'fail',
      check: 'webhook',
      message: 'the app has no webhook URL: GitHub delivers nothing',
      fix: `set "Webhook URL" at ${settings} to https://<where the app runs>/api/github/webhooks and tick "Active"`,
    });
  else report({ level: 'ok', check: 'webhook', message: `GitHub delivers to ${config.url}` });
  if (config.content_type && config.content_type !== 'json')
    report({
      level: 'fail',
      check: 'webhook',
      message: `deliveries are sent as ${config.content_type}`,
      fix: `set "Content type" to application/json at ${settings}/advanced`,
    });
  if (String(config.insecure_ssl ?? '0') === '1')
    report({
      level: 'warn',
      check: 'webhook',
      message: 'SSL verification of deliveries is off',
      fix: `turn "SSL verification" on at ${settings}`,
    });
}

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;

/** The hook URL against where the app receives deliveries: the proxy channel, else its webhook path (and public origin). */
function reportHookUrl(hookUrl: string, aaoe: AaoeConfig, settings: string, report: Report): void {
  const proxyUrl = aaoe.github.webhookProxyUrl;
  const webhookPath = aaoe.github.webhookPath;
  const fail = (message: string, fix: string) => {
    report({ level: 'fail', check: 'webhook URL', message, fix });
  };
  if (!URL.canParse(hookUrl)) {
    fail(`"${hookUrl}" is not a URL`, `set "Webhook URL" at ${settings}`);
    return;
  }
  const url = new URL(hookUrl);
  if (proxyUrl !== undefined) {
    if (hookUrl.replace(/\/+$/, '') !== proxyUrl.replace(/\/+$/, ''))
      fail(
        `GitHub delivers to ${hookUrl}, but the app listens on the smee.io channel ${proxyUrl} (WEBHOOK_PROXY_URL)`,
        `set "Webhook URL" at ${settings} to ${proxyUrl}, or WEBHOOK_PROXY_URL to the channel GitHub delivers to`,
      );
    else report({ level: 'ok', check: 'webhook URL', message: `the smee.io channel the app listens on (${proxyUrl})` });
    return;
  }
  const expected = computeHookUrl({ publicUrl: aaoe.dashboard.publicUrl, proxyUrl: undefined, webhookPath });
  const fix = `set "Webhook URL" at ${settings} to ${expected.ok ? expected.value : `https://<where the app runs>${webhookPath}`}`;
  if (url.hostname === 'smee.io') {
    fail(
      `GitHub delivers to the smee.io channel ${hookUrl}, but WEBHOOK_PROXY_URL is not set: nothing forwards it`,
      `set WEBHOOK_PROXY_URL=${hookUrl} where the app runs, or ${fix}`,
    );
    return;
  }
  if (url.pathname !== webhookPath) {
    fail(
      `the URL's path is ${url.pathname}, but the app receives deliveries at ${webhookPath}: every delivery answers 404`,
      fix,
    );
    return;
  }
  if (LOOPBACK.test(url.hostname) && aaoe.github.urls.api === 'https://api.github.com') {
    fail(
      `GitHub cannot reach ${url.host}: it is this machine's loopback address`,
      `set AAOE_PUBLIC_URL to an address GitHub reaches (or use WEBHOOK_PROXY_URL for local development), then ${fix}`,
    );
    return;
  }
  const publicOrigin = aaoe.dashboard.publicUrl === undefined ? undefined : httpOrigin(aaoe.dashboard.publicUrl);
  if (publicOrigin && publicOrigin !== url.origin) {
    report({
      level: 'warn',
      check: 'webhook URL',
      message: `GitHub delivers to ${url.origin}, not to AAOE_PUBLIC_URL (${publicOrigin})`,
      fix,
    });
    return;
  }
  report({ level: 'ok', check: 'webhook URL', message: `the app's webhook path (${webhookPath})` });
}
