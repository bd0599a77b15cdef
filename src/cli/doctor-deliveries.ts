import type { Report } from './doctor-findings.js';

/** One of GitHub's recent deliveries (`GET /app/hook/deliveries`): `status_code` is the app's answer, 0 when none. */
export type Delivery = { guid: string; status_code: number; delivered_at: string; event: string };

const accepted = (d: Delivery) => d.status_code >= 200 && d.status_code < 300;

/** What the latest failed delivery says about the setup (its answer, or no answer). */
function cause(latest: Delivery): { check: string; message: string; fix: (settings: string) => string } {
  const code = latest.status_code;
  if (code === 400 || code === 401 || code === 403)
    return {
      check: 'webhook secret',
      message: 'the signature does not match, so WEBHOOK_SECRET is not the secret GitHub signs with',
      fix: (settings) =>
        `GitHub never shows the secret: choose a new one, set it as "Webhook secret" at ${settings} and as WEBHOOK_SECRET where the app runs, restart the app, then redeliver the refused deliveries under "Advanced" at ${settings}`,
    };
  if (code === 404 || code === 405)
    return {
      check: 'webhook',
      message: "the webhook URL does not reach the app's webhook path",
      fix: (settings) =>
        `set "Webhook URL" at ${settings} to the app's address + its webhook path (WEBHOOK_PATH, /api/github/webhooks by default), then redeliver the failed deliveries under "Advanced"`,
    };
  if (code === 0)
    return {
      check: 'webhook',
      message: 'GitHub could not connect to the webhook URL',
      fix: (settings) =>
        `make the app reachable from GitHub at the "Webhook URL" of ${settings} (or use a smee.io channel, WEBHOOK_PROXY_URL, for local development)`,
    };
  return {
    check: 'webhook',
    message: 'the app did not accept it',
    fix: (settings) =>
      `read the app's log for the delivery's id, fix the cause, then redeliver it under "Advanced" at ${settings}`,
  };
}

/** Any answer but 2xx is a failed delivery; the latest one decides whether the webhook works now. */
export function reportDeliveries(deliveries: Delivery[], settings: string, report: Report): void {
  const failed = deliveries.filter((d) => !accepted(d));
  const latest = deliveries[0];
  if (!latest) {
    report({
      level: 'warn',
      check: 'webhook secret',
      message:
        'a secret is set on GitHub (it never shows it) and nothing was delivered yet, so whether it is WEBHOOK_SECRET cannot be told',
      fix: `send a test: "Redeliver" any delivery under "Advanced" at ${settings}, then run aaoe doctor again`,
    });
  } else if (!accepted(latest)) {
    const why = cause(latest);
    report({
      level: 'fail',
      check: why.check,
      message: `${why.check === 'webhook secret' ? `the app refused ${failed.length} of GitHub's last ${deliveries.length} deliveries` : `${failed.length} of GitHub's last ${deliveries.length} deliveries failed`} (the latest, ${latest.event} ${latest.guid} at ${latest.delivered_at}, with ${latest.status_code === 0 ? 'no answer' : `HTTP ${latest.status_code}`}): ${why.message}`,
      fix: why.fix(settings),
    });
  } else {
    report({
      level: failed.length === 0 ? 'ok' : 'warn',
      check: 'webhook secret',
      message: `a secret is set on GitHub and the app accepted its latest delivery (${latest.event}, HTTP ${latest.status_code})${failed.length === 0 ? '' : `; ${failed.length} of the last ${deliveries.length} failed (non-2xx)`}`,
      ...(failed.length === 0 ? {} : { fix: `redeliver the failed deliveries under "Advanced" at ${settings}` }),
    });
  }
}
