/**
 * The small pieces every Markdown surface shares (PR bodies, check runs, comments, issues, docs tables). Each runs in
 * time linear in its input: most of what they format was written by somebody else (an agent, a model, a user).
 */

/** Text others wrote, made inert: no @mention that notifies, no HTML comment that could pose as one of AAOE's markers. */
export function data(text: string): string {
  return text.replace(/@(?=[\w-])/g, '@\u200d').replace(/<!--/g, '&lt;!--');
}

/** Lines joined by one space, the space around each line break dropped (a linear split, not a backtracking regex). */
export function oneLine(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
}

/** The first line of `text` (leading blank space dropped), cut to `max` characters with an ellipsis. */
export function firstLine(text: string, max = 72): string {
  const line = (text.trim().split(/\r?\n/)[0] ?? '').trim();
  return truncate(line, max);
}

/** `text` cut to `max` characters, its last one an ellipsis when it was cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** AAOE's own text in a table cell: one line, pipes escaped. */
export function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** Text others wrote in a table cell: inert (`data`), one line, no pipe or backtick that would reshape the row. */
export function dataCell(text: string): string {
  return data(oneLine(text)).replace(/([|`])/g, '\\$1');
}
