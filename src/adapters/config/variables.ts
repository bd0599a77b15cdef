/**
 * Every environment variable AAOE reads, in one table: its group, its default, whether it is a secret (shown only
 * as set / not set, never its value), and what it does. `aaoe doctor` prints the resolved values from it, and
 * docs/configuration.md lists it.
 */

export type Variable = {
  name: string;
  group: 'github' | 'server' | 'store' | 'jobs' | 'model' | 'notify' | 'dashboard' | 'tracing' | 'client';
  secret: boolean;
  /** What applies when it is not set (as a person reads it). */
  fallback?: string;
  description: string;
};

export const VARIABLES: readonly Variable[] = [
  { name: 'APP_ID', group: 'github', secret: false, description: "the GitHub App's id" },
  { name: 'PRIVATE_KEY', group: 'github', secret: true, description: "the app's private key (PEM or base64)" },
  { name: 'PRIVATE_KEY_PATH', group: 'github', secret: false, description: "a file holding the app's private key" },
  { name: 'WEBHOOK_SECRET', group: 'github', secret: true, description: 'the secret GitHub signs deliveries with' },
  {
    name: 'WEBHOOK_PATH',
    group: 'github',
    secret: false,
    fallback: '/api/github/webhooks',
    description: 'where the app receives deliveries',
  },
  {
    name: 'WEBHOOK_PROXY_URL',
    group: 'github',
    secret: false,
    description: 'local development: a smee.io channel GitHub delivers to, forwarded to WEBHOOK_PATH',
  },
  {
    name: 'GHE_HOST',
    group: 'github',
    secret: false,
    fallback: 'github.com',
    description: 'GitHub Enterprise Server host',
  },
  {
    name: 'GHE_PROTOCOL',
    group: 'github',
    secret: false,
    fallback: 'https',
    description: "GitHub Enterprise Server's scheme",
  },
  {
    name: 'GITHUB_CLIENT_ID',
    group: 'github',
    secret: false,
    description: "the app's OAuth client id (dashboard sign-in, API tokens)",
  },
  { name: 'GITHUB_CLIENT_SECRET', group: 'github', secret: true, description: "the app's OAuth client secret" },
  {
    name: 'AAOE_REPORT_SECRET',
    group: 'server',
    secret: true,
    description: "master key of the companion action's reports and the dispatches' signatures",
  },
  { name: 'DATABASE_URL', group: 'store', secret: true, description: 'a PostgreSQL server (else the embedded store)' },
  {
    name: 'AAOE_DATA_DIR',
    group: 'store',
    secret: false,
    fallback: '.aaoe',
    description: "the embedded store's directory",
  },
  {
    name: 'AAOE_EMBEDDED_FSYNC',
    group: 'store',
    secret: false,
    fallback: 'on',
    description: 'flush each commit of the embedded store to the disk (on / off)',
  },
  {
    name: 'AAOE_RETAIN_DELIVERIES_DAYS',
    group: 'store',
    secret: false,
    fallback: '30',
    description: 'days deliveries are kept',
  },
  {
    name: 'AAOE_RETAIN_JOBS_DAYS',
    group: 'store',
    secret: false,
    fallback: '7',
    description: 'days finished jobs are kept',
  },
  {
    name: 'AAOE_RETAIN_MODEL_CALLS_DAYS',
    group: 'store',
    secret: false,
    fallback: '400',
    description: 'days model calls are kept',
  },
  {
    name: 'AAOE_JOB_CONCURRENCY',
    group: 'jobs',
    secret: false,
    fallback: '4',
    description: 'jobs run at once per queue (0: none)',
  },
  {
    name: 'AAOE_TIMER_INTERVAL_SECONDS',
    group: 'jobs',
    secret: false,
    fallback: '15',
    description: 'how often due timers become jobs',
  },
  { name: 'AAOE_JOB_EXPIRE_SECONDS', group: 'jobs', secret: false, description: 'how long a job may run' },
  { name: 'AAOE_JOB_RETRY_LIMIT', group: 'jobs', secret: false, description: 'how often a failed job is retried' },
  { name: 'AAOE_JOB_RETRY_DELAY_SECONDS', group: 'jobs', secret: false, description: 'the first retry delay' },
  {
    name: 'AAOE_MAINTENANCE_INTERVAL_SECONDS',
    group: 'jobs',
    secret: false,
    description: "the job runner's upkeep interval",
  },
  { name: 'AAOE_MODELS', group: 'model', secret: false, description: 'the models file (unset: no agent work)' },
  {
    name: 'AAOE_MODEL_API_KEY',
    group: 'model',
    secret: true,
    description: "the model endpoint's key (or OPENAI_API_KEY)",
  },
  { name: 'OPENAI_API_KEY', group: 'model', secret: true, description: 'read when AAOE_MODEL_API_KEY is not set' },
  {
    name: 'AAOE_MODEL_BASE_URL',
    group: 'model',
    secret: false,
    fallback: 'https://api.openai.com/v1',
    description: 'an OpenAI-compatible endpoint (or OPENAI_BASE_URL)',
  },
  { name: 'OPENAI_BASE_URL', group: 'model', secret: false, description: 'read when AAOE_MODEL_BASE_URL is not set' },
  {
    name: 'AAOE_CONTEXT_TOKENS',
    group: 'model',
    secret: false,
    fallback: '30000',
    description: "the agent's context budget",
  },
  {
    name: 'AAOE_MAX_OUTPUT_TOKENS',
    group: 'model',
    secret: false,
    fallback: '8000',
    description: "a model call's output cap",
  },
  {
    name: 'AAOE_NOTIFY_DESTINATIONS',
    group: 'notify',
    // inline JSON may hold a webhook URL, which is a credential
    secret: true,
    description: "the operator's notification destinations (a file, or inline JSON)",
  },
  { name: 'AAOE_SESSION_SECRET', group: 'dashboard', secret: true, description: "the dashboard's session cookie key" },
  {
    name: 'AAOE_PUBLIC_URL',
    group: 'dashboard',
    secret: false,
    description: "the app's public origin: the setup flow's webhook URL (+ WEBHOOK_PATH) and the dashboard's address",
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    group: 'tracing',
    secret: false,
    description: 'an OTLP/HTTP collector (traces on)',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    group: 'tracing',
    secret: false,
    description: 'an OTLP/HTTP traces endpoint (traces on)',
  },
  { name: 'AAOE_URL', group: 'client', secret: false, description: 'the AAOE server the MCP server and CLI call' },
  { name: 'AAOE_TOKEN', group: 'client', secret: true, description: 'their token (or GITHUB_TOKEN)' },
  { name: 'GITHUB_TOKEN', group: 'client', secret: true, description: 'read when AAOE_TOKEN is not set' },
];

/** Each variable as `aaoe doctor` prints it: the value, the default that applies, or for a secret only whether it is set. */
export function describeVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  return VARIABLES.map((v) => {
    const value = env[v.name]?.trim();
    if (v.secret) return `${v.name} = ${value ? '(set)' : '(not set)'}`;
    if (value) return `${v.name} = ${value.length > 200 ? `${value.slice(0, 199)}…` : value}`;
    return `${v.name} = ${v.fallback !== undefined ? `(default ${v.fallback})` : '(not set)'}`;
  });
}
