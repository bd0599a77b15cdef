import { Option, type Command } from 'commander';
import { Change } from '../core/policy/change.js';
import { evaluatePolicy } from '../core/policy/evaluate-policy.js';
import { explainEvaluation } from '../core/policy/explain.js';
import { formatPolicyError } from '../core/policy/policy-source.js';
import { loadPolicy } from '../core/policy/load-policy.js';
import { resolvePolicy } from '../core/policy/resolve-policy.js';
import { loadPresets } from '../adapters/files/presets.js';
import type { Policy } from '../core/policy/schema.js';
import { REPLAY_LAST_DEFAULT } from '../contracts/policy-replay.js';
import { EXIT, positiveInteger, readText, withExamples, type CliContext, type CliIo } from './cli-io.js';
import {
  POLICY_REPLAY_DESCRIPTION,
  POLICY_REPLAY_EXAMPLES,
  runPolicyReplay,
  type PolicyReplayOptions,
} from './policy-replay-command.js';
import { readInputFile, type InputFormat } from './input-file.js';

/**
 * `aaoe policy validate <file>...` and `aaoe policy evaluate --policy <file> --change <file.json>`: the policy DSL
 * checked and judged locally, with the messages the check run shows.
 */

/** The change file of `aaoe policy evaluate` (schemas/change.schema.json, example schemas/examples/change.json). */
export const CHANGE_FILE: InputFormat<Change> = {
  schema: Change,
  schemaFile: 'schemas/change.schema.json',
  title: 'AAOE change facts (aaoe policy evaluate --change)',
  aliases: { time: 'at', timestamp: 'at', date: 'at', changes: 'files', agent: 'author' },
};

export function registerPolicyCommand(program: Command, ctx: CliContext): Command {
  const policy = program
    .command('policy')
    .description('check a policy file, or judge a change against one, as the aaoe/policy check does');
  withExamples(policy, ['aaoe policy validate .github/aaoe.yml', 'aaoe policy evaluate --help']);

  const validate = policy
    .command('validate')
    .description('validate policy files; every error as file:line:col: what is wrong (at path). Fix: what to write')
    .argument('<file...>', 'policy files (.github/aaoe.yml, a preset)')
    .action((files: string[]) => {
      ctx.exit(validateFiles(files, ctx.io));
    });
  withExamples(validate, ['aaoe policy validate .github/aaoe.yml', 'aaoe policy validate policies/*.yml']);

  const evaluate = policy
    .command('evaluate')
    .description('judge a change (a JSON file of facts) against a policy: the gates and the conclusion')
    .requiredOption('--policy <file>', 'the policy file')
    .requiredOption(
      '--change <file.json>',
      'the change: schemas/change.schema.json, example schemas/examples/change.json',
    )
    .addOption(new Option('--format <format>', 'the output').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExit codes: 0 the check would pass, 1 it would not, 2 invalid input.')
    .action(async (options: { policy: string; change: string; format: 'text' | 'json' }) => {
      ctx.exit(await evaluateChange(options, ctx.io));
    });
  withExamples(evaluate, [
    'aaoe policy evaluate --policy .github/aaoe.yml --change change.json',
    'aaoe policy evaluate --policy policies/prod-policy.yml --change schemas/examples/change.json --format json',
  ]);
  registerReplay(policy, ctx);
  return policy;
}

/** `aaoe policy replay` (src/cli/policy-replay-command.ts does the work). */
function registerReplay(policy: Command, ctx: CliContext): void {
  const replay = policy
    .command('replay')
    .description(POLICY_REPLAY_DESCRIPTION)
    .requiredOption('--policy <file>', 'the policy file to replay')
    .option('--repo <owner/name>', 'one repository (default: every repository the store has facts of)')
    .option('--last <n>', `the last N governed pull requests (default ${REPLAY_LAST_DEFAULT})`, positiveInteger)
    .addOption(new Option('--format <format>', 'the output').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nIt reads only the store (DATABASE_URL or AAOE_DATA_DIR). Exit codes: 0 no verdict changes, 1 some do, 2 invalid input.',
    )
    .action(async (options: PolicyReplayOptions) => {
      ctx.exit(await runPolicyReplay(options, ctx.io, ctx.env));
    });
  withExamples(replay, [...POLICY_REPLAY_EXAMPLES]);
}

/** Validates policy files; prints every error as file:line:col with the fix. 1 when any file is invalid. */
function validateFiles(files: string[], io: CliIo): number {
  let exit: number = EXIT.pass;
  for (const file of files) {
    const text = readText(file, io);
    if (text === undefined) {
      exit = EXIT.invalid;
      continue;
    }
    const result = readPolicy(text, file);
    if (result.ok) {
      io.stdout(`${file}: valid (policy ${result.policy.id ?? result.policy.extends ?? 'without id'})`);
    } else {
      for (const line of result.errors) io.stdout(line);
      io.stdout(`${file}: ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}`);
      if (exit === EXIT.pass) exit = EXIT.fail;
    }
  }
  return exit;
}

async function evaluateChange(
  options: { policy: string; change: string; format: 'text' | 'json' },
  io: CliIo,
): Promise<number> {
  const policyText = readText(options.policy, io);
  if (policyText === undefined) return EXIT.invalid;
  const policy = readPolicy(policyText, options.policy);
  if (!policy.ok) {
    for (const line of policy.errors) io.stderr(line);
    return EXIT.invalid;
  }
  const change = readInputFile(options.change, CHANGE_FILE, io);
  if (change === undefined) return EXIT.invalid;

  const evaluation = await evaluatePolicy(change, policy.policy);
  if (options.format === 'json') io.stdout(JSON.stringify(evaluation, null, 2));
  else {
    const text = explainEvaluation(evaluation, { policySource: options.policy });
    io.stdout(`${evaluation.conclusion}: ${text.title}\n\n${text.summary}`);
  }
  return evaluation.conclusion === 'success' ? EXIT.pass : EXIT.fail;
}

/** Loads, validates and resolves a policy file (with its preset); errors come formatted, one per line. */
function readPolicy(text: string, file: string): { ok: true; policy: Policy } | { ok: false; errors: string[] } {
  const loaded = loadPolicy(text, file);
  if (!loaded.ok) return { ok: false, errors: loaded.errors.map(formatPolicyError) };
  const resolved = resolvePolicy(loaded, loadPresets());
  if (!resolved.ok) return { ok: false, errors: resolved.errors.map(formatPolicyError) };
  return { ok: true, policy: resolved.policy };
}
