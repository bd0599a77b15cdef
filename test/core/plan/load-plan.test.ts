import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findCycle, formatPlanError, loadPlan } from '../../../src/core/plan/load-plan.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/plans/${name}`, import.meta.url), 'utf8');

function errorsOf(text: string, file = 'plan.yml'): string[] {
  const result = loadPlan(text, file);
  if (result.ok) throw new Error('the plan loaded');
  return result.errors.map(formatPlanError);
}

const step = (id: string, extra = '') =>
  `  - id: ${id}\n    repository: acme/${id}\n    team: acme/core\n    task: do ${id}\n${extra}`;

describe('loadPlan', () => {
  it('loads the diamond plan with its defaults', () => {
    const result = loadPlan(fixture('diamond.yml'), 'diamond.yml');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.steps.map((s) => [s.id, s.dependsOn])).toEqual([
      ['schema', []],
      ['api', ['schema']],
      ['client', ['schema']],
      ['cutover', ['api', 'client']],
    ]);
    expect(result.plan.policy).toEqual({
      maxParallel: 2,
      deadline: '2026-12-31T18:00:00Z',
      velocity: { perTeamPerWeek: 5 },
    });
    expect(result.plan.steps[3]).toMatchObject({
      environment: 'production',
      rollout: 'canary',
      paths: [],
      packages: [],
    });
  });

  it('reports a cycle with its path, at the dependsOn entry that closes it', () => {
    expect(errorsOf(fixture('cycle.yml'), 'cycle.yml')).toEqual([
      'cycle.yml:13:17: dependency cycle: a -> c -> b -> a (at steps[1].dependsOn[0]). Fix: a plan is acyclic: remove "a" from the dependsOn of "b", or another edge of the cycle',
    ]);
  });

  it('reports an unknown key at the key, with the likely spelling and the allowed keys', () => {
    const [error, ...rest] = errorsOf(fixture('bad-key.yml'), 'bad-key.yml');
    expect(rest).toEqual([]);
    expect(error).toMatch(
      /^bad-key\.yml:10:5: unknown key "depends_on" in steps\[0\] \(at steps\[0\]\.depends_on\)\. Fix: did you mean "dependsOn"\? .*allowed keys: id, repository, task, change, team, dependsOn,/,
    );
  });

  it.each([
    [
      'an unknown dependsOn',
      `id: p\ngoal: g\nsteps:\n${step('a', '    dependsOn: [nope]\n')}`,
      'plan.yml:8:17: unknown step "nope" in dependsOn (at steps[0].dependsOn[0]). Fix: name a step of this plan: a',
    ],
    [
      'a duplicate step id',
      `id: p\ngoal: g\nsteps:\n${step('a')}${step('a')}`,
      'plan.yml:8:9: duplicate step id "a" (at steps[1].id). Fix: give each step its own id (the first "a" is at 4:9)',
    ],
    [
      'a self-dependency',
      `id: p\ngoal: g\nsteps:\n${step('a', '    dependsOn: [a]\n')}`,
      'plan.yml:8:17: step "a" depends on itself (at steps[0].dependsOn[0]). Fix: remove the entry',
    ],
    [
      'an unknown window',
      `id: p\ngoal: g\nsteps:\n${step('a', '    window: nights\n')}`,
      'plan.yml:8:13: unknown window "nights" (at steps[0].window). Fix: define it under `windows` (days, from, to, timezone)',
    ],
    [
      'a bad repository',
      `id: p\ngoal: g\nsteps:\n  - id: a\n    repository: billing\n    team: acme/core\n    task: t\n`,
      'plan.yml:5:17: "billing": a repository as owner/name, for example acme/billing (at steps[0].repository). Fix: write a repository as owner/name, for example acme/billing',
    ],
    [
      'a missing goal',
      `id: p\nsteps:\n${step('a')}`,
      'plan.yml:1:1: missing required key "goal" (at goal). Fix: add `goal:`',
    ],
    [
      'a YAML syntax error',
      `id: p\ngoal: g: h\nsteps: []\n`,
      'plan.yml:2:7: YAML syntax error: Nested mappings are not allowed in compact mappings (at (yaml)). Fix: fix the YAML here; quote values that contain `: `, ` #`, `{` or `[`',
    ],
    [
      'a duplicate key',
      `id: p\nid: q\ngoal: g\nsteps:\n${step('a')}`,
      'plan.yml:2:1: duplicate key (at (yaml)). Fix: keep one of the two entries: YAML would silently keep only the last one',
    ],
  ])('reports %s with file:line:col', (_, text, expected) => {
    expect(errorsOf(text)).toEqual([expected]);
  });

  it('reports a template that uses an unknown value, at the package', () => {
    const text = `id: p\ngoal: g\ntemplates:\n  flag:\n    type: feature-flag\n    text: '{ "key": "{{ flagg }}" }'\nsteps:\n${step('a', '    packages:\n      - template: flag\n        path: flags/a.json\n        values: { flag: a }\n')}`;
    expect(errorsOf(text)).toEqual([
      expect.stringMatching(
        /^plan\.yml:15:9: template "flag" \(line 1, column 11 of its text\), for step "a": unknown value "flagg" .*use one of: flag, plan\.id, step\.environment/,
      ),
    ]);
  });
});

describe('findCycle', () => {
  it('finds none in a diamond and the shortest walk from the first step otherwise', () => {
    const s = (id: string, dependsOn: string[]) => ({ id, dependsOn });
    expect(
      findCycle({ steps: [s('a', []), s('b', ['a']), s('c', ['a']), s('d', ['b', 'c'])] as never }),
    ).toBeUndefined();
    expect(findCycle({ steps: [s('a', []), s('b', ['c']), s('c', ['d']), s('d', ['b'])] as never })).toEqual([
      'b',
      'c',
      'd',
      'b',
    ]);
  });
});
