import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replayInStore, runPolicyReplay } from '../../src/cli/policy-replay-command.js';
import type { Database } from '../../src/adapters/store/database.js';
import { recordGovernedFacts } from '../../src/adapters/store/governed-history.js';
import type { RiskLevel } from '../../src/core/policy/schema.js';
import type { ReplayVerdict } from '../../src/core/policy/replay.js';
import { backends, useMigratedStore } from '../adapters/store/backends.js';
import { change, file } from '../support/changes.js';

/**
 * `aaoe policy replay` (issue 25): the policy file replayed over the facts the store recorded, each compared with the
 * verdict recorded with it; only the store is read. Exit 0 when no verdict changes, 1 when some do, 2 invalid input.
 */

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) }, out, err };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aaoe-replay-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function record(
  db: Database,
  repo: string,
  number: number,
  level: RiskLevel,
  verdict: ReplayVerdict,
  at: string,
) {
  await recordGovernedFacts(db, {
    repo,
    number,
    baseSha: 'b'.repeat(40),
    headSha: String(number).padStart(40, 'a'),
    change: change([file(`docs/${number}.md`)], { declared: { risk: { level } } }),
    recorded: verdict,
    executionId: `x-${number}`,
    at: new Date(at),
  });
}

describe.each(backends)('aaoe policy replay on $name', (backend) => {
  const store = useMigratedStore(backend);
  let db: Database;
  beforeEach(async () => {
    db = store().db;
    await db.query('DELETE FROM governed_facts');
    // recorded under `risk: { maxLevel: high, requireHumanApprovalAbove: low }`
    await record(db, 'octo/api', 1, 'low', 'passed', '2026-11-01T10:00:00Z');
    await record(db, 'octo/api', 2, 'medium', 'needs approval', '2026-11-02T10:00:00Z');
    await record(db, 'octo/api', 3, 'high', 'needs approval', '2026-11-03T10:00:00Z');
    await record(db, 'octo/web', 7, 'high', 'needs approval', '2026-11-04T10:00:00Z');
  });

  const TIGHT = 'risk: { maxLevel: medium, requireHumanApprovalAbove: low }\n';

  it('names the pull requests whose verdict changes, with the gate and reason, and exits 1', async () => {
    const { io, out } = captureIo();
    const exit = await replayInStore(db, { policy: 'tight.yml', repo: 'octo/api', last: 50 }, TIGHT, io);
    expect(exit).toBe(1);
    expect(out.join('\n').split('\n')).toEqual([
      expect.stringMatching(/^octo\/api#3 aaaaaaa: needs approval -> refused \(risk: .*high/),
      '3 replayed, 1 changed, 2 unchanged; needs approval -> refused: 1',
    ]);
  });

  it('without --repo, every repository with recorded facts; --last keeps the most recent of each', async () => {
    const { io, out } = captureIo();
    expect(await replayInStore(db, { policy: 'tight.yml', last: 1, format: 'json' }, TIGHT, io)).toBe(1);
    const json = JSON.parse(out.join('\n'));
    expect(json.repos).toEqual(['octo/api', 'octo/web']);
    expect(json.rows.map((r: any) => `${r.repo}#${r.number}`)).toEqual(['octo/api#3', 'octo/web#7']);
    expect(json.totals).toMatchObject({ replayed: 2, changed: 2 });
  });

  it('exits 0 when nothing changes', async () => {
    const { io, out } = captureIo();
    const same = 'risk: { maxLevel: high, requireHumanApprovalAbove: low }\n';
    expect(await replayInStore(db, { policy: 'same.yml', repo: 'octo/api', last: 50 }, same, io)).toBe(0);
    expect(out).toEqual(['3 replayed, 0 changed, 3 unchanged']);
  });

  it('an invalid policy is exit 2 with file:line:col and the fix; nothing replayed', async () => {
    const { io, out, err } = captureIo();
    expect(await replayInStore(db, { policy: 'bad.yml', last: 50 }, 'risk: { maxLevel: extreme }\n', io)).toBe(2);
    expect(out).toEqual([]);
    expect(err[0]).toMatch(/^bad\.yml:1:\d+: .*\(at risk\.maxLevel\)\. Fix: /);
  });
});

describe('runPolicyReplay', () => {
  it('refuses --last out of range and an unreadable file before opening any store', async () => {
    const policy = join(dir, 'p.yml');
    await writeFile(policy, 'extends: standard\n');
    const env = { AAOE_DATA_DIR: join(dir, 'no-store') };
    const a = captureIo();
    expect(await runPolicyReplay({ policy, last: 0 }, a.io, env)).toBe(2);
    expect(a.err).toEqual([expect.stringMatching(/--last is a whole number from 1 to 500/)]);
    const b = captureIo();
    expect(await runPolicyReplay({ policy: join(dir, 'missing.yml') }, b.io, env)).toBe(2);
    expect(b.err).toEqual([expect.stringMatching(/missing\.yml: cannot read/)]);
    const c = captureIo();
    expect(await runPolicyReplay({ policy }, c.io, env)).toBe(2);
    expect(c.err).toEqual([expect.stringMatching(/no embedded store/)]);
  });
});
