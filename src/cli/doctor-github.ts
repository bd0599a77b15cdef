import { ProbotOctokit } from 'probot';
import type { AaoeConfig } from '../adapters/config/config.js';
import { missingPermissions, type Finding, type Manifest, type Report } from './doctor-findings.js';
import { classifyFailure, fetchWithin, type RequestFailure } from './doctor-network.js';
import { checkWebhook } from './doctor-webhook.js';

type AppOctokit = InstanceType<typeof ProbotOctokit>;
type App = {
  slug?: string;
  client_id?: string;
  name?: string;
  owner?: { login?: string; type?: string } | null;
  permissions?: Record<string, string | undefined>;
  events?: string[];
};
type Installation = {
  id: number;
  account: { login?: string; type?: string } | null;
  permissions?: Record<string, string | undefined>;
};

/** The app's private key as the app itself reads it (Probot's reader: PEM or base64, PRIVATE_KEY_PATH, or one *.pem here). */
function privateKey(config: AaoeConfig): { ok: true; key: string } | { ok: false; message: string } {
  try {
    const key = config.github.privateKey();
    return key
      ? { ok: true, key }
      : {
          ok: false,
          message: 'neither PRIVATE_KEY nor PRIVATE_KEY_PATH is set, and there is no *.pem file in this directory',
        };
  } catch (error) {
    return { ok: false, message: (error as Error).message.replace(/^\[@probot\/get-private-key\] /, '') };
  }
}

/** The app's client and its registration (`GET /app`), or a failure said as a finding. */
async function authenticate(
  config: AaoeConfig,
  timeoutMs: number,
  report: Report,
): Promise<{ octokit: AppOctokit; app: App; appId: string } | undefined> {
  const { api, web } = config.github.urls;
  const appId = config.github.appId;
  const key = privateKey(config);
  if (!appId || !key.ok) {
    report({
      level: 'fail',
      check: 'credentials',
      message: !appId ? 'APP_ID is not set' : key.ok ? '' : key.message,
      fix: `set APP_ID (the "App ID" at the top of the app's settings page) and PRIVATE_KEY or PRIVATE_KEY_PATH (a key from "Private keys" → "Generate a private key" on the same page, ${web}/settings/apps). Without them, \`npm start\` (with AAOE_PUBLIC_URL or WEBHOOK_PROXY_URL set) runs the setup flow that registers the app from app.yml and writes them to .env.`,
    });
    return undefined;
  }
  const octokit = new ProbotOctokit({
    auth: { appId, privateKey: key.key },
    baseUrl: api,
    retry: { enabled: false },
    throttle: { enabled: false },
    request: { fetch: fetchWithin(timeoutMs) },
  });
  try {
    return { octokit, app: (await octokit.request('GET /app')).data as App, appId };
  } catch (error) {
    report(credentialsFailure(classifyFailure(error), { api, appId, timeoutMs }));
    return undefined;
  }
}

/** A failed `GET /app`: a network failure is said as one, never as a wrong key (that is a 401 on the JWT). */
function credentialsFailure(failure: RequestFailure, at: { api: string; appId: string; timeoutMs: number }): Finding {
  const { api, appId, timeoutMs } = at;
  const host = URL.canParse(api) ? new URL(api).host : api;
  const where =
    'check GHE_HOST / GHE_PROTOCOL (unset for github.com), the network, and an HTTPS_PROXY if one is needed';
  switch (failure.kind) {
    case 'http':
      return {
        level: 'fail',
        check: 'credentials',
        message: `GitHub refused the app's JWT at ${api}/app (${failure.status}: ${failure.message})`,
        fix: /exp|iat|expir|future/i.test(failure.message)
          ? "this machine's clock is off: GitHub accepts a JWT only when the clock is within a minute; sync it (NTP)"
          : failure.status === 401 || failure.status === 404
            ? `PRIVATE_KEY is not a private key of app ${appId}, or APP_ID is not this app's id: copy the App ID from the app's settings page and generate a new private key there ("Private keys" → "Generate a private key")`
            : `GitHub answered ${failure.status}: try again; if it lasts, check ${api}`,
      };
    case 'dns':
      return {
        level: 'fail',
        check: 'network',
        message: `${host} does not resolve (${failure.code}): the credentials were not checked`,
        fix: `${where}; the DNS resolver of this machine must resolve ${host}`,
      };
    case 'refused':
      return {
        level: 'fail',
        check: 'network',
        message: `nothing answers at ${api} (${failure.code}): the credentials were not checked`,
        fix: where,
      };
    case 'timeout':
      return {
        level: 'fail',
        check: 'network',
        message: `${api} did not answer within ${timeoutMs / 1000} s: the credentials were not checked`,
        fix: where,
      };
    case 'network':
      return {
        level: 'fail',
        check: 'network',
        message: `${api} could not be reached (${failure.code}: ${failure.message}): the credentials were not checked`,
        fix: where,
      };
  }
}

const named = (list: ReturnType<typeof missingPermissions>) =>
  list.map((p) => `${p.name}: ${p.wanted} (has ${p.granted})`).join(', ');

/** The registration's events and permissions against `app.yml`; returns the permissions the app lacks. */
function checkRegistration(app: App, manifest: Manifest, settings: string, report: Report) {
  const events = new Set(app.events ?? []);
  const missingEvents = manifest.events.filter((e) => !events.has(e));
  report(
    missingEvents.length === 0
      ? {
          level: 'ok',
          check: 'events',
          message: `the app subscribes to every event of app.yml (${manifest.events.length})`,
        }
      : {
          level: 'fail',
          check: 'events',
          message: `the app does not subscribe to ${missingEvents.join(', ')}`,
          fix: `tick ${missingEvents.join(', ')} under "Subscribe to events" at ${settings}/permissions, and save`,
        },
  );
  const appMissing = missingPermissions(manifest.permissions, app.permissions ?? {});
  report(
    appMissing.length === 0
      ? { level: 'ok', check: 'app permissions', message: 'the app asks for every permission of app.yml' }
      : {
          level: 'fail',
          check: 'app permissions',
          message: `the app's registration lacks ${named(appMissing)}`,
          fix: `set ${appMissing.map((p) => `${p.name} to ${p.wanted}`).join(', ')} under "Permissions" at ${settings}/permissions and save; every installation then has to accept the change`,
        },
  );
  return appMissing;
}

/** Each installation's granted permissions against `app.yml`. */
async function checkInstallations(
  octokit: AppOctokit,
  context: { manifest: Manifest; appMissing: ReturnType<typeof missingPermissions>; web: string; slug: string },
  report: Report,
): Promise<void> {
  const { manifest, appMissing, web, slug } = context;
  let installations: Installation[] | undefined;
  try {
    installations = await octokit.paginate('GET /app/installations', { per_page: 100 });
  } catch (error) {
    // said once: the installations are unknown, not missing
    report({
      level: 'fail',
      check: 'installations',
      message: `GET /app/installations failed: ${(error as Error).message}`,
    });
  }
  if (installations?.length === 0)
    report({
      level: 'warn',
      check: 'installations',
      message: 'the app is not installed anywhere yet',
      fix: `install it on the repositories AAOE governs: ${web}/apps/${slug}/installations/new`,
    });
  for (const installation of installations ?? []) {
    const account = installation.account?.login ?? `installation ${installation.id}`;
    const missing = missingPermissions(manifest.permissions, installation.permissions ?? {});
    const page =
      installation.account?.type === 'Organization'
        ? `${web}/organizations/${account}/settings/installations/${installation.id}`
        : `${web}/settings/installations/${installation.id}`;
    report(
      missing.length === 0
        ? { level: 'ok', check: `installation ${account}`, message: 'granted every permission of app.yml' }
        : {
            level: 'fail',
            check: `installation ${account}`,
            message: `has not granted ${named(missing)}`,
            fix: appMissing.some((p) => missing.some((m) => m.name === p.name))
              ? `first add the permission to the app (above); then an owner of ${account} accepts the new permissions at ${page}`
              : `an owner of ${account} reviews and accepts the requested permissions at ${page} ("Review request")`,
          },
    );
  }
}

/**
 * Credentials (`GET /app` with the app's JWT), the registration's events and permissions, each installation's
 * permissions (`GET /app/installations`) against `app.yml`, then the webhook. Returns the registration's OAuth client
 * id (the dashboard's check compares it with `GITHUB_CLIENT_ID`), or undefined when the app could not be read.
 */
export async function checkGitHub(
  config: AaoeConfig,
  manifest: Manifest,
  report: Report,
  timeoutMs: number,
): Promise<{ clientId: string | undefined } | undefined> {
  const authenticated = await authenticate(config, timeoutMs, report);
  if (!authenticated) return undefined;
  const { octokit, app, appId } = authenticated;
  const { api, web } = config.github.urls;
  const slug = app.slug ?? '?';
  const settings =
    app.owner?.type === 'Organization'
      ? `${web}/organizations/${String(app.owner.login)}/settings/apps/${slug}`
      : `${web}/settings/apps/${slug}`;
  report({
    level: 'ok',
    check: 'credentials',
    message: `authenticated as the app ${app.name ?? slug} (id ${appId}) at ${api}`,
  });
  const appMissing = checkRegistration(app, manifest, settings, report);
  await checkInstallations(octokit, { manifest, appMissing, web, slug }, report);
  await checkWebhook(octokit, config, settings, report);
  return { clientId: app.client_id };
}
