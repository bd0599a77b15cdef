import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretLintCoreConfig } from '@secretlint/types';
import picomatch from 'picomatch';
import type { ChangedFile } from '../change.js';
import { addedLines } from '../patch.js';
import type { Finding } from '../result.js';
import { HIGH_ENTROPY_RULE_ID, highEntropyRule } from './high-entropy-rule.js';

/**
 * Secret detection in the added lines of a change, with secretlint's maintained rules in-process plus
 * AAOE's high-entropy rule. A finding carries the rule and the position, never the secret: messages are
 * written here from the rule id, not taken from secretlint (whose messages quote the value).
 */

export type SecretScan = { findings: Finding[]; unscanned: Array<{ path: string; reason: string }> };

const PRESET_ID = '@secretlint/secretlint-rule-preset-recommend';

const CONFIG: SecretLintCoreConfig = {
  rules: [
    // AWS access key IDs alone are reported too (off in the preset by default)
    { id: PRESET_ID, rule: recommendedPreset, rules: [{ id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } }] },
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

const BINARY = picomatch(['**/*.{png,jpg,jpeg,gif,webp,ico,bmp,tiff,pdf,zip,gz,tgz,bz2,xz,7z,jar,war,woff,woff2,ttf,otf,eot,mp3,mp4,mov,avi,wasm,so,dll,dylib,exe,bin,class,pyc}'], { dot: true, nocase: true });

export async function scanSecrets(files: ChangedFile[], policy: { ignorePaths: string[] }): Promise<SecretScan> {
  const ignored = policy.ignorePaths.length > 0 ? picomatch(policy.ignorePaths, { dot: true }) : () => false;
  const findings: Finding[] = [];
  const unscanned: SecretScan['unscanned'] = [];

  for (const file of files) {
    if (file.status === 'removed' || ignored(file.path)) continue;
    if (file.patch === undefined) {
      if (file.additions > 0 && !BINARY(file.path)) unscanned.push({ path: file.path, reason: 'GitHub gave no diff for it (binary or too large)' });
      continue;
    }
    const lines = addedLines(file.patch);
    if (lines.length === 0) continue;
    const result = await lintSource({
      source: { content: lines.map((l) => l.text).join('\n'), filePath: file.path, ext: extOf(file.path), contentType: 'text' },
      options: { config: CONFIG, maskSecrets: true, noPhysicFilePath: true },
    });
    const seen = new Set<string>();
    // provider rules first: AAOE's generic rule only reports what no provider rule named
    const messages = [...result.messages].sort((a, b) => Number(a.ruleId === HIGH_ENTROPY_RULE_ID) - Number(b.ruleId === HIGH_ENTROPY_RULE_ID));
    for (const message of messages) {
      if (message.type !== 'message') continue;
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
        ...(start.line === end.line ? { startColumn: message.loc.start.column + 1, endColumn: message.loc.end.column + 1 } : {}),
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
