import type { ProbotOctokit } from 'probot';
import type { Report } from './doctor-findings.js';

type AppOctokit = InstanceType<typeof ProbotOctokit>;
type HookConfig = { url?: string; content_type?: string; secret?: string | null; insecure_ssl?: string | number };
type Delivery = { guid: string; status_code: number; delivered_at: string; event: string };

/**
 * The webhook (`GET /app/hook/config`, `GET /app/hook/deliveries`): a URL, JSON, a secret, and whether the app accepted
 * GitHub's recent deliveries. GitHub never returns the secret (it shows `********`), so a wrong `WEBHOOK_SECRET` shows
 * only as deliveries the app refused (a signature that does not match).
 */
export async function checkWebhook(
  octokit: AppOctokit,
  webhookSecret: string | undefined,
  settings: string,
  report: Report,
): Promise<void> {
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

function reportDeliveries(deliveries: Delivery[], settings: string, report: Report): void {
  const refused = deliveries.filter((d) => d.status_code === 400 || d.status_code === 401 || d.status_code === 403);
  const latest = deliveries[0];
  if (!latest) {
    report({
      level: 'warn',
      check: 'webhook secret',
      message:
        'a secret is set on GitHub (it never shows it) and nothing was delivered yet, so whether it is WEBHOOK_SECRET cannot be told',
      fix: `send a test: "Redeliver" any delivery under "Advanced" at ${settings}, then run aaoe doctor again`,
    });
  } else if (refused.length > 0 && refused[0] === latest) {
    report({
      level: 'fail',
      check: 'webhook secret',
      message: `the app refused ${refused.length} of GitHub's last ${deliveries.length} deliveries (the latest, ${latest.event} ${latest.guid} at ${latest.delivered_at}, with HTTP ${latest.status_code}): the signature does not match, so WEBHOOK_SECRET is not the secret GitHub signs with`,
      fix: `GitHub never shows the secret: choose a new one, set it as "Webhook secret" at ${settings} and as WEBHOOK_SECRET where the app runs, restart the app, then redeliver the refused deliveries under "Advanced" at ${settings}`,
    });
  } else {
    report({
      level: 'ok',
      check: 'webhook secret',
      message: `a secret is set on GitHub and the app accepted its latest delivery (${latest.event}, HTTP ${latest.status_code})`,
    });
  }
}
