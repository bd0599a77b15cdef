/**
 * Reads GitHub's unified diff of one file (the `patch` of the pull-request files API).
 */

export type AddedLine = { line: number; text: string };

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** Every added line with its line number in the new file. */
export function addedLines(patch: string): AddedLine[] {
  const out: AddedLine[] = [];
  let next = 0; // line number in the new file of the next '+' or ' ' line
  let inHunk = false;
  for (const raw of patch.split('\n')) {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const hunk = HUNK.exec(text);
    if (hunk) {
      next = Number(hunk[1]);
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    if (text.startsWith('+')) out.push({ line: next++, text: text.slice(1) });
    else if (text.startsWith(' ') || text === '') next++;
    // '-' lines and '\ No newline at end of file' do not move the new file's line number
  }
  return out;
}
