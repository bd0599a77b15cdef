import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { PACKAGE_NAME, packageVersion, withExamples, type CliContext, type CliIo } from './cli-io.js';
import type { Policy } from '../core/policy/schema.js';
import { planAgentInstructions, type SectionUpdate } from '../core/onboarding/agent-instructions.js';
import { CONFIG_PATH } from '../core/onboarding/onboarding-paths.js';
import {
  choosePreset,
  onboardingFiles,
  readShippedFiles,
  resolveConfig,
  type ShippedFiles,
} from '../adapters/files/onboarding-files.js';

/**
 * `aaoe init [--dir .] [--preset standard] [--force]`: writes the files of the onboarding pull request into a
 * checkout: `.github/aaoe.yml` (commented, extending a shipped preset), `.github/workflows/aaoe-deploy.yml`, and the
 * AAOE section of the agent instructions (AGENTS.md, created when absent; CLAUDE.md and
 * `.github/copilot-instructions.md` where they exist), generated from the policy the repository will have.
 *
 * An existing config or workflow is never overwritten without `--force` (it is kept, and said so); the section of the
 * agent instructions is placed between its markers, so running again changes nothing unless the policy changed, and
 * no byte of those files outside the section is ever changed.
 */

const SAID: Record<Exclude<SectionUpdate['outcome'], 'skipped'>, string> = {
  created: 'wrote',
  appended: 'added the AAOE section to',
  replaced: 'updated the AAOE section of',
  unchanged: 'unchanged:',
};

/** `aaoe init`'s options, as commander reads them. */
export type InitOptions = { dir: string; preset: string; force: boolean };

export function registerInitCommand(program: Command, ctx: CliContext): Command {
  const init = program
    .command('init')
    .description(
      "write the onboarding files into a repository's checkout: .github/aaoe.yml, .github/workflows/aaoe-deploy.yml and the AAOE section of AGENTS.md (CLAUDE.md, .github/copilot-instructions.md)",
    )
    .option('--dir <repository>', "the repository's checkout", '.')
    .option('--preset <name>', 'the shipped preset the config extends (policies/*.yml)', 'standard')
    .option('--force', 'overwrite the config and the workflow (without it, a file that exists is kept)', false)
    .action((options: InitOptions) => {
      ctx.exit(initRepository(options, ctx.io));
    });
  return withExamples(init, ['aaoe init', 'aaoe init --preset prod-policy', 'aaoe init --dir ../shop --force']);
}

export function initRepository(values: InitOptions, io: CliIo, shipped: ShippedFiles = readShippedFiles()): number {
  const preset = choosePreset(shipped, values.preset);
  if (!preset.ok) {
    io.stderr(`aaoe init: ${preset.message}`);
    return 2;
  }
  const dir = resolve(values.dir);
  if (!existsSync(dir)) {
    io.stderr(`aaoe init: ${dir} does not exist: run it in the repository's checkout, or name it with --dir`);
    return 2;
  }
  const files = onboardingFiles(shipped, preset);
  const present = [...files.keys()].filter((path) => existsSync(join(dir, path)));
  const kept = values.force ? [] : present;
  // the contract says what the policy the repository will have says: a kept config's, else the one written now
  const config = kept.includes(CONFIG_PATH) ? readFileSync(join(dir, CONFIG_PATH), 'utf8') : files.get(CONFIG_PATH);
  if (config === undefined) throw new Error(`the onboarding files have no ${CONFIG_PATH}`);
  const policy = resolveConfig(config);
  if (!policy.ok) {
    io.stderr(
      `aaoe init: ${CONFIG_PATH} in ${dir} does not validate, so the agent instructions cannot say what it allows; nothing was written. Fix:\n${policy.errors.join('\n')}`,
    );
    return 1;
  }
  for (const [path, content] of files) {
    if (kept.includes(path)) {
      io.stdout(`kept ${path} (it exists; --force overwrites it)`);
      continue;
    }
    write(join(dir, path), content);
    io.stdout(`${present.includes(path) ? 'overwrote' : 'wrote'} ${path}`);
  }
  const skipped = writeAgentInstructions(policy.policy, dir, io);
  io.stdout(nextSteps(preset.preset));
  return skipped > 0 ? 1 : 0;
}

/** The AAOE section of each agent-instructions file written; how many files were left alone (skipped). */
function writeAgentInstructions(policy: Policy, dir: string, io: CliIo): number {
  let skipped = 0;
  const notText = new Set<string>();
  const read = (path: string) => {
    const text = readIfThere(join(dir, path));
    if (text && !text.utf8) notText.add(path);
    return text?.text;
  };
  for (const { path, update } of planAgentInstructions(policy, read)) {
    if (update.outcome === 'skipped' || notText.has(path)) {
      skipped++;
      // a file that is not UTF-8 would not survive being decoded and written back byte for byte: left alone
      io.stderr(
        `aaoe init: ${update.outcome === 'skipped' ? update.message : `${path} is not UTF-8 text, so AAOE left it as it is: add the section of AGENTS.md to it yourself.`}`,
      );
      continue;
    }
    if ('text' in update) write(join(dir, path), update.text);
    io.stdout(`${SAID[update.outcome]} ${path}`);
  }
  return skipped;
}

/** What to do after `aaoe init`. */
function nextSteps(preset: string): string {
  const aaoe = `npx ${PACKAGE_NAME}@${packageVersion()}`;
  return [
    '',
    `Next: read the comments in .github/aaoe.yml (it extends the ${preset} preset), then in .github/workflows/aaoe-deploy.yml`,
    'set the deploy, promote and rollback commands, the metric queries, the `uses:` reference to the AAOE release you',
    "pin, vars.AAOE_REPORT_URL and secrets.AAOE_REPORT_SECRET (this repository's own key, printed where the app runs by",
    `\`${aaoe} report-key <owner/repo> --installation <id>\`). Check the policy with \`${aaoe} policy validate .github/aaoe.yml\`,`,
    'commit the files yourself, and merge them to the default branch (AAOE reads its config from there only).',
    'AGENTS.md tells agents what AAOE expects of them; run `aaoe init` again after changing the policy to update it.',
  ].join('\n');
}

/** A file's text, and whether its bytes are UTF-8 (decoding and encoding again gives the same bytes). */
function readIfThere(path: string): { text: string; utf8: boolean } | undefined {
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  const text = bytes.toString('utf8');
  return { text, utf8: Buffer.from(text, 'utf8').equals(bytes) };
}

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
