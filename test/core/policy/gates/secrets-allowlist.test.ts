import { describe, expect, it } from 'vitest';
import { Change, type ChangedFile } from '../../../../src/core/policy/change.js';
import { evaluateSecretsGate } from '../../../../src/core/policy/gates/secrets-gate.js';
import { SecretsPolicy } from '../../../../src/core/policy/schema.js';
import { githubToken } from '../../secrets/fixtures.js';

/** Issue 22: an allowlist per repository, with a reason, for test fixtures; the check names rule and place, never the value. */

function added(path: string, lines: string[]): ChangedFile {
  const patch = `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`;
  return { path, status: 'added', additions: lines.length, deletions: 0, patch };
}
const change = (files: ChangedFile[]) =>
  Change.parse({ files, author: { login: 'agent[bot]', isAgent: true }, at: '2026-12-08T03:00:00Z' });

describe('the secrets gate allowlist', () => {
  const token = githubToken();
  const policy = SecretsPolicy.parse({
    allowlist: [
      { paths: ['test/fixtures/**'], rules: ['secretlint/github'], reason: 'fake tokens for the parser tests' },
    ],
  });

  it('passes a finding the policy allows, and lists it with the reason', async () => {
    const result = await evaluateSecretsGate(change([added('test/fixtures/tokens.ts', [`t = "${token}"`])]), policy);
    expect(result.outcome).toBe('passed');
    expect(result.evidence).toEqual([
      expect.stringMatching(/^allowed by the policy: test\/fixtures\/tokens\.ts:1:6 secretlint\/github \(fake tokens/),
    ]);
    expect(JSON.stringify(result)).not.toContain(token);
  });

  it('still fails the same secret elsewhere, or another rule in the allowed path', async () => {
    const elsewhere = await evaluateSecretsGate(change([added('src/tokens.ts', [`t = "${token}"`])]), policy);
    expect(elsewhere.outcome).toBe('failed');
    const other = await evaluateSecretsGate(
      change([added('test/fixtures/db.ts', ['url = "postgres://app:Zq8xR2vT9mK4pW7n@db/app"'])]),
      policy,
    );
    expect(other.outcome).toBe('failed');
    expect(other.findings).toHaveLength(1);
  });

  it('requires a reason', () => {
    expect(SecretsPolicy.safeParse({ allowlist: [{ paths: ['test/**'] }] }).success).toBe(false);
    expect(SecretsPolicy.safeParse({ allowlist: [{ paths: ['test/**'], reason: '' }] }).success).toBe(false);
  });
});
