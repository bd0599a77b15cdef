import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { scheduleDriftChecks } from '../../src/workflows/drift-work.js';
import { examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { addDriftRepos } from '../support/drift-repos.js';

/**
 * Drift on push, over HTTP: acme/invoicing's policy names the architecture model in acme/architecture; a push to its
 * default branch that adds a dependency the model forbids opens one `aaoe-drift` issue, and later pushes (one after
 * another, or two at once) open no other.
 */

const ORG = 'acme';
const INSTALLATION = 5150;
let h: Harness;
let clock = new Date('2026-11-23T12:00:00Z');

beforeAll(async () => {
  h = await startHarness({ now: () => clock });
  addDriftRepos(h, INSTALLATION, { zod: '^4.0.0' });
});
afterAll(async () => {
  await h?.close();
});

/** A push to acme/invoicing's default branch (GitHub's example, pointed at the repository), at its head commit. */
async function push(options: { wait?: boolean } = {}) {
  const token = h.sim.createInstallationToken(INSTALLATION);
  const head = await (
    await fetch(`${h.sim.url}/api/v3/repos/${ORG}/invoicing/git/ref/heads/main`, {
      headers: { authorization: `token ${token}` },
    })
  ).json();
  const payload = examplePayload('push', undefined, (e: any) => !!e.installation);
  payload.installation = { id: INSTALLATION };
  payload.ref = 'refs/heads/main';
  payload.after = head.object.sha;
  payload.deleted = false;
  payload.repository = {
    ...payload.repository,
    name: 'invoicing',
    full_name: `${ORG}/invoicing`,
    default_branch: 'main',
    master_branch: 'main',
    owner: { ...payload.repository.owner, login: ORG, name: ORG },
  };
  return h.deliver('push', payload, options);
}

const driftIssues = () =>
  h.sim
    .issues({ owner: ORG, repo: 'invoicing' })
    .filter((i: any) => i.labels.some((l: any) => l.name === 'aaoe-drift')) as any[];

describe('architecture drift on push', () => {
  it('a repository that matches its model: no issue', async () => {
    expect((await push()).status).toBe(200);
    expect(driftIssues()).toEqual([]);
  });

  it('a forbidden dependency pushed: one drift issue with the evidence, not one per push', async () => {
    h.sim.setFile({
      owner: ORG,
      repo: 'invoicing',
      branch: 'main',
      path: 'package.json',
      content: JSON.stringify(
        { name: '@acme/invoicing-client', dependencies: { zod: '^4.0.0', '@acme/monolith-sdk': '^2.1.0' } },
        null,
        2,
      ),
    });
    await push();
    expect(driftIssues()).toHaveLength(1);
    const [issue] = driftIssues();
    expect(issue.title).toBe('Architecture drift: invoicing depends on monolith');
    expect(issue.body).toMatch(/Evidence: `package.json` line \d+: dependencies: "@acme\/monolith-sdk"/);
    expect(issue.user.login).toBe('aaoe[bot]');

    await push();
    h.sim.setFile({
      owner: ORG,
      repo: 'invoicing',
      branch: 'main',
      path: 'README.md',
      content: '# invoicing\n\nMore.\n',
    });
    await Promise.all([push({ wait: false }), push({ wait: false })]);
    await h.runtime.idle();
    expect(driftIssues()).toHaveLength(1);
    expect(h.sim.rejections).toEqual([]);
  });

  it('the daily check: the model changed without a push to the repository, and the drift it now finds gets its issue', async () => {
    // the architecture team adds a service that publishes zod, which invoicing already uses
    const model = readFileSync(new URL('../fixtures/plans/architecture.yml', import.meta.url), 'utf8');
    h.sim.setFile({
      owner: ORG,
      repo: 'architecture',
      branch: 'main',
      path: 'architecture.yml',
      content: `${model}  validation:\n    repository: acme/validation\n    team: acme/core\n    packages: [zod]\n`,
    });
    expect(await scheduleDriftChecks(h.runtime, clock)).toBe(0); // checked within the day already
    clock = new Date(clock.getTime() + 25 * 3_600_000);
    expect(await scheduleDriftChecks(h.runtime, clock)).toBe(1);
    expect(await scheduleDriftChecks(h.runtime, clock)).toBe(1); // queued again the same day: the same job
    await h.runtime.idle();
    expect(
      driftIssues()
        .map((i) => i.title)
        .sort(),
    ).toEqual([
      'Architecture drift: invoicing depends on monolith',
      'Architecture drift: invoicing depends on validation',
    ]);
    expect(await scheduleDriftChecks(h.runtime, clock)).toBe(0); // checked now
    expect(h.sim.rejections).toEqual([]);
  });
});
