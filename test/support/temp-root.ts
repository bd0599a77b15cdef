import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest's global set-up: every temporary file of the run (tests, the app processes they start, PGlite data
 * directories, packed tarballs) goes under one directory made here, and the teardown removes it, so that a run
 * leaves nothing behind even where a test was killed before its own clean-up. Workers and child processes inherit
 * `TMPDIR`, which `os.tmpdir()` reads.
 */
export function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'aaoe-test-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    const left = readdirSync(root);
    if (process.env.AAOE_TEST_TEMP_REPORT && left.length > 0)
      process.stderr.write(`temporary entries left by tests (removed now): ${left.join(', ')}\n`);
    rmSync(root, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  };
}
