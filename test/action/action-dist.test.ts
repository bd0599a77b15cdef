import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_NAMES } from '../../action/src/inputs.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the committed action', () => {
  it('has a bundle identical to a fresh build of action/src (run `npm run build:action` and commit action/dist)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'aaoe-build-')), 'index.js');
    execFileSync(process.execPath, [join(root, 'action/build.mjs'), out], { cwd: root, stdio: 'pipe' });
    const fresh = readFileSync(out, 'utf8');
    const committed = readFileSync(join(root, 'action/dist/index.js'), 'utf8');
    expect(committed.length).toBe(fresh.length);
    expect(committed === fresh).toBe(true);
  });

  it('declares a node24 JavaScript action whose inputs are exactly those the code reads', () => {
    const action = parse(readFileSync(join(root, 'action/action.yml'), 'utf8')) as {
      runs: { using: string; main: string };
      inputs: Record<string, unknown>;
      outputs: Record<string, unknown>;
    };
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort());
    expect(Object.keys(action.outputs).sort()).toEqual(['outcome', 'report', 'report-file', 'verdict']);
  });
});
