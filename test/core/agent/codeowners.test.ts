import { describe, expect, it } from 'vitest';
import { matchingRule, ownersOf, parseCodeowners } from '../../../src/core/agent/codeowners.js';

// The example file of GitHub's "About code owners", in its order, with the statements the docs make about it.
const DOCS_EXAMPLE = `# This is a comment.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in
# the repo. Unless a later match takes precedence,
# @global-owner1 and @global-owner2 will be requested for
# review when someone opens a pull request.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most
# precedence. When someone opens a pull request that only
# modifies JS files, only @js-owner and not the global
# owner(s) will be requested for a review.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer. They'll be
# used to look up users just like we do for commit author
# emails.
*.go docs@example.com

# Teams can be specified as code owners as well.
*.txt @octo-org/octocats

# In this example, @doctocat owns any files in the build/logs
# directory at the root of the repository and any of its
# subdirectories.
/build/logs/ @doctocat

# The \`docs/*\` pattern will match files like
# \`docs/getting-started.md\` but not further nested files like
# \`docs/build-app/troubleshooting.md\`.
docs/* docs@example.com

# In this example, @octocat owns any file in an apps directory
# anywhere in your repository.
apps/ @octocat

# In this example, @doctocat owns any file in the \`/docs\`
# directory in the root of your repository and any of its
# subdirectories.
/docs/ @doctocat

# In this example, any change inside the \`/scripts\` directory
# will require approval from @doctocat or @octocat.
/scripts/ @doctocat @octocat

# In this example, @octocat owns any file in a \`/logs\` directory such as
# \`/build/logs\`, \`/scripts/logs\`, and \`/deeply/nested/logs\`. Any changes
# in a \`/logs\` directory will require approval from @octocat.
**/logs @octocat

# In this example, @octocat owns any file in the \`/apps\`
# directory in the root of your repository except for the \`/apps/github\`
# subdirectory, as its owners are left empty. Without an owner, changes
# to \`apps/github\` can be made with the approval of any user who has
# write access to the repository.
/apps/ @octocat
/apps/github
`;

describe('CODEOWNERS, on the example and statements of GitHub’s documentation', () => {
  const co = parseCodeowners(DOCS_EXAMPLE);

  it('parses every rule, with its line, and no errors', () => {
    expect(co.errors).toEqual([]);
    expect(co.rules.map((r) => r.pattern)).toEqual([
      '*',
      '*.js',
      '*.go',
      '*.txt',
      '/build/logs/',
      'docs/*',
      'apps/',
      '/docs/',
      '/scripts/',
      '**/logs',
      '/apps/',
      '/apps/github',
    ]);
    expect(co.rules[1]).toEqual({ pattern: '*.js', owners: ['@js-owner'], line: 14 });
  });

  it.each([
    ['README.md', ['@global-owner1', '@global-owner2']],
    ['src/deeply/nested/file.rb', ['@global-owner1', '@global-owner2']],
    ['src/app.js', ['@js-owner']],
    ['main.go', ['docs@example.com']],
    ['notes/todo.txt', ['@octo-org/octocats']],
    // build/logs at the root and below; but `**/logs` comes later and wins there
    ['build/logs/today.log', ['@octocat']],
    ['build/other/x.log', ['@global-owner1', '@global-owner2']],
    // docs/* matches direct children only; /docs/ (later) owns the whole root docs tree
    ['docs/getting-started.md', ['@doctocat']],
    ['docs/build-app/troubleshooting.md', ['@doctocat']],
    ['deep/apps/web/index.html', ['@octocat']],
    ['scripts/deploy.sh', ['@doctocat', '@octocat']],
    ['scripts/logs/run.log', ['@octocat']],
    ['deeply/nested/logs/x', ['@octocat']],
    ['apps/web/index.html', ['@octocat']],
    ['apps/github/index.html', []],
  ])('%s -> %j', (path, owners) => {
    expect(ownersOf(co, path)).toEqual(owners);
  });
});

describe('CODEOWNERS rules one at a time', () => {
  const owner = (file: string, path: string) => ownersOf(parseCodeowners(file), path);

  it('docs/* is not recursive and is anchored at the root', () => {
    expect(owner('docs/* @d', 'docs/a.md')).toEqual(['@d']);
    expect(owner('docs/* @d', 'docs/x/a.md')).toEqual([]);
    expect(owner('docs/* @d', 'src/docs/a.md')).toEqual([]);
  });

  it('a pattern without a slash matches at any depth, file or directory', () => {
    expect(owner('logs @l', 'logs')).toEqual(['@l']);
    expect(owner('logs @l', 'a/b/logs/c.txt')).toEqual(['@l']);
    expect(owner('*.md @m', 'a/b/c.md')).toEqual(['@m']);
  });

  it('a trailing slash matches directories only', () => {
    expect(owner('build/ @b', 'build')).toEqual([]);
    expect(owner('build/ @b', 'x/build/out.js')).toEqual(['@b']);
  });

  it('matches case-sensitively', () => {
    expect(owner('*.MD @m', 'README.md')).toEqual([]);
    expect(owner('/Docs/ @d', 'docs/a.md')).toEqual([]);
  });

  it('treats brackets as themselves and reports ! negation', () => {
    expect(owner('file[1].txt @f', 'file[1].txt')).toEqual(['@f']);
    expect(owner('file[1].txt @f', 'file1.txt')).toEqual([]);
    expect(parseCodeowners('!secret.txt @s').errors).toEqual([
      { line: 1, message: '"!secret.txt": negation with ! does not work in CODEOWNERS' },
    ]);
  });

  it('keeps # inside a pattern, strips it after whitespace, and skips comment lines', () => {
    expect(owner('issue#1.md @i', 'issue#1.md')).toEqual(['@i']);
    expect(parseCodeowners('\\#notes.md @n').rules[0]?.pattern).toBe('\\#notes.md');
    expect(parseCodeowners('# *.js @js').rules).toEqual([]);
  });

  it('reads an escaped space inside a pattern', () => {
    expect(owner('my\\ file.txt @s', 'my file.txt')).toEqual(['@s']);
  });

  it('reports owners that are not @user, @org/team or an email, with the line', () => {
    expect(parseCodeowners('* @ok\n*.js js-owner @also-ok').errors).toEqual([
      { line: 2, message: 'not an owner: js-owner (owners are @user, @org/team or an email address)' },
    ]);
  });

  it('tells which rule decided, so an explanation can cite the line', () => {
    const co = parseCodeowners('* @all\n/src/ @src\n/src/legacy/');
    expect(matchingRule(co, 'src/legacy/a.ts')).toEqual({ pattern: '/src/legacy/', owners: [], line: 3 });
    expect(matchingRule(co, 'src/new.ts')?.line).toBe(2);
    expect(matchingRule(parseCodeowners(''), 'a')).toBeUndefined();
  });
});
