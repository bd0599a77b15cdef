import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../../src/core/agent/apply-edits.js';
import type { Edit } from '../../../src/core/agent/proposal.js';

const TREE: ReadonlyMap<string, string> = new Map([
  ['README.md', '# Demo\n'],
  [
    'src/login.ts',
    'export function login(user, password) {\n  if (!user) throw new Error("no user");\n  return check(user, password);\n}\n',
  ],
  ['src/legacy.ts', 'export {};\n'],
]);

const errorsOf = (tree: ReadonlyMap<string, string>, edits: Edit[]) => {
  const result = applyEdits(tree, edits);
  return result.ok ? [] : result.errors;
};

describe('applyEdits', () => {
  it('creates, replaces, patches and deletes files, and lists what changed in the order of the edits', () => {
    const result = applyEdits(TREE, [
      {
        action: 'update',
        path: 'src/login.ts',
        replacements: [
          { search: 'if (!user)', replace: 'if (!user || !password)' },
          { search: '"no user"', replace: '"no credentials"' },
        ],
      },
      { action: 'create', path: 'test/login.test.ts', content: 'test\n' },
      { action: 'delete', path: 'src/legacy.ts' },
      { action: 'update', path: 'README.md', content: '# Demo app\n' },
    ]);
    expect(result).toEqual({
      ok: true,
      tree: new Map([
        ['README.md', '# Demo app\n'],
        [
          'src/login.ts',
          'export function login(user, password) {\n  if (!user || !password) throw new Error("no credentials");\n  return check(user, password);\n}\n',
        ],
        ['test/login.test.ts', 'test\n'],
      ]),
      changed: [
        { path: 'src/login.ts', status: 'modified' },
        { path: 'test/login.test.ts', status: 'added' },
        { path: 'src/legacy.ts', status: 'removed' },
        { path: 'README.md', status: 'modified' },
      ],
    });
  });

  it('applies replacements in order, each to the result of the one before', () => {
    const result = applyEdits(new Map([['a.txt', 'one']]), [
      {
        action: 'update',
        path: 'a.txt',
        replacements: [
          { search: 'one', replace: 'two' },
          { search: 'two', replace: 'three' },
        ],
      },
    ]);
    expect(result.ok && result.tree.get('a.txt')).toBe('three');
  });

  it('takes the replacement text literally, $ patterns included', () => {
    const result = applyEdits(new Map([['a.txt', 'price: X']]), [
      { action: 'update', path: 'a.txt', replacements: [{ search: 'X', replace: "$& $' $1 $$" }] },
    ]);
    expect(result.ok && result.tree.get('a.txt')).toBe("price: $& $' $1 $$");
  });

  it.each<[string, Edit, string]>([
    [
      'creating a file that exists',
      { action: 'create', path: 'README.md', content: 'x' },
      'edits[0] (create README.md): the file already exists; update it instead',
    ],
    [
      'updating a file that does not exist',
      { action: 'update', path: 'nope.ts', content: 'x' },
      'edits[0] (update nope.ts): the file does not exist; create it instead',
    ],
    [
      'patching a file that does not exist',
      { action: 'update', path: 'nope.ts', replacements: [{ search: 'a', replace: 'b' }] },
      'edits[0] (update nope.ts): the file does not exist; create it instead',
    ],
    [
      'deleting a file that does not exist',
      { action: 'delete', path: 'nope.ts' },
      'edits[0] (delete nope.ts): the file does not exist',
    ],
    [
      'a search that is not found',
      { action: 'update', path: 'src/login.ts', replacements: [{ search: 'logout', replace: 'x' }] },
      'edits[0] (update src/login.ts): replacements[0].search was found 0 times; it must occur exactly once',
    ],
    [
      'a search that is found more than once',
      { action: 'update', path: 'src/login.ts', replacements: [{ search: 'password', replace: 'secret' }] },
      'edits[0] (update src/login.ts): replacements[0].search was found 2 times; it must occur exactly once: make it longer, so that it matches one place',
    ],
    [
      'an empty search',
      { action: 'update', path: 'README.md', replacements: [{ search: '', replace: 'x' }] },
      'edits[0] (update README.md): replacements[0].search is empty; it must occur exactly once',
    ],
    [
      'an update to the same content',
      { action: 'update', path: 'README.md', content: '# Demo\n' },
      'edits[0] (update README.md): the update changes nothing; the new content equals the current content',
    ],
    [
      'replacements that change nothing',
      { action: 'update', path: 'README.md', replacements: [{ search: 'Demo', replace: 'Demo' }] },
      'edits[0] (update README.md): the update changes nothing; the new content equals the current content',
    ],
    [
      'an update with both content and replacements',
      { action: 'update', path: 'README.md', content: 'x', replacements: [{ search: 'Demo', replace: 'x' }] },
      'edits[0] (update README.md): an update gives either `content` or `replacements`, exactly one of them',
    ],
    [
      'a path that leaves the repository',
      { action: 'create', path: '../outside.txt', content: 'x' },
      'edits[0] (create ../outside.txt): a path must not contain .. segments: an edit stays inside the repository',
    ],
  ])('refuses %s', (_, edit, error) => {
    expect(errorsOf(TREE, [edit])).toEqual([error]);
  });

  it('counts overlapping matches: "aa" occurs twice in "aaa"', () => {
    expect(
      errorsOf(new Map([['a.txt', 'aaa']]), [
        { action: 'update', path: 'a.txt', replacements: [{ search: 'aa', replace: 'b' }] },
      ]),
    ).toEqual([
      'edits[0] (update a.txt): replacements[0].search was found 2 times; it must occur exactly once: make it longer, so that it matches one place',
    ]);
  });

  it('looks for each search in the content as the replacements before it left it', () => {
    // "two" occurs only after the first replacement; "one" is gone after it.
    const tree = new Map([['a.txt', 'one']]);
    expect(
      applyEdits(tree, [
        {
          action: 'update',
          path: 'a.txt',
          replacements: [
            { search: 'one', replace: 'two' },
            { search: 'two', replace: 'x' },
          ],
        },
      ]).ok,
    ).toBe(true);
    expect(
      errorsOf(tree, [
        {
          action: 'update',
          path: 'a.txt',
          replacements: [
            { search: 'one', replace: 'two' },
            { search: 'one', replace: 'x' },
          ],
        },
      ]),
    ).toEqual(['edits[0] (update a.txt): replacements[1].search was found 0 times; it must occur exactly once']);
  });

  it.each<[string, Edit[], string]>([
    [
      'two updates',
      [
        { action: 'update', path: 'README.md', content: 'a' },
        { action: 'update', path: 'README.md', content: 'b' },
      ],
      'edits[0] and edits[1] both change README.md; give one edit per path',
    ],
    [
      'a create and an update',
      [
        { action: 'create', path: 'new.ts', content: 'a' },
        { action: 'update', path: 'new.ts', content: 'b' },
      ],
      'edits[0] and edits[1] both change new.ts; give one edit per path',
    ],
    [
      'three edits',
      [
        { action: 'delete', path: 'src/legacy.ts' },
        { action: 'create', path: 'x', content: '' },
        { action: 'delete', path: 'src/legacy.ts' },
        { action: 'update', path: 'src/legacy.ts', content: 'b' },
      ],
      'edits[0], edits[2] and edits[3] all change src/legacy.ts; give one edit per path',
    ],
  ])('refuses %s on one path', (_, edits, error) => {
    expect(errorsOf(TREE, edits)).toEqual([error]);
  });

  it('reports every error, not just the first', () => {
    expect(
      errorsOf(TREE, [
        { action: 'create', path: 'README.md', content: 'x' },
        {
          action: 'update',
          path: 'src/login.ts',
          replacements: [
            { search: 'logout', replace: 'x' },
            { search: 'if (!user)', replace: 'if (!u)' },
            { search: 'user', replace: 'u' },
          ],
        },
        { action: 'create', path: 'ok.ts', content: 'fine' },
        { action: 'delete', path: 'gone.ts' },
        { action: 'update', path: 'a', content: '1' },
        { action: 'delete', path: 'a' },
      ]),
    ).toEqual([
      'edits[4] and edits[5] both change a; give one edit per path',
      'edits[0] (create README.md): the file already exists; update it instead',
      'edits[1] (update src/login.ts): replacements[0].search was found 0 times; it must occur exactly once',
      'edits[1] (update src/login.ts): replacements[2].search was found 3 times; it must occur exactly once: make it longer, so that it matches one place',
      'edits[3] (delete gone.ts): the file does not exist',
    ]);
  });

  it('never changes the tree it is given, whether it succeeds or fails', () => {
    const tree = new Map(TREE);
    const before = [...tree];
    const edits: Edit[] = [
      { action: 'update', path: 'src/login.ts', replacements: [{ search: 'if (!user)', replace: 'if (!u)' }] },
      { action: 'create', path: 'new.ts', content: 'x' },
      { action: 'delete', path: 'README.md' },
    ];
    const editsBefore = structuredClone(edits);

    const result = applyEdits(tree, edits);
    expect(result.ok).toBe(true);
    expect(result.ok && result.tree).not.toBe(tree);
    expect([...tree]).toEqual(before);

    expect(applyEdits(tree, [...edits, { action: 'delete', path: 'gone.ts' }]).ok).toBe(false);
    expect([...tree]).toEqual(before);
    expect(edits).toEqual(editsBefore);
  });
});
