import type { ParsedCommand } from './commands.js';

/** The 7-40 hex digits of `/aaoe approve <sha>` (the line read again: the parser refuses arguments to `approve`). */
const APPROVE_SHA = /^[ \t]*\/aaoe[ \t]+approve[ \t]+([0-9a-f]{7,40})[ \t]*$/i;

/** The SHA a parsed `/aaoe approve <sha>` line names, or undefined (any other line, or a malformed argument). */
export function approvedSha(parsed: ParsedCommand, body: string): string | undefined {
  if (parsed.type === 'command') {
    const named = (parsed.command as { sha?: unknown }).sha;
    return parsed.command.verb === 'approve' && typeof named === 'string' && /^[0-9a-f]{7,40}$/i.test(named)
      ? named.toLowerCase()
      : undefined;
  }
  if (parsed.type !== 'invalid' || parsed.verb !== 'approve') return undefined;
  const line = lineAt(body, parsed.line);
  return line === undefined || line.length > 200 ? undefined : APPROVE_SHA.exec(line)?.[1]?.toLowerCase();
}

/** Line `n` (1-based) of a text, found by one scan. */
function lineAt(text: string, n: number): string | undefined {
  let start = 0;
  for (let line = 1; line < n; line++) {
    const next = nextLineStart(text, start);
    if (next === undefined) return undefined;
    start = next;
  }
  let end = start;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  return text.slice(start, end);
}

function nextLineStart(text: string, from: number): number | undefined {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\r') return text[i + 1] === '\n' ? i + 2 : i + 1;
    if (text[i] === '\n') return i + 1;
  }
  return undefined;
}
