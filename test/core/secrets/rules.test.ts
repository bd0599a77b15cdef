import { describe, expect, it } from 'vitest';
import { base62, crc32, hasValidCrc32Suffix, withCrc32Suffix } from '../../../src/core/secrets/checksum.js';
import { ALL_SHAPE_RULES, scanShapes } from '../../../src/core/secrets/rules.js';
import { anchorsOf } from '../../../src/core/secrets/shape.js';
import { RULE_CASES } from './cases.js';
import { rnd } from './fixtures.js';

describe('the shape rules', () => {
  it('every rule has its true and false cases', () => {
    expect(RULE_CASES.map(([id]) => id).sort()).toEqual(ALL_SHAPE_RULES.map((r) => r.id).sort());
  });

  it('every rule cites the documentation of its format', async () => {
    const { readFile } = await import('node:fs/promises');
    const sources = (
      await Promise.all(
        ['providers-code', 'providers-cloud', 'providers-saas', 'providers-ai', 'structured'].map((f) =>
          readFile(new URL(`../../../src/core/secrets/${f}.ts`, import.meta.url), 'utf8'),
        ),
      )
    ).join('\n');
    for (const rule of ALL_SHAPE_RULES.filter((r) => r.id !== 'base64-encoded-secret')) {
      const at = sources.indexOf(`id: '${rule.id}'`);
      const before = sources.slice(Math.max(0, sources.lastIndexOf('  },\n', at)), at);
      expect(before, rule.id).toMatch(/https:\/\//);
    }
  });

  it.each(RULE_CASES)('%s finds its secret, at its range', (id, truthy) => {
    const { line, secret } = truthy();
    const hits = scanShapes(line).filter((h) => h.rule.id === id);
    expect(hits, line).toHaveLength(1);
    const at = line.indexOf(secret);
    expect([hits[0]!.start, hits[0]!.end]).toEqual(
      id === 'private-key' ? [at, expect.any(Number)] : [at, at + secret.length],
    );
  });

  it.each(RULE_CASES)('%s does not fire on its false case', (id, _truthy, falsy) => {
    expect(scanShapes(falsy).filter((h) => h.rule.id === id)).toEqual([]);
  });

  /** Rules defined by their surroundings (a header, a URL, a config key) rather than the secret's own shape. */
  const CONTEXTUAL = new Set([
    'npmrc-auth',
    'connection-string-password',
    'azure-storage-key',
    'xml-password-setting',
    'kubernetes-secret-data',
    'docker-config-auth',
    'url-credentials',
    'authorization-header',
    'api-key-header',
    'curl-user-password',
    'private-key',
  ]);

  it.each(RULE_CASES.filter(([id]) => !CONTEXTUAL.has(id)))('%s finds its secret wherever it stands', (id, truthy) => {
    const { secret } = truthy();
    const placements = [`KEY=${secret}`, `  value: ${secret}`, `client.login("${secret}");`, `x = [\`${secret}\`]`];
    for (const line of placements)
      expect(
        scanShapes(line).map((h) => h.rule.id),
        line,
      ).toContain(id);
  });

  it('anchors every rule on literal text, so a scan is one pass plus short matches', () => {
    expect(ALL_SHAPE_RULES.filter((r) => r.id !== 'base64-encoded-secret' && anchorsOf(r).length === 0)).toEqual([]);
  });
});

describe('CRC32 checksums (GitHub, npm)', () => {
  it('computes CRC-32 as zlib does and base62 with padding', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(base62(61, 3)).toBe('00z');
  });

  it('tells a checksummed token from one whose last six characters are wrong', () => {
    const token = withCrc32Suffix('ghp_', rnd(30));
    expect(hasValidCrc32Suffix(token)).toBe(true);
    const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(hasValidCrc32Suffix(wrong)).toBe(false);
  });

  it('reports a checksummed token even when it would look like a placeholder', () => {
    const token = withCrc32Suffix('ghp_', 'x'.repeat(30));
    expect(scanShapes(`t = "${token}"`).map((h) => h.rule.id)).toEqual(['github-token']);
    expect(scanShapes(`t = "ghp_${'x'.repeat(36)}"`)).toEqual([]);
  });
});
