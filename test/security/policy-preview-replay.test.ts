import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RiskLevel } from '../../src/core/policy/schema.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';
import { EXTERNAL_PROPOSAL, proposalBody } from '../support/proposal-body.js';

/**
 * Issue 25, the policy preview through the real path: signed deliveries to the running app against the simulator.
 * A pull request that changes `.github/aaoe.yml` gets a neutral `aaoe/policy-preview` check whose table names
 * exactly the recent governed pull requests whose verdict the proposed policy changes, tightening or loosening; the
 * replay writes nothing on those pull requests (the simulator records every request), and the second preview reads
 * the facts the first recorded instead of GitHub. The proposed file is untrusted: an invalid or oversized one is
 * reported in the check, never parsed past its cap.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';
const IN_FORCE = `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`;

let h: Harness;
let nextPr = 500;
/** The agents' pull requests of the history, by the risk they declare. */
const history = new Map<RiskLevel, { number: number; headSha: string }>();

const shaOf = (n: number, c: string) => (n.toString(16) + c.repeat(40)).slice(0, 40);

function deliverPullRequest(pr: Record<string, unknown>) {
  const payload = examplePayload('pull_request', 'opened');
  payload.number = pr.number;
  payload.pull_request = { ...payload.pull_request, ...pr };
  payload.installation = { id: INSTALLATION_ID };
  return h.deliver('pull_request', payload);
}

async function agentPullRequest(level: RiskLevel) {
  const number = nextPr++;
  const headSha = shaOf(number, 'a');
  const pr = h.sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    user: { login: AGENT, type: 'Bot' },
    headRef: `agent-${number}`,
    headSha,
    baseRef: 'master',
    body: proposalBody({ ...EXTERNAL_PROPOSAL, risk: { level, rationale: `declared ${level}` } }),
    files: [
      { filename: `docs/page-${number}.md`, status: 'added', additions: 1, deletions: 0, patch: '@@ -0,0 +1 @@\n+x' },
    ] as never,
  });
  await deliverPullRequest(pr);
  history.set(level, { number, headSha });
}

/** A person's pull request that proposes `config` as `.github/aaoe.yml`; returns its head and its preview check. */
async function configPullRequest(config: string) {
  const number = nextPr++;
  const headSha = shaOf(number, 'c');
  const headRef = `config-${number}`;
  const pr = h.sim.addPullRequest({
    owner: OWNER,
    repo: REPO,
    number,
    user: { login: 'octo-admin', type: 'User' },
    headRef,
    headSha,
    baseRef: 'master',
    files: [
      { filename: '.github/aaoe.yml', status: 'modified', additions: 1, deletions: 1, patch: '@@ -1 +1 @@\n+risk' },
    ] as never,
  });
  h.sim.setFile({ owner: OWNER, repo: REPO, branch: headRef, path: '.github/aaoe.yml', content: config });
  h.sim.resetRequests();
  await deliverPullRequest(pr);
  const previews = h.sim
    .checkRuns({ owner: OWNER, repo: REPO })
    .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy-preview') as any[];
  expect(previews).toHaveLength(1);
  return { number, headSha, preview: previews[0], requests: [...h.sim.requests] as any[] };
}

/** The pull requests the preview's table names, with their verdict change. */
function tableRows(summary: string): string[] {
  return [...summary.matchAll(/^\| Codertocat\/Hello-World#(\d+) \(`[0-9a-f]{7}`\) \| ([a-z ]+ -> [a-z ]+) \|/gm)].map(
    (m) => `#${m[1]} ${m[2]}`,
  );
}

const numberOf = (level: RiskLevel) => history.get(level)!.number;

/** No request of the preview wrote anything but the config pull request's own checks. */
function expectNoWriteOnReplayed(requests: any[], configHead: string) {
  const writes = requests.filter((r) => r.method !== 'GET' && !r.path.includes('/access_tokens'));
  for (const w of writes) {
    expect(w.path).toMatch(/\/check-runs$/);
    expect(w.body?.head_sha).toBe(configHead);
  }
  for (const { number, headSha } of history.values()) {
    expect(writes.some((w) => JSON.stringify(w).includes(headSha))).toBe(false);
    expect(writes.some((w) => new RegExp(`/(issues|pulls)/${number}(/|$)`).test(w.path))).toBe(false);
  }
}

beforeAll(async () => {
  h = await startHarness();
  h.sim.addInstallation({ id: INSTALLATION_ID, account: OWNER });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  h.sim.setFile({ owner: OWNER, repo: REPO, branch: 'master', path: '.github/aaoe.yml', content: IN_FORCE });
  for (const level of ['low', 'medium', 'high', 'critical'] as const) await agentPullRequest(level);
}, 180_000);
afterAll(async () => {
  await h?.close();
});

describe('aaoe/policy-preview', () => {
  it('the history is judged as expected under the policy in force (the fixture the previews rest on)', () => {
    const conclusions = [...history.entries()].map(([level, { headSha }]) => {
      const run = h.sim
        .checkRuns({ owner: OWNER, repo: REPO })
        .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy')
        .at(-1) as any;
      return `${level} ${run?.conclusion}`;
    });
    expect(conclusions).toEqual(['low success', 'medium action_required', 'high action_required', 'critical failure']);
  });

  it('tightening risk.maxLevel: the table names exactly the pull request now refused; nothing is written on any', async () => {
    const { headSha, preview, requests } = await configPullRequest(
      `agents: ['${AGENT}']\nrisk: { maxLevel: medium, requireHumanApprovalAbove: low }\n`,
    );
    expect(preview.conclusion).toBe('neutral');
    expect(preview.output.title).toBe('Policy preview: 1 of 4 recent pull requests would change verdict');
    expect(tableRows(preview.output.summary)).toEqual([`#${numberOf('high')} needs approval -> refused`]);
    expect(preview.output.summary).toMatch(/\| risk: needs_approval -> failed \|/);
    expect(preview.output.summary).toContain('- needs approval -> refused: 1');
    expectNoWriteOnReplayed(requests, headSha);
    // the facts were recorded when each pull request was judged (evaluation.ts): the replay asks GitHub for none of them
    const listed = requests.filter((r) => /\/pulls\/\d+\/files$/.test(r.path)).map((r) => r.path);
    for (const { number } of history.values())
      expect(listed).not.toContain(`/repos/${OWNER}/${REPO}/pulls/${number}/files`);
  });

  it('loosening: the table names exactly the pull requests that would pass, or need approval instead of a refusal', async () => {
    const { headSha, preview, requests } = await configPullRequest(
      `agents: ['${AGENT}']\nrisk: { maxLevel: critical, requireHumanApprovalAbove: medium }\n`,
    );
    expect(tableRows(preview.output.summary).sort()).toEqual(
      [`#${numberOf('medium')} needs approval -> passed`, `#${numberOf('critical')} refused -> needs approval`].sort(),
    );
    expect(preview.output.title).toBe('Policy preview: 2 of 4 recent pull requests would change verdict');
    expectNoWriteOnReplayed(requests, headSha);
    // the facts recorded by the first preview are read from the store: no GitHub read of the replayed pull requests
    for (const { number } of history.values())
      expect(requests.some((r) => r.path.startsWith(`/repos/${OWNER}/${REPO}/pulls/${number}`))).toBe(false);
  });

  it('a proposed policy that does not validate is reported in the check, with its position', async () => {
    const { preview } = await configPullRequest(`risk: { maxLevel: extreme }\n`);
    expect(preview.conclusion).toBe('neutral');
    expect(preview.output.title).toMatch(/the proposed policy is invalid/);
    expect(preview.output.summary).toMatch(/\.github\/aaoe\.yml:1:\d+/);
    expect(tableRows(preview.output.summary)).toEqual([]);
  });

  it('an oversized policy file is refused before it is parsed', async () => {
    const huge = `# ${'x'.repeat(70_000)}\nrisk: { maxLevel: low }\n`;
    const { preview } = await configPullRequest(huge);
    expect(preview.output.title).toMatch(/the proposed policy is invalid \(1 error\)/);
    expect(preview.output.summary).toMatch(/at most 65536/);
  });

  it('a pull request that does not touch the config gets no preview', async () => {
    await agentPullRequest('low');
    const { headSha } = history.get('low')!;
    expect(
      h.sim
        .checkRuns({ owner: OWNER, repo: REPO })
        .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy-preview'),
    ).toEqual([]);
  });

  it('the API replays the same way for a user who can read the repository, and writes nothing on GitHub', async () => {
    h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'rita-reader', permission: 'read' });
    const token = h.sim.createUserToken({ login: 'rita-reader' });
    const replay = (policy: string, last?: number) =>
      fetch(`${h.url}/api/v1/policy/replay`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ repo: `${OWNER}/${REPO}`, policy, ...(last ? { last } : {}) }),
      });
    h.sim.resetRequests();
    const res = await replay(`agents: ['${AGENT}']\nrisk: { maxLevel: medium, requireHumanApprovalAbove: low }\n`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.rows.map((r: any) => `#${r.number} ${r.from} -> ${r.to}`)).toEqual([
      `#${numberOf('high')} needs approval -> refused`,
    ]);
    expect(body.totals).toMatchObject({ replayed: 5, changed: 1 });
    expect(h.sim.requests.filter((r: any) => r.method !== 'GET' && !r.path.includes('/access_tokens'))).toEqual([]);
    // untrusted text: an invalid policy is a 400 naming the error, never a replay
    const invalid = await replay('risk: { maxLevel: extreme }\n');
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as any).error.message).toMatch(/risk\.maxLevel/);
  });

  it("the organisation's shared config: the repositories that read it are replayed, and only they", async () => {
    // Other-Repo has no config of its own: Probot falls back to the owner's .github repository
    h.sim.addRepo({ owner: OWNER, name: '.github', defaultBranch: 'main', installationId: INSTALLATION_ID });
    h.sim.addRepo({ owner: OWNER, name: 'Other-Repo', defaultBranch: 'main', installationId: INSTALLATION_ID });
    h.sim.setFile({ owner: OWNER, repo: '.github', branch: 'main', path: '.github/aaoe.yml', content: IN_FORCE });
    const number = nextPr++;
    const headSha = shaOf(number, 'e');
    const other = h.sim.addPullRequest({
      owner: OWNER,
      repo: 'Other-Repo',
      number,
      user: { login: AGENT, type: 'Bot' },
      headRef: `agent-${number}`,
      headSha,
      baseRef: 'main',
      body: proposalBody({ ...EXTERNAL_PROPOSAL, risk: { level: 'high', rationale: 'declared high' } }),
      files: [
        { filename: 'docs/x.md', status: 'added', additions: 1, deletions: 0, patch: '@@ -0,0 +1 @@\n+x' },
      ] as never,
    });
    const payload = examplePayload('pull_request', 'opened');
    payload.number = number;
    payload.pull_request = { ...payload.pull_request, ...other };
    payload.repository = { ...payload.repository, name: 'Other-Repo', full_name: `${OWNER}/Other-Repo` };
    payload.installation = { id: INSTALLATION_ID };
    await h.deliver('pull_request', payload);

    const configNumber = nextPr++;
    const configHead = shaOf(configNumber, 'f');
    const config = h.sim.addPullRequest({
      owner: OWNER,
      repo: '.github',
      number: configNumber,
      user: { login: 'octo-admin', type: 'User' },
      headRef: `org-config-${configNumber}`,
      headSha: configHead,
      baseRef: 'main',
      files: [
        { filename: '.github/aaoe.yml', status: 'modified', additions: 1, deletions: 1, patch: '@@ -1 +1 @@\n+x' },
      ] as never,
    });
    h.sim.setFile({
      owner: OWNER,
      repo: '.github',
      branch: `org-config-${configNumber}`,
      path: '.github/aaoe.yml',
      content: `agents: ['${AGENT}']\nrisk: { maxLevel: medium, requireHumanApprovalAbove: low }\n`,
    });
    const opened = examplePayload('pull_request', 'opened');
    opened.number = configNumber;
    opened.pull_request = { ...opened.pull_request, ...config };
    opened.repository = { ...opened.repository, name: '.github', full_name: `${OWNER}/.github` };
    opened.installation = { id: INSTALLATION_ID };
    await h.deliver('pull_request', opened);
    const preview = h.sim
      .checkRuns({ owner: OWNER, repo: '.github' })
      .filter((r: any) => r.head_sha === configHead && r.name === 'aaoe/policy-preview')
      .at(-1) as any;
    expect(preview?.conclusion).toBe('neutral');
    // Hello-World has a config of its own (no _extends): the organisation's file does not judge it
    expect(preview.output.summary).toMatch(/`Codertocat\/Other-Repo`/);
    expect(preview.output.summary).not.toMatch(/`Codertocat\/Hello-World`/);
    expect([...preview.output.summary.matchAll(/^\| (Codertocat\/[\w.-]+#\d+) /gm)].map((m: any) => m[1])).toEqual([
      `Codertocat/Other-Repo#${number}`,
    ]);
  });

  it('made no request that GitHub’s OpenAPI description rejects', () => {
    expect(h.sim.rejections).toEqual([]);
  });
});
