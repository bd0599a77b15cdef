import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubSimulator } from '../simulator/github-simulator.js';

/** What the API tests add to the loopback GitHub: user tokens with `GET /user`, and `POST .../issues` by the app. */

let sim: GitHubSimulator;

beforeAll(async () => {
  sim = await GitHubSimulator.start({ validateResponses: true });
  sim.addInstallation({ id: 77, account: 'octo-org', permissions: { issues: 'write', metadata: 'read' } });
  sim.addRepo({ owner: 'octo-org', name: 'app', installationId: 77 });
});
afterAll(async () => {
  await sim?.close();
});

const get = (path: string, token?: string) =>
  fetch(`${sim.url}/api/v3${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('user tokens', () => {
  it("GET /user answers the token's user (a person or a bot), as GitHub's description says", async () => {
    const person = await get('/user', sim.createUserToken({ login: 'wendy' }));
    expect(person.status).toBe(200);
    expect(await person.json()).toMatchObject({ login: 'wendy', type: 'User' });
    const bot = await get('/user', sim.createUserToken({ login: 'helper[bot]' }));
    expect(await bot.json()).toMatchObject({ login: 'helper[bot]', type: 'Bot' });
    expect(sim.invalidResponses).toEqual([]);
  });

  it('GET /user refuses an unknown token and no token with 401', async () => {
    expect((await get('/user', 'ghu_unknown')).status).toBe(401);
    expect((await get('/user')).status).toBe(401);
  });

  it('an installation creates an issue, opened by the app, with its labels', async () => {
    const res = await fetch(`${sim.url}/api/v3/repos/octo-org/app/issues`, {
      method: 'POST',
      headers: { authorization: `token ${sim.createInstallationToken(77)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Do it', body: 'Please.', labels: ['aaoe'] }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      title: 'Do it',
      body: 'Please.',
      user: { login: 'aaoe[bot]', type: 'Bot' },
      labels: [{ name: 'aaoe' }],
    });
    expect(sim.invalidResponses).toEqual([]);
    expect(sim.rejections).toEqual([]);
  });
});
