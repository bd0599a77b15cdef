import { z } from 'zod';

/**
 * The last step of GitHub's manifest flow: the `code` GitHub's redirect carries is exchanged for the new app's
 * credentials (`POST /app-manifests/{code}/conversions`, no authentication; the code is valid for one hour, once).
 * Also the smee.io channel a local setup asks for (`WEBHOOK_PROXY_URL`).
 */

/** What the conversion answers that the app keeps (GitHub's `integration` plus its secrets). */
export const AppCredentials = z.object({
  id: z.number().int().positive(),
  slug: z.string().optional(),
  html_url: z.url(),
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  webhook_secret: z.string().min(1).nullable(),
  pem: z.string().includes('PRIVATE KEY'),
});
export type AppCredentials = z.infer<typeof AppCredentials>;

/** A code GitHub issues: letters, digits, `-` and `_` (checked before it goes into a URL path). */
const CODE = /^[A-Za-z0-9_-]{1,200}$/;
const TIMEOUT_MS = 30_000;

export type ExchangeCode = (code: string) => Promise<AppCredentials>;

/** The exchange against `api` (`https://api.github.com`, or a GitHub Enterprise Server's `/api/v3`). */
export function manifestExchange(api: string, fetchImpl: typeof fetch = fetch): ExchangeCode {
  return async (code) => {
    if (!CODE.test(code)) throw new Error('the code GitHub sent back is not a manifest code');
    const res = await fetchImpl(`${api}/app-manifests/${code}/conversions`, {
      method: 'POST',
      headers: {
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'aaoe-setup',
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    if (res.status !== 201)
      throw new Error(`GitHub answered ${res.status} to the manifest conversion: ${text.slice(0, 300)}`);
    return AppCredentials.parse(JSON.parse(text));
  };
}

export type CreateChannel = () => Promise<string>;

/** A new smee.io channel (smee-client's own call: `HEAD https://smee.io/new` answers with its address). */
export const createSmeeChannel: CreateChannel = async () => {
  const { SmeeClient } = await import('smee-client');
  return SmeeClient.createChannel();
};
