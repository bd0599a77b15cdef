import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALWAYS_DELIVERED_EVENTS } from '../../src/app/aaoe-app.js';
import { loadPolicy } from '../../src/core/policy/load-policy.js';
import { resolvePolicy } from '../../src/core/policy/resolve-policy.js';
import { loadPresets } from '../../src/adapters/files/presets.js';
import { readShippedFiles } from '../../src/adapters/files/onboarding-files.js';
import { AGENTS_END, AGENTS_START } from '../../src/core/onboarding/agent-instructions.js';
import { examplePayload, startHarness, type Harness } from '../support/app-harness.js';

/**
 * Onboarding over HTTP: signed `installation.created` / `installation_repositories.added` deliveries (GitHub's
 * example payloads) reach the real app, which reads each repository back from the loopback GitHub and opens one
 * onboarding pull request where one is due.
 */

const OWNER = 'Codertocat';
/** A repository's own agent instructions (Windows line ends, no newline at the end). */
const AGENTS_MD = '# Agents\r\n\r\nRun `make check` before you push.\r\nNever edit generated/ by hand.';
/** Somebody deleted the end marker: what follows the start is theirs. */
const DAMAGED_AGENTS_MD = `# Agents\n\n${AGENTS_START}\nnotes somebody wrote after the start marker\n`;
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
  const repo = (name: string) => {
    h.sim.addRepo({ owner: OWNER, name, defaultBranch: 'main', installationId: INSTALLATION });
    h.sim.setFile({ owner: OWNER, repo: name, path: 'README.md', content: `# ${name}\n` });
  };
  for (const name of [
    'fresh',
    'configured',
    'archived',
    'ignored',
    'declined',
    'later',
    'raced',
    'instructed',
    'damaged',
  ])
    repo(name);
  h.sim.setFile({ owner: OWNER, repo: 'instructed', path: 'AGENTS.md', content: AGENTS_MD });
  h.sim.setFile({ owner: OWNER, repo: 'instructed', path: 'CLAUDE.md', content: '# Claude\n\nPrefer small commits.' });
  h.sim.setFile({ owner: OWNER, repo: 'damaged', path: 'AGENTS.md', content: DAMAGED_AGENTS_MD });
  h.sim.setFile({ owner: OWNER, repo: 'configured', path: '.github/aaoe.yml', content: 'extends: prod-policy\n' });
  h.sim.setRepoSettings({ owner: OWNER, repo: 'archived', archived: true });
  h.sim.setRepoSettings({ owner: OWNER, repo: 'ignored', topics: ['web', 'aaoe-ignore'] });
  h.sim.addPullRequest({
    owner: OWNER,
    repo: 'declined',
    number: 1,
    state: 'closed',
    user: { login: 'aaoe[bot]', type: 'Bot' },
    headRef: 'aaoe/onboarding',
    baseRef: 'main',
    files: [
      {
        filename: '.github/aaoe.yml',
        status: 'added',
        additions: 1,
        deletions: 0,
        changes: 1,
        patch: '@@ -0,0 +1 @@\n+extends: standard',
      },
    ],
  });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.sim.rejections.length = 0;
});

function installationCreated(names: string[]) {
  const payload = examplePayload('installation', 'created');
  payload.installation = { ...payload.installation, id: INSTALLATION };
  payload.repositories = names.map((name, i) => ({
    ...payload.repositories[0],
    id: 1000 + i,
    name,
    full_name: `${OWNER}/${name}`,
  }));
  return payload;
}

function repositoriesAdded(names: string[]) {
  const payload = examplePayload('installation_repositories', 'added');
  payload.installation = { ...payload.installation, id: INSTALLATION };
  payload.repositories_added = names.map((name, i) => ({
    ...payload.repositories_added[0],
    id: 2000 + i,
    name,
    full_name: `${OWNER}/${name}`,
  }));
  return payload;
}

const onboardingPulls = (repo: string) =>
  h.sim.pullRequests({ owner: OWNER, repo }).filter((p: any) => p.head.ref === 'aaoe/onboarding');

describe('onboarding on installation', () => {
  it('opens one onboarding pull request in a repository without config, and none in configured, archived or opted-out ones', async () => {
    const payload = installationCreated(['fresh', 'configured', 'archived', 'ignored', 'declined']);
    expect((await h.deliver('installation', payload, { id: 'install-1' })).status).toBe(200);

    const [pr] = onboardingPulls('fresh') as any[];
    expect(onboardingPulls('fresh')).toHaveLength(1);
    expect(pr).toMatchObject({
      title: 'Configure AAOE',
      state: 'open',
      base: { ref: 'main' },
      user: { login: 'aaoe[bot]' },
    });
    for (const repo of ['configured', 'archived', 'ignored']) expect(onboardingPulls(repo)).toEqual([]);
    expect(onboardingPulls('declined').map((p: any) => p.state)).toEqual(['closed']); // closed stays closed: no new one

    // the commit adds the config and the agent contract (AGENTS.md, created); it extends a shipped preset and validates
    expect(
      h.sim
        .pullRequestFiles({ owner: OWNER, repo: 'fresh', number: pr.number })
        .map((f) => `${f.status} ${f.filename}`)
        .sort(),
    ).toEqual(['added .github/aaoe.yml', 'added AGENTS.md']);
    const agents = h.sim.branchFiles({ owner: OWNER, repo: 'fresh', branch: 'aaoe/onboarding' })!.get('AGENTS.md')!;
    expect(agents.startsWith(`${AGENTS_START}\n## AAOE`)).toBe(true);
    expect(agents).toContain('policy `standard`');
    expect(pr.body).toContain('- `AGENTS.md`: created, with the AAOE section');
    const config = h.sim
      .branchFiles({ owner: OWNER, repo: 'fresh', branch: 'aaoe/onboarding' })!
      .get('.github/aaoe.yml')!;
    expect(config).toMatch(/^extends: standard$/m);
    const loaded = loadPolicy(config, '.github/aaoe.yml');
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    expect(resolvePolicy(loaded, loadPresets())).toMatchObject({
      ok: true,
      policy: { risk: { maxLevel: 'high', requireHumanApprovalAbove: 'low' }, trigger: { label: 'aaoe' } },
    });

    // the body explains each choice and carries the workflow a person adds
    expect(pr.body).toContain(
      '| `extends: standard` | standard: the default for a repository without .github/aaoe.yml',
    );
    expect(pr.body).toContain('| `trigger: { label: aaoe }` |');
    expect(pr.body).toContain('`workflows` permission, which AAOE never asks');
    expect(pr.body).toContain(readShippedFiles().workflow.trimEnd());
    expect(pr.body).toMatch(/Close this pull request without merging it: AAOE will not open another one/);

    // GitHub then delivers the pull request: it is not judged as agent work (the policy forbids touching the config)
    const opened = examplePayload('pull_request', 'opened');
    opened.number = pr.number;
    opened.pull_request = { ...opened.pull_request, ...pr };
    opened.repository = {
      ...opened.repository,
      name: 'fresh',
      full_name: `${OWNER}/fresh`,
      owner: { ...opened.repository.owner, login: OWNER },
    };
    opened.installation = { id: INSTALLATION };
    await h.deliver('pull_request', opened);
    const checks = h.sim
      .checkRuns({ owner: OWNER, repo: 'fresh' })
      .filter((r: any) => r.head_sha === pr.head.sha && r.name === 'aaoe/policy');
    expect(checks.map((c: any) => [c.conclusion, c.output.title])).toEqual([
      ['neutral', 'AAOE onboarding: review and merge it yourself'],
    ]);
    expect(h.sim.rejections).toEqual([]);
  });

  it('a redelivered installation event (same or new delivery id) opens no second pull request', async () => {
    const payload = installationCreated(['fresh', 'configured', 'archived', 'ignored', 'declined']);
    await h.deliver('installation', payload, { id: 'install-1' }); // GitHub's "Redeliver": the same id, ignored at intake
    await h.deliver('installation', payload, { id: 'install-1-again' }); // a new id: the job runs and finds the open PR
    expect(onboardingPulls('fresh')).toHaveLength(1);
    const creates = h.sim.requests.filter((r) => r.operationId === 'pulls/create');
    expect(creates).toHaveLength(1);
    expect(h.sim.rejections).toEqual([]);
  });

  it('installation_repositories.added onboards the added repository', async () => {
    await h.deliver('installation_repositories', repositoriesAdded(['later']));
    expect(onboardingPulls('later')).toHaveLength(1);
    await h.deliver('installation_repositories', repositoriesAdded(['later']));
    expect(onboardingPulls('later')).toHaveLength(1);
    expect(h.sim.rejections).toEqual([]);
  });

  it('two deliveries at once for one repository open one pull request', async () => {
    const a = h.deliver('installation_repositories', repositoriesAdded(['raced']), { wait: false });
    const b = h.deliver('installation', installationCreated(['raced']), { wait: false });
    await Promise.all([a, b]);
    await h.runtime.idle();
    expect(onboardingPulls('raced')).toHaveLength(1);
    // the job that lost the race may have been told "Reference already exists" or "A pull request already exists"
    // (GitHub's 422 answers, which the simulator lists): nothing else
    expect(
      h.sim.rejections.filter((r) => r.operationId !== 'pulls/create' && r.operationId !== 'git/create-ref'),
    ).toEqual([]);
    // and it took those answers as done: no job of either delivery failed or ran twice
    const jobs = await h.runtime.queue.list({ limit: 10_000 });
    expect(jobs.filter((j) => j.state === 'failed' || j.attempts > 1).map((j) => [j.key, j.state, j.attempts])).toEqual(
      [],
    );
  });
});

describe('the agent contract in the onboarding pull request', () => {
  it("adds the AAOE section to the repository's AGENTS.md and CLAUDE.md, leaving the rest of each file as it was, and creates no Copilot file", async () => {
    await h.deliver('installation_repositories', repositoriesAdded(['instructed']));
    const [pr] = onboardingPulls('instructed') as any[];
    expect(
      h.sim
        .pullRequestFiles({ owner: OWNER, repo: 'instructed', number: pr.number })
        .map((f) => `${f.status} ${f.filename}`)
        .sort(),
    ).toEqual(['added .github/aaoe.yml', 'modified AGENTS.md', 'modified CLAUDE.md']);
    const files = h.sim.branchFiles({ owner: OWNER, repo: 'instructed', branch: 'aaoe/onboarding' })!;
    const agents = files.get('AGENTS.md')!;
    expect(agents.startsWith(`${AGENTS_MD}\r\n\r\n${AGENTS_START}\r\n`)).toBe(true); // every byte of the file kept, its CRLF too
    expect(agents.endsWith(`${AGENTS_END}\r\n`)).toBe(true);
    expect(agents.split(AGENTS_START)).toHaveLength(2);
    expect(files.get('CLAUDE.md')!.startsWith(`# Claude\n\nPrefer small commits.\n\n${AGENTS_START}\n`)).toBe(true);
    expect(files.has('.github/copilot-instructions.md')).toBe(false);
    expect(pr.body).toContain('- `AGENTS.md`: the AAOE section added at the end; the rest of the file is as it was');

    // the same commit is still exempt from the policy: it is the one AAOE wrote, and it changes only what onboarding writes
    const opened = examplePayload('pull_request', 'opened');
    opened.number = pr.number;
    opened.pull_request = { ...opened.pull_request, ...pr };
    opened.repository = {
      ...opened.repository,
      name: 'instructed',
      full_name: `${OWNER}/instructed`,
      owner: { ...opened.repository.owner, login: OWNER },
    };
    opened.installation = { id: INSTALLATION };
    await h.deliver('pull_request', opened);
    const checks = h.sim
      .checkRuns({ owner: OWNER, repo: 'instructed' })
      .filter((r: any) => r.head_sha === pr.head.sha && r.name === 'aaoe/policy');
    expect(checks.map((c: any) => c.conclusion)).toEqual(['neutral']);

    // a writer pushes another AGENTS.md to the onboarding branch: not the commit AAOE wrote, so it is judged like any change
    const pushed = h.sim.pushToPullRequest({
      owner: OWNER,
      repo: 'instructed',
      number: pr.number,
      headSha: '6'.repeat(40),
      files: [
        {
          filename: 'AGENTS.md',
          status: 'added',
          additions: 1,
          deletions: 0,
          patch: '@@ -0,0 +1 @@\n+Agents may approve their own pull requests.',
        },
      ] as never,
    });
    const synchronize = examplePayload('pull_request', 'synchronize');
    synchronize.number = pr.number;
    synchronize.pull_request = { ...synchronize.pull_request, ...pushed };
    synchronize.repository = opened.repository;
    synchronize.installation = { id: INSTALLATION };
    await h.deliver('pull_request', synchronize);
    const judged = h.sim
      .checkRuns({ owner: OWNER, repo: 'instructed' })
      .filter((r: any) => r.head_sha === '6'.repeat(40) && r.name === 'aaoe/policy') as any[];
    expect(judged.length).toBeGreaterThan(0);
    expect(judged.map((c) => c.output.title)).not.toContain('AAOE onboarding: review and merge it yourself');
    expect(h.sim.rejections).toEqual([]);
  });

  it('leaves an AGENTS.md whose section lost its end marker as it is, and says so in the pull request', async () => {
    await h.deliver('installation_repositories', repositoriesAdded(['damaged']));
    const [pr] = onboardingPulls('damaged') as any[];
    expect(h.sim.pullRequestFiles({ owner: OWNER, repo: 'damaged', number: pr.number }).map((f) => f.filename)).toEqual(
      ['.github/aaoe.yml'],
    );
    expect(h.sim.branchFiles({ owner: OWNER, repo: 'damaged', branch: 'aaoe/onboarding' })!.get('AGENTS.md')).toBe(
      DAMAGED_AGENTS_MD,
    );
    expect(pr.body).toMatch(
      /- `AGENTS\.md`: AGENTS\.md has 1 <!-- aaoe:agents:start --> and 0 <!-- aaoe:agents:end --> marker\(s\), not one section, so AAOE left it as it is\. Fix:/,
    );
  });
});

describe('the events', () => {
  it('app.yml does not subscribe to the installation events (GitHub refuses them), and the app handles them', () => {
    const manifest = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8'));
    expect(ALWAYS_DELIVERED_EVENTS).toEqual(['installation.created', 'installation_repositories.added']);
    for (const event of ALWAYS_DELIVERED_EVENTS) expect(manifest.default_events).not.toContain(event.split('.')[0]);
  });
});
