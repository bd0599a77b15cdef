/**
 * The shared secret-detection cases (gitleaks' and detect-secrets' own tests, read from ../shared/benchmarks/secrets,
 * never copied into the project) and the placements the bench puts each secret in.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CASES_DIR = resolve(import.meta.dirname, '../../shared/benchmarks/secrets');

export type Case = {
  source: string;
  rule: string;
  kind: 'tp' | 'fp';
  raw: string;
  /** The secret alone, where the case isolates it (or the whole raw is one token). */
  secret?: string;
  family: string;
  shaped: boolean;
};

/**
 * Scanner rules whose secrets have no shape of their own (a random string of a common alphabet with no documented
 * prefix or structure: the scanners find them only by a keyword next to them). They count in the placements next to
 * a secret-looking name, not in the neutral ones (`const value = ...`, a call argument, a neutral YAML key, as is).
 */
export const SHAPELESS = new Set([
  // gitleaks: keyword-anchored rules whose value is a plain random string, hex, digits or a UUID
  ...'adafruit-api-key adobe-client-id airtable-api-key algolia-api-key alibaba-secret-key asana-client-id asana-client-secret atlassian-api-token beamer-api-token bitbucket-client-id bitbucket-client-secret bittrex-access-key bittrex-secret-key cisco-meraki-api-key cloudflare-api-key cloudflare-global-api-key codecov-access-token cohere-api-token coinbase-access-token confluent-access-token confluent-secret-key contentful-delivery-api-token datadog-access-token discord-api-token discord-client-id discord-client-secret droneci-access-token dropbox-api-token etsy-access-token facebook-secret fastly-api-token finicity-api-token finicity-client-secret finnhub-access-token flickr-access-token freshbooks-access-token generic-api-key gitter-access-token hashicorp-tf-password heroku-api-key hubspot-api-key intercom-api-key jfrog-api-key jfrog-identity-token kraken-access-token kucoin-access-token kucoin-secret-key launchdarkly-access-token linear-client-secret linkedin-client-id linkedin-client-secret looker-client-id looker-client-secret mattermost-access-token messagebird-api-token messagebird-client-id netlify-access-token new-relic-user-api-id nytimes-access-token okta-access-token plaid-client-id plaid-secret-key privateai-api-token rapidapi-access-token sendbird-access-id sendbird-access-token sentry-access-token sidekiq-secret snyk-api-token sonar-api-token squarespace-access-token sumologic-access-id sumologic-access-token travisci-access-token twitch-api-token twitter-access-secret twitter-access-token twitter-api-key twitter-api-secret zendesk-secret-key freemius-secret-key pkcs12-file'.split(
    ' ',
  ),
  // detect-secrets: keyword plugins and generic entropy
  ...'keyword high_entropy_strings ibm_cloud_iam ibm_cos_hmac softlayer'.split(' '),
]);

/** The family of a scanner rule, for per-family recall (`slack-bot-token` -> slack, `aws_key` -> aws). */
export function familyOf(rule: string): string {
  const head = (rule.split(/[-_]/)[0] ?? rule).toLowerCase();
  const alias: Record<string, string> = {
    gcp: 'google',
    ibm: 'ibm',
    new: 'new-relic',
    curl: 'curl',
    '1password': '1password',
  };
  return alias[head] ?? head;
}

function isolatedSecret(d: { raw: string; secret?: string }): string | undefined {
  if (d.secret) return d.secret;
  const raw = d.raw.trim().replace(/^["'](.*)["']$/, '$1');
  return /^[^\s"'`=:,;]+$/.test(raw) && raw.length >= 8 ? raw : undefined;
}

export function loadCases(): Case[] {
  const cases: Case[] = [];
  for (const file of readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()) {
    for (const line of readFileSync(join(CASES_DIR, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const d = JSON.parse(line) as { source: string; rule: string; kind: 'tp' | 'fp'; raw: string; secret?: string };
      if (d.raw.trim() === '') continue; // binary cases (PKCS#12 files) have no text to place
      const secret = d.kind === 'tp' ? isolatedSecret(d) : undefined;
      cases.push({
        source: d.source,
        rule: d.rule,
        kind: d.kind,
        raw: d.raw,
        ...(secret ? { secret } : {}),
        family: familyOf(d.rule),
        shaped: !SHAPELESS.has(d.rule),
      });
    }
  }
  return cases;
}

export type Placement = {
  name: string;
  path: string;
  /** Next to a secret-looking name: every secret counts; otherwise only shaped ones do. */
  named: boolean;
  line: (secret: string, c: Case) => string;
};

const provider = (c: Case) => c.family.toUpperCase().replace(/[^A-Z0-9]/g, '_');

export const PLACEMENTS: Placement[] = [
  { name: '.env PROVIDER_API_KEY=', path: '.env', named: true, line: (s, c) => `${provider(c)}_API_KEY=${s}` },
  { name: '.env NAME_KEY=', path: '.env', named: true, line: (s) => `NAME_KEY=${s}` },
  { name: '.env NAME_TOKEN=', path: '.env', named: true, line: (s) => `NAME_TOKEN=${s}` },
  { name: '.env NAME_SECRET=', path: '.env', named: true, line: (s) => `NAME_SECRET=${s}` },
  { name: '.env NAME_PASSWORD=', path: '.env', named: true, line: (s) => `NAME_PASSWORD=${s}` },
  { name: '.env NAME_URL=', path: '.env', named: false, line: (s) => `NAME_URL=${s}` },
  { name: 'YAML value:', path: 'config/app.yml', named: false, line: (s) => `  value: ${s}` },
  { name: 'const value = "…";', path: 'src/app.ts', named: false, line: (s) => `const value = "${s}";` },
  { name: 'client.login("…")', path: 'src/app.ts', named: false, line: (s) => `client.login("${s}");` },
];

/** Ordinary source lines: this project's node_modules .js/.ts files, sampled deterministically. */
export function ordinaryLines(root: string, want: number): Array<{ path: string; lines: string[] }> {
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (files.length > 40_000 || depth > 6) return;
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const st = statSync(full, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(full, depth + 1);
      else if (/\.(?:js|ts|mjs|cjs)$/.test(name) && !name.endsWith('.min.js') && !name.endsWith('.d.ts'))
        files.push(full);
    }
  };
  walk(join(root, 'node_modules'), 0);
  const picked: Array<{ path: string; lines: string[] }> = [];
  let total = 0;
  const step = Math.max(1, Math.floor(files.length / 400));
  for (const [i, file] of files.entries()) {
    if (i % step !== 0 || total >= want) continue;
    const lines = readFileSync(file, 'utf8').split('\n').slice(0, 40);
    picked.push({ path: file.slice(root.length + 1), lines });
    total += lines.length;
  }
  return picked;
}
