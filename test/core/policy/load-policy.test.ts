import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatPolicyError,
  type PolicyAsWritten,
  type PolicyError,
  type PolicyLoad,
} from '../../../src/core/policy/policy-source.js';
import { loadPolicy } from '../../../src/core/policy/load-policy.js';
import { resolvePolicy } from '../../../src/core/policy/resolve-policy.js';
import { loadPresets } from '../../../src/adapters/files/presets.js';
import { type Presets } from '../../../src/core/policy/policy-source.js';

const fixtures = new URL('../../fixtures/policies/', import.meta.url).pathname;
const policiesDir = new URL('../../../policies/', import.meta.url).pathname;
const presets = loadPresets();
const read = (p: string) => readFileSync(`${fixtures}${p}`, 'utf8');

/** Every error of a file: its load errors, or else its resolve errors. */
function errorsOf(load: PolicyLoad, with_: Presets = presets): PolicyError[] {
  if (!load.ok) return load.errors;
  const resolved = resolvePolicy(load, with_);
  return resolved.ok ? [] : resolved.errors;
}
const errorsIn = (text: string) => errorsOf(loadPolicy(text, 'x.yml'));

function loaded(text: string, file = 'x.yml'): Extract<PolicyLoad, { ok: true }> {
  const load = loadPolicy(text, file);
  if (!load.ok) throw new Error(load.errors.map(formatPolicyError).join('\n'));
  return load;
}

describe('loadPolicy on broken files', () => {
  const expected: Record<string, string[]> = JSON.parse(read('broken/expected.json'));
  const files = readdirSync(`${fixtures}broken`)
    .filter((f) => f.endsWith('.yml'))
    .sort();

  it('has an expectation for each of at least 24 fixtures', () => {
    expect(Object.keys(expected).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(24);
  });

  it.each(files)('%s: every error at its line:col and path, with a message and a fix', (name) => {
    const errors = errorsOf(loadPolicy(read(`broken/${name}`), name));
    expect(errors.map((e) => `${e.line}:${e.column} ${e.path}`)).toEqual(expected[name]);
    for (const e of errors) {
      expect(e.file).toBe(name);
      expect(e.message.trim().length).toBeGreaterThan(5);
      expect(e.hint.trim().length).toBeGreaterThan(5);
      expect(formatPolicyError(e)).toMatch(
        new RegExp(`^${name.replace('.', '\\.')}:\\d+:\\d+: [^\\n]+ \\(at [^\\n]+\\)\\. Fix: [^\\n]+$`),
      );
    }
  });
});

describe('what the errors say', () => {
  it.each([
    [
      'unknown key: the allowed keys at that level',
      'risk:\n  colour: blue\n',
      { path: 'risk.colour', hint: 'allowed keys in risk: maxLevel, requireHumanApprovalAbove' },
    ],
    [
      'a typo: the closest key',
      'risk:\n  maxLvl: medium\n',
      { message: 'unknown key "maxLvl" in risk', hint: 'did you mean "maxLevel"?' },
    ],
    ['a top-level typo', 'extend: standard\n', { hint: 'did you mean "extends"?' }],
    ['a key at the wrong level: where it belongs', 'maxLevel: high\n', { hint: '"maxLevel" belongs under risk' }],
    [
      'wrong enum: the allowed values',
      'risk: { maxLevel: huge }\n',
      { message: '"huge" is not an allowed value', hint: 'use one of: low, medium, high, critical' },
    ],
    ['enum typo: the closest value', 'risk: { maxLevel: medum }\n', { hint: 'did you mean "medium"?' }],
    [
      'number above the bound',
      'deployment: { canaryPercent: 150 }\n',
      { message: '150 is too large', hint: 'a number greater than 0 and at most 100' },
    ],
    ['negative number', 'cost: { maxUsd: -5 }\n', { message: '-5 is too small', hint: 'a number of at least 0' }],
    ['zero where positive', 'cost: { maxTokens: 0 }\n', { hint: 'an integer greater than 0' }],
    ['wrong type: expected and found', 'cost: { maxTokens: lots }\n', { message: 'expected an integer, found "lots"' }],
    [
      'a list expected: an example list',
      'agents: my-agent[bot]\n',
      { message: 'expected a list, found "my-agent[bot]"', hint: '`agents: ["my-agent[bot]"]`' },
    ],
    [
      'a mapping expected',
      'risk: [low, high]\n',
      {
        message: 'expected a mapping, found a list',
        hint: 'a mapping with the keys maxLevel, requireHumanApprovalAbove',
      },
    ],
    ['a quoted number', 'cost: { maxUsd: "25" }\n', { hint: 'write 25 as a plain number' }],
    [
      'yes for a boolean',
      'secrets: { enabled: yes }\n',
      { message: 'expected true or false, found "yes"', hint: 'YAML 1.2' },
    ],
    ['no space after the colon', 'risk:\n  maxLevel:high\n', { hint: 'put a space after the colon: `maxLevel: high`' }],
    ['an empty value', 'risk:\n', { message: 'risk has no value' }],
    [
      'an empty glob',
      "protectedPaths: { paths: [''] }\n",
      { message: 'a glob must not be empty', hint: 'remove the entry' },
    ],
    [
      'a bad preset name: a valid form of it',
      'extends: Prod_Policy\n',
      { hint: 'lowercase letters, digits and dashes (for example "prod-policy")' },
    ],
    [
      'an extends that is not a string',
      'extends: 3\n',
      { message: 'expected a string, found 3', hint: 'a preset name' },
    ],
    [
      'a missing required key',
      'deployment:\n  autoRollback: { errorRateIncrease: 2, latencyIncreaseMs: 250 }\n',
      {
        line: 2,
        column: 3,
        message: 'missing required key "windowSeconds" in deployment.autoRollback',
        hint: 'add `windowSeconds:` with an integer greater than 0',
      },
    ],
    [
      'a duplicate key: where the first one is',
      'id: a\nid: b\n',
      { line: 2, column: 1, message: 'duplicate key "id"', hint: 'the first is at 1:1' },
    ],
    ['a tab', 'risk:\n\tmaxLevel: low\n', { line: 2, column: 1, hint: 'indent with spaces' }],
    ['an unclosed quote: where it opened', 'id: "prod\nrisk: {}\n', { line: 1, column: 5, message: 'never closed' }],
    [
      'an unclosed flow mapping: where it opened',
      'risk: { maxLevel: low\nid: x\n',
      { line: 1, column: 7, message: 'the `{` opened here is not closed' },
    ],
    ['unquoted brackets in a flow list', 'agents: [renovate[bot]]\n', { hint: 'quote an entry that contains `[`' }],
    ['an alias to nothing', 'risk: *base\n', { line: 1, column: 7, message: 'the alias *base refers to no anchor' }],
    ['an unknown tag', 'id: !secret x\n', { message: 'unknown YAML tag !secret' }],
    ['a list at the root', '- id: a\n', { message: 'a policy is a mapping of keys, found a list' }],
    ['only comments', '# nothing yet\n', { line: 1, column: 1, message: 'the file is empty' }],
    ['a null document', '---\n~\n', { message: 'the file holds no policy' }],
  ] as const)('%s', (_, text, want) => {
    const errors = errorsIn(text);
    expect(errors).toHaveLength(1);
    const [e] = errors;
    const { message, hint, ...exact } = want as {
      message?: string;
      hint?: string;
      line?: number;
      column?: number;
      path?: string;
    };
    expect(e).toMatchObject(exact);
    if (message) expect(e?.message).toContain(message);
    if (hint) expect(e?.hint).toContain(hint);
  });

  it('reports every schema error of a file, in file order, not just the first', () => {
    const errors = errorsIn('risk: { maxLevel: huge, colour: red }\ncost: { maxUsd: free }\nfrobnicate: 1\n');
    expect(errors.map((e) => `${e.line}:${e.column} ${e.path}`)).toEqual([
      '1:19 risk.maxLevel',
      '1:25 risk.colour',
      '2:17 cost.maxUsd',
      '3:1 frobnicate',
    ]);
  });

  it('reports a second document and still validates the first', () => {
    expect(errorsIn('risk: { maxLevel: huge }\n---\nid: b\n').map((e) => e.path)).toEqual(['risk.maxLevel', '(root)']);
    expect(loadPolicy('id: a\n---\n', 'x.yml').ok).toBe(true); // a trailing `---` is harmless
  });

  it('refuses an alias bomb without expanding it', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    const errors = errorsIn(bomb);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('cannot be read');
  });

  it('formats one line: file:line:col: message (at path). Fix: hint', () => {
    const e: PolicyError = {
      file: '.github/aaoe.yml',
      line: 3,
      column: 14,
      path: 'risk.maxLevel',
      message: '"huge" is not an allowed value',
      hint: 'use one of: low, medium',
    };
    expect(formatPolicyError(e)).toBe(
      '.github/aaoe.yml:3:14: "huge" is not an allowed value (at risk.maxLevel). Fix: use one of: low, medium',
    );
    expect(formatPolicyError({ ...e, message: 'two\nlines' })).not.toContain('\n');
  });
});

describe('valid policies', () => {
  it.each(readdirSync(`${fixtures}valid`).filter((f) => f.endsWith('.yml')))('%s loads and resolves', (name) => {
    expect(errorsOf(loadPolicy(read(`valid/${name}`), name))).toEqual([]);
  });

  it('loads the DESIGN.md example as written, and it is the prod-policy preset', () => {
    const load = loaded(read('valid/design-example.yml'), 'design.yml');
    // the preset adds one thing to the example: it exempts the dependency-update bots (upgrading AAOE keeps their checks)
    const { governance, ...asDesigned } = presets.get('prod-policy') as Record<string, unknown>;
    expect(governance).toEqual({ exemptBots: ['dependabot[bot]', 'renovate[bot]'] });
    expect(load.policy).toEqual(asDesigned);
    expect(resolvePolicy(load, presets)).toEqual({
      ok: true,
      policy: {
        id: 'prod-policy',
        agents: [],
        trigger: { label: 'aaoe', permissions: ['write', 'maintain', 'admin'] },
        risk: {
          maxLevel: 'medium',
          requireHumanApprovalAbove: 'medium',
          packages: {
            migration: 'high',
            terraform: 'high',
            'helm-values': 'high',
            'gateway-route': 'medium',
            'event-schema': 'medium',
            'feature-flag': 'low',
          },
        },
        cost: { maxTokens: 120000, maxUsd: 25, hardFailOnBreach: true },
        deployment: {
          strategy: 'canary',
          canaryPercent: 10,
          autoRollback: { errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 300 },
          branches: [],
        },
        circuitBreaker: { maxFailures: 2, freezeMinutes: 30 },
        protectedPaths: { paths: [], allow: [] },
        secrets: { enabled: true, ignorePaths: [], allowlist: [] },
        approvals: {
          minimum: 1,
          permissions: ['write', 'maintain', 'admin'],
          invalidateOnPush: true,
          owners: 'none',
          teams: [],
          countReviews: false,
          requesterMayApprove: false,
        },
        merge: 'manual',
        schedule: { timezone: 'UTC', windows: [], freezes: [] },
        organisation: { freezeTeams: [], hotfix: { label: 'hotfix', approvals: 2 } },
        agent: { default: 'aaoe', tasks: {}, timeLimitMinutes: 30 },
        notifications: [],
        selfHeal: 'off',
        governance: { exemptBots: [] },
        resilience: { requireDeclaration: 'irreversible' },
      },
    });
  });

  it('keeps the policy as written (no defaults) until it is resolved', () => {
    expect(loaded('risk: { maxLevel: low }\n').policy).toEqual({ risk: { maxLevel: 'low' } });
  });

  it('resolves anchors, aliases and merge keys', () => {
    const r = resolvePolicy(loaded(read('valid/with-extends-and-anchor.yml')), presets);
    expect(r).toMatchObject({
      ok: true,
      policy: { secrets: { ignorePaths: ['infra/**', 'deploy/**'] }, risk: { maxLevel: 'critical' } },
    });
    expect(resolvePolicy(loaded(read('valid/merge-keys.yml')), presets)).toMatchObject({
      ok: true,
      policy: { risk: { maxLevel: 'medium', requireHumanApprovalAbove: 'low' } },
    });
  });
});

describe('presets', () => {
  it('loads every policies/*.yml by file name; each starts with a comment header and resolves on its own', () => {
    const files = readdirSync(policiesDir)
      .filter((f) => f.endsWith('.yml'))
      .sort();
    expect([...presets.keys()].sort()).toEqual(files.map((f) => f.replace(/\.yml$/, '')));
    expect([...presets.keys()]).toEqual(expect.arrayContaining(['standard', 'prod-policy']));
    for (const f of files) expect(readFileSync(join(policiesDir, f), 'utf8')).toMatch(/^# \S/);
  });

  it('standard: maxLevel high, approval above low, cost caps, canary 10%', () => {
    const r = resolvePolicy({ policy: { extends: 'standard' } }, presets);
    expect(r).toMatchObject({
      ok: true,
      policy: {
        risk: { maxLevel: 'high', requireHumanApprovalAbove: 'low' },
        deployment: { strategy: 'canary', canaryPercent: 10 },
      },
    });
    if (r.ok) {
      expect(r.policy.cost.maxTokens).toBeGreaterThan(0);
      expect(r.policy.cost.maxUsd).toBeGreaterThan(0);
    }
  });

  function presetDir(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'aaoe-presets-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }

  it('throws on a broken preset with every error as file:line:col', () => {
    const dir = presetDir({ 'ok.yml': 'id: ok\n', 'bad.yml': 'risk: { maxLevel: huge }\ncolour: red\n' });
    expect(() => loadPresets(dir)).toThrow(/bad\.yml:1:19: .*\n.*bad\.yml:2:1: /);
  });

  it('throws on a preset that extends another, or that does not resolve on its own', () => {
    expect(() => loadPresets(presetDir({ 'a.yml': 'id: a\n', 'b.yml': 'extends: a\n' }))).toThrow(
      /presets stand alone/,
    );
    expect(() => loadPresets(presetDir({ 'c.yml': 'deployment: { autoRollback: { windowSeconds: 60 } }\n' }))).toThrow(
      /c\.yml:1:15: missing required key "errorRateIncrease"/,
    );
  });

  it('reads only *.yml and names each by its file', () => {
    const loadedPresets = loadPresets(presetDir({ 'team-a.yml': 'id: whatever\n', 'notes.md': '# not a preset\n' }));
    expect([...loadedPresets.keys()]).toEqual(['team-a']);
  });
});

describe('resolvePolicy with extends', () => {
  const base =
    "id: base\nagents: ['a[bot]']\nrisk: { maxLevel: medium, requireHumanApprovalAbove: low }\nprotectedPaths: { paths: ['infra/**'], allow: ['.github/workflows/**'] }\nsecrets: { ignorePaths: ['fixtures/**'] }\n";
  const withBase: Presets = new Map([...presets, ['base', loaded(base).policy]]);
  const resolve = (text: string, p: Presets = withBase) => resolvePolicy(loaded(text), p);

  it('takes the preset as the base and the file as the override, key by key', () => {
    const r = resolve('extends: prod-policy\nrisk: { requireHumanApprovalAbove: low }\n', presets);
    expect(r).toMatchObject({
      ok: true,
      policy: {
        id: 'prod-policy',
        extends: 'prod-policy',
        risk: { maxLevel: 'medium', requireHumanApprovalAbove: 'low' },
        cost: { maxUsd: 25 },
      },
    });
  });

  it('lets a file override one nested key of the preset (a partial mapping)', () => {
    const r = resolve(read('valid/partial-override.yml'), presets);
    expect(r).toMatchObject({
      ok: true,
      policy: { deployment: { autoRollback: { errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 600 } } },
    });
  });

  it('joins lists that add control (agents, protectedPaths.paths), without duplicates', () => {
    const r = resolve("extends: base\nagents: ['b[bot]', 'a[bot]']\nprotectedPaths: { paths: ['src/**'] }\n");
    expect(r).toMatchObject({
      ok: true,
      policy: {
        agents: ['a[bot]', 'b[bot]'],
        protectedPaths: { paths: ['infra/**', 'src/**'], allow: ['.github/workflows/**'] },
      },
    });
  });

  it('never lets a file drop what its preset protects', () => {
    const r = resolve('extends: base\nagents: []\nprotectedPaths: { paths: [] }\n');
    expect(r).toMatchObject({ ok: true, policy: { agents: ['a[bot]'], protectedPaths: { paths: ['infra/**'] } } });
  });

  it("replaces lists that release control (protectedPaths.allow, secrets.ignorePaths) with the file's own", () => {
    const r = resolve("extends: base\nprotectedPaths: { allow: [] }\nsecrets: { ignorePaths: ['test/**'] }\n");
    expect(r).toMatchObject({
      ok: true,
      policy: { protectedPaths: { paths: ['infra/**'], allow: [] }, secrets: { ignorePaths: ['test/**'] } },
    });
  });

  it('fills the defaults after merging', () => {
    const r = resolve('id: bare\n');
    expect(r).toMatchObject({
      ok: true,
      policy: {
        trigger: { label: 'aaoe' },
        risk: { maxLevel: 'high', requireHumanApprovalAbove: 'low' },
        secrets: { enabled: true },
        circuitBreaker: { maxFailures: 3 },
      },
    });
  });

  it('names the available presets for an unknown one, at the extends value', () => {
    const [e] = errorsIn('id: x\nextends: prod\n');
    expect(e).toMatchObject({ file: 'x.yml', line: 2, column: 10, path: 'extends', message: 'unknown preset "prod"' });
    expect(e?.hint).toContain('available presets: prod-policy, standard');
    expect(errorsIn('extends: prod-polcy\n')[0]?.hint).toContain('did you mean "prod-policy"?');
    expect(errorsOf(loadPolicy('extends: standard\n', 'x.yml'), new Map())[0]?.hint).toContain(
      'no presets are available',
    );
  });

  it('reports a required key that neither the file nor its preset sets, at its parent', () => {
    const errors = errorsIn('id: x\ndeployment:\n  autoRollback:\n    windowSeconds: 60\n');
    expect(errors.map((e) => `${e.line}:${e.column} ${e.path}`)).toEqual([
      '3:3 deployment.autoRollback.errorRateIncrease',
      '3:3 deployment.autoRollback.latencyIncreaseMs',
    ]);
  });

  it('validates a policy that did not come from loadPolicy (positions 1:1 without a file)', () => {
    const unchecked = JSON.parse('{"extends":"standard","risk":{"maxLevel":"huge"},"colour":1}') as PolicyAsWritten;
    const r = resolvePolicy({ policy: unchecked }, presets);
    expect(r.ok ? [] : r.errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.path}`)).toEqual([
      '(policy):1:1 colour',
      '(policy):1:1 risk.maxLevel',
    ]);
    expect(resolvePolicy({ policy: JSON.parse('[1]') as PolicyAsWritten }, presets)).toMatchObject({
      ok: false,
      errors: [{ path: '(root)' }],
    });
  });
});
