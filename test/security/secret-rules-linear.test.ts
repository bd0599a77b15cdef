import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { findAssignments } from '../../src/core/policy/gates/high-entropy-rule.js';
import { findEncodedSecrets } from '../../src/core/secrets/decoded.js';
import { ALL_SHAPE_RULES, SHAPE_RULES } from '../../src/core/secrets/rules.js';
import { anchorsOf, findShapes } from '../../src/core/secrets/shape.js';
import { acceptsValue } from '../../src/core/secrets/values.js';

/**
 * Issue 22: no secret rule's time grows faster than linearly with the line. Each rule gets 100 KB adversarial lines
 * built from its own anchors (repeated, followed by long runs of the characters its pattern accepts, unclosed
 * quotes, separators) and must finish each within a generous bound; a pattern that backtracks quadratically takes
 * seconds to minutes on such lines. (The gate itself never scans a line over 4,096 characters: it reports it as
 * unscanned for a person; these lines go to the rules directly.)
 */

const SIZE = 100_000;
const BOUND_MS = 2_000;

const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);

function adversarial(anchor: string): string[] {
  return [
    fill(anchor),
    anchor + fill('a'),
    anchor + fill('A1'),
    fill(`${anchor}a1-_.`),
    fill(`${anchor}=`),
    fill(`${anchor}:A`),
    fill(`${anchor}"`),
    fill(`${anchor} `),
  ];
}

const GENERIC = [
  fill('a'),
  fill('0'),
  fill('-'),
  fill('A'),
  fill('aB3+/'),
  fill('.'),
  fill('x:y@'),
  fill('="'),
  fill('\\n'),
];

function timed(work: () => unknown): number {
  const t0 = performance.now();
  work();
  return performance.now() - t0;
}

describe('every secret rule is linear on 100 KB adversarial lines', () => {
  it.each(ALL_SHAPE_RULES.filter((r) => r.id !== 'base64-encoded-secret').map((r) => [r.id, r] as const))(
    '%s',
    (_id, rule) => {
      const anchors = anchorsOf(rule);
      for (const line of [...(anchors.length ? anchors : ['']).flatMap(adversarial), ...GENERIC]) {
        const ms = timed(() => findShapes(line, [rule]));
        expect(ms, `${rule.id} on ${JSON.stringify(line.slice(0, 24))}...`).toBeLessThan(BOUND_MS);
      }
    },
  );

  it('base64-encoded-secret (blobs are decoded once, at most 4,096 characters each)', () => {
    for (const line of [fill('QUtJQV'), fill('ZXlK'), fill('aB3+/'), fill('a'), fill('ZXlKaGJHY2lPaUpJVXpJMU5pSjku')]) {
      expect(timed(() => findEncodedSecrets(line, SHAPE_RULES))).toBeLessThan(BOUND_MS);
    }
  });

  it('high-entropy-assignment (names, operators, quotes and values)', () => {
    const lines = [
      fill('pwd'),
      fill('pwd='),
      fill('pwd="'),
      fill("password: '"),
      fill('token=>'),
      fill('API_KEY='),
      fill('secret[]='),
      'secret'.repeat(SIZE / 6) + '=x',
      'pwd="' + fill('a'),
      'pwd' + ' '.repeat(SIZE) + '=',
      fill('a.pwd-') + ':',
      fill('password != "'),
    ];
    for (const line of lines)
      for (const config of [false, true]) {
        const ms = timed(() => findAssignments(line, config).filter((a) => acceptsValue(a)));
        expect(ms, JSON.stringify(line.slice(0, 24))).toBeLessThan(BOUND_MS);
      }
  });
});
