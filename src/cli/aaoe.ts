#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { invokedDirectly } from '../adapters/process/invoked-directly.js';
import { EXIT, packageVersion, processIo, withExamples, type CliContext, type CliIo, type Env } from './cli-io.js';
import { registerPolicyCommand } from './policy-command.js';
import { registerStoreCommands } from './store-commands.js';
import { registerAgentCommands } from './agent-command.js';
import { registerSetupCommands } from './setup-command.js';
import { registerPlanCommand } from './plan-command.js';

/**
 * `aaoe`: the command line, on commander. Every command and subcommand answers `--help` (with examples) and exit 0;
 * `aaoe --version` prints the package's version; a wrong option, a missing argument or an unknown command prints the
 * usage on stderr and exits 2. The commands' own exit codes: 0 pass, 1 fail, 2 invalid input.
 */

export { EXIT };

const ABOUT = `
Environment: the store commands (db, audit, jobs) use DATABASE_URL, or the embedded store in AAOE_DATA_DIR
(default .aaoe; stop the app first when it runs on the embedded store).

Exit codes: 0 pass, 1 fail (an invalid policy, a tampered audit log, a job that cannot be re-run), 2 invalid input.`;

/** Runs one command line (the arguments after `aaoe`); the exit code. */
export async function runCli(argv: string[], io: CliIo, env: Env = process.env): Promise<number> {
  let code: number = EXIT.pass;
  const program = buildProgram({
    io,
    env,
    exit: (c) => {
      code = c;
    },
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    // --help and --version end here with 0; every usage error (wrong option, missing argument, unknown command) with 2
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.pass : EXIT.invalid;
    throw error;
  }
  return code;
}

/** The whole command tree, writing through `ctx.io` and never exiting the process. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('aaoe')
    .description('AAOE: the control plane of AI coding agents, from the command line')
    .version(packageVersion(), '-V, --version', 'print the version of the package')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => {
        ctx.io.stdout(text.replace(/\n$/, ''));
      },
      writeErr: (text) => {
        ctx.io.stderr(text.replace(/\n$/, ''));
      },
    })
    .addHelpText('after', ABOUT);
  withExamples(program, [
    'aaoe init',
    'aaoe policy validate .github/aaoe.yml',
    'aaoe doctor',
    'aaoe audit show <execution-id>',
    'aaoe policy evaluate --help',
  ]);
  registerSetupCommands(program, ctx);
  registerPolicyCommand(program, ctx);
  registerPlanCommand(program, ctx);
  registerAgentCommands(program, ctx);
  registerStoreCommands(program, ctx);
  return program;
}

if (invokedDirectly(import.meta.url)) {
  // `aaoe --help | head`: a reader that stops reading is not an error
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  process.exitCode = await runCli(process.argv.slice(2), processIo);
}
