import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicy, resolvePolicy, type PolicyLoad } from '../../src/policy/load-policy.js';
import { loadPresets } from '../../src/policy/presets.js';

const dir = new URL('../fixtures/policies/', import.meta.url).pathname;
const presets = loadPresets();
const read = (p: string) => readFileSync(`${dir}${p}`, 'utf8');

function errorsOf(load: PolicyLoad) {
  if (load.ok) {
    const resolved = resolvePolicy(load, presets);
    return resolved.ok ? [] : resolved.errors;
  }
  return load.errors;
}

describe('loadPolicy on broken files', () => {
  const expected: Record<string, string[]> = JSON.parse(read('broken/expected.json'));
  const files = readdirSync(`${dir}broken`).filter((f) => f.endsWith('.yml')).sort();

  it('has an expectation for every fixture', () => {
    expect(Object.keys(expected).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it.each(files)('%s: every error at its line:col and path, with a hint', (name) => {
    const errors = errorsOf(loadPolicy(read(`broken/${name}`), name));
    expect(errors.map((e) => `${e.line}:${e.column} ${e.path}`)).toEqual(expected[name]);
    for (const e of errors) {
      expect(e.file).toBe(name);
      expect(e.message.length).toBeGreaterThan(5);
      expect(e.hint.length).toBeGreaterThan(5);
    }
  });

  it('names the allowed keys and the likely typo', () => {
    const [e] = errorsOf(loadPolicy('risk:\n  maxLvl: medium\n', 'x.yml'));
    expect(e?.hint).toContain('maxLevel, requireHumanApprovalAbove');
    expect(e?.hint).toContain('did you mean "maxLevel"');
  });

  it('names the available presets for an unknown one', () => {
    const [e] = errorsOf(loadPolicy('extends: prod\n', 'x.yml'));
    expect(e).toMatchObject({ line: 1, column: 10, path: 'extends' });
    expect(e?.hint).toContain('prod-policy, standard');
  });
});

describe('valid policies', () => {
  it.each(readdirSync(`${dir}valid`).filter((f) => f.endsWith('.yml')))('%s loads and resolves', (name) => {
    const load = loadPolicy(read(`valid/${name}`), name);
    expect(load.ok ? [] : load.errors).toEqual([]);
    if (load.ok) expect(resolvePolicy(load, presets)).toMatchObject({ ok: true });
  });

  it('loads the DESIGN.md example as written', () => {
    const load = loadPolicy(read('valid/design-example.yml'), 'design.yml');
    const resolved = load.ok ? resolvePolicy(load, presets) : undefined;
    expect(resolved).toMatchObject({
      ok: true,
      policy: {
        id: 'prod-policy',
        risk: { maxLevel: 'medium', requireHumanApprovalAbove: 'medium' },
        cost: { maxTokens: 120000, maxUsd: 25, hardFailOnBreach: true },
        deployment: { strategy: 'canary', canaryPercent: 10, autoRollback: { errorRateIncrease: 2, latencyIncreaseMs: 250, windowSeconds: 300 } },
        circuitBreaker: { maxFailures: 2, freezeMinutes: 30 },
      },
    });
  });
});

describe('resolvePolicy with extends', () => {
  const resolve = (text: string, extra: Record<string, string> = {}) => {
    const load = loadPolicy(text, 'x.yml');
    if (!load.ok) throw new Error(JSON.stringify(load.errors));
    const withExtra = new Map(presets);
    for (const [name, t] of Object.entries(extra)) {
      const l = loadPolicy(t, name);
      if (l.ok) withExtra.set(name, l.policy);
    }
    return resolvePolicy(load, withExtra);
  };

  it('takes the preset as the base and the file as the override', () => {
    const r = resolve('extends: prod-policy\nrisk: { requireHumanApprovalAbove: low }\n');
    expect(r).toMatchObject({ ok: true, policy: { id: 'prod-policy', risk: { maxLevel: 'medium', requireHumanApprovalAbove: 'low' }, cost: { maxUsd: 25 } } });
  });

  it('joins lists that add control and replaces lists that release it', () => {
    const base = "id: base\nagents: ['a[bot]']\nprotectedPaths: { paths: ['infra/**'], allow: ['.github/workflows/**'] }\n";
    const r = resolve("extends: base\nagents: ['b[bot]']\nprotectedPaths: { paths: ['src/**'], allow: [] }\n", { base });
    expect(r).toMatchObject({ ok: true, policy: { agents: ['a[bot]', 'b[bot]'], protectedPaths: { paths: ['infra/**', 'src/**'], allow: [] } } });
  });

  it('fills defaults after merging', () => {
    const r = resolve('id: bare\n');
    expect(r).toMatchObject({ ok: true, policy: { trigger: { label: 'aaoe' }, risk: { maxLevel: 'high', requireHumanApprovalAbove: 'low' }, secrets: { enabled: true } } });
  });
});
