import { readConfig, type Env } from '../adapters/config/config.js';
import { describeVariables } from '../adapters/config/variables.js';
import { readManifest, type Finding, type Manifest, type Report } from './doctor-findings.js';
import { checkGitHub } from './doctor-github.js';
import { checkModel } from './doctor-model.js';
import { checkStore } from './doctor-store.js';

/**
 * `aaoe doctor`: prints the configuration it read (`src/adapters/config`; a secret only as set / not set), then checks
 * what the app needs, in the order it needs it, and names the exact fix of each problem.
 *
 *  1. credentials: `APP_ID` and `PRIVATE_KEY` (or `PRIVATE_KEY_PATH`) authenticate as the app (`GET /app`);
 *  2. the app's registration: the events and permissions of `app.yml` (`GET /app`);
 *  3. each installation: the permissions it granted (`GET /app/installations`), against `app.yml`;
 *  4. the webhook (`GET /app/hook/config`, `GET /app/hook/deliveries`): a URL, JSON, a secret, and whether the app
 *     accepted GitHub's recent deliveries (`doctor-webhook.ts`);
 *  5. `AAOE_REPORT_SECRET` is set (without it the app signs no dispatch and refuses the companion action's reports);
 *  6. the store (`DATABASE_URL` or `AAOE_DATA_DIR`): reachable, every migration applied;
 *  7. the model endpoint (`AAOE_MODELS`, `AAOE_MODEL_BASE_URL`, `AAOE_MODEL_API_KEY`): a models list call, and
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
  options: { manifest?: Manifest } = {},
): Promise<number> {
  if (args.length > 0) {
    io.stderr(`aaoe doctor: takes no arguments, not "${args.join(' ')}"\n\n${DOCTOR_USAGE}`);
    return 2;
  }
  const manifest = options.manifest ?? readManifest();
  const config = readConfig(env);
  io.stdout(
    `Configuration (secrets shown only as set or not set):\n${describeVariables(env)
      .map((line) => `  ${line}`)
      .join('\n')}\n`,
  );
  const findings: Finding[] = [];
  const report: Report = (finding) => {
    findings.push(finding);
    const mark = finding.level === 'ok' ? '✓' : finding.level === 'warn' ? '!' : '✗';
    io.stdout(`${mark} ${finding.check}: ${finding.message}${finding.fix ? `\n    Fix: ${finding.fix}` : ''}`);
  };
  await checkGitHub(config, manifest, report);
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
      fix: 'set AAOE_REPORT_SECRET to a random value here only (it never goes into a repository), then give each repository that runs the aaoe-deploy workflow its own key as the secret AAOE_REPORT_SECRET: `npx aaoe report-key <owner/repo> --installation <id>`',
    });
  } else
    report({
      level: 'ok',
      check: 'report secret',
      message:
        "AAOE_REPORT_SECRET is set (each repository's key is derived from it: `npx aaoe report-key <owner/repo> --installation <id>`)",
    });
}
