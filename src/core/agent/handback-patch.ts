import { ok, problem, type Problem as CoreProblem, type Result } from '../result.js';

/**
 * The diff an agent job hands back (`git diff --no-renames <base>`), read and applied to the base commit's files.
 * Pure and linear: the diff is an agent's text, so it is read once, line by line, with anchored patterns that cannot
 * backtrack, after the contract capped its size. Only text changes are taken: a binary patch, a rename, a mode change
 * or a quoted path is refused with its reason (a commit of what was not understood is never made).
 */

export type Hunk = { oldStart: number; oldCount: number; newStart: number; newCount: number; lines: string[] };

export type FilePatch = {
  path: string;
  status: 'added' | 'modified' | 'removed';
  hunks: Hunk[];
  additions: number;
  deletions: number;
  /** The file's part of the diff, as GitHub shows a patch (hunks only): what the secrets gate scans. */
  patch: string;
};

/** Files a hand-back may change at most. */
export const MAX_PATCH_FILES = 300;

const lineAt = (lines: readonly string[], i: number): string => lines[i] ?? '';

const HUNK_HEADER = /^@@ -(\d{1,9})(?:,(\d{1,9}))? \+(\d{1,9})(?:,(\d{1,9}))? @@/;

type Problem = CoreProblem<'patch_invalid'>;
const invalid = (message: string): { ok: false; problem: Problem } => problem('patch_invalid', message);

/** The diff's files in order, or why it cannot be taken. */
export function parsePatch(diff: string): Result<FilePatch[], Problem> {
  const lines = diff.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const files: FilePatch[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lineAt(lines, i);
    if (!line.startsWith('diff --git '))
      return invalid(`line ${i + 1}: expected \`diff --git\`, found text outside a file`);
    const read = readFile(lines, i);
    if (!read.ok) return read;
    files.push(read.value.file);
    if (files.length > MAX_PATCH_FILES) return invalid(`the diff changes more than ${MAX_PATCH_FILES} files`);
    i = read.value.next;
  }
  return ok(files);
}

function readFile(lines: string[], start: number): Result<{ file: FilePatch; next: number }, Problem> {
  let i = start + 1;
  let oldPath: string | null | undefined;
  let newPath: string | null | undefined;
  for (; i < lines.length && !lineAt(lines, i).startsWith('@@') && !lineAt(lines, i).startsWith('diff --git '); i++) {
    const line = lineAt(lines, i);
    if (line.startsWith('Binary files ') || line === 'GIT binary patch')
      return invalid(`line ${i + 1}: a binary change is not taken`);
    if (line.startsWith('rename ') || line.startsWith('copy ') || line.startsWith('similarity index'))
      return invalid(`line ${i + 1}: a rename or copy is not taken (the action diffs with --no-renames)`);
    if (line.startsWith('old mode') || line.startsWith('new mode') || line.startsWith('new file mode 120'))
      return invalid(`line ${i + 1}: a mode change or a symbolic link is not taken`);
    if (line.startsWith('--- ')) oldPath = pathOf(line.slice(4), 'a/');
    if (line.startsWith('+++ ')) newPath = pathOf(line.slice(4), 'b/');
  }
  if (oldPath === undefined || newPath === undefined)
    return invalid(`line ${start + 1}: a file with no text change (no ---/+++ lines) is not taken`);
  if (oldPath === '' || newPath === '') return invalid(`line ${start + 1}: a quoted or unreadable path is not taken`);
  if (oldPath !== null && newPath !== null && oldPath !== newPath)
    return invalid(`line ${start + 1}: the two paths differ (${oldPath}, ${newPath})`);
  const path = newPath ?? oldPath;
  if (path === null) return invalid(`line ${start + 1}: a file with neither an old nor a new path`);
  const status = oldPath === null ? 'added' : newPath === null ? 'removed' : 'modified';
  const hunks: Hunk[] = [];
  const patchStart = i;
  while (i < lines.length && lineAt(lines, i).startsWith('@@')) {
    const read = readHunk(lines, i);
    if (!read.ok) return read;
    hunks.push(read.value.hunk);
    i = read.value.next;
  }
  if (i < lines.length && !lineAt(lines, i).startsWith('diff --git '))
    return invalid(`line ${i + 1}: unexpected text after the hunks of ${path}`);
  const count = (c: string) => hunks.reduce((n, h) => n + h.lines.filter((l) => l[0] === c).length, 0);
  const patch = lines.slice(patchStart, i).join('\n');
  return ok({ file: { path, status, hunks, additions: count('+'), deletions: count('-'), patch }, next: i });
}

/** `a/path` -> path; `/dev/null` -> null; a quoted (C-style) path -> '' (refused). */
function pathOf(text: string, prefix: string): string | null {
  const name = text.endsWith('\t') ? text.slice(0, -1) : text;
  if (name === '/dev/null') return null;
  if (!name.startsWith(prefix) || name.startsWith('"')) return '';
  const path = name.slice(prefix.length);
  if (path === '' || path.startsWith('/') || path.split('/').some((s) => s === '..' || s === '.' || s === '.git'))
    return '';
  return path;
}

function readHunk(lines: string[], start: number): Result<{ hunk: Hunk; next: number }, Problem> {
  const m = HUNK_HEADER.exec(lineAt(lines, start));
  if (!m) return invalid(`line ${start + 1}: a hunk header that does not read`);
  const hunk: Hunk = {
    oldStart: Number(m[1]),
    oldCount: m[2] === undefined ? 1 : Number(m[2]),
    newStart: Number(m[3]),
    newCount: m[4] === undefined ? 1 : Number(m[4]),
    lines: [],
  };
  let oldSeen = 0;
  let newSeen = 0;
  let i = start + 1;
  for (
    ;
    i < lines.length && (oldSeen < hunk.oldCount || newSeen < hunk.newCount || lineAt(lines, i).startsWith('\\'));
    i++
  ) {
    const line = lineAt(lines, i);
    const kind = line[0];
    if (kind === ' ' || line === '') {
      oldSeen++;
      newSeen++;
      hunk.lines.push(line === '' ? ' ' : line);
    } else if (kind === '-') {
      oldSeen++;
      hunk.lines.push(line);
    } else if (kind === '+') {
      newSeen++;
      hunk.lines.push(line);
    } else if (kind === '\\') hunk.lines.push('\\');
    else return invalid(`line ${i + 1}: a hunk line must start with a space, - or +`);
  }
  if (oldSeen !== hunk.oldCount || newSeen !== hunk.newCount)
    return invalid(`line ${start + 1}: the hunk is cut short (its header counts more lines than it has)`);
  return ok({ hunk, next: i });
}

/**
 * A file's new text: its patch applied to its text at the base (undefined: not there), exactly, line by line; null
 * for a removed file. A context or removed line that differs from the base fails with the line it expected.
 */
export function applyFilePatch(base: string | undefined, file: FilePatch): Result<string | null, Problem> {
  if (file.status === 'added' && base !== undefined) return invalid(`${file.path} is added, but the base has it`);
  if (file.status !== 'added' && base === undefined) return invalid(`${file.path} is not in the base commit`);
  const old = splitText(base ?? '');
  const out: string[] = [];
  let pos = 0;
  let newEol = old.eol;
  for (const hunk of file.hunks) {
    const at = hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1;
    if (at < pos || at > old.lines.length)
      return invalid(`${file.path}: a hunk at line ${hunk.oldStart} is out of order`);
    out.push(...old.lines.slice(pos, at));
    pos = at;
    let last: string | undefined;
    for (const line of hunk.lines) {
      if (line === '\\') {
        if (last === '+' || last === ' ') newEol = false;
        continue;
      }
      const text = line.slice(1);
      if (line[0] !== '+') {
        if (old.lines[pos] !== text)
          return invalid(`${file.path}: line ${pos + 1} of the base is not the line the diff expects there`);
        pos++;
      }
      if (line[0] !== '-') out.push(text);
      last = line[0];
      if (line[0] !== '-') newEol = true;
    }
  }
  if (file.status === 'removed') return pos === old.lines.length ? ok(null) : invalid(`${file.path}: removed in part`);
  out.push(...old.lines.slice(pos));
  if (pos < old.lines.length) newEol = old.eol;
  return ok(out.length === 0 ? '' : out.join('\n') + (newEol ? '\n' : ''));
}

function splitText(text: string): { lines: string[]; eol: boolean } {
  if (text === '') return { lines: [], eol: true };
  const lines = text.split('\n');
  const eol = lines.at(-1) === '';
  if (eol) lines.pop();
  return { lines, eol };
}
