import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { underProbe } from './availability.js';
import { AGENT, OWNER, REPO, added, prFlow } from './pr-flow.js';

/**
 * Issue 19, hole 7: ReDoS in the high-entropy secret rule. The rule's pattern backtracked cubically, so one added
 * line of `pwd` repeated a few thousand times held the event loop for seconds to minutes, on every evaluation of the
 * pull request. Over HTTP: an agent's pull request with such lines is judged while `/healthz` keeps answering within
 * 2 s, within a few seconds, and a line too long to scan is never passed silently (the secrets gate needs a person).
 */

let h: Harness;
const flow = prFlow(() => h, 700);

beforeAll(async () => {
  h = await startHarness();
  h.sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await flow.setConfig(`agents: ['${AGENT}']\n`);
});

async function judge(lines: string[]) {
  const { headSha, payload } = flow.pullRequest([added('src/config.ts', lines)]);
  const timing = await underProbe(h.url, async () => {
    expect((await h.deliver('pull_request', payload, { wait: false })).status).toBe(200);
    await h.runtime.idle();
  });
  return { ...timing, check: flow.checkFor(headSha) };
}

describe('secret scan ReDoS', () => {
  it('lines of `pwd` just under the scan limit are scanned in linear time: /healthz within 2 s, judged within 5 s', async () => {
    const { tookMs, slowestMs, check } = await judge(Array.from({ length: 40 }, () => 'pwd'.repeat(1_300)));
    expect(slowestMs).toBeLessThan(2_000);
    expect(tookMs).toBeLessThan(5_000);
    expect(check.conclusion).toBe('success');
  }, 600_000);

  it('a line over the limit is reported as not scanned and needs a person, without stalling the app', async () => {
    const { tookMs, slowestMs, check } = await judge(['const x = 1;', 'pwd'.repeat(4_000)]);
    expect(slowestMs).toBeLessThan(2_000);
    expect(tookMs).toBeLessThan(5_000);
    expect(check.conclusion).toBe('action_required');
    expect(JSON.stringify(check.output)).toContain('not scanned: `src/config.ts` line 2');
    expect(JSON.stringify(check.output)).toContain('too long to scan');
  }, 600_000);
});
