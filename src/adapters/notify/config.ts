import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * Notifications have two halves, kept apart because one holds secrets and the other is policy as code:
 *
 * - The operator's destinations (app side, `AAOE_NOTIFY_DESTINATIONS`): named Slack incoming webhooks and signed
 *   JSON webhooks, with their URLs and HMAC secrets. Never in a repository.
 * - The repository's routes (`notifications:` in `.github/aaoe.yml`): which events go to which destination (by
 *   name) or to GitHub itself (a comment on the issue and/or pull request, with mentions). A route may only name a
 *   destination; it never carries a URL or a secret.
 *
 * A route that names a destination the operator did not define is not an error when the policy loads (the
 * operator's list is not visible to the policy check): it is reported when the notification is due, recorded as a
 * failed delivery with the reason, never dropped in silence.
 */

import { DestinationName, GITHUB_DESTINATION } from '../../core/notify/notifications-schema.js';

// ------------------------------------------------------------------ the operator's destinations

/** Loopback hosts may use plain HTTP (tests, a local relay); anything else must be HTTPS: the payload names repositories. */
const HttpsUrl = z.url({ protocol: /^https?$/ }).refine((text) => {
  if (!URL.canParse(text)) return true; // reported as not a URL already
  const url = new URL(text);
  return url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}, 'an https:// URL (plain http only to 127.0.0.1 or localhost)');

/** `owner/repo` or `owner/*` (every repository of the owner), as GitHub spells names. */
const RepositoryScope = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/(?:\*|[A-Za-z0-9._-]{1,100})$/,
    'owner/repo or owner/* (every repository of the owner)',
  );

/**
 * The repositories whose events a destination takes. Absent: every repository of every installation whose policy
 * names it (the operator's own channel); an operator who serves several organisations scopes each one's destinations.
 */
const Repositories = z.array(RepositoryScope).max(200).optional();

export const SlackDestination = z.strictObject({
  type: z.literal('slack'),
  /** The incoming webhook URL (https://hooks.slack.com/services/...): a secret itself. */
  url: HttpsUrl,
  repositories: Repositories,
});

export const WebhookDestination = z
  .strictObject({
    type: z.literal('webhook'),
    url: HttpsUrl,
    /** The environment variable that holds the HMAC secret. */
    secretEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)')
      .optional(),
    /** The HMAC secret itself (this file is the operator's, never a repository's). */
    secret: z.string().min(16, 'a secret of at least 16 characters').optional(),
    repositories: Repositories,
  })
  .superRefine((d, ctx) => {
    if ((d.secret === undefined) === (d.secretEnv === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['secretEnv'],
        message:
          'give exactly one of "secretEnv" (the variable holding the HMAC secret) or "secret": a webhook is always signed',
      });
    }
  });

export const Destination = z.discriminatedUnion('type', [SlackDestination, WebhookDestination]);

/** The longest one destination's send may take: well inside the job runner's lease of a job (300 s by default). */
export const MAX_SEND_MS = 240_000;

/** Every attempt timing out, with the longest delays between them. */
export function worstCaseMs(d: {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}): number {
  let total = d.attempts * d.timeoutMs;
  for (let n = 1; n < d.attempts; n++) total += Math.min(d.maxDelayMs, d.initialDelayMs * 2 ** (n - 1));
  return total;
}

/** How every send is bounded and retried. */
export const DeliveryOptions = z
  .strictObject({
    /** Attempts per destination and notification, the first included. */
    attempts: z.int().min(1).max(10).default(4),
    /** Delay before the second attempt, doubled for each further one (with jitter). */
    initialDelayMs: z.int().min(0).max(60_000).default(1_000),
    maxDelayMs: z.int().min(0).max(300_000).default(10_000),
    /** Each attempt is abandoned after this long. */
    timeoutMs: z.int().min(100).max(60_000).default(10_000),
  })
  .superRefine((d, ctx) => {
    const worst = worstCaseMs(d);
    if (worst > MAX_SEND_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['attempts'],
        message: `a send could take ${Math.round(worst / 1000)} s (attempts x timeoutMs plus the delays), more than ${MAX_SEND_MS / 1000} s: a notify job would outlive its lease and run twice; lower attempts, timeoutMs or maxDelayMs`,
      });
    }
  });
export type DeliveryOptions = z.infer<typeof DeliveryOptions>;

export const DestinationsFile = z.strictObject({
  destinations: z
    .record(z.string(), Destination)
    .superRefine((d, ctx) => {
      for (const name of Object.keys(d)) {
        const named = DestinationName.safeParse(name);
        if (!named.success)
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: named.error.issues[0]?.message ?? 'not a destination name',
          });
        else if (name.toLowerCase() === GITHUB_DESTINATION)
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `"${GITHUB_DESTINATION}" is reserved for comments on GitHub: choose another name`,
          });
      }
    })
    .default({}),
  delivery: DeliveryOptions.default({ attempts: 4, initialDelayMs: 1_000, maxDelayMs: 10_000, timeoutMs: 10_000 }),
});
export type DestinationsFile = z.infer<typeof DestinationsFile>;

/** A destination ready to send to: secrets resolved; `repositories`: the only ones whose events it takes (absent: all). */
export type ResolvedDestination = (
  { type: 'slack'; url: string } | { type: 'webhook'; url: string; secret: string }
) & { repositories?: readonly string[] };

/** Whether a destination takes the events of `repo` (`owner/name`): no scope, or a scope entry that names it. */
export function destinationServes(
  destination: { readonly repositories?: readonly string[] | undefined },
  repo: string,
): boolean {
  if (destination.repositories === undefined) return true;
  const wanted = repo.toLowerCase();
  const owner = wanted.slice(0, wanted.indexOf('/') + 1);
  return destination.repositories.some((scope) => {
    const s = scope.toLowerCase();
    return s === wanted || (s.endsWith('/*') && owner !== '' && s.slice(0, -1) === owner);
  });
}

export type NotifyDestinations = {
  destinations: Readonly<Record<string, ResolvedDestination>>;
  delivery: DeliveryOptions;
};

export const NO_DESTINATIONS: NotifyDestinations = { destinations: {}, delivery: DeliveryOptions.parse({}) };

type Env = Readonly<Record<string, string | undefined>>;

export type ParsedDestinations = { ok: true; value: NotifyDestinations } | { ok: false; errors: string[] };

/**
 * Parses the operator's destinations (YAML or JSON text) and resolves each webhook's secret. Every problem is
 * reported with the key it is at (`destinations.pager.url: ...`).
 */
export function parseNotifyDestinations(text: string, env: Env): ParsedDestinations {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    return { ok: false, errors: [`not YAML or JSON: ${(error as Error).message.split('\n')[0]}`] };
  }
  const parsed = DestinationsFile.safeParse(raw ?? {});
  if (!parsed.success)
    return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
  const errors: string[] = [];
  const destinations: Record<string, ResolvedDestination> = {};
  for (const [name, d] of Object.entries(parsed.data.destinations)) {
    const scope = d.repositories !== undefined ? { repositories: d.repositories } : {};
    if (d.type === 'slack') {
      destinations[name] = { type: 'slack', url: d.url, ...scope };
      continue;
    }
    const secret = d.secret ?? (d.secretEnv ? env[d.secretEnv] : undefined);
    if (!secret)
      errors.push(
        `destinations.${name}.secretEnv: the environment variable ${d.secretEnv} is not set (it holds the webhook's HMAC secret)`,
      );
    else if (secret.length < 16)
      errors.push(`destinations.${name}.secretEnv: the secret in ${d.secretEnv} is shorter than 16 characters`);
    else destinations[name] = { type: 'webhook', url: d.url, secret, ...scope };
  }
  return errors.length > 0
    ? { ok: false, errors }
    : { ok: true, value: { destinations, delivery: parsed.data.delivery } };
}

/**
 * The operator's destinations from `AAOE_NOTIFY_DESTINATIONS`: a path to a YAML/JSON file, or inline JSON (text
 * starting with `{`). Unset: no destinations (GitHub comments still work). Set but broken: throws at start, naming
 * the bad key, so a typo never silently turns notifications off.
 */
export function notifyDestinationsFromEnv(
  env: Env,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): NotifyDestinations {
  const setting = env.AAOE_NOTIFY_DESTINATIONS?.trim();
  if (!setting) return NO_DESTINATIONS;
  const inline = setting.startsWith('{');
  let text = setting;
  if (!inline) {
    try {
      text = readFile(setting);
    } catch (error) {
      throw new Error(`AAOE_NOTIFY_DESTINATIONS: cannot read ${setting}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const parsed = parseNotifyDestinations(text, env);
  if (!parsed.ok)
    throw new Error(`AAOE_NOTIFY_DESTINATIONS (${inline ? 'inline JSON' : setting}): ${parsed.errors.join('; ')}`);
  return parsed.value;
}
