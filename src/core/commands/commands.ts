import { scanOwnLines } from './own-lines.js';

/**
 * The `/aaoe <verb> [args]` commands of a pull-request or issue comment. Pure: the comment's Markdown in,
 * one result per command line out. Strict, because a command is authority:
 *
 * - one command per line, and the line must start with `/aaoe` (indentation that Markdown keeps as paragraph
 *   text is allowed); `/aaoe` and the verb are case-insensitive;
 * - the line must be the author's own paragraph (or heading, or list-item) text: a line inside a fenced or
 *   indented code block, a code span, a quoted reply (`>`), an HTML block or an HTML comment never counts.
 *   a linear scan decides what is what (`src/core/commands/own-lines.ts`), conservatively: what it cannot place for sure never
 *   counts, and a line it cannot place gets a reply saying so;
 * - a verb that takes no argument refuses one (`/aaoe approve once CI is green` approves nothing), and an unknown
 *   verb yields a reply that lists the verbs and suggests the closest one.
 *
 * Every text a user reads lives in {@link COMMAND_TEXT}.
 */

export const COMMAND_VERBS = [
  'approve',
  'reject',
  'pause',
  'resume',
  'retry',
  'rollback',
  'status',
  'explain',
  'help',
  'freeze',
  'unfreeze',
] as const;
export type CommandVerb = (typeof COMMAND_VERBS)[number];

/** A command AAOE acts on. `reject` carries its optional reason; `plan start` the plan file (`src/workflows/plan-work.ts`). */
export type Command =
  | { verb: 'reject'; reason?: string }
  | { verb: 'plan'; action: 'start'; path: string }
  /** `/aaoe retry --agent <name>`: retry with another agent of the catalogue. */
  | { verb: 'retry'; agent?: string }
  | FreezeCommand
  | { verb: Exclude<CommandVerb, 'reject' | 'retry' | 'freeze' | 'unfreeze'> };

/**
 * `/aaoe freeze --org [--until <time>] [reason]`, `/aaoe unfreeze --org`, `/aaoe freeze --agent <name> [reason]`,
 * `/aaoe unfreeze --agent <name>` (src/workflows/command-freeze.ts). `until` is as written (an ISO 8601 time with
 * its offset, or a duration such as `90m`, `4h`, `2d`); core/decisions/org-freeze.ts resolves it against the clock.
 */
export type FreezeCommand =
  | { verb: 'freeze'; scope: 'org'; reason?: string; until?: string }
  | { verb: 'unfreeze'; scope: 'org' }
  | { verb: 'freeze'; scope: 'agent'; agent: string; reason?: string }
  | { verb: 'unfreeze'; scope: 'agent'; agent: string };

/** `/aaoe plan start plans/<file>.yml`: a plan file of the architecture repository's default branch. */
export const PLAN_FILE = /^plans\/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\.ya?ml$/;

/** One `/aaoe` line of a comment, with its 1-based line number in the comment body. */
export type ParsedCommand =
  | { type: 'command'; line: number; command: Command }
  /** `/aaoe` followed by no verb, or by a verb AAOE does not know. */
  | { type: 'unknown'; line: number; verb: string; suggestion?: CommandVerb; reply: string }
  /** A known verb with arguments it does not take. */
  | { type: 'invalid'; line: number; verb: CommandVerb | 'plan'; reply: string }
  /** A `/aaoe` line AAOE did not read: the comment is too long, or its structure leaves it unsure the line is text. */
  | { type: 'unread'; line: number; reply: string };

const PREFIX = '/aaoe';

const DESCRIPTIONS: Record<CommandVerb, { usage: string; does: string }> = {
  approve: { usage: '/aaoe approve', does: 'approve the change at its current head commit' },
  reject: { usage: '/aaoe reject [reason]', does: 'reject the change, with an optional reason' },
  pause: { usage: '/aaoe pause', does: 'pause the execution' },
  resume: { usage: '/aaoe resume', does: 'resume a paused execution' },
  retry: { usage: '/aaoe retry', does: 'retry a failed execution' },
  rollback: { usage: '/aaoe rollback', does: 'roll back the deployment' },
  status: { usage: '/aaoe status', does: 'show where the execution stands' },
  explain: { usage: '/aaoe explain', does: 'explain the policy decision' },
  help: { usage: '/aaoe help', does: 'list these commands' },
  freeze: {
    usage: '/aaoe freeze --org [--until <time>] [reason]',
    does: 'freeze every repository of the installation (organisation owners and the freeze teams; `--agent <name>` stops one agent)',
  },
  unfreeze: { usage: '/aaoe unfreeze --org', does: "lift the organisation freeze (`--agent <name>`: lift an agent's)" },
};

/** The texts of the command surface, in one place. */
export const COMMAND_TEXT = {
  help: (): string =>
    [
      'AAOE commands (one per line, at the start of the line, outside quotes and code):',
      '',
      ...COMMAND_VERBS.map((v) => `- \`${DESCRIPTIONS[v].usage}\`: ${DESCRIPTIONS[v].does}`),
      '- `/aaoe plan start plans/<file>.yml`: on an issue of the architecture repository, start that plan (its tracking issue then takes `pause`, `resume`, `rollback`, `status`)',
      '',
      'Approving needs one of the permissions the policy allows (by default write, maintain or admin); the proposer, the pull request author and bots never count.',
    ].join('\n'),
  missingVerb: (): string => `\`${PREFIX}\` needs a command.\n\n${COMMAND_TEXT.help()}`,
  unknownVerb: (verb: string, suggestion: CommandVerb | undefined): string =>
    [
      `\`${PREFIX} ${echo(verb)}\` is not an AAOE command.${suggestion ? ` Did you mean \`${DESCRIPTIONS[suggestion].usage}\`?` : ''}`,
      '',
      COMMAND_TEXT.help(),
    ].join('\n'),
  tooLong: (chars: number): string =>
    `This comment has ${chars.toLocaleString('en-US')} characters, more than the ${MAX_COMMENT_CHARS.toLocaleString('en-US')} AAOE reads commands from, so none of its commands did anything. Write the command in a short comment of its own.`,
  unsure: (line: number): string =>
    `Line ${line} was not read as a command: it comes after a code block or HTML inside a list or quote, and AAOE cannot tell for sure whether GitHub shows the line as your own text. Write the command in a comment of its own.`,
  freezeUsage: (verb: 'freeze' | 'unfreeze', args: string): string =>
    `\`${PREFIX} ${verb} ${echo(args)}\` did nothing: write \`${PREFIX} ${verb} --org${verb === 'freeze' ? ' [--until <time>] [reason]' : ''}\` or \`${PREFIX} ${verb} --agent <name>${verb === 'freeze' ? ' [reason]' : ''}\` alone on its line (a time is ISO 8601 with its offset, or \`90m\`, \`4h\`, \`2d\`).`,
  retryUsage: (args: string): string =>
    `\`${PREFIX} retry ${echo(args)}\` did nothing: write \`${PREFIX} retry\`, or \`${PREFIX} retry --agent <name>\` to retry with another agent, alone on its line.`,
  noArguments: (verb: CommandVerb): string =>
    `\`${PREFIX} ${verb}\` takes no arguments, so this line did nothing. Write \`${DESCRIPTIONS[verb].usage}\` alone on its line; put any remark on another line.`,
} as const;

/** A word of the user's, safe to show inside a code span: no backtick to break out of it, and short. */
function echo(word: string): string {
  const clean = word.replace(/`/g, '');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

/**
 * The longest comment AAOE reads commands from (GitHub's own limit on a comment body). A longer body is refused as a
 * whole with a reply, never cut: a cut could open a code span or a fence that the rest would have closed.
 */
export const MAX_COMMENT_CHARS = 65_536;

/**
 * Every `/aaoe` line of `body` that counts, in order. One linear pass, no Markdown parser: a comment is untrusted
 * text, and CommonMark parsers are super-linear on nested lists and stacked headings (an 8 KB comment held the event
 * loop for tens of seconds). The scan is conservative, so it may ignore a line a full parser would read (see
 * {@link scanOwnLines}), never the other way round; when the comment's structure leaves it unsure, it says so.
 */
export function parseCommands(body: string): ParsedCommand[] {
  const first = firstCommandLine(body);
  if (first === undefined) return [];
  if (body.length > MAX_COMMENT_CHARS)
    return [{ type: 'unread', line: first, reply: COMMAND_TEXT.tooLong(body.length) }];
  const results: ParsedCommand[] = [];
  for (const found of scanOwnLines(body, startsWithPrefix)) {
    results.push(
      found.kind === 'own'
        ? parseLine(found.text, found.line)
        : { type: 'unread', line: found.line, reply: COMMAND_TEXT.unsure(found.line) },
    );
  }
  return results;
}

/** The 1-based number of the first line that starts (after spaces or tabs) with `/aaoe`, by one scan; none: undefined. */
function firstCommandLine(body: string): number | undefined {
  let line = 1;
  let atStart = true;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 10 || c === 13) {
      if (c === 13 && body.charCodeAt(i + 1) === 10) i++;
      line++;
      atStart = true;
    } else if (atStart && (c === 32 || c === 9)) {
      continue;
    } else {
      if (atStart && startsWithPrefix(body.slice(i, i + PREFIX.length + 1))) return line;
      atStart = false;
    }
  }
  return undefined;
}

function parseLine(text: string, line: number): ParsedCommand {
  const words = stripHtmlComments(text.slice(PREFIX.length)).trim();
  const [first = '', ...more] = words.split(/\s+/);
  const verb = first.toLowerCase();
  const args = more.join(' ').trim();
  if (verb === '') return { type: 'unknown', line, verb, reply: COMMAND_TEXT.missingVerb() };
  if (verb === 'plan') {
    const [action = '', path = '', ...extra] = args.split(/\s+/);
    if (action.toLowerCase() === 'start' && PLAN_FILE.test(path) && extra.length === 0)
      return { type: 'command', line, command: { verb, action: 'start', path } };
    return {
      type: 'invalid',
      line,
      verb,
      reply: `\`${PREFIX} plan ${echo(args)}\` did nothing: write \`${PREFIX} plan start plans/<file>.yml\` (a \`.yml\` file under \`plans/\` of this repository's default branch) alone on its line.`,
    };
  }
  if (!isVerb(verb)) {
    const suggestion = closestVerb(verb);
    return {
      type: 'unknown',
      line,
      verb: first.slice(0, 100),
      ...(suggestion ? { suggestion } : {}),
      reply: COMMAND_TEXT.unknownVerb(first, suggestion),
    };
  }
  if (verb === 'reject') return { type: 'command', line, command: args === '' ? { verb } : { verb, reason: args } };
  if (verb === 'freeze' || verb === 'unfreeze') return parseFreeze(verb, args, line);
  if (verb === 'retry' && args !== '') return parseRetry(args, line);
  if (args !== '') return { type: 'invalid', line, verb, reply: COMMAND_TEXT.noArguments(verb) };
  return { type: 'command', line, command: { verb } };
}

/** A catalogue agent's name as a command names it (`claude`, `copilot`, `aaoe`). */
export const AGENT_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** An end time: an ISO 8601 time with its offset, or a duration in minutes, hours or days (`90m`, `4h`, `2d`). */
export const FREEZE_UNTIL =
  /^(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})|\d{1,5}[mhd])$/;

/** The longest freeze reason kept; the rest is cut (the reason is shown in checks, comments and the dashboard). */
export const MAX_FREEZE_REASON = 300;

function parseFreeze(verb: 'freeze' | 'unfreeze', args: string, line: number): ParsedCommand {
  const words = args.split(/\s+/).filter(Boolean);
  const invalid: ParsedCommand = { type: 'invalid', line, verb, reply: COMMAND_TEXT.freezeUsage(verb, args) };
  const scope = words.shift()?.toLowerCase();
  let agent: string | undefined;
  if (scope === '--agent') {
    agent = words.shift()?.toLowerCase();
    if (agent === undefined || !AGENT_NAME.test(agent)) return invalid;
  } else if (scope !== '--org') return invalid;
  let until: string | undefined;
  const untilAt = words.findIndex((w) => w.toLowerCase() === '--until');
  if (untilAt >= 0) {
    until = words[untilAt + 1];
    if (verb !== 'freeze' || agent !== undefined || until === undefined || !FREEZE_UNTIL.test(until)) return invalid;
    words.splice(untilAt, 2);
  }
  const reason = words.join(' ').slice(0, MAX_FREEZE_REASON);
  if (verb === 'unfreeze') {
    if (reason !== '') return invalid;
    const command: FreezeCommand = agent === undefined ? { verb, scope: 'org' } : { verb, scope: 'agent', agent };
    return { type: 'command', line, command };
  }
  const why = reason === '' ? {} : { reason };
  const command: FreezeCommand =
    agent === undefined
      ? { verb, scope: 'org', ...why, ...(until ? { until } : {}) }
      : { verb, scope: 'agent', agent, ...why };
  return { type: 'command', line, command };
}

function parseRetry(args: string, line: number): ParsedCommand {
  const [flag = '', name = '', ...extra] = args.split(/\s+/);
  const agent = name.toLowerCase();
  if (flag.toLowerCase() === '--agent' && AGENT_NAME.test(agent) && extra.length === 0)
    return { type: 'command', line, command: { verb: 'retry', agent } };
  return { type: 'invalid', line, verb: 'retry', reply: COMMAND_TEXT.retryUsage(args) };
}

/** `/aaoe` followed by the end of the line or whitespace (`/aaoeapprove` and `/aaoe-x` are not commands). */
function startsWithPrefix(text: string): boolean {
  return (
    text.slice(0, PREFIX.length).toLowerCase() === PREFIX &&
    (text.length === PREFIX.length || /\s/.test(text.charAt(PREFIX.length)))
  );
}

function isVerb(word: string): word is CommandVerb {
  return (COMMAND_VERBS as readonly string[]).includes(word);
}

/** The verb a typo most likely meant: a verb it begins (`appr`), or one within two edits of it. */
export function closestVerb(word: string): CommandVerb | undefined {
  const lower = word.toLowerCase();
  if (lower.length >= 3) {
    const prefixed = COMMAND_VERBS.filter((v) => v.startsWith(lower));
    if (prefixed.length === 1) return prefixed[0];
  }
  let best: { verb: CommandVerb; distance: number } | undefined;
  for (const verb of COMMAND_VERBS) {
    const distance = editDistance(lower, verb);
    if (distance <= 2 && (!best || distance < best.distance)) best = { verb, distance };
  }
  return best?.verb;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function editDistance(a: string, b: string): number {
  // d(i, j): the distance between a's first i and b's first j characters, row by row in one array
  const width = b.length + 1;
  const d = new Int32Array((a.length + 1) * width);
  const at = (i: number, j: number): number => d[i * width + j] ?? 0;
  for (let i = 0; i <= a.length; i++) d[i * width] = i;
  for (let j = 0; j <= b.length; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i * width + j] = v;
    }
  }
  return at(a.length, b.length);
}

function stripHtmlComments(text: string): string {
  return text.replace(/<!--[\s\S]*?(?:-->|$)/g, ' ');
}
