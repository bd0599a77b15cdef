import { readConfig, type Env } from '../adapters/config/config.js';
import { join } from 'node:path';
import { ENV_FILE, loadEnvironment, readEnvFile } from '../adapters/config/env-file.js';
import { describeVariables } from '../adapters/config/variables.js';
import { readManifest, type Finding, type Manifest, type Report } from './doctor-findings.js';
import { checkDashboard } from './doctor-dashboard.js';
import { checkGitHub } from './doctor-github.js';
import { checkModel } from './doctor-model.js';
import { checkStore } from './doctor-store.js';

/**
 * `aaoe doctor`: prints the configuration it read (`src/adapters/config`; a secret only as set / not set), then checks
 * what the app needs, in the order it needs it, and names the exact fix of each problem. It reads the environment as
 * the app does: `.env` of the working directory (where the setup flow writes the credentials) under the real
 * environment.
 *
 *  1. credentials: `APP_ID` and `PRIVATE_KEY` (or `PRIVATE_KEY_PATH`) authenticate as the app (`GET /app`); a network
 *     failure (the name does not resolve, nothing listens, no answer in time) is said as one, not as a wrong key;
 *  2. the app's registration: the events and permissions of `app.yml` (`GET /app`);
 *  3. each installation: the permissions it granted (`GET /app/installations`), against `app.yml`;
 *  4. the webhook (`GET /app/hook/config`, `GET /app/hook/deliveries`): a URL that reaches the app's webhook path
 *     (or its smee.io channel), JSON, a secret, and GitHub's recent deliveries (any answer but 2xx is a failure);
 *  5. the dashboard: the OAuth client, the session key, the public origin (`doctor-dashboard.ts`);
 *  6. `AAOE_REPORT_SECRET` is set (without it the app signs no dispatch and refuses the companion action's reports);
 *  7. the store (`DATABASE_URL` or `AAOE_DATA_DIR`): reachable, every migration applied;
 *  8. the model endpoint (`AAOE_MODELS`, `AAOE_MODEL_BASE_URL`, `AAOE_MODEL_API_KEY`): a models list call, and
 *     every configured model served.
 *
 * Exit 0 when nothing failed (warnings allowed), 1 when a check failed, 2 for bad arguments.
 */

export const DOCTOR_USAGE = `Usage:
  aaoe doctor                                     check credentials, permissions, webhook, store and model endpoint`;

type Io = { stdout: (text: string) => void; stderr: (text: string) => void };

export async function runDoctorCommand(
  args: string[],
  io: Io,
  env: Env,
  options: { manifest?: Manifest; cwd?: string; timeoutMs?: number } = {},
): Promise<number> {
  if (args.length > 0) {
    io.stderr(`aaoe doctor: takes no arguments, not "${args.join(' ')}"\n\n${DOCTOR_USAGE}`);
    return 2;
  }
  const manifest = options.manifest ?? readManifest();
  const cwd = options.cwd ?? process.cwd();
  const config = readConfig(loadEnvironment({ cwd, env }));
  const fromFile = Object.keys(readEnvFile(cwd)).length;
  io.stdout(
    `Configuration (secrets shown only as set or not set):\n${describeVariables(config.env)
      .map((line) => `  ${line}`)
      .join(
        '\n',
      )}\n${fromFile > 0 ? `  (with ${join(cwd, ENV_FILE)}: ${fromFile} variables; the real environment wins)\n` : ''}`,
  );
  const findings: Finding[] = [];
  const report: Report = (finding) => {
    findings.push(finding);
    const mark = finding.level === 'ok' ? '✓' : finding.level === 'warn' ? '!' : '✗';
    io.stdout(`${mark} ${finding.check}: ${finding.message}${finding.fix ? `\n    Fix: ${finding.fix}` : ''}`);
  };
  const registration = await checkGitHub(config, manifest, report, options.timeoutMs ?? 15_000);
  checkDashboard(config, registration?.clientId, report);
  checkReportSecret(config.server.reportSecret, report);
  await checkStore(config, report);
  await checkModel(config, report);
  const failed = findings.filter((f) => f.level === 'fail').length;
  io.stdout(failed === 0 ? '\nNo problem found.' : `\n${failed} problem${failed === 1 ? '' : 's'} to fix.`);
  return failed === 0 ? 0 : 1;
}

function checkReportSecret(secret: string | undefined, report: Report): void {
  if (!secret?.trim()) {
    report({
      level: 'warn',
      check: 'report secret',
      message:
        "AAOE_REPORT_SECRET is not set: the app signs no dispatch (the companion action runs none) and refuses the action's reports (503), so a merged change is never deployed",
      fix: 'set AAOE_REPORT_SECRET to a random value here only (it never goes into a repository), then give each repository that runs the aaoe-deploy workflow its own key as the secret AAOE_REPORT_SECRET: `npx @aaoe-dev/aaoe@0.2.0 report-key <owner/repo> --installation <id>`',
    });
  } else
    report({
      level: 'ok',
      check: 'report secret',
      message:
        "AAOE_REPORT_SECRET is set (each repository's key is derived from it: `npx @aaoe-dev/aaoe@0.2.0 report-key <owner/repo> --installation <id>`)",
    });
}
