import picomatch from 'picomatch';
import type { Locate } from '../policy/yaml-nodes.js';
import type { PlanError } from './load-plan.js';
import type { Plan } from './schema.js';

/**
 * The checks of a plan that need the outside world, through a narrow port: every repository has the app
 * installed, every team exists, and no step conflicts with an execution in flight (same repository and the
 * same environment, or overlapping paths). An answer the world cannot give (`unknown`) fails closed: it is an
 * error that says what permission or access is missing.
 */

export type InFlightExecution = {
  id: string;
  repository: string;
  state: string;
  environment: string;
  /** Paths (or globs) the execution touches, as far as known. */
  paths: string[];
};

export type PlanWorld = {
  installation(repository: string): Promise<'installed' | 'not_installed' | { unknown: string }>;
  team(team: string): Promise<'exists' | 'missing' | { unknown: string }>;
  inFlight(repository: string): Promise<InFlightExecution[]>;
};

export async function checkPlanWorld(
  plan: Plan,
  world: PlanWorld,
  file: string,
  locate: Locate = () => ({ line: 1, column: 1 }),
): Promise<PlanError[]> {
  const errors: PlanError[] = [];
  const at = (path: PropertyKey[]) => ({
    file,
    ...locate(path),
    path: path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join(''),
  });

  const { installOf, teamOf, flightsOf } = await askWorld(plan, world);
  const reported = new Set<string>();

  plan.steps.forEach((step, i) => {
    const install = installOf.get(step.repository);
    if (install !== 'installed' && !reported.has(`repo:${step.repository}`)) {
      reported.add(`repo:${step.repository}`);
      errors.push(
        install === 'not_installed'
          ? {
              ...at(['steps', i, 'repository']),
              message: `the app is not installed on ${step.repository} (or the repository does not exist)`,
              hint: `install the AAOE app on ${step.repository}, or fix the name`,
            }
          : {
              ...at(['steps', i, 'repository']),
              message: `could not tell whether the app is installed on ${step.repository}: ${install?.unknown ?? 'no answer'}`,
              hint: 'retry; if it persists, check the app can read its installations',
            },
      );
    }
    const teamName = step.team.replace(/^@/, '');
    const team = teamOf.get(teamName);
    if (team !== 'exists' && !reported.has(`team:${teamName}`)) {
      reported.add(`team:${teamName}`);
      errors.push(
        team === 'missing'
          ? {
              ...at(['steps', i, 'team']),
              message: `team ${teamName} does not exist`,
              hint: 'name an existing team as org/team-slug (the slug is in the team page URL)',
            }
          : {
              ...at(['steps', i, 'team']),
              message: `could not tell whether team ${teamName} exists: ${team?.unknown ?? 'no answer'}`,
              hint: "grant the app the organization's Members: read permission",
            },
      );
    }
    errors.push(...conflicts(step, flightsOf.get(step.repository) ?? []).map((e) => ({ ...at(['steps', i]), ...e })));
  });
  return errors.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** What the world says of every repository and team the plan names, asked at once. */
async function askWorld(plan: Plan, world: PlanWorld) {
  const repositories = [...new Set(plan.steps.map((s) => s.repository))];
  const teams = [...new Set(plan.steps.map((s) => s.team.replace(/^@/, '')))];
  const [installs, teamAnswers, inFlight] = await Promise.all([
    Promise.all(repositories.map(async (r) => [r, await world.installation(r)] as const)),
    Promise.all(teams.map(async (t) => [t, await world.team(t)] as const)),
    Promise.all(repositories.map(async (r) => [r, await world.inFlight(r)] as const)),
  ]);
  return { installOf: new Map(installs), teamOf: new Map(teamAnswers), flightsOf: new Map(inFlight) };
}

/** The executions in flight a step would run into: the same environment, or paths that overlap. */
function conflicts(
  step: Plan['steps'][number],
  flights: readonly InFlightExecution[],
): Array<{ message: string; hint: string }> {
  const found: Array<{ message: string; hint: string }> = [];
  for (const execution of flights) {
    const overlap = overlappingPaths(step.paths, execution.paths);
    const sameEnvironment = execution.environment === step.environment;
    if (!sameEnvironment && overlap.length === 0) continue;
    const why = [
      sameEnvironment ? `the same environment (${step.environment})` : '',
      overlap.length ? `overlapping paths (${overlap.slice(0, 5).join(', ')})` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    found.push({
      message: `step "${step.id}" conflicts with execution ${execution.id} in flight on ${step.repository} (${execution.state}): ${why}`,
      hint: 'wait for that execution to end, or change the step (its environment or paths) so it does not overlap',
    });
  }
  return found;
}

/**
 * The paths two sets share: a path of one matched by a glob of the other, or two equal globs. A step or an
 * execution with no paths is taken to touch nothing known (the environment still conflicts).
 */
export function overlappingPaths(a: readonly string[], b: readonly string[]): string[] {
  const out = new Set<string>();
  const matches = (glob: string, path: string) => glob === path || picomatch(glob, { dot: true })(path);
  for (const x of a)
    for (const y of b) if (matches(x, y) || matches(y, x) || prefixOverlap(x, y)) out.add(x === y ? x : `${x} ~ ${y}`);
  return [...out];
}

/** `src/**` and `src/billing/**` overlap: one glob's fixed start is inside the other's. */
function prefixOverlap(a: string, b: string): boolean {
  const fixed = (g: string) =>
    g
      .split('/')
      .filter((_, i, all) => !all.slice(0, i + 1).some((s) => /[*?[{]/.test(s)))
      .join('/');
  const fa = fixed(a);
  const fb = fixed(b);
  const under = (x: string, y: string, glob: string) =>
    /[*?[{]/.test(glob) && (y === '' ? true : x === y || x.startsWith(`${y}/`));
  return under(fa, fb, b) || under(fb, fa, a);
}
