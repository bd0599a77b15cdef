import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHandler } from '../../src/api/api-handler.js';
import type { ApiUser, GitHubAccess } from '../../src/adapters/github/github-access.js';
import { openRuntime, type Runtime } from '../../src/adapters/store/runtime.js';
import { loadPresets } from '../../src/adapters/files/presets.js';

/**
 * The API's request limit over HTTP, with GitHub behind a port that counts `GET /user`: a token counts as its own
 * caller only once GitHub accepted it, so made-up tokens are limited by address; an accepted token is asked about
 * once a minute, not on every request.
 */

let runtime: Runtime;
const servers: Server[] = [];
const asked: string[] = [];
const access: GitHubAccess = {
  userOf: async (token): Promise<ApiUser | undefined> => {
    asked.push(token);
    return token === 'ghu_valid' ? { login: 'wendy', type: 'User' } : undefined;
  },
  connect: async () => undefined,
  botLogin: async () => 'aaoe[bot]',
  tokenIssuer: async () => 'foreign',
};

beforeAll(async () => {
  runtime = await openRuntime({ database: { memory: true } });
});
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await runtime?.close();
});

/** An API with a limit of 3 requests a minute per caller; returns a `GET /executions` with a token. */
async function startApi(): Promise<(token: string) => Promise<number>> {
  const log = { info() {}, warn() {}, error() {} };
  const handle = apiHandler({ log } as never, {
    runtime,
    now: () => new Date(),
    presets: loadPresets(),
    access,
    rateLimit: { limit: 3, windowMs: 60_000 },
  });
  const server = createServer((req, res) => void handle(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return async (token) =>
    (await fetch(`${url}/api/v1/executions?repo=acme/shop`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('the request limit', () => {
  it('counts made-up tokens by address: they cannot get past the limit, nor make a GET /user each', async () => {
    const list = await startApi();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await list(`ghu_made_up_${i}`));
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(asked).toHaveLength(3); // the fourth never reached GitHub
    // the address's budget is spent: a token GitHub has not accepted yet waits with it
    expect(await list('ghu_valid')).toBe(429);
  });

  it('an accepted token has a limit of its own, and GitHub is asked who it is once', async () => {
    const list = await startApi();
    asked.length = 0;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await list('ghu_valid'));
    // the first request is counted by address (GitHub accepts the token then), the next three by the token, the fifth is over
    expect(statuses).toEqual([404, 404, 404, 404, 429]);
    expect(asked).toEqual(['ghu_valid']);
  });
});
