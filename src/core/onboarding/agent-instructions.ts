import { CONFIG_PATHS, DEFAULT_PROTECTED_PATHS } from '../policy/gates/protected-paths.js';
import type { Policy } from '../policy/schema.js';

/**
 * The agent contract, where agents read it: a short AAOE section for a repository's agent instructions (AGENTS.md,
 * which most coding agents read; CLAUDE.md and `.github/copilot-instructions.md` where a repository has them),
 * generated from the policy, and the one way it is put into a file. Pure: text in, text out.
 *
 * The section sits between two HTML comment markers (invisible when the Markdown is rendered). Running again
 * replaces what is between them, in place, and leaves every other byte of the file as it was; a file without the
 * section gets it appended; a file that already says the same is not written at all. The markers are found with
 * `indexOf` (linear, whatever the file holds: it is text any writer of the repository, or an agent, may have made).
 */

export const AGENTS_START = '<!-- aaoe:agents:start -->';
export const AGENTS_END = '<!-- aaoe:agents:end -->';

/** Always written (created when absent): the file most coding agents read. */
export const AGENTS_PATH = 'AGENTS.md';
/** Updated only where the repository has them already (Claude Code's and GitHub Copilot's own instruction files). */
export const OPTIONAL_INSTRUCTION_PATHS = ['CLAUDE.md', '.github/copilot-instructions.md'] as const;
/** Every file the contract is written to, in the order they are written. */
export const AGENT_INSTRUCTION_PATHS = [AGENTS_PATH, ...OPTIONAL_INSTRUCTION_PATHS] as const;

/**
 * A file larger than this is left alone (reported, never parsed further): instructions that long are not read by an
 * agent anyway, and no file in a repository makes AAOE do unbounded work.
 */
export const MAX_INSTRUCTIONS_BYTES = 1024 * 1024;

/** What of the policy the section says. */
export type ContractPolicy = Pick<Policy, 'id' | 'protectedPaths' | 'risk' | 'resilience' | 'merge' | 'trigger'>;

/** The section, markers included, with `\n` line ends (the file's own line ends are applied when it is placed). */
export function renderAgentSection(policy: ContractPolicy): string {
  const released = new Set(policy.protectedPaths.allow);
  const protectedPaths = [
    ...CONFIG_PATHS,
    ...DEFAULT_PROTECTED_PATHS.filter((p) => !released.has(p)),
    ...policy.protectedPaths.paths,
  ];
  const { maxLevel, requireHumanApprovalAbove } = policy.risk;
  return [
    AGENTS_START,
    '## AAOE: how your pull requests are judged here',
    '',
    `AAOE governs this repository${policy.id ? ` (policy \`${policy.id}\`)` : ''}. It judges every pull request an agent opens here with`,
    'the required `aaoe/policy` check, from the change itself; nothing you write can lower what it computes.',
    '',
    `- **Do not touch** ${protectedPaths.map((p) => `\`${p}\``).join(', ')}: a pull request that changes one of these fails the check.`,
    '- **Never approve or merge**, and never write `/aaoe approve`, `/aaoe resume` or `/aaoe rollback`: an agent proposes, people decide.',
    `  ${policy.merge === 'auto' ? 'AAOE merges a change once it passes and its approvals hold.' : 'A person merges a change once it passes.'}`,
    `- **Risk** (low < medium < high < critical): a change above ${requireHumanApprovalAbove} risk waits for a person's approval; one above ${maxLevel} is refused.`,
    `- **Declare** risk and a rollback plan in the pull request body: ${declarationWhen(policy.resilience.requireDeclaration)}`,
    '  Use one fenced block whose info string is `aaoe-proposal`, holding one JSON object. Every field is optional',
    '  (`risk`, `rollbackPlan`, `blastRadius`, `cost`); do not repeat the diff (no `edits`). A declared risk only ever',
    "  raises AAOE's; a declared cost is recorded as declared. For example:",
    '',
    '```aaoe-proposal',
    '{"risk": {"level": "medium", "rationale": "Changes the signup flow."}, "rollbackPlan": "Revert the merge commit; no data changes."}',
    '```',
    '',
    `This section is written by AAOE (\`aaoe init\`, the onboarding pull request) from the policy; what is between its`,
    'markers is replaced when it runs again.',
    AGENTS_END,
  ].join('\n');
}

function declarationWhen(rule: Policy['resilience']['requireDeclaration']): string {
  if (rule === 'always') return 'this policy asks every pull request for one.';
  if (rule === 'never') return 'this policy asks for none, but one with a rollback plan helps the reviewer.';
  if (rule === 'irreversible')
    return 'required where a revert of the merge commit cannot undo the change (schema migrations, infrastructure, data changes, external side effects).';
  return `required when the computed risk is above ${rule.above}, and where a revert of the merge commit cannot undo the change.`;
}

/** What placing the section in a file does. `text` is the file's new content when it must be written. */
export type SectionUpdate =
  | { outcome: 'created'; text: string }
  | { outcome: 'appended'; text: string }
  | { outcome: 'replaced'; text: string }
  | { outcome: 'unchanged' }
  /** Left as it is: the markers are not one start followed by one end, or the file is too large. `message` says the fix. */
  | { outcome: 'skipped'; message: string };

/**
 * Places `section` (from `renderAgentSection`) in a file's text (`undefined`: no such file). The file's line ends
 * (CRLF when its first line ends so) are kept; bytes outside the markers are never changed.
 *
 * A start marker without an end marker after it (or several of either) is left alone: the end is where AAOE's text
 * stops and the file's own resumes, and without it a replacement would have to guess, which could delete what a
 * person wrote after the start. Appending another section would put a second start in the file and make it worse.
 */
export function placeAgentSection(
  existing: string | undefined,
  section: string,
  path: string = AGENTS_PATH,
): SectionUpdate {
  if (existing === undefined) return { outcome: 'created', text: `${section}\n` };
  if (Buffer.byteLength(existing, 'utf8') > MAX_INSTRUCTIONS_BYTES) {
    return {
      outcome: 'skipped',
      message: `${path} is larger than ${MAX_INSTRUCTIONS_BYTES} bytes, so AAOE did not add its section: add it yourself (${AGENTS_START} ... ${AGENTS_END}).`,
    };
  }
  const firstNewline = existing.indexOf('\n');
  const eol = firstNewline > 0 && existing[firstNewline - 1] === '\r' ? '\r\n' : '\n';
  const rendered = eol === '\n' ? section : section.split('\n').join(eol);
  const starts = occurrences(existing, AGENTS_START);
  const ends = occurrences(existing, AGENTS_END);
  if (starts.length === 0 && ends.length === 0) {
    // one blank line between the file's own text and the section, whatever the file ended with
    const gap =
      existing === '' || existing.endsWith(`${eol}${eol}`) ? '' : existing.endsWith('\n') ? eol : `${eol}${eol}`;
    return { outcome: 'appended', text: `${existing}${gap}${rendered}${eol}` };
  }
  const [from, end] = [starts[0], ends[0]];
  if (starts.length !== 1 || ends.length !== 1 || from === undefined || end === undefined || end < from) {
    return {
      outcome: 'skipped',
      message: `${path} has ${starts.length} ${AGENTS_START} and ${ends.length} ${AGENTS_END} marker(s), not one section, so AAOE left it as it is. Fix: keep one start marker followed by one end marker (or delete both), then run it again.`,
    };
  }
  const to = end + AGENTS_END.length;
  if (existing.slice(from, to) === rendered) return { outcome: 'unchanged' };
  return { outcome: 'replaced', text: `${existing.slice(0, from)}${rendered}${existing.slice(to)}` };
}

/** Where `needle` occurs in `text`, at most three times (more says nothing new): `indexOf`, linear. */
function occurrences(text: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(needle); at !== -1 && found.length < 3; at = text.indexOf(needle, at + needle.length))
    found.push(at);
  return found;
}

/** The section's place in one instruction file: the update, for the file at `path`. */
export type InstructionFileUpdate = { path: string; update: SectionUpdate };

/**
 * The contract in every instruction file of a repository: AGENTS.md always (created when absent), CLAUDE.md and
 * `.github/copilot-instructions.md` only where `existing` has them (`undefined`: the file is not there).
 */
export function planAgentInstructions(
  policy: ContractPolicy,
  existing: (path: string) => string | undefined,
): InstructionFileUpdate[] {
  const section = renderAgentSection(policy);
  const updates: InstructionFileUpdate[] = [];
  for (const path of AGENT_INSTRUCTION_PATHS) {
    const text = existing(path);
    if (text === undefined && path !== AGENTS_PATH) continue;
    updates.push({ path, update: placeAgentSection(text, section, path) });
  }
  return updates;
}
