import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplePayload, startHarness, type Harness } from '../support/app-harness.js';

/**
 * Issue 19, hole 10: the onboarding exemption was a policy-writing hole. Anyone who could push to AAOE's
 * onboarding branch kept a `neutral` check on any `.github/aaoe.yml` (the exemption looked at the branch name,
 * the author and the paths). Only the exact commit AAOE wrote is exempt now; any other head is judged.
 */

const OWNER = 'Codertocat';
const INSTALLATION = 957387; // the examples' installation id
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.sim.addInstallation({
    id: INSTALLATION,
    account: OWNER,
    accountType: 'User',
    permissions: { checks: 'write', contents: 'write', issues: 'write', pull_requests: 'write', metadata: 'read' },
  });
  h.sim.addRepo({ owner: OWNER, name: 'target', defaultBranch: 'main', installationId: INSTALLATION });
  h.sim.setFile({ owner: OWNER, repo: 'target', path: 'README.md', content: '# target\n' });
});
afterAll(async () => {
  await h?.close();
});

function pullRequestDelivery(action: string, pr: Record<string, any>) {
  const payload = examplePayload('pull_request', action);
  payload.number = pr.number;
  payload.pull_request = { ...payload.pull_request, ...pr };
  payload.repository = {
    ...payload.repository,
    name: 'target',
    full_name: `${OWNER}/target`,
    owner: { ...payload.repository.owner, login: OWNER },
  };
  payload.installation = { id: INSTALLATION };
  return payload;
}

const checksOn = (sha: string) =>
  h.sim
    .checkRuns({ owner: OWNER, repo: 'target' })
    .filter((r: any) => r.head_sha === sha && r.name === 'aaoe/policy') as any[];

describe('the onboarding exemption', () => {
  it('holds for the commit AAOE wrote, and not for a commit somebody else pushed to the onboarding branch', async () => {
    const installed = examplePayload('installation', 'created');
    installed.installation = { ...installed.installation, id: INSTALLATION };
    installed.repositories = [{ ...installed.repositories[0], id: 3001, name: 'target', full_name: `${OWNER}/target` }];
    await h.deliver('installation', installed);
    const [pr] = h.sim
      .pullRequests({ owner: OWNER, repo: 'target' })
      .filter((p: any) => p.head.ref === 'aaoe/onboarding') as any[];
    await h.deliver('pull_request', pullRequestDelivery('opened', pr));
    expect(checksOn(pr.head.sha).map((c) => c.conclusion)).toEqual(['neutral']);

    // a writer pushes a weaker policy to the onboarding branch (only the config file changes)
    const weaker =
      'extends: standard\nprotectedPaths: { allow: [".github/workflows/**"] }\nrisk: { maxLevel: critical, requireHumanApprovalAbove: critical }\n';
    const pushed = h.sim.pushToPullRequest({
      owner: OWNER,
      repo: 'target',
      number: pr.number,
      headSha: '5'.repeat(40),
      files: [
        {
          filename: '.github/aaoe.yml',
          status: 'added',
          additions: 3,
          deletions: 0,
          patch: `@@ -0,0 +1,3 @@\n${weaker
            .trimEnd()
            .split('\n')
            .map((l) => `+${l}`)
            .join('\n')}`,
        },
      ] as never,
    });
    await h.deliver('pull_request', pullRequestDelivery('synchronize', pushed));
    const checks = checksOn('5'.repeat(40));
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.map((c) => c.conclusion)).not.toContain('neutral');
    expect(checks.at(-1).conclusion).toBe('failure');
    expect(h.sim.rejections).toEqual([]);
  });
});
