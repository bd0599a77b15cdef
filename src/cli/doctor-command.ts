import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { ProbotOctokit } from 'probot';
import { parse } from 'yaml';
import { ModelsFile } from '../adapters/model/models-config.js';
import { checkReadiness } from '../app/operations.js';
import { databaseOptionsFromEnv, openDatabase } from '../adapters/store/database.js';
import { getPrivateKey } from '@probot/get-private-key';
import { packageRoot } from '../adapters/files/presets.js';

/**
 * `aaoe doctor`: checks what the app needs, in the order it needs it, and names the exact fix of each problem.
 *
 *  1. credentials: `APP_ID` and `PRIVATE_KEY` (or `PRIVATE_KEY_PATH`) authenticate as the app (`GET /app`);
 *  2. the app's registration: the events and permissions of `app.yml` (`GET /app`);
 *  3. each installation: the permissions it granted (`GET /app/installations`), against `app.yml`;
 *  4. the webhook (`GET /app/hook/config`, `GET /app/hook/deliveries`): a URL, JSON, a secret, and whether the app
 *     accepted GitHub's recent deliveries. GitHub never returns the secret (it shows `********`), so a wrong
 *     `WEBHOOK_SECRET` shows only as deliveries the app refused (a signature that does not match);
 *  5. `AAOE_REPORT_SECRET` is set (without it the app signs no dispatch and refuses the companion action's reports);
 *  6. the store (`DATABASE_URL` or `AAOE_DATA_DIR`): reachable, every migration applied;
 *  7. the model endpoint (`AAOE_MODELS`, `AAOE_MODEL_BASE_URL`, `AAOE_MODEL_API_KEY`): a models list call, and
 *     every configured model served.
 *
 * Exit 0 when nothing failed (warnings allowed), 1 when a check failed, 2 for bad arguments.
 */

export const DOCTOR_USAGE = `Usage:
  aaoe doctor                                     check credentials, permissions, webhook, store and model endpoint`;

export type Finding = { level: 'ok' | 'warn' | 'fail'; check: string; message: string; fix?: string };

type Io = { stdout: (text: string) => void; stderr: (text: string) => void };
type Env = Readonly<Record<string, string | undefined>>;

/** `app.yml`: what the app subscribes to and asks for. */
export type Manifest = { events: string[]; permissions: Record<string, string> };

const LEVELS: Record<string, number> = { read: 1, write: 2, admin: 3 };

/** Permissions `wanted` that `granted` lacks or grants at a lower level (pure). */
export function missingPermissions(
  wanted: Record<string, string>,
  granted: Record<string, string | undefined>,
): Array<{ name: string; wanted: string; granted: string }> {
  return Object.entries(wanted)
    .filter(([name, level]) => (LEVELS[granted[name] ?? ''] ?? 0) < (LEVELS[level] ?? 1))
    .map(([name, level]) => ({ name, wanted: level, granted: granted[name] ?? 'none' }));
}

export async function runDoctorCommand(
  args: string[],
  io: Io,
  env: Env,
  options: { manifest?: Manifest } = {},
): Promise<number> {
  if (args.length > 0) {
    io.stderr(`aaoe doctor: takes no arguments, not "${args.join(' ')}"\n\n${DOCTOR_USAGE}`);
    return 2;
  }
  const manifest = options.manifest ?? readManifest();
  const findings: Finding[] = [];
  const report = (finding: Finding) => {
    findings.push(finding);
    const mark = finding.level === 'ok' ? '✓' : finding.level === 'warn' ? '!' : '✗';
    io.stdout(`${mark} ${finding.check}: ${finding.message}${finding.fix ? `\n    Fix: ${finding.fix}` : ''}`);
  };
  await checkGitHub(env, manifest, report);
  if (!env.AAOE_REPORT_SECRET?.trim()) {
    report({
      level: 'warn',
      check: 'report secret',
      message:
        "AAOE_REPORT_SECRET is not set: the app signs no dispatch (the companion action runs none) and refuses the action's reports (503), so a merged change is never deployed",
      fix: 'set AAOE_REPORT_SECRET to a random value here only (it never goes into a repository), then give each repository that runs the aaoe-deploy workflow its own key as the secret AAOE_REPORT_SECRET: `npx aaoe report-key <owner/repo> --installation <id>`',
    });
  } else
    report({
      level: 'ok',
      check: 'report secret',
      message:
        "AAOE_REPORT_SECRET is set (each repository's key is derived from it: `npx aaoe report-key <owner/repo> --installation <id>`)",
    });
  await checkStore(env, report);
  await checkModel(env, report);
  const failed = findings.filter((f) => f.level === 'fail').length;
  io.stdout(failed === 0 ? '\nNo problem found.' : `\n${failed} problem${failed === 1 ? '' : 's'} to fix.`);
  return failed === 0 ? 0 : 1;
}

// ------------------------------------------------------------------ GitHub

function urls(env: Env): { api: string; web: string } {
  const host = env.GHE_HOST?.trim();
  if (!host) return { api: 'https://api.github.com', web: 'https://github.com' };
  const protocol = env.GHE_PROTOCOL?.trim() || 'https';
  return { api: `${protocol}://${host}/api/v3`, web: `${protocol}://${host}` };
}

/** The app's private key as the app itself reads it (Probot's reader: PEM or base64, PRIVATE_KEY_PATH, or one *.pem here). */
function privateKey(env: Env): { ok: true; key: string } | { ok: false; message: string } {
  try {
    const key = getPrivateKey({ env: env as NodeJS.ProcessEnv });
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

async function checkGitHub(env: Env, manifest: Manifest, report: (f: Finding) => void): Promise<void> {
  const { api, web } = urls(env);
  const appId = env.APP_ID?.trim();
  const key = privateKey(env);
  if (!appId || !key.ok) {
    report({
      level: 'fail',
      check: 'credentials',
      message: !appId ? 'APP_ID is not set' : (key as { message: string }).message,
      fix: `set APP_ID (the "App ID" at the top of the app's settings page) and PRIVATE_KEY or PRIVATE_KEY_PATH (a key from "Private keys" → "Generate a private key" on the same page, ${web}/settings/apps). Without them, \`npm start\` runs Probot's setup flow to register the app from app.yml.`,
    });
    return;
  }
  const octokit = new ProbotOctokit({
    auth: { appId, privateKey: key.key },
    baseUrl: api,
    retry: { enabled: false },
    throttle: { enabled: false },
  });
  let app: {
    slug?: string;
    name?: string;
    owner?: { login?: string; type?: string } | null;
    permissions?: Record<string, string | undefined>;
    events?: string[];
  };
  try {
    app = (await octokit.request('GET /app')).data as typeof app;
  } catch (error) {
    const status = (error as { status?: number }).status;
    const message = (error as Error).message;
    report({
      level: 'fail',
      check: 'credentials',
      message: `GitHub refused the app's JWT at ${api}/app (${status ?? 'no answer'}: ${message})`,
      fix:
        status === undefined
          ? `${api} does not answer: check GHE_HOST / GHE_PROTOCOL (unset for github.com) and the network`
          : /exp|iat|expir|future/i.test(message)
            ? "this machine's clock is off: GitHub accepts a JWT only when the clock is within a minute; sync it (NTP)"
            : `PRIVATE_KEY is not a private key of app ${appId}, or APP_ID is not this app's id: copy the App ID from the app's settings page and generate a new private key there ("Private keys" → "Generate a private key")`,
    });
    return;
  }
  const slug = app.slug ?? '?';
  const settings =
    app.owner?.type === 'Organization'
      ? `${web}/organizations/${app.owner.login}/settings/apps/${slug}`
      : `${web}/settings/apps/${slug}`;
  report({
    level: 'ok',
    check: 'credentials',
    message: `authenticated as the app ${app.name ?? slug} (id ${appId}) at ${api}`,
  });

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
  const named = (list: ReturnType<typeof missingPermissions>) =>
    list.map((p) => `${p.name}: ${p.wanted} (has ${p.granted})`).join(', ');
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

  let installations:
    | Array<{
        id: number;
        account: { login?: string; type?: string } | null;
        permissions: Record<string, string | undefined>;
      }>
    | undefined;
  try {
    installations = (await octokit.paginate('GET /app/installations', { per_page: 100 })) as typeof installations;
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

  await checkWebhook(octokit, env, settings, report);
}

async function checkWebhook(
  octokit: InstanceType<typeof ProbotOctokit>,
  env: Env,
  settings: string,
  report: (f: Finding) => void,
): Promise<void> {
  const local = env.WEBHOOK_SECRET?.trim();
  if (!local)
    report({
      level: 'fail',
      check: 'webhook secret',
      message: 'WEBHOOK_SECRET is not set: the app cannot verify any delivery',
      fix: `set WEBHOOK_SECRET to the app's webhook secret (GitHub never shows it: if nobody kept it, set a new one under "Webhook secret" at ${settings} and use the same value)`,
    });
  let config: { url?: string; content_type?: string; secret?: string | null; insecure_ssl?: string | number };
  try {
    config = (await octokit.request('GET /app/hook/config')).data;
  } catch (error) {
    report({ level: 'fail', check: 'webhook', message: `GET /app/hook/config failed: ${(error as Error).message}` });
    return;
  }
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
  let deliveries: Array<{ guid: string; status_code: number; delivered_at: string; event: string }> = [];
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

// ------------------------------------------------------------------ store and model

async function checkStore(env: Env, report: (f: Finding) => void): Promise<void> {
  const options = databaseOptionsFromEnv(env);
  const where = options.url ? 'DATABASE_URL' : `the embedded store in ${resolve(options.dataDir!)}`;
  if (!options.url && !existsSync(join(resolve(options.dataDir!), 'pglite'))) {
    report({
      level: 'warn',
      check: 'store',
      message: `${where} does not exist yet`,
      fix: 'nothing to do if this is the first start (the app creates it); otherwise point AAOE_DATA_DIR at the data directory the app uses',
    });
    return;
  }
  let db;
  try {
    db = await openDatabase(options);
  } catch (error) {
    const message = (error as Error).message.split('\n', 1)[0];
    report({
      level: 'fail',
      check: 'store',
      message: `${where} cannot be opened: ${message}`,
      fix: options.url
        ? 'check the host, port, user, password and database of DATABASE_URL, and that the server accepts connections from here'
        : 'the embedded store is used by one process at a time: stop the app and run aaoe doctor again (or ask the running app: GET /readyz)',
    });
    return;
  }
  try {
    const readiness = await checkReadiness(db, { timeoutMs: 5000 });
    const { database, migrations } = readiness.checks;
    if (!database.ok)
      report({
        level: 'fail',
        check: 'store',
        message: `${where} does not answer: ${database.error}`,
        fix: 'check that the database server runs and answers',
      });
    else if (!migrations.ok)
      report({
        level: 'fail',
        check: 'store',
        message: `${where}: ${migrations.error}`,
        fix: 'run `aaoe db migrate` with the same environment (the app also migrates at start)',
      });
    else
      report({
        level: 'ok',
        check: 'store',
        message: `${where} answers; schema version ${migrations.current}${migrations.newer.length ? ` (and ${migrations.newer.join(', ')} from a newer release)` : ''}`,
      });
  } finally {
    await db.close();
  }
}

async function checkModel(env: Env, report: (f: Finding) => void): Promise<void> {
  const file = env.AAOE_MODELS?.trim();
  if (!file) {
    report({
      level: 'warn',
      check: 'model',
      message:
        'AAOE_MODELS is not set: pull requests are judged, but a labelled issue only gets a comment saying no model is configured',
      fix: 'to let agents propose changes, set AAOE_MODELS to a models file, AAOE_MODEL_API_KEY and (for an endpoint other than OpenAI) AAOE_MODEL_BASE_URL',
    });
    return;
  }
  let models: ModelsFile;
  try {
    const parsed = ModelsFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success)
      throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
    models = parsed.data;
  } catch (error) {
    report({
      level: 'fail',
      check: 'model',
      message: `AAOE_MODELS ${file}: ${(error as Error).message}`,
      fix: 'write it as { "models": [{ "id", "tier", "inputUsdPerMTok", "outputUsdPerMTok" }], "tasks": { … } } (README, Configuration)',
    });
    return;
  }
  const apiKey = env.AAOE_MODEL_API_KEY ?? env.OPENAI_API_KEY;
  const baseURL = env.AAOE_MODEL_BASE_URL ?? env.OPENAI_BASE_URL;
  const endpoint = baseURL ?? 'https://api.openai.com/v1';
  if (!apiKey) {
    report({
      level: 'fail',
      check: 'model',
      message: 'AAOE_MODELS is set but no API key is',
      fix: 'set AAOE_MODEL_API_KEY (or OPENAI_API_KEY) to a key of the endpoint',
    });
    return;
  }
  const client = new OpenAI({ apiKey, ...(baseURL ? { baseURL } : {}), maxRetries: 0, timeout: 10_000 });
  let served: Set<string>;
  try {
    served = new Set();
    for await (const model of client.models.list()) served.add(model.id);
  } catch (error) {
    const status = (error as { status?: number }).status;
    report({
      level: 'fail',
      check: 'model',
      message: `GET ${endpoint}/models failed (${status ?? 'no answer'}: ${(error as Error).message.split('\n', 1)[0]})`,
      fix:
        status === 401 || status === 403
          ? `the endpoint refuses AAOE_MODEL_API_KEY: set a valid key for ${endpoint}`
          : status === undefined
            ? `${endpoint} does not answer: check AAOE_MODEL_BASE_URL (it ends in /v1 for most OpenAI-compatible servers) and the network`
            : `check AAOE_MODEL_BASE_URL: ${endpoint} is not an OpenAI-compatible endpoint`,
    });
    return;
  }
  const unknown = models.models.map((m) => m.id).filter((id) => !served.has(id));
  report(
    unknown.length === 0
      ? {
          level: 'ok',
          check: 'model',
          message: `${endpoint} serves every model of ${file} (${models.models.map((m) => m.id).join(', ')})`,
        }
      : {
          level: 'fail',
          check: 'model',
          message: `${endpoint} does not serve ${unknown.join(', ')} (it lists ${served.size} models)`,
          fix: `correct the id${unknown.length === 1 ? '' : 's'} in ${file}, or point AAOE_MODEL_BASE_URL at an endpoint that serves ${unknown.length === 1 ? 'it' : 'them'}`,
        },
  );
}

/** `app.yml` of this package. */
export function readManifest(): Manifest {
  const yml = parse(readFileSync(join(packageRoot(), 'app.yml'), 'utf8')) as {
    default_events?: string[];
    default_permissions?: Record<string, string>;
  };
  return { events: yml.default_events ?? [], permissions: yml.default_permissions ?? {} };
}
