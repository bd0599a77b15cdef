import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The folder rules of .dependency-cruiser.cjs bite: a small tree with one deliberate violation per rule, cruised with
 * the project's own configuration by the real dependency-cruiser CLI. (`npm run lint` cruises src/ itself: no
 * violation there.)
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const work = mkdtempSync(join(tmpdir(), 'aaoe-layout-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Violation = { rule: { name: string }; from: string; to: string };

/** Cruises a tree of `files` (path -> source) with the project's rules; the violations found. */
async function violations(files: Record<string, string>): Promise<Violation[]> {
  const dir = mkdtempSync(join(work, 'tree-'));
  cpSync(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  // node_modules of the project, so that packages resolve as they do in src/
  const { symlinkSync } = await import('node:fs');
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const run = await promisify(execFile)(
    process.execPath,
    [cli, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
    { cwd: dir, maxBuffer: 64 * 1024 * 1024 },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const result = JSON.parse(run.stdout) as { summary: { violations: Violation[] } };
  return result.summary.violations;
}

const rulesOf = (found: Violation[]) => [...new Set(found.map((v) => v.rule.name))].sort();

describe('the dependency rules', () => {
  it('pass a tree that only looks down', async () => {
    const found = await violations({
      'src/contracts/wire.ts': 'export type Wire = { v: 1 };\n',
      'src/core/decide.ts':
        "import type { Wire } from '../contracts/wire.js';\nexport const decide = (w: Wire) => w.v;\n",
      'src/adapters/store.ts': "import { decide } from '../core/decide.js';\nexport const store = decide;\n",
      'src/workflows/flow.ts': "import { store } from '../adapters/store.js';\nexport const flow = store;\n",
      'src/app/server.ts': "import { flow } from '../workflows/flow.js';\nexport const server = flow;\n",
      'src/main.ts': "import { server } from './app/server.js';\nexport const main = server;\n",
    });
    expect(found).toEqual([]);
  });

  it.each([
    [
      'core-looks-down',
      { 'src/adapters/a.ts': 'export const a = 1;\n', 'src/core/c.ts': "export { a } from '../adapters/a.js';\n" },
    ],
    ['core-is-pure', { 'src/core/c.ts': "import { readFileSync } from 'node:fs';\nexport const c = readFileSync;\n" }],
    ['core-is-pure-packages', { 'src/core/c.ts': "import { Probot } from 'probot';\nexport const c = Probot;\n" }],
    [
      'contracts-import-nothing',
      { 'src/core/c.ts': 'export const c = 1;\n', 'src/contracts/w.ts': "export { c } from '../core/c.js';\n" },
    ],
    [
      'adapters-look-down',
      {
        'src/workflows/f.ts': 'export const f = 1;\n',
        'src/adapters/a.ts': "export { f } from '../workflows/f.js';\n",
      },
    ],
    [
      'workflows-look-down',
      { 'src/app/x.ts': 'export const x = 1;\n', 'src/workflows/f.ts': "export { x } from '../app/x.js';\n" },
    ],
    [
      'entry-points-stand-alone',
      { 'src/api/h.ts': 'export const h = 1;\n', 'src/app/x.ts': "export { h } from '../api/h.js';\n" },
    ],
    [
      'no-circular',
      {
        'src/core/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
        'src/core/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
      },
    ],
  ] as const)('%s: a deliberate violation is found', async (rule, files) => {
    expect(rulesOf(await violations(files))).toContain(rule);
  });
});
