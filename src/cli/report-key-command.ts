import { readConfig } from '../adapters/config/config.js';
import { parseArgs } from 'node:util';
import { repositoryKey } from '../adapters/github/dispatch-signature.js';
import type { CliIo, Env } from './cli-io.js';

/**
 * `aaoe report-key <owner/repo> --installation <id>`: prints the repository's AAOE key, derived from the app's
 * `AAOE_REPORT_SECRET`. Set it as the secret `AAOE_REPORT_SECRET` of that repository (the action's
 * `report-secret`): it authenticates AAOE's dispatches there and signs the action's reports, and it is good for
 * that repository of that installation only. The app's own secret never goes into a repository.
 */

export const REPORT_KEY_USAGE = `Usage:
  aaoe report-key <owner/repo> --installation <id>
                                 print the repository's key (the action's report-secret), from AAOE_REPORT_SECRET`;

const REPOSITORY = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

export function runReportKeyCommand(args: string[], io: CliIo, env: Env): number {
  let parsed: { values: { installation?: string }; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { installation: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr(`aaoe report-key: ${(error as Error).message}\n\n${REPORT_KEY_USAGE}`);
    return 2;
  }
  const [repository, ...extra] = parsed.positionals;
  const installation = Number(parsed.values.installation);
  if (
    !repository ||
    extra.length > 0 ||
    !REPOSITORY.test(repository) ||
    !Number.isSafeInteger(installation) ||
    installation <= 0
  ) {
    io.stderr(
      `aaoe report-key: name one repository as owner/repo and its installation id (--installation, a number: the app's installation on that account)\n\n${REPORT_KEY_USAGE}`,
    );
    return 2;
  }
  const master = readConfig(env).server.reportSecret;
  if (!master) {
    io.stderr(
      'aaoe report-key: AAOE_REPORT_SECRET is not set: run this where the app runs, with the same AAOE_REPORT_SECRET',
    );
    return 2;
  }
  io.stdout(repositoryKey(master, installation, repository));
  return 0;
}
