import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { buildContext, issueTerms, rankFiles } from '../../../src/core/agent/context.js';

const PATHS = [
  'README.md',
  'src/auth/login.ts',
  'src/auth/session.ts',
  'src/billing/invoice.ts',
  'src/app/main.ts',
  'test/auth/login.test.ts',
  'test/billing/invoice.test.ts',
  'package-lock.json',
  'node_modules/left-pad/index.js',
  'assets/logo.png',
];

describe('ranking files for an issue', () => {
  it('puts a path named in the issue first, then a named file name, then words of the issue, each with its reason', () => {
    const ranked = rankFiles(
      {
        title: 'Login crashes on empty password',
        body: 'Stack trace points at `src/auth/session.ts`; main.ts logs it.',
      },
      PATHS,
    );
    expect(ranked.map((r) => [r.path, r.score, r.reasons])).toEqual([
      ['src/auth/session.ts', 100, ['named in the issue']],
      ['src/app/main.ts', 40, ['its file name main.ts is named in the issue']],
      ['src/auth/login.ts', 10, ['the issue says "login"']],
      ['test/auth/login.test.ts', 10, ['the issue says "login"']],
    ]);
  });

  it('brings the test of a named file, and never lock files, vendored or binary files', () => {
    const ranked = rankFiles(
      {
        title: 'invoice.ts rounds totals wrong',
        body: 'see package-lock.json and node_modules/left-pad/index.js, logo.png',
      },
      PATHS,
    );
    expect(ranked.map((r) => r.path)).toEqual(['src/billing/invoice.ts', 'test/billing/invoice.test.ts']);
    expect(ranked[1]?.reasons).toEqual(['tests src/billing/invoice.ts']);
  });

  it('does not take a longer path for a named one', () => {
    expect(
      rankFiles({ title: 'edit app/main.ts', body: '' }, ['src/app/main.ts', 'app/main.ts']).map((r) => [
        r.path,
        r.score,
      ]),
    ).toEqual([['app/main.ts', 100]]);
  });

  it('keeps common words and path filler out of the terms', () => {
    expect(
      issueTerms({ title: 'Fix the login for new users', body: 'and add a test in src/auth/x.ts or y.md' }),
    ).toEqual(['login', 'users']);
  });
});

describe('building the context within a token budget', () => {
  const files = new Map(
    PATHS.map((p) => [p, `// ${p}\n${'export const x = 1;\n'.repeat(p.includes('login.ts') ? 400 : 20)}`]),
  );

  it('stays within the budget, counts tokens with the tokenizer, and says what it left out and why', () => {
    const issue = { title: 'Login crashes', body: 'in src/auth/session.ts and login' };
    const context = buildContext(issue, files, 1500);
    expect(context.tokens).toBeLessThanOrEqual(1500);
    expect(context.treeTokens).toBe(countTokens(context.tree));
    expect(context.tokens).toBe(context.treeTokens + context.files.reduce((n, f) => n + f.tokens, 0));
    // login.ts is too big for what is left; its smaller test still fits
    expect(context.files.map((f) => f.path)).toEqual(['src/auth/session.ts', 'test/auth/login.test.ts']);
    expect(context.omitted.map((o) => o.path)).toEqual(['src/auth/login.ts']);
    expect(context.omitted[0]?.reason).toMatch(/^\d+ tokens, \d+ left in the budget$/);
    expect(context.tree.split('\n')).not.toContain('package-lock.json');
  });

  it('sends everything ranked when the budget allows', () => {
    const context = buildContext({ title: 'Login crashes', body: 'in src/auth/session.ts and login' }, files, 100_000);
    expect(context.files.map((f) => f.path)).toEqual([
      'src/auth/session.ts',
      'src/auth/login.ts',
      'test/auth/login.test.ts',
    ]);
    expect(context.omitted).toEqual([]);
  });

  it('cuts a long tree to a quarter of the budget and says how many paths it left out', () => {
    const many = new Map(Array.from({ length: 2000 }, (_, i) => [`src/module-${i}/index.ts`, 'x']));
    const context = buildContext({ title: 'x', body: '' }, many, 2000);
    expect(context.treeTokens).toBeLessThanOrEqual(520);
    expect(context.tree).toMatch(/… \d+ more paths$/);
  });
});
