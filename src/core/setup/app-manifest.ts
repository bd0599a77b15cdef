import { ok, problem, type Result } from '../result.js';

/**
 * The GitHub App manifest the setup flow registers
 * (https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest): the events,
 * permissions and texts of `app.yml`, and the addresses computed from where the app is reached, so that deliveries
 * arrive: the webhook is the app's webhook path under the public URL (`AAOE_PUBLIC_URL`), or the smee.io channel the
 * app listens on in local development (`WEBHOOK_PROXY_URL`). Never `localhost`, which GitHub cannot reach.
 */

export type AppManifest = {
  name: string;
  url: string;
  description?: string;
  public: boolean;
  hook_attributes: { url: string; active: true };
  redirect_url: string;
  callback_urls: string[];
  default_events: string[];
  default_permissions: Record<string, string>;
};

/** Where the app is reached: the settings that decide the webhook and the browser's addresses. */
export type ManifestSettings = {
  /** `AAOE_PUBLIC_URL`: the origin GitHub and browsers reach the app at. */
  publicUrl: string | undefined;
  /** `WEBHOOK_PROXY_URL`: a smee.io channel (local development). */
  proxyUrl: string | undefined;
  /** `WEBHOOK_PATH`: where the app serves deliveries. */
  webhookPath: string;
  /** The origin the browser reached the setup page at (used when no public URL is set). */
  setupOrigin: string;
};

/** Where the setup flow's redirect comes back to (GitHub appends `code` and `state`). */
export const SETUP_REDIRECT_PATH = '/probot/setup';
/** The dashboard's OAuth callback (src/dashboard/routes.ts). */
export const DASHBOARD_CALLBACK_PATH = '/aaoe/callback';

export type ManifestProblem = 'no_webhook_url' | 'bad_public_url' | 'bad_proxy_url';

/** The origin of an http(s) URL, or undefined when `text` is not one. */
export function httpOrigin(text: string): string | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
}

/** The URL GitHub must deliver to for these settings: the proxy channel, else the public origin + the webhook path. */
export function computeHookUrl(settings: Omit<ManifestSettings, 'setupOrigin'>): Result<string, ManifestProblemOf> {
  const { publicUrl, proxyUrl, webhookPath } = settings;
  if (proxyUrl !== undefined) {
    if (!httpOrigin(proxyUrl))
      return problem('bad_proxy_url', `WEBHOOK_PROXY_URL is not an http(s) URL: "${proxyUrl}"`);
    return ok(proxyUrl);
  }
  if (publicUrl === undefined)
    return problem(
      'no_webhook_url',
      'neither AAOE_PUBLIC_URL nor WEBHOOK_PROXY_URL is set: GitHub would have nowhere to deliver webhooks',
    );
  const origin = httpOrigin(publicUrl);
  if (!origin) return problem('bad_public_url', `AAOE_PUBLIC_URL is not an http(s) URL: "${publicUrl}"`);
  return ok(`${origin}${webhookPath.startsWith('/') ? webhookPath : `/${webhookPath}`}`);
}

type ManifestProblemOf = { code: ManifestProblem; message: string };

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

const stringRecord = (value: unknown): Record<string, string> =>
  value && typeof value === 'object'
    ? Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};

/**
 * The manifest for `app.yml` (as parsed) under these settings. The webhook, redirect and callback addresses are always
 * computed here: an `app.yml` that names its own is not followed.
 */
export function computeAppManifest(
  appYml: Readonly<Record<string, unknown>>,
  settings: ManifestSettings,
): Result<AppManifest, ManifestProblemOf> {
  const hook = computeHookUrl(settings);
  if (!hook.ok) return hook;
  const origin = (settings.publicUrl !== undefined && httpOrigin(settings.publicUrl)) || settings.setupOrigin;
  const description = typeof appYml.description === 'string' ? appYml.description : undefined;
  return ok({
    name: typeof appYml.name === 'string' ? appYml.name : 'AAOE',
    url: typeof appYml.url === 'string' ? appYml.url : origin,
    ...(description ? { description } : {}),
    public: appYml.public === true,
    hook_attributes: { url: hook.value, active: true },
    redirect_url: `${origin}${SETUP_REDIRECT_PATH}`,
    callback_urls: [`${origin}${DASHBOARD_CALLBACK_PATH}`],
    default_events: strings(appYml.default_events),
    default_permissions: stringRecord(appYml.default_permissions),
  });
}

/** GitHub's page that registers an app from a manifest, for an account or an organization; `state` comes back. */
export function createAppUrl(web: string, organization: string | undefined, state: string): string {
  const owner = organization ? `/organizations/${encodeURIComponent(organization)}` : '';
  return `${web}${owner}/settings/apps/new?state=${encodeURIComponent(state)}`;
}
