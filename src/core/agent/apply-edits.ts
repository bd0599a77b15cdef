import { RepoPath, type Edit } from './proposal.js';

/**
 * A proposal's edits applied to a tree of files (path -> content), before anything is committed. Pure: the
 * tree comes in, a new tree comes out, the input is never touched.
 *
 * An edit must say what it means: create only a new file, update or delete only an existing one, a search
 * text that occurs exactly once, one edit per path, no update that changes nothing. Anything else is an
 * error rather than a guess, and every error is reported at once so an agent can fix them in one retry.
 */

export type EditedFile = { path: string; status: 'added' | 'modified' | 'removed' };

export type EditsApplied =
  { ok: true; tree: Map<string, string>; changed: EditedFile[] } | { ok: false; errors: string[] };

export function applyEdits(tree: ReadonlyMap<string, string>, edits: readonly Edit[]): EditsApplied {
  const next = new Map(tree);
  const changed: EditedFile[] = [];
  const errors: string[] = [];

  // Two edits on one path would each be judged against a file the other changes: refuse them both.
  const indexesByPath = new Map<string, number[]>();
  edits.forEach((edit, i) => indexesByPath.set(edit.path, [...(indexesByPath.get(edit.path) ?? []), i]));
  for (const [path, indexes] of indexesByPath) {
    if (indexes.length < 2) continue;
    const names = indexes.map((i) => `edits[${i}]`);
    const list = `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
    errors.push(`${list} ${indexes.length === 2 ? 'both' : 'all'} change ${path}; give one edit per path`);
  }

  edits.forEach((edit, i) => {
    const at = `edits[${i}] (${edit.action} ${edit.path})`;
    if ((indexesByPath.get(edit.path)?.length ?? 0) > 1) return;
    // The schema already refuses these; checked again because this is the last step before a commit.
    const checked = RepoPath.safeParse(edit.path);
    if (!checked.success) {
      errors.push(...checked.error.issues.map((issue) => `${at}: ${issue.message}`));
      return;
    }
    const current = tree.get(edit.path);

    switch (edit.action) {
      case 'create':
        if (current !== undefined) {
          errors.push(`${at}: the file already exists; update it instead`);
          return;
        }
        next.set(edit.path, edit.content);
        changed.push({ path: edit.path, status: 'added' });
        return;
      case 'delete':
        if (current === undefined) {
          errors.push(`${at}: the file does not exist`);
          return;
        }
        next.delete(edit.path);
        changed.push({ path: edit.path, status: 'removed' });
        return;
      case 'update': {
        if (current === undefined) {
          errors.push(`${at}: the file does not exist; create it instead`);
          return;
        }
        const updated = updatedContent(current, edit, at, errors);
        if (updated === undefined) return;
        if (updated === current) {
          errors.push(`${at}: the update changes nothing; the new content equals the current content`);
          return;
        }
        next.set(edit.path, updated);
        changed.push({ path: edit.path, status: 'modified' });
        return;
      }
    }
  });

  return errors.length > 0 ? { ok: false, errors } : { ok: true, tree: next, changed };
}

/** The new content of an update, or undefined after pushing the reasons it has none. */
function updatedContent(
  current: string,
  edit: Extract<Edit, { action: 'update' }>,
  at: string,
  errors: string[],
): string | undefined {
  if ((edit.content === undefined) === (edit.replacements === undefined)) {
    errors.push(`${at}: an update gives either \`content\` or \`replacements\`, exactly one of them`);
    return undefined;
  }
  if (edit.content !== undefined) return edit.content;

  // Later replacements still run after a failed one, so that every search that does not match is reported.
  let content = current;
  let failed = false;
  for (const [j, { search, replace }] of (edit.replacements ?? []).entries()) {
    const found = search === '' ? undefined : occurrences(content, search);
    if (found !== 1) {
      failed = true;
      const why = found === undefined ? 'is empty' : `was found ${found} times`;
      const fix = found !== undefined && found > 1 ? ': make it longer, so that it matches one place' : '';
      errors.push(`${at}: replacements[${j}].search ${why}; it must occur exactly once${fix}`);
      continue;
    }
    // Spliced, not String.replace: `$&` and friends in `replace` are text, not patterns.
    const index = content.indexOf(search);
    content = content.slice(0, index) + replace + content.slice(index + search.length);
  }
  return failed ? undefined : content;
}

/** How often `search` occurs, overlaps included: "aa" in "aaa" is two places, so it is ambiguous. */
function occurrences(text: string, search: string): number {
  let count = 0;
  for (let i = text.indexOf(search); i !== -1; i = text.indexOf(search, i + 1)) count++;
  return count;
}
