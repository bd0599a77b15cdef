import { getPrivateKey } from '@probot/get-private-key';
import { z } from 'zod';
import { agentConfigFromEnv, type AgentConfig } from '../model/models-config.js';
import { notifyDestinationsFromEnv, type NotifyDestinations } from '../notify/config.js';
import { retentionFromEnv, type Retention } from '../store/retention.js';
import { runtimeOptionsFromEnv, type RuntimeOptions } from '../store/runtime.js';
import { databaseOptionsFromEnv, type DatabaseOptions } from '../store/database.js';

/**
 * The one place AAOE reads its environment (`variables.ts` lists every variable). `readConfig(env)` gives one typed
 * object; each value is read and validated when it is asked for, from the environment as it is then (a broken setting
 * throws, naming the variable and what it accepts), so a value overridden by an option is never read, as before.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export type AaoeConfig = {
  /** The environment itself, for readers that take one (Probot's `run`, the notification secrets `secretEnv` names). */
  readonly env: Env;
  readonly github: {
    readonly appId: string | undefined;
    readonly webhookSecret: string | undefined;
    readonly webhookPath: string;
    /** A smee.io channel the app listens on for local development (`WEBHOOK_PROXY_URL`): GitHub delivers there. */
    readonly webhookProxyUrl: string | undefined;
    /** The API and web roots: github.com, or `GHE_HOST` over `GHE_PROTOCOL` (default https). */
    readonly urls: { api: string; web: string };
    /** The app's OAuth client (`GITHUB_CLIENT_ID` and `GITHUB_CLIENT_SECRET`), when both are set. */
    readonly oauthClient: { clientId: string; clientSecret: string } | undefined;
    /** The private key as Probot reads it (PEM or base64 `PRIVATE_KEY`, `PRIVATE_KEY_PATH`, or one *.pem here). */
    privateKey(): string | null;
  };
  readonly server: {
    readonly reportSecret: string | undefined;
    readonly jobConcurrency: number;
    readonly timerIntervalMs: number;
    readonly tracesEndpoint: string | undefined;
  };
  readonly store: {
    readonly database: DatabaseOptions;
    readonly runtime: RuntimeOptions;
    readonly retention: Retention;
  };
  readonly model: {
    readonly modelsFile: string | undefined;
    readonly apiKey: string | undefined;
    readonly baseURL: string | undefined;
    /** The agent's router and budgets, undefined when `AAOE_MODELS` is not set. */
    agent(): AgentConfig | undefined;
  };
  /** The dashboard's session key (`AAOE_SESSION_SECRET`) and public origin (`AAOE_PUBLIC_URL`). */
  readonly dashboard: { readonly sessionSecret: string | undefined; readonly publicUrl: string | undefined };
  /** What the MCP server and the CLI call: `AAOE_URL`, with `AAOE_TOKEN` (else `GITHUB_TOKEN`). */
  readonly client: {
    readonly url: string | undefined;
    readonly token: string | undefined;
    readonly tokenFrom: 'AAOE_TOKEN' | 'GITHUB_TOKEN' | undefined;
  };
  notify(): NotifyDestinations;
};

const trimmed = (env: Env, name: string): string | undefined => env[name]?.trim() || undefined;

/** A number read from a variable, or `fallback` when it is unset; `valid` says what it accepts. */
function numberOf(env: Env, name: string, fallback: number, valid: (n: number) => boolean, accepts: string): number {
  const text = trimmed(env, name);
  if (!text) return fallback;
  const parsed = z
    .string()
    .transform(Number)
    .refine(valid, { message: `${name} must be ${accepts}, not "${text}"` })
    .safeParse(text);
  if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? `${name}: "${text}"`);
  return parsed.data;
}

function githubUrls(env: Env): { api: string; web: string } {
  const host = trimmed(env, 'GHE_HOST');
  if (!host) return { api: 'https://api.github.com', web: 'https://github.com' };
  const protocol = trimmed(env, 'GHE_PROTOCOL') ?? 'https';
  return { api: `${protocol}://${host}/api/v3`, web: `${protocol}://${host}` };
}

function githubConfig(env: Env): AaoeConfig['github'] {
  return {
    get appId() {
      return trimmed(env, 'APP_ID');
    },
    get webhookSecret() {
      return trimmed(env, 'WEBHOOK_SECRET');
    },
    get webhookPath() {
      return env.WEBHOOK_PATH ?? '/api/github/webhooks';
    },
    get webhookProxyUrl() {
      return trimmed(env, 'WEBHOOK_PROXY_URL');
    },
    get urls() {
      return githubUrls(env);
    },
    get oauthClient() {
      const clientId = trimmed(env, 'GITHUB_CLIENT_ID');
      const clientSecret = trimmed(env, 'GITHUB_CLIENT_SECRET');
      return clientId && clientSecret ? { clientId, clientSecret } : undefined;
    },
    privateKey: () => getPrivateKey({ env }),
  };
}

function serverConfig(env: Env): AaoeConfig['server'] {
  return {
    get reportSecret() {
      return env.AAOE_REPORT_SECRET;
    },
    get jobConcurrency() {
      return numberOf(
        env,
        'AAOE_JOB_CONCURRENCY',
        4,
        (n) => Number.isInteger(n) && n >= 0,
        'a whole number, 0 or more',
      );
    },
    get timerIntervalMs() {
      const seconds = numberOf(
        env,
        'AAOE_TIMER_INTERVAL_SECONDS',
        15,
        (n) => Number.isFinite(n) && n > 0,
        'a positive number',
      );
      return seconds * 1000;
    },
    get tracesEndpoint() {
      return trimmed(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? trimmed(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
    },
  };
}

function storeConfig(env: Env): AaoeConfig['store'] {
  return {
    get database() {
      return databaseOptionsFromEnv(env);
    },
    get runtime() {
      return runtimeOptionsFromEnv(env);
    },
    get retention() {
      const read = retentionFromEnv(env);
      if (!read.ok) throw new Error(read.errors.join('; '));
      return read.retention;
    },
  };
}

function modelConfig(env: Env): AaoeConfig['model'] {
  return {
    get modelsFile() {
      return trimmed(env, 'AAOE_MODELS');
    },
    get apiKey() {
      return env.AAOE_MODEL_API_KEY ?? env.OPENAI_API_KEY;
    },
    get baseURL() {
      return env.AAOE_MODEL_BASE_URL ?? env.OPENAI_BASE_URL;
    },
    agent: () => agentConfigFromEnv(env),
  };
}

/** The configuration over `env` (default: this process's environment, read live). */
export function readConfig(env: Env = process.env): AaoeConfig {
  return {
    env,
    github: githubConfig(env),
    server: serverConfig(env),
    store: storeConfig(env),
    model: modelConfig(env),
    get dashboard() {
      return { sessionSecret: trimmed(env, 'AAOE_SESSION_SECRET'), publicUrl: trimmed(env, 'AAOE_PUBLIC_URL') };
    },
    get client() {
      const own = trimmed(env, 'AAOE_TOKEN');
      const token = own ?? trimmed(env, 'GITHUB_TOKEN');
      const tokenFrom = own ? ('AAOE_TOKEN' as const) : token ? ('GITHUB_TOKEN' as const) : undefined;
      return { url: trimmed(env, 'AAOE_URL'), token, tokenFrom };
    },
    notify: () => notifyDestinationsFromEnv(env),
  };
}
