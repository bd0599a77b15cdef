import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listApprovals } from '../../src/adapters/store/approvals.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * Issue 19, hole 16: the check run's Approve button approved whichever pull request GitHub listed first for the
 * commit, not the one whose check was pressed. The button is bound to the check run pressed (the execution that
 * posted it, from the effects ledger); a check run AAOE cannot tie to one execution approves nothing.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ reportSecret: 'button-report-secret' });
  h.sim.addInstallation({
    id: INSTALLATION_ID,
    account: OWNER,
    permissions: {
      checks: 'write',
      contents: 'write',
      issues: 'write',
      pull_requests: 'write',
      deployments: 'write',
      actions: 'read',
      members: 'read',
      metadata: 'read',
    },
  });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'wendy-writer', permission: 'write' });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
});

const { setConfig, openPullRequest, buttonPress, latestCheck } = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: 'button-report-secret',
  firstPullRequest: 3400,
});

async function approvalsOf(number: number) {
  const x = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.pullRequest === number)!;
  return (await listApprovals(h.runtime.db, x.id)).map((a) => a.actor.login);
}

describe('hole 16: the Approve button approves the pull request whose check run was pressed', () => {
  it("two pull requests share a head: pressing B's check approves B, even when GitHub lists A first", async () => {
    const a = await openPullRequest();
    const b = await openPullRequest({ headSha: a.headSha });
    const pressedOnB = latestCheck(a.headSha); // B's check run, the latest on the shared commit
    const payload = buttonPress(a.number, a.headSha, 'wendy-writer'); // GitHub lists A for the commit
    expect(payload.check_run.id).toBe(pressedOnB.id);
    await h.deliver('check_run', payload);
    expect(await approvalsOf(a.number)).toEqual([]);
    expect(await approvalsOf(b.number)).toEqual(['wendy-writer']);
  });

  it('a check run AAOE did not post for an execution approves nothing', async () => {
    const a = await openPullRequest();
    const payload = buttonPress(a.number, a.headSha, 'wendy-writer');
    payload.check_run.id = 987_654_321; // not a check run any execution posted
    await h.deliver('check_run', payload);
    expect(await approvalsOf(a.number)).toEqual([]);
    expect(latestCheck(a.headSha).conclusion).toBe('action_required');
  });
});
