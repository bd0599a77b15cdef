import { readFileSync } from 'node:fs';
import { ProbotOctokit } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkPlanWorld,
  overlappingPaths,
  type InFlightExecution,
  type PlanWorld,
} from '../../../src/core/plan/check-world.js';
import { githubPlanWorld } from '../../../src/adapters/github/github-plan-world.js';
import { formatPlanError, loadPlan } from '../../../src/core/plan/load-plan.js';
import { GitHubSimulator } from '../../simulator/github-simulator.js';

const FILE = 'diamond.yml';
function diamond() {
  const loaded = loadPlan(readFileSync(new URL('../../fixtures/plans/diamond.yml', import.meta.url), 'utf8'), FILE);
  if (!loaded.ok) throw new Error('fixture invalid');
  return loaded;
}

function fakeWorld(
  options: { installed?: string[]; teams?: string[]; inFlight?: InFlightExecution[]; unknownTeams?: boolean } = {},
): PlanWorld {
  const installed = new Set(options.installed ?? ['acme/invoicing', 'acme/monolith', 'acme/gateway']);
  const teams = new Set(options.teams ?? ['acme/billing', 'acme/core', 'acme/platform']);
  return {
    installation: async (r) => (installed.has(r) ? 'installed' : 'not_installed'),
    team: async (t) =>
      options.unknownTeams ? { unknown: 'no members permission' } : teams.has(t) ? 'exists' : 'missing',
    inFlight: async (r) => (options.inFlight ?? []).filter((e) => e.repository === r),
  };
}

describe('checkPlanWorld', () => {
  it('passes when every repository has the app, every team exists and nothing conflicts', async () => {
    const { plan, locate } = diamond();
    expect(await checkPlanWorld(plan, fakeWorld(), FILE, locate)).toEqual([]);
  });

  it('reports a repository without the app and a missing team once each, at the first step naming them', async () => {
    const { plan, locate } = diamond();
    const errors = await checkPlanWorld(
      plan,
      fakeWorld({ installed: ['acme/invoicing', 'acme/gateway'], teams: ['acme/billing', 'acme/platform'] }),
      FILE,
      locate,
    );
    expect(errors.map(formatPlanError)).toEqual([
      'diamond.yml:37:17: the app is not installed on acme/monolith (or the repository does not exist) (at steps[2].repository). Fix: install the AAOE app on acme/monolith, or fix the name',
      'diamond.yml:38:11: team acme/core does not exist (at steps[2].team). Fix: name an existing team as org/team-slug (the slug is in the team page URL)',
    ]);
  });

  it('fails closed when the world cannot say', async () => {
    const { plan, locate } = diamond();
    const errors = await checkPlanWorld(plan, fakeWorld({ unknownTeams: true }), FILE, locate);
    expect(errors).toHaveLength(3);
    expect(errors[0]!.message).toBe('could not tell whether team acme/billing exists: no members permission');
  });

  it.each<[string, InFlightExecution, boolean]>([
    [
      'the same environment',
      { id: 'e1', repository: 'acme/gateway', state: 'deploying', environment: 'production', paths: [] },
      true,
    ],
    [
      'overlapping paths',
      {
        id: 'e2',
        repository: 'acme/invoicing',
        state: 'proposed',
        environment: 'staging',
        paths: ['src/invoices/api.ts'],
      },
      true,
    ],
    [
      'another environment and other paths',
      { id: 'e3', repository: 'acme/invoicing', state: 'proposed', environment: 'staging', paths: ['docs/readme.md'] },
      false,
    ],
  ])('a step conflicts with an execution in flight on %s: %s', async (_, execution, conflicts) => {
    const { plan, locate } = diamond();
    const staged = {
      ...plan,
      steps: plan.steps.map((s) => (s.repository === 'acme/invoicing' ? { ...s, environment: 'production-eu' } : s)),
    };
    const errors = await checkPlanWorld(staged, fakeWorld({ inFlight: [execution] }), FILE, locate);
    expect(errors.length > 0).toBe(conflicts);
    if (conflicts) expect(errors[0]!.message).toContain(`conflicts with execution ${execution.id} in flight`);
  });
});

describe('overlappingPaths', () => {
  it.each<[string[], string[], boolean]>([
    [['src/**'], ['src/a.ts'], true],
    [['src/**'], ['src/billing/**'], true],
    [['db/**'], ['docs/x.md'], false],
    [['a.ts'], ['a.ts'], true],
    [[], ['a.ts'], false],
  ])('%j and %j overlap: %s', (a, b, expected) => {
    expect(overlappingPaths(a, b).length > 0).toBe(expected);
  });
});

describe('githubPlanWorld against the loopback GitHub', () => {
  let sim: GitHubSimulator;
  const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const client = (auth: Record<string, unknown>) =>
    new ProbotOctokit({
      auth,
      baseUrl: `${sim.url}/api/v3`,
      log: silent,
      retry: { enabled: false },
      throttle: { enabled: false },
    });

  beforeAll(async () => {
    sim = await GitHubSimulator.start();
    sim.addInstallation({
      id: 11,
      account: 'acme',
      permissions: { metadata: 'read', members: 'read', issues: 'write' },
    });
    sim.addRepo({ owner: 'acme', name: 'invoicing', installationId: 11 });
    sim.addRepo({ owner: 'acme', name: 'gateway', installationId: 11 });
    sim.addRepo({ owner: 'acme', name: 'monolith' }); // exists, app not installed
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('asks GitHub whether the app is installed on each repository, with requests GitHub accepts', async () => {
    const world = githubPlanWorld({
      app: client({ appId: sim.appId, privateKey: sim.privateKey }),
      organization: async (org) => (org === 'acme' ? client({ token: sim.createInstallationToken(11) }) : undefined),
      inFlight: async () => [],
    });
    expect(await world.installation('acme/invoicing')).toBe('installed');
    expect(await world.installation('acme/monolith')).toBe('not_installed');
    expect(await world.installation('acme/nowhere')).toBe('not_installed');
    expect(await world.team('other/x')).toEqual({
      unknown: 'the app is not installed on the organisation other, so its teams cannot be read',
    });
    // a team that exists, and one that does not, with requests checked against GitHub's OpenAPI description
    sim.addTeamMember({ org: 'acme', team: 'billing', login: 'wendy' });
    expect(await world.team('acme/billing')).toBe('exists');
    expect(await world.team('@acme/nobody')).toBe('missing');
    expect(
      sim.requests.filter((r) => r.operationId === 'teams/get-by-name').map((r) => [r.method, r.path, r.status]),
    ).toEqual([
      ['GET', '/orgs/acme/teams/billing', 200],
      ['GET', '/orgs/acme/teams/nobody', 404],
    ]);
    expect(sim.rejections).toEqual([]);
    expect(
      sim.requests.filter((r) => r.operationId === 'apps/get-repo-installation').map((r) => [r.path, r.status]),
    ).toEqual([
      ['/repos/acme/invoicing/installation', 200],
      ['/repos/acme/monolith/installation', 404],
      ['/repos/acme/nowhere/installation', 404],
    ]);
  });
});
