import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { AGENT, OWNER, REPO, added, prFlow } from './pr-flow.js';
import { githubToken, j, lowerDigits, rnd } from '../core/secrets/fixtures.js';

/**
 * Issue 22 through the real path: an agent's pull request that adds secrets where the old gate missed them (a
 * shapeless key under `NAME_KEY=`, a Stripe key in a string with a neutral name, a token as a call argument, a
 * password in a URL, a base64-encoded JWT) is judged by the running app against the simulator: the check fails,
 * names each rule and position, and never shows a secret. A fixture path the policy allows, with its reason, passes.
 */

let h: Harness;
const flow = prFlow(() => h, 900);

beforeAll(async () => {
  h = await startHarness();
  h.sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
});
afterAll(async () => {
  await h?.close();
});

const SHAPELESS = lowerDigits(32);
const STRIPE = j('sk_live_', rnd(24));
const GITHUB = githubToken();
const PASSWORD = rnd(18);
const JWT64 = btoa(j('eyJhbGciOiJIUzI1NiJ9', '.', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', '.', rnd(43)));
const SECRETS = [SHAPELESS, STRIPE, GITHUB, PASSWORD, JWT64];

async function judge(files: ReturnType<typeof added>[]) {
  const { headSha, payload } = flow.pullRequest(files);
  expect((await h.deliver('pull_request', payload)).status).toBe(200);
  await h.runtime.idle();
  return flow.checkFor(headSha);
}

describe('secrets wherever they stand', () => {
  beforeEach(async () => {
    await flow.setConfig(
      `agents: ['${AGENT}']\nsecrets:\n  allowlist:\n    - paths: ['test/fixtures/**']\n      reason: fake keys for the parser tests\n`,
    );
  });

  it('fails the change, naming rule and position of each, with no secret in the check', async () => {
    const check = await judge([
      added('.env', ['APP_NAME=demo', `NAME_KEY=${SHAPELESS}`]),
      added('src/pay.ts', [`const value = "${STRIPE}";`, `client.login("${GITHUB}");`]),
      added('config/db.yml', [`url: postgres://app:${PASSWORD}@db.internal:5432/app`, `blob: ${JWT64}`]),
    ]);
    expect(check.conclusion).toBe('failure');
    const output = JSON.stringify(check.output);
    for (const position of ['.env:2:10', 'src/pay.ts:1:16', 'src/pay.ts:2:15', 'config/db.yml:1:', 'config/db.yml:2:7'])
      expect(output).toContain(position);
    for (const secret of SECRETS) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(secret.slice(8, 20));
    }
  }, 120_000);

  it('passes a fixture the policy allows, and shows the reason', async () => {
    const check = await judge([added('test/fixtures/keys.ts', [`export const key = "${STRIPE}";`])]);
    expect(check.conclusion).toBe('success');
    expect(JSON.stringify(check.output)).toContain('fake keys for the parser tests');
    expect(JSON.stringify(check.output)).not.toContain(STRIPE);
  }, 120_000);
});
