import type { Command } from 'commander';
import { runDoctorCommand } from './doctor-command.js';
import { registerInitCommand } from './init-command.js';
import { registerReportKeyCommand } from './report-key-command.js';
import { withExamples, type CliContext } from './cli-io.js';

/** The commands that set AAOE up: `aaoe init` (a repository), `aaoe doctor` (the app), `aaoe report-key`. */
export function registerSetupCommands(program: Command, ctx: CliContext): void {
  registerInitCommand(program, ctx);
  const doctor = program
    .command('doctor')
    .description(
      "check the app's configuration where it runs: credentials, the app's events and permissions, each installation, the webhook, the report secret, the store and the model endpoint; names the fix of each problem",
    )
    .addHelpText('after', '\nExit codes: 0 nothing failed (warnings allowed), 1 a check failed.')
    .action(async () => {
      ctx.exit(await runDoctorCommand([], ctx.io, ctx.env));
    });
  withExamples(doctor, ['aaoe doctor', 'AAOE_DATA_DIR=/var/lib/aaoe aaoe doctor']);
  registerReportKeyCommand(program, ctx);
}
