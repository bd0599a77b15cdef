import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideDeployHold, MAX_HOLD_DAYS } from '../../src/core/deploy/deploy-hold.js';
import { deployHold } from '../../src/adapters/store/deploy-holds.js';
import { callApi } from '../api/api-client.js';
import { AGENT, deployWorld, POLICY } from './deploy-world.js';

// Issue 19, low: `schedule` let an agent hold any undispatched deployment for 90 days (a freeze of its own making).
// Through the API over HTTP: an agent identity may not schedule; a person may, at most a week ahead.

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const w = deployWorld({ owner: OWNER, repo: REPO, firstPullRequest: 900 });
const DAY = 86_400_000;

beforeAll(async () => {
  await w.start();
  w.harness().sim.setPermission({ ...w.where, username: AGENT, permission: 'write' });
  await w.flow.setConfig(POLICY().replace('merge: auto\n', ''));
});
afterAll(async () => {
  await w.harness()?.close();
});

async function approvedExecution() {
  const { number } = await w.flow.openPullRequest();
  await w.harness().deliver('issue_comment', w.flow.comment(number, 'wendy-writer', '/aaoe approve').payload);
  const x = await w.execution(number);
  expect(x.state).toBe('approved');
  return x;
}

const schedule = (login: string, id: string, notBefore: Date) =>
  callApi(w.harness().url, 'POST', `/api/v1/executions/${id}/schedule`, {
    token: w.harness().sim.createUserToken({ login }, { oauthClient: true }),
    body: { notBefore: notBefore.toISOString() },
  });

describe('schedule: no agent holds a deployment, and no hold is longer than a week', () => {
  it('the agent (a Bot account with write access) may not schedule, even a minute ahead', async () => {
    const x = await approvedExecution();
    const res = await schedule(AGENT, x.id, new Date(Date.now() + 60_000));
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/is an agent identity \(a Bot account\): agents may not schedule/);
    expect(await deployHold(w.harness().runtime.db, x.id)).toBeUndefined();
  });

  it('a person may not hold it for 90 days: refused with the limit; 3 days is accepted', async () => {
    const x = await approvedExecution();
    const long = await schedule('wendy-writer', x.id, new Date(Date.now() + 90 * DAY));
    expect(long.status).toBe(400);
    expect(long.body.error.message).toMatch(new RegExp(`at most ${MAX_HOLD_DAYS} days ahead`));
    expect(await deployHold(w.harness().runtime.db, x.id)).toBeUndefined();
    const ok = await schedule('wendy-writer', x.id, new Date(Date.now() + 3 * DAY));
    expect(ok.status).toBe(200);
    expect(await deployHold(w.harness().runtime.db, x.id)).toMatchObject({ by: 'wendy-writer' });
  });
});

describe('decideDeployHold (pure)', () => {
  const now = new Date('2026-03-02T10:00:00Z');
  it.each<[string, { agent?: string; days: number }, boolean | 400 | 403]>([
    ['a person, a day', { days: 1 }, true],
    ['a person, exactly a week', { days: MAX_HOLD_DAYS }, true],
    ['a person, a week and a minute', { days: MAX_HOLD_DAYS + 1 / 1440 }, 400],
    ['an agent, a minute', { agent: 'a Bot account', days: 1 / 1440 }, 403],
  ])('%s', (_name, f, expected) => {
    const d = decideDeployHold({ login: 'x', agent: f.agent, notBefore: new Date(now.getTime() + f.days * DAY), now });
    expect(d.ok ? true : d.status).toBe(expected);
  });
});
