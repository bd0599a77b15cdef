import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { choosePreset, onboardingFiles, readShippedFiles, type ShippedFiles } from '../onboarding/onboarding-files.js';

/**
 * `aaoe init [--dir .] [--preset standard] [--force]`: writes the files of the onboarding pull request into a
 * checkout: `.github/aaoe.yml` (commented, extending a shipped preset) and `.github/workflows/aaoe-deploy.yml`.
 * An existing file is never overwritten without `--force`; then nothing is written at all.
 */

export const INIT_USAGE = `Usage:
  aaoe init [--dir <repository>] [--preset <name>] [--force]
                                                  write .github/aaoe.yml and .github/workflows/aaoe-deploy.yml`;

type Io = { stdout: (text: string) => void; stderr: (text: string) => void };

export function runInitCommand(args: string[], io: Io, shipped: ShippedFiles = readShippedFiles()): number {
  let values: { dir?: string; preset?: string; force?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { dir: { type: 'string', default: '.' }, preset: { type: 'string', default: 'standard' }, force: { type: 'boolean', default: false } }, strict: true }));
  } catch (error) {
    io.stderr(`aaoe init: ${(error as Error).message}\n\n${INIT_USAGE}`);
    return 2;
  }
  const preset = choosePreset(shipped, values.preset);
  if (!preset.ok) {
    io.stderr(`aaoe init: ${preset.message}`);
    return 2;
  }
  const dir = resolve(values.dir ?? '.');
  if (!existsSync(dir)) {
    io.stderr(`aaoe init: ${dir} does not exist: run it in the repository's checkout, or name it with --dir`);
    return 2;
  }
  const files = onboardingFiles(shipped, preset);
  const present = [...files.keys()].filter((path) => existsSync(join(dir, path)));
  if (present.length > 0 && !values.force) {
    io.stderr(`aaoe init: ${present.join(' and ')} already exist${present.length === 1 ? 's' : ''} in ${dir}; nothing was written. Fix: keep ${present.length === 1 ? 'it' : 'them'}, or run again with --force to overwrite.`);
    return 1;
  }
  for (const [path, content] of files) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    io.stdout(`${present.includes(path) ? 'overwrote' : 'wrote'} ${path}`);
  }
  io.stdout(
    [
      '',
      `Next: read the comments in .github/aaoe.yml (it extends the ${preset.preset} preset), then in .github/workflows/aaoe-deploy.yml`,
      'set the deploy, promote and rollback commands, the metric queries, the `uses:` reference to the AAOE release you',
      'pin, vars.AAOE_REPORT_URL and secrets.AAOE_REPORT_SECRET (this repository\'s own key, printed where the app runs by',
      '`npx aaoe report-key <owner/repo> --installation <id>`). Check the policy with `npx aaoe policy validate .github/aaoe.yml`,',
      'commit both files yourself, and merge them to the default branch (AAOE reads its config from there only).',
    ].join('\n'),
  );
  return 0;
}
