import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryKey } from '../../src/adapters/github/dispatch-signature.js';
import { INSTALLATION_ID } from '../support/app-harness.js';
import { runBundle } from '../action/run-bundle.js';
import { around } from '../core/canary/samples.js';
import { deployWorld, MASTER } from './deploy-world.js';

// Issue 19, hole 1 (forged deploy), end to end: the running app dispatches after a governed merge; the committed
// action bundle, run as GitHub runs it on that dispatch, deploys only the app's payload, and refuses the same
// payload once anyone changed its commit or copied it into another repository. The action's key is the
// repository's (`aaoe report-key`), never the app's master secret.

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const w = deployWorld({ owner: OWNER, repo: REPO, firstPullRequest: 300 });
const KEY = repositoryKey(MASTER, INSTALLATION_ID, `${OWNER}/${REPO}`);
const SAMPLES = JSON.stringify({ baseline: around(0.02, 12), canary: around(0.02, 12, 0.2, 1) });

beforeAll(async () => {
  await w.start();
});
afterAll(async () => {
  await w.harness()?.close();
});

/** The committed action on `payload`, with `key` as report-secret, in `repository`. */
async function act(eventType: string, payload: unknown, key: string, repository = `${OWNER}/${REPO}`) {
  const log = (word: string) => `echo "${word} $AAOE_SHA" >> "$HOME/commands.log"`;
  const run = await runBundle(
    {
      mode: eventType === 'aaoe-rollback' ? 'rollback' : 'canary',
      'deploy-command': log('deploy'),
      'promote-command': log('promote'),
      'rollback-command': log('rollback'),
      provider: 'command',
      'metrics-command': `echo '${SAMPLES}'`,
      'window-seconds': '1',
      'interval-seconds': '1',
      'report-secret': key,
      environment: 'production',
    },
    {
      event: { name: 'repository_dispatch', payload: { action: eventType, client_payload: payload } },
      env: { GITHUB_REPOSITORY: repository },
    },
  );
  const commands = existsSync(join(run.dir, 'commands.log')) ? readFileSync(join(run.dir, 'commands.log'), 'utf8') : '';
  return { run, commands };
}

describe("forged deploy: only the app's own dispatch runs", () => {
  it('the app signs its aaoe-deploy with the repository key; the action runs it, and refuses it altered, copied, or under the master', async () => {
    const { x, mergeSha } = await w.approved();
    const dispatch = w.dispatches().at(-1)!;
    expect(dispatch).toMatchObject({
      eventType: 'aaoe-deploy',
      payload: { executionId: x.id, sha: mergeSha, environment: 'production', repository: `${OWNER}/${REPO}` },
    });
    expect(dispatch.payload.signature).toMatch(/^v1=[0-9a-f]{64}$/);

    const genuine = await act('aaoe-deploy', dispatch.payload, KEY);
    expect(genuine.run.stdout).not.toContain('dispatch refused');
    expect(genuine.commands).toMatch(new RegExp(`^deploy ${mergeSha}\n`));

    const attacks: Array<[string, unknown, string, string | undefined, RegExp]> = [
      ['another commit', { ...dispatch.payload, sha: 'e'.repeat(40) }, KEY, undefined, /does not match/],
      ['another environment', { ...dispatch.payload, environment: 'staging' }, KEY, undefined, /does not match/],
      [
        'copied to another repository',
        dispatch.payload,
        repositoryKey(MASTER, INSTALLATION_ID, 'Codertocat/other'),
        'Codertocat/other',
        /does not match/,
      ],
      ['verified with the master secret', dispatch.payload, MASTER, undefined, /does not match/],
    ];
    for (const [name, payload, key, repository, reason] of attacks) {
      const forged = await act('aaoe-deploy', payload, key, repository);
      expect(forged.run.exitCode, name).toBe(1);
      expect(forged.commands, name).toBe('');
      expect(forged.run.stdout, name).toMatch(reason);
    }
    await w.report(x, mergeSha, 'promote');
  });

  it('the rollback AAOE dispatches (/aaoe rollback) is signed for aaoe-rollback: the action runs it, a deploy of it is refused', async () => {
    const { x, number, mergeSha } = await w.approved();
    await w.report(x, mergeSha, 'promote');
    w.harness().sim.setPermission({ ...w.where, username: 'ada-admin', permission: 'admin' });
    await w.harness().deliver('issue_comment', w.flow.comment(number, 'ada-admin', '/aaoe rollback').payload);
    const dispatch = w.dispatches().at(-1)!;
    expect(dispatch).toMatchObject({ eventType: 'aaoe-rollback', payload: { executionId: x.id, sha: mergeSha } });
    const rollback = await act('aaoe-rollback', dispatch.payload, KEY);
    expect(rollback.run.exitCode).toBe(0);
    expect(rollback.commands).toBe(`rollback ${mergeSha}\n`);
    const replayedAsDeploy = await act('aaoe-deploy', dispatch.payload, KEY);
    expect(replayedAsDeploy.run.exitCode).toBe(1);
    expect(replayedAsDeploy.commands).toBe('');
  });

  it('the shipped workflow fixes its environment to production and passes it to the action', () => {
    const workflow = readFileSync(new URL('../../.github/workflows/aaoe-deploy.yml', import.meta.url), 'utf8');
    expect(workflow).not.toMatch(/environment:\s*\$\{\{/); // never from the payload
    expect(workflow.match(/^\s+environment: production$/gm)?.length).toBe(4); // two jobs, two action inputs
  });
});
