import { describe, expect, it } from 'vitest';
import type { Proposal } from '../../../src/core/agent/proposal.js';
import { withPackages } from '../../../src/core/agent/proposal-packages.js';

const edits: Proposal['edits'] = [
  { action: 'create', path: 'docs/a.md', content: 'model' },
  { action: 'update', path: 'src/b.ts', content: 'model' },
];

describe('the proposal with the required packages', () => {
  it('keeps the edits as they are when nothing is required', () => {
    expect(withPackages(edits, [], new Map())).toBe(edits);
  });

  it('replaces a model edit of a required path by the package, an update where the file exists', () => {
    const packages = [
      { path: 'src/b.ts', content: 'package' },
      { path: 'deploy/c.yaml', content: 'package' },
    ];
    expect(withPackages(edits, packages, new Map([['src/b.ts', 10]]))).toEqual([
      { action: 'create', path: 'docs/a.md', content: 'model' },
      { action: 'update', path: 'src/b.ts', content: 'package' },
      { action: 'create', path: 'deploy/c.yaml', content: 'package' },
    ]);
  });
});
