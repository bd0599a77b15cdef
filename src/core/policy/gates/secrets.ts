import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretLintCoreConfig, SecretLintCoreResult } from '@secretlint/types';
import picomatch from 'picomatch';
import { isPureRename } from './risk.js';
import type { ChangedFile } from '../change.js';
import { addedLines } from '../patch.js';
import type { Finding } from '../evaluation.js';
import { HIGH_ENTROPY_RULE_ID, highEntropyRule } from './high-entropy-rule.js';
import { SHAPE_RULE_ID, shapeKind, shapeRule } from '../../secrets/rules.js';

/**
 * Secret detection in the added lines of a change, with secretlint's maintained rules in-process plus AAOE's own
 * secretlint rules: the shape rules (src/core/secrets: provider formats, structures, base64 blobs) and the
 * high-entropy rule (a value next to a secret-looking name). A finding carries the rule and the position, never the
 * secret: messages are written here from the rule id, not taken from secretlint (whose messages quote the value).
 */

export type SecretScan = {
  findings: Finding[];
  unscanned: Array<{ path: string; /** A line too long to scan. */ line?: number; reason: string }>;
  /** Findings the repository's policy allows (a test fixture), each with the policy's reason. */
  allowed: Array<{ finding: Finding; reason: string }>;
};

/** A repository's allowance for known, non-secret matches (test fixtures), always with a reason. */
export type SecretAllowance = { paths: string[]; rules?: string[] | undefined; reason: string };

export type SecretScanPolicy = { ignorePaths: string[]; allowlist?: SecretAllowance[] | undefined };

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
    { id: SHAPE_RULE_ID, rule: shapeRule },
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
  [HIGH_ENTROPY_RULE_ID]: 'a secret-looking value assigned to a secret-looking name',
};

type Message = SecretLintCoreResult['messages'][number];

/**
 * The order in which overlapping reports win: secretlint's maintained rules, AAOE's shape rules, a decoded base64
 * blob, and AAOE's generic name rule last.
 */
function rank(message: Message): number {
  if (message.ruleId === HIGH_ENTROPY_RULE_ID) return 3;
  if (message.ruleId !== SHAPE_RULE_ID) return 0;
  return message.messageId === 'base64-encoded-secret' ? 2 : 1;
}

/** The rule name and the words for what was found. */
function describe(message: Message): { rule: string; kind: string } {
  if (message.ruleId === SHAPE_RULE_ID)
    return { rule: `aaoe/${message.messageId}`, kind: shapeKind(message.messageId) ?? 'a secret' };
  const short = message.ruleId.replace('@secretlint/secretlint-rule-', 'secretlint/');
  return { rule: short, kind: KIND[message.ruleId] ?? `a secret (${short})` };
}

/** One finding per secret: a report whose range overlaps one already taken is the same secret. */
function toFindings(path: string, lines: ReturnType<typeof addedLines>, messages: Message[]): Finding[] {
  const findings: Finding[] = [];
  const taken: Array<[number, number]> = [];
  for (const message of [...messages].sort((a, b) => rank(a) - rank(b))) {
    const type: string = message.type;
    if (type !== 'message') continue;
    const [from, to] = message.range;
    if (taken.some(([s, e]) => s < to && from < e)) continue;
    taken.push([from, to]);
    const start = lines[message.loc.start.line - 1];
    const end = lines[message.loc.end.line - 1] ?? start;
    if (!start || !end) continue;
    const { rule, kind } = describe(message);
    findings.push({
      path,
      startLine: start.line,
      endLine: end.line,
      ...(start.line === end.line
        ? { startColumn: message.loc.start.column + 1, endColumn: message.loc.end.column + 1 }
        : {}),
      level: 'failure',
      rule,
      message: `Found ${kind} (${rule}). Remove it from the change and rotate it: a secret pushed to a branch is leaked.`,
    });
  }
  return findings.sort((a, b) => a.startLine - b.startLine || (a.startColumn ?? 0) - (b.startColumn ?? 0));
}

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

/** Scans the added lines of one file; a line too long to scan is left empty, so every other keeps its position. */
async function scanLines(path: string, lines: ReturnType<typeof addedLines>): Promise<Finding[]> {
  const result = await lintSource({
    source: {
      content: lines.map((l) => (l.text.length > MAX_SCANNED_LINE ? '' : l.text)).join('\n'),
      filePath: path,
      ext: extOf(path),
      contentType: 'text',
    },
    options: { config: CONFIG, maskSecrets: true, noPhysicFilePath: true },
  });
  return toFindings(path, lines, result.messages);
}

/** Sorts findings into those the policy allows (with the reason) and the rest. */
function applyAllowlist(findings: Finding[], allowlist: SecretAllowance[]): Pick<SecretScan, 'findings' | 'allowed'> {
  const matchers = allowlist.map((a) => ({ ...a, match: picomatch(a.paths, { dot: true }) }));
  const kept: Finding[] = [];
  const allowed: SecretScan['allowed'] = [];
  for (const finding of findings) {
    const allowance = matchers.find(
      (m) => m.match(finding.path) && (m.rules === undefined || m.rules.includes(finding.rule)),
    );
    if (allowance) allowed.push({ finding, reason: allowance.reason });
    else kept.push(finding);
  }
  return { findings: kept, allowed };
}

export async function scanSecrets(files: ChangedFile[], policy: SecretScanPolicy): Promise<SecretScan> {
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
    findings.push(...(await scanLines(file.path, lines)));
  }
  return { ...applyAllowlist(findings, policy.allowlist ?? []), unscanned };
}

/**
 * secretlint's core marks every rule run on a process-wide profiler that keeps every entry forever and
 * searches them linearly on each mark: memory grows without bound and scans slow down in a long-running
 * app. We never read the profile, so marking is turned off for this process.
 */
secretLintProfiler.mark = () => {};

function extOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name.startsWith('.env')) return '.env';
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot) : '';
}
