import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { declarationBody } from '../support/proposal-body.js';
import { added, type FileSpec } from '../security/pr-flow.js';

/**
 * Issue 20, "a proposal derived, not demanded": pull requests of agents that write no `aaoe-proposal` block, through
 * the real webhook path (signed deliveries built from GitHub's example payloads, the loopback GitHub). AAOE derives
 * the blast radius, the rollback and what a revert cannot undo from the change; the resilience gate fails only where
 * a revert is not enough and no rollback plan is declared, and then says what to declare.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
/** An agent Bot the policy does not list: every Bot author is an agent. */
const AGENT = 'copilot-swe-agent[bot]';

let h: Harness;
let nextPr = 4200;

beforeAll(async () => {
  h = await startHarness();
  h.sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  h.sim.setFile({
    owner: OWNER,
    repo: REPO,
    branch: 'master',
    path: '.github/CODEOWNERS',
    content: '/docs/ @octo-org/docs-team\n/db/ @dba-dana\n',
  });
});
afterAll(async () => {
  await h?.close();
});

async function setConfig(content: string) {
  h.sim.setFile({ owner: OWNER, repo: REPO, branch: 'master', path: '.github/aaoe.yml', content });
  const push = examplePayload('push', undefined, (e: any) => e.ref === 'refs/heads/master' && !!e.installation);
  push.installation = { id: INSTALLATION_ID };
  expect((await h.deliver('push', push)).status).toBe(200);
}

/** Opens an agent's pull request with these files and this body, delivered as GitHub sends it; returns its check. */
async function openPullRequest(files: FileSpec[], body: string | null) {
  const number = nextPr++;
  const headSha = (number.toString(16) + 'd'.repeat(40)).slice(0, 40);
  const pr = h.sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    user: { login: AGENT, type: 'Bot' },
    headRef: `copilot/fix-${number}`,
    headSha,
    baseRef: 'master',
    labels: [],
    body,
    files: files as never,
  });
  const payload = examplePayload('pull_request', 'opened');
  payload.number = number;
  payload.pull_request = { ...payload.pull_request, ...pr };
  payload.installation = { id: INSTALLATION_ID };
  expect((await h.deliver('pull_request', payload)).status).toBe(200);
  const runs = h.sim
    .checkRuns({ owner: OWNER, repo: REPO })
    .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy');
  expect(runs.length).toBeGreaterThan(0);
  return runs.at(-1) as any;
}

const docsChange = () => [added('docs/usage.md', ['# Usage', '', 'Run `npm start` and open the dashboard.'])];
const migration = () => [added('db/migrations/0042_add_order_note.sql', ['ALTER TABLE orders ADD COLUMN note text;'])];
const resilienceRow = (check: any) => /\| Resilience \| ([^|]+) \|/.exec(String(check.output.summary))?.[1]?.trim();

describe('a proposal derived, not demanded (issue 20)', () => {
  it.each(['standard', 'prod-policy'])(
    'passes a three-line docs PR by an agent with no declaration under %s',
    async (preset) => {
      await setConfig(`extends: ${preset}\n`);
      const check = await openPullRequest(
        docsChange(),
        'Fixes the usage docs.\n\nCo-authored-by: someone <someone@example.com>',
      );
      expect(check.conclusion).toBe('success');
      expect(resilienceRow(check)).toBe('✅ passed');
      const summary = String(check.output.summary);
      expect(summary).toContain('rollback: a revert of the merge commit (derived)');
      expect(summary).toContain('what a revert cannot undo: nothing found (derived)');
      expect(summary).toMatch(
        /blast radius: 1 file in `docs\/`; owners @\u200docto-org\/docs-team \(CODEOWNERS at the base\) \(derived\)/,
      );
      expect(summary).toContain('declaration: none in the pull request body, none required');
    },
  );

  it('fails a PR adding a schema migration with no declared rollback, and says what to declare', async () => {
    await setConfig('extends: standard\n');
    const check = await openPullRequest(migration(), null);
    expect(check.conclusion).toBe('failure');
    expect(resilienceRow(check)).toBe('❌ failed');
    const summary = String(check.output.summary);
    expect(summary).toMatch(
      /\| Resilience \| ❌ failed \| A revert of the merge commit cannot undo a schema migration \(`db\/migrations\/0042_add_order_note\.sql`\) and the pull request declares no rollback plan\. \|/,
    );
    expect(summary).toContain(
      'schema migration: `db/migrations/0042_add_order_note.sql` (a migrations directory) (derived)',
    );
    // a copy-pastable minimal block, in the "what to do next" list
    expect(summary).toMatch(
      /- \*\*Resilience\*\*: Declare how to undo it[^\n]*\n\n {2}```aaoe-proposal\n {2}\{"rollbackPlan": "[^"]+"\}\n {2}```/,
    );
  });

  it('passes the resilience gate for the same migration once a rollback plan is declared', async () => {
    await setConfig('extends: standard\n');
    const plan = 'Run 0042_down.sql (drops the note column); the column is new, so no data is lost.';
    const check = await openPullRequest(migration(), declarationBody({ rollbackPlan: plan }));
    expect(resilienceRow(check)).toBe('✅ passed');
    const summary = String(check.output.summary);
    expect(summary).toContain(`rollback plan: ${plan} (declared in the pull request body)`);
    expect(summary).toContain(
      'schema migration: `db/migrations/0042_add_order_note.sql` (a migrations directory) (derived)',
    );
    // the migration is still high risk: the risk gate, not the resilience gate, asks a person
    expect(check.conclusion).toBe('action_required');
  });

  it('judges the migration again when the agent edits its description to declare the rollback plan', async () => {
    await setConfig('extends: standard\n');
    const first = await openPullRequest(migration(), null);
    expect(resilienceRow(first)).toBe('❌ failed');
    const number = nextPr - 1;
    // GitHub sends \`edited\` when \`updated_at\` moved; the body the snapshot reads is the one GitHub has now
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const pr = h.sim.editPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      body: declarationBody({ rollbackPlan: 'Run 0042_down.sql.' }),
    });
    // the examples hold no \`edited\` pull request: an \`opened\` one with GitHub's action and \`changes\` of an edit
    const payload = examplePayload('pull_request', 'opened');
    payload.action = 'edited';
    payload.number = number;
    payload.pull_request = { ...payload.pull_request, ...pr };
    payload.changes = { body: { from: '' } };
    payload.installation = { id: INSTALLATION_ID };
    expect((await h.deliver('pull_request', payload)).status).toBe(200);
    const runs = h.sim
      .checkRuns({ owner: OWNER, repo: REPO })
      .filter((r: any) => r.head_sha === first.head_sha && r.name === 'aaoe/policy');
    expect(runs).toHaveLength(2);
    expect(resilienceRow(runs.at(-1))).toBe('✅ passed');
  });

  it("accepts an older agent's block that still carries edits, and ignores them", async () => {
    await setConfig('extends: standard\n');
    const body = declarationBody({
      rollbackPlan: 'Revert the pull request.',
      edits: [{ action: 'rename', from: 'a', to: 'b' }],
    });
    const check = await openPullRequest(docsChange(), body);
    expect(resilienceRow(check)).toBe('✅ passed');
    expect(check.conclusion).toBe('success');
  });

  it('asks every PR for a declaration under requireDeclaration: always, with the block to add', async () => {
    await setConfig('extends: standard\nresilience: { requireDeclaration: always }\n');
    const check = await openPullRequest(docsChange(), null);
    expect(resilienceRow(check)).toBe('❌ failed');
    expect(String(check.output.summary)).toMatch(
      /"risk": \{"level": "low", "rationale": "[^"]+"\}, "rollbackPlan": "[^"]+"\}/,
    );
  });
});
