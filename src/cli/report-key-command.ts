import type { Command } from 'commander';
import { readConfig } from '../adapters/config/config.js';
import { repositoryKey } from '../adapters/github/dispatch-signature.js';
import { EXIT, positiveInteger, withExamples, type CliContext, type CliIo, type Env } from './cli-io.js';

/**
 * `aaoe report-key <owner/repo> --installation <id>`: prints the repository's AAOE key, derived from the app's
 * `AAOE_REPORT_SECRET`. Set it as the secret `AAOE_REPORT_SECRET` of that repository (the action's
 * `report-secret`): it authenticates AAOE's dispatches there and signs the action's reports, and it is good for
 * that repository of that installation only. The app's own secret never goes into a repository.
 */

const REPOSITORY = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

export function registerReportKeyCommand(program: Command, ctx: CliContext): Command {
  const command = program
    .command('report-key')
    .description(
      "print a repository's key (the companion action's report-secret), derived from AAOE_REPORT_SECRET; run it where the app runs",
    )
    .argument('<owner/repo>', 'the repository')
    .requiredOption('--installation <id>', "the app's installation id on that account (a number)", positiveInteger)
    .action((repository: string, options: { installation: number }) => {
      ctx.exit(printReportKey(repository, options.installation, ctx.io, ctx.env));
    });
  return withExamples(command, [
    'aaoe report-key octo-org/shop --installation 4242',
    'aaoe report-key octo-org/shop --installation 4242 | gh secret set AAOE_REPORT_SECRET --repo octo-org/shop',
  ]);
}

export function printReportKey(repository: string, installation: number, io: CliIo, env: Env): number {
  if (!REPOSITORY.test(repository)) {
    io.stderr(`aaoe report-key: "${repository}" is not a repository: write it as owner/repo`);
    return EXIT.invalid;
  }
  const master = readConfig(env).server.reportSecret;
  if (!master) {
    io.stderr(
      'aaoe report-key: AAOE_REPORT_SECRET is not set: run this where the app runs, with the same AAOE_REPORT_SECRET',
    );
    return EXIT.invalid;
  }
  io.stdout(repositoryKey(master, installation, repository));
  return EXIT.pass;
}
