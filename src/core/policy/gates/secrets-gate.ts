import type { Change } from '../change.js';
import type { GateResult } from '../evaluation.js';
import type { Policy } from '../schema.js';
import { scanSecrets } from './secrets.js';

/** The secrets gate: a secret in an added line fails the change; the check shows the rule and the position, never the value. */
export async function evaluateSecretsGate(change: Change, policy: Policy['secrets']): Promise<GateResult> {
  const base = { gate: 'secrets', title: 'Secrets' } as const;
  if (!policy.enabled) {
    return {
      ...base,
      outcome: 'passed',
      reason: 'Secret detection is turned off by this policy (secrets.enabled: false).',
      evidence: [],
      findings: [],
    };
  }
  const scan = await scanSecrets(change.files, { ignorePaths: policy.ignorePaths, allowlist: policy.allowlist });
  const evidence = [
    ...scan.findings.map((f) => `${f.path}:${f.startLine}:${f.startColumn ?? 1} ${f.rule}`),
    ...scan.allowed.map(
      ({ finding: f, reason }) =>
        `allowed by the policy: ${f.path}:${f.startLine}:${f.startColumn ?? 1} ${f.rule} (${reason})`,
    ),
    ...scan.unscanned.map(
      (u) => `not scanned: \`${u.path}\`${u.line === undefined ? '' : ` line ${u.line}`} (${u.reason})`,
    ),
  ];
  if (scan.findings.length > 0) {
    return {
      ...base,
      outcome: 'failed',
      reason: `${scan.findings.length} secret${scan.findings.length === 1 ? '' : 's'} found in added lines.`,
      evidence,
      hint: 'Remove each secret from the change (rewrite the branch so it is not in any commit) and rotate it: it must be treated as leaked. Read secrets from the environment or a secret store instead.',
      findings: scan.findings,
    };
  }
  if (scan.unscanned.length > 0) {
    return {
      ...base,
      outcome: 'needs_approval',
      reason: `${scan.unscanned.length} file${scan.unscanned.length === 1 ? '' : 's'} or line${scan.unscanned.length === 1 ? '' : 's'} could not be scanned (no diff, or a line too long to scan): a human must review ${scan.unscanned.length === 1 ? 'it' : 'them'}.`,
      evidence,
      hint: 'A person with write permission reviews what was not scanned and approves with `/aaoe approve`, or the change is reworked so GitHub can diff each file and no added line is over 4,096 characters.',
      findings: [],
    };
  }
  return { ...base, outcome: 'passed', reason: 'No secret found in the added lines.', evidence, findings: [] };
}
