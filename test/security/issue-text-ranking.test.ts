import { describe, expect, it } from 'vitest';
import { issueTerms, rankFiles } from '../../src/core/agent/context.js';

/**
 * Ranking the repository's files by an issue runs on text anyone who can open or edit the issue writes. The words and
 * paths of the issue were found with patterns that backtrack over long runs (65 KB of `a` took 23 s, on every
 * triage and proposal): the work must grow linearly with the text.
 */

function timed(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

const HOSTILE: Array<[string, (n: number) => string]> = [
  ['one long word', (n) => 'a'.repeat(n)],
  ['a long path-like run', (n) => 'a.'.repeat(n / 2)],
  ['dashes and dots', (n) => '-.'.repeat(n / 2)],
  ['a path named many times', (n) => 'src/app/main.ts '.repeat(n / 16)],
];

describe('issue text against the file ranking', () => {
  it.each(HOSTILE)('%s: 8 times the text costs at most about 8 times the work', (_name, make) => {
    const paths = Array.from({ length: 200 }, (_, i) => `src/app/${i === 0 ? 'main' : `file-${i}`}.ts`);
    const run = (n: number) => timed(() => rankFiles({ title: 'fix it', body: make(n) }, paths));
    run(2_000); // warm the engine
    const small = Math.max(run(8_000), 1);
    const large = run(64_000);
    expect(large / small).toBeLessThan(40);
    expect(large).toBeLessThan(5_000);
  });

  it('still finds the words and the paths an ordinary issue names', () => {
    expect(
      issueTerms({ title: 'Fix the login for new users', body: 'and add a test in src/auth/x.ts or y.md' }),
    ).toEqual(['login', 'users']);
    const ranked = rankFiles({ title: 'edit src/app/main.ts', body: 'a'.repeat(70_000) }, [
      'src/app/main.ts',
      'src/other.ts',
    ]);
    expect(ranked[0]?.path).toBe('src/app/main.ts');
  });
});
