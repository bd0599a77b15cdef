import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { underProbe } from './availability.js';

/**
 * Issue 19, hole 6: `POST /api/v1/packages` stalled the app for any GitHub account. Rendering a plan's templates
 * computed each error's position from the start of the template and searched the rest of the template for every
 * `{{`, so one request of a template full of `{{` took minutes; a step could also render one template any number of
 * times. Over HTTP: `/healthz` answers within 2 s while such requests run; a caller who cannot read the step's
 * repository (installed on AAOE) is refused before anything is rendered; one who can gets a bounded answer within a
 * few seconds (the plan's YAML, at most 64 KB, is the work left).
 */

const OWNER = 'Codertocat';
const PUBLIC = 'Hello-World';
const PRIVATE = 'Secret-Plans';

let h: Harness;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness();
  h.sim.addInstallation({
    id: INSTALLATION_ID,
    account: OWNER,
    permissions: { checks: 'write', contents: 'write', issues: 'write', pull_requests: 'write', metadata: 'read' },
  });
  h.sim.addRepo({ owner: OWNER, name: PUBLIC, defaultBranch: 'master', installationId: INSTALLATION_ID });
  h.sim.addRepo({
    owner: OWNER,
    name: PRIVATE,
    defaultBranch: 'master',
    private: true,
    installationId: INSTALLATION_ID,
  });
  h.sim.setPermission({ owner: OWNER, repo: PRIVATE, username: 'rita-reader', permission: 'read' });
  for (const login of ['rita-reader', 'sam-stranger']) tokens[login] = h.sim.createUserToken({ login });
});
afterAll(async () => {
  await h?.close();
});

/** A plan of one step in `repository` whose packages render `template` (a YAML string in double quotes). */
function plan(repository: string, template: string, packages = 1): string {
  const text = `      ${JSON.stringify(template)}`;
  const entries = Array.from(
    { length: packages },
    (_, i) => `      - { template: t, path: p/${i}.sql, values: { v: x } }`,
  ).join('\n');
  return `id: flood\ngoal: g\ntemplates:\n  t:\n    type: migration\n    text:\n${text}\nsteps:\n  - id: s\n    repository: ${repository}\n    team: acme/core\n    task: t\n    packages:\n${entries}\n`;
}

async function post(login: string, body: unknown) {
  return underProbe(h.url, async () => {
    const res = await fetch(`${h.url}/api/v1/packages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[login]}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  });
}

/** An unclosed `{{` on each of 9,000 lines: every error's position was computed from the template's start. */
const UNCLOSED = '{{\n'.repeat(9_000);

describe('packages flood', () => {
  it('a stranger naming a repository they cannot read (or one AAOE is not on) is refused, quickly', async () => {
    for (const repository of [`${OWNER}/${PRIVATE}`, 'acme/not-installed']) {
      const { result, tookMs, slowestMs } = await post('sam-stranger', { plan: plan(repository, UNCLOSED), step: 's' });
      expect(result.status, result.text.slice(0, 300)).toBe(404);
      expect(result.text).toContain(repository);
      expect(tookMs).toBeLessThan(5_000);
      expect(slowestMs).toBeLessThan(2_000);
    }
  }, 600_000);

  it('a reader gets a bounded list of errors for a template full of unclosed `{{`, quickly', async () => {
    const { result, tookMs, slowestMs } = await post('rita-reader', {
      plan: plan(`${OWNER}/${PRIVATE}`, UNCLOSED),
      step: 's',
    });
    expect(result.status).toBe(400);
    expect(result.text).toContain('a `{{` is not closed on its line');
    expect(result.text.length).toBeLessThan(20_000);
    expect(tookMs).toBeLessThan(5_000);
    expect(slowestMs).toBeLessThan(2_000);
  }, 600_000);

  it('a step that renders one template five hundred times is refused before rendering', async () => {
    const template = 'x {{ v }} '.repeat(2_000);
    const { result, tookMs, slowestMs } = await post('rita-reader', {
      plan: plan(`${OWNER}/${PUBLIC}`, template, 500),
      step: 's',
    });
    expect(result.status).toBe(400);
    expect(result.text).toMatch(/packages/);
    expect(tookMs).toBeLessThan(5_000);
    expect(slowestMs).toBeLessThan(2_000);
  }, 600_000);

  it('a reader still gets the rendered packages of an ordinary step', async () => {
    const { result } = await post('rita-reader', {
      plan: plan(`${OWNER}/${PRIVATE}`, 'CREATE TABLE {{ v }} ();'),
      step: 's',
    });
    expect(result.status).toBe(200);
    expect(JSON.parse(result.text).packages[0].content).toBe('CREATE TABLE x ();');
  });
});
