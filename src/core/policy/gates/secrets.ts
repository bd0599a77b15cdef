import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretLintCoreConfig } from '@secretlint/types';
import picomatch from 'picomatch';
import { isPureRename } from './risk.js';
import type { ChangedFile } from '../change.js';
import { addedLines } from '../patch.js';
import type { Finding } from '../evaluation.js';
import { HIGH_ENTROPY_RULE_ID, highEntropyRule } from './high-entropy-rule.js';

/**
 * Secret detection in the added lines of a change, with secretlint's maintained rules in-process plus
 * AAOE's high-entropy rule. A finding carries the rule and the position, never the secret: messages are
 * written here from the rule id, not taken from secretlint (whose messages quote the value).
 */

export type SecretScan = {
  findings: Finding[];
  unscanned: Array<{ path: string; /** A line too long to scan. */ line?: number; reason: string }>;
};

/**
 * Added lines longer than this are not scanned: they are reported as unscanned and need a person (the secrets gate
 * asks for approval), so scanning stays linear in the size of a change whatever the rules' patterns do with one long
 * line. Minified bundles and generated files have such lines; a person looks at them.
 */
export const MAX_SCANNED_LINE = 4_096;

const PRESET_ID = '@secretlint/secretlint-rule-preset-recommend';

const CONFIG: SecretLintCoreConfig = {
  rules: [
    // AWS access key IDs alone are reported too (off in the preset by default)
    {
      id: PRESET_ID,
      rule: recommendedPreset,
      rules: [{ id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } }],
    },
    { id: HIGH_ENTROPY_RULE_ID, rule: highEntropyRule },
  ],
};

/** What each rule finds, in words that never include the value. */
const KIND: Record<string, string> = {
  '@secretlint/secretlint-rule-aws': 'an AWS credential',
  '@secretlint/secretlint-rule-privatekey': 'a private key',
  '@secretlint/secretlint-rule-github': 'a GitHub token',
  '@secretlint/secretlint-rule-slack': 'a Slack token or webhook URL',
  '@secretlint/secretlint-rule-openai': 'an OpenAI API key',
  '@secretlint/secretlint-rule-anthropic': 'an Anthropic API key',
  '@secretlint/secretlint-rule-gcp': 'a Google Cloud credential',
  '@secretlint/secretlint-rule-npm': 'an npm token',
  '@secretlint/secretlint-rule-basicauth': 'a password in a URL (basic auth)',
  '@secretlint/secretlint-rule-database-connection-string': 'a database connection string with a password',
  [HIGH_ENTROPY_RULE_ID]: 'a high-entropy value assigned to a secret-looking name',
};

/** The added lines too long to scan (each is scanned as an empty line, so a person must look). */
function tooLongToScan(path: string, lines: ReturnType<typeof addedLines>): SecretScan['unscanned'] {
  return lines
    .filter((l) => l.text.length > MAX_SCANNED_LINE)
    .map((l) => ({
      path,
      line: l.line,
      reason: `too long to scan: ${l.text.length} characters, over ${MAX_SCANNED_LINE}`,
    }));
}

export async function scanSecrets(files: ChangedFile[], policy: { ignorePaths: string[] }): Promise<SecretScan> {
  const ignored = policy.ignorePaths.length > 0 ? picomatch(policy.ignorePaths, { dot: true }) : () => false;
  const findings: Finding[] = [];
  const unscanned: SecretScan['unscanned'] = [];

  for (const file of files) {
    if (file.status === 'removed' || ignored(file.path)) continue;
    if (file.patch === undefined) {
      // binary, too large, or a mode or type change: nothing to read, so a person must look (a pure rename has no patch
      // because nothing changed)
      if (!isPureRename(file))
        unscanned.push({
          path: file.path,
          reason: 'no patch: GitHub shows no diff for it (binary, too large, or a mode or type change)',
        });
      continue;
    }
    const lines = addedLines(file.patch);
    if (lines.length === 0) continue;
    unscanned.push(...tooLongToScan(file.path, lines));
    const result = await lintSource({
      // a line too long to scan is left empty, so every other line keeps its position
      source: {
        content: lines.map((l) => (l.text.length > MAX_SCANNED_LINE ? '' : l.text)).join('\n'),
        filePath: file.path,
        ext: extOf(file.path),
        contentType: 'text',
      },
      options: { config: CONFIG, maskSecrets: true, noPhysicFilePath: true },
    });
    const seen = new Set<string>();
    // provider rules first: AAOE's generic rule only reports what no provider rule named
    const messages = [...result.messages].sort(
      (a, b) => Number(a.ruleId === HIGH_ENTROPY_RULE_ID) - Number(b.ruleId === HIGH_ENTROPY_RULE_ID),
    );
    for (const message of messages) {
      const type: string = message.type;
      if (type !== 'message') continue;
      // one finding per position: the provider's rule first, AAOE's generic rule only where it is alone
      const at = `${message.loc.start.line}:${message.loc.start.column}`;
      if (seen.has(at)) continue;
      seen.add(at);
      const start = lines[message.loc.start.line - 1];
      const end = lines[message.loc.end.line - 1] ?? start;
      if (!start || !end) continue;
      const rule = message.ruleId;
      const kind = KIND[rule] ?? `a secret (${rule.replace('@secretlint/secretlint-rule-', '')})`;
      findings.push({
        path: file.path,
        startLine: start.line,
        endLine: end.line,
        ...(start.line === end.line
          ? { startColumn: message.loc.start.column + 1, endColumn: message.loc.end.column + 1 }
          : {}),
        level: 'failure',
        rule: shortRule(rule),
        message: `Found ${kind} (${message.messageId}). Remove it from the change and rotate it: a secret pushed to a branch is leaked.`,
      });
    }
  }
  return { findings, unscanned };
}

/**
 * secretlint's core marks every rule run on a process-wide profiler that keeps every entry forever and
 * searches them linearly on each mark: memory grows without bound and scans slow down in a long-running
 * app. We never read the profile, so marking is turned off for this process.
 */
secretLintProfiler.mark = () => {};

function shortRule(ruleId: string): string {
  return ruleId.replace('@secretlint/secretlint-rule-', 'secretlint/');
}

function extOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot) : '';
}
