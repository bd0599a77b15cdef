#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { Change } from '../core/policy/change.js';
import { evaluatePolicy } from '../core/policy/evaluate-policy.js';
import { explainEvaluation } from '../core/policy/explain.js';
import { formatPolicyError } from '../core/policy/policy-source.js';
import { loadPolicy } from '../core/policy/load-policy.js';
import { resolvePolicy } from '../core/policy/resolve-policy.js';
import { loadPresets } from '../adapters/files/presets.js';
import type { Policy } from '../core/policy/schema.js';
import { runPlanCommand } from './plan-command.js';
import { runProposeCommand } from './propose-command.js';
import { runInitCommand } from './init-command.js';
import { runDoctorCommand } from './doctor-command.js';
import { runMcpCommand } from './mcp-command.js';
import { runReportKeyCommand } from './report-key-command.js';
import { runAuditCli, runDbCommand, runJobsCommand } from './store-commands.js';
import { invokedDirectly } from '../adapters/process/invoked-directly.js';
import { processIo, readText, type CliIo, type Env } from './cli-io.js';

/**
 * `aaoe` — the command line. Exit codes: 0 pass, 1 fail, 2 invalid input.
 *
 *   aaoe policy validate <file>...
 *   aaoe policy evaluate --policy <file> --change <file.json> [--format text|json]
 *   aaoe db migrate
 *   aaoe audit verify | export [--format jsonl] | show <execution-id> [--format text|json]
 *   aaoe jobs list [--state <state>] [--limit N] | rerun <job-id>
 *   aaoe propose --issue <file.json> --repo <dir> --models <file.json>   (dry run of the agent)
 *
 * The store commands use `DATABASE_URL`, or the embedded store in `AAOE_DATA_DIR` (default `.aaoe`).
 */

export const EXIT = { pass: 0, fail: 1, invalid: 2 } as const;

const USAGE = `Usage:
  aaoe policy validate <file>...
  aaoe policy evaluate --policy <file> --change <file.json> [--format text|json]
  aaoe db migrate
  aaoe audit verify | export [--format jsonl] | show <execution-id> [--format text|json]
  aaoe jobs list [--state <state>] [--limit N] | rerun <job-id>
  aaoe propose --issue <file.json> --repo <dir> --models <file.json> [--budget tokens] [--max-usd N] [--max-tokens N]
  aaoe init [--dir <repository>] [--preset standard] [--force]
  aaoe doctor   (checks APP_ID/PRIVATE_KEY, permissions, webhook secret, store and model endpoint; names each fix)
  aaoe mcp   (MCP server over stdio for agents; needs AAOE_URL and AAOE_TOKEN or GITHUB_TOKEN)
  aaoe plan validate <file>... | simulate <file> [--durations step=minutes,...] [--fail step,...] [--start <ISO instant>]
  aaoe report-key <owner/repo> --installation <id>   (the repository's key for the action's report-secret)

propose is a dry run of the agent: it needs AAOE_MODEL_API_KEY (and AAOE_MODEL_BASE_URL for an endpoint
other than OpenAI) and writes nothing.

The store commands use DATABASE_URL, or the embedded store in AAOE_DATA_DIR (default .aaoe);
stop the app first when it runs on the embedded store.

Exit codes: 0 pass, 1 fail (a tampered audit log, a job that cannot be re-run), 2 invalid input.`;

export async function runCli(argv: string[], io: CliIo, env: Env = process.env): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === 'db') return runDbCommand(argv.slice(1), io, env);
  if (group === 'audit') return runAuditCli(argv.slice(1), io, env);
  if (group === 'jobs') return runJobsCommand(argv.slice(1), io, env);
  if (group === 'propose') return runProposeCommand(argv.slice(1), io, env);
  if (group === 'init') return runInitCommand(argv.slice(1), io);
  if (group === 'doctor') return runDoctorCommand(argv.slice(1), io, env);
  if (group === 'mcp') return runMcpCommand(argv.slice(1), io, env);
  if (group === 'plan') return runPlanCommand(argv.slice(1), io);
  if (group === 'report-key') return runReportKeyCommand(argv.slice(1), io, env);
  if (group === 'policy' && command === 'validate') return validateCommand(rest, io);
  if (group === 'policy' && command === 'evaluate') return evaluateCommand(rest, io);
  if (group === undefined || group === 'help' || group === '--help' || group === '-h') {
    io.stdout(USAGE);
    return group === undefined ? EXIT.invalid : EXIT.pass;
  }
  io.stderr(`aaoe: unknown command "${[group, command].filter(Boolean).join(' ')}"\n\n${USAGE}`);
  return EXIT.invalid;
}

/** Validates policy files; prints every error as file:line:col with the fix. 1 when any file is invalid. */
function validateCommand(args: string[], io: CliIo): number {
  if (args.length === 0) {
    io.stderr(`aaoe policy validate: name at least one policy file\n\n${USAGE}`);
    return EXIT.invalid;
  }
  let exit: number = EXIT.pass;
  for (const file of args) {
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

async function evaluateCommand(args: string[], io: CliIo): Promise<number> {
  let values: { policy?: string; change?: string; format?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { policy: { type: 'string' }, change: { type: 'string' }, format: { type: 'string', default: 'text' } },
    }));
  } catch (error) {
    io.stderr(`aaoe policy evaluate: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT.invalid;
  }
  if (!values.policy || !values.change || (values.format !== 'text' && values.format !== 'json')) {
    io.stderr(`aaoe policy evaluate: --policy and --change are required; --format is text or json\n\n${USAGE}`);
    return EXIT.invalid;
  }

  const policyText = readText(values.policy, io);
  const changeText = readText(values.change, io);
  if (policyText === undefined || changeText === undefined) return EXIT.invalid;

  const policy = readPolicy(policyText, values.policy);
  if (!policy.ok) {
    for (const line of policy.errors) io.stderr(line);
    return EXIT.invalid;
  }

  let json: unknown;
  try {
    json = JSON.parse(changeText);
  } catch (error) {
    io.stderr(`${values.change}: not JSON: ${(error as Error).message}`);
    return EXIT.invalid;
  }
  const change = Change.safeParse(json);
  if (!change.success) {
    for (const issue of change.error.issues)
      io.stderr(`${values.change}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return EXIT.invalid;
  }

  const evaluation = await evaluatePolicy(change.data, policy.policy);
  if (values.format === 'json') io.stdout(JSON.stringify(evaluation, null, 2));
  else {
    const text = explainEvaluation(evaluation, { policySource: values.policy });
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

if (invokedDirectly(import.meta.url)) {
  process.exitCode = await runCli(process.argv.slice(2), processIo);
}
