import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChangedFile } from '../policy/change.js';
import { scanSecrets } from '../policy/gates/secrets.js';
import type { Context } from './context.js';

/**
 * The context's files go through the same secret scanner as a pull request's added lines before a model sees
 * them: a line the scanner finds something in is withheld (replaced by a note that says which line and what was
 * found, never the value), and a file the scanner could not scan is withheld whole. A model endpoint is a third
 * party: a secret committed to the repository is no reason to send it on.
 */
export async function withholdSecrets(context: Context): Promise<Context> {
  if (context.files.length === 0) return context;
  const scanned = await scanSecrets(context.files.map(asAddedFile), { ignorePaths: [] });
  const unscanned = new Map(scanned.unscanned.map((u) => [u.path, u.reason]));
  const found = new Map<string, Map<number, string>>();
  for (const f of scanned.findings) {
    const lines = found.get(f.path) ?? new Map<number, string>();
    for (let line = f.startLine; line <= f.endLine; line++) if (!lines.has(line)) lines.set(line, f.rule);
    found.set(f.path, lines);
  }
  if (found.size === 0 && unscanned.size === 0) return context;

  const files: Context['files'] = [];
  const omitted = [...context.omitted];
  let tokens = context.treeTokens;
  for (const file of context.files) {
    const reason = unscanned.get(file.path);
    if (reason !== undefined) {
      omitted.push({ path: file.path, reason: `withheld: the secret scanner could not scan it (${reason})` });
      continue;
    }
    const lines = found.get(file.path);
    const content = lines ? redact(file.content, lines) : file.content;
    const fileTokens = lines ? countTokens(`--- ${file.path}\n${content}\n`) : file.tokens;
    tokens += fileTokens;
    files.push({ ...file, content, tokens: fileTokens });
  }
  return { ...context, files, omitted, tokens };
}

/** The file as a change that adds every line, so the scanner reads all of it with the file's own line numbers. */
function asAddedFile(file: Context['files'][number]): ChangedFile {
  const lines = file.content.split('\n');
  return {
    path: file.path,
    status: 'added',
    additions: lines.length,
    deletions: 0,
    patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`,
  };
}

function redact(content: string, withheld: ReadonlyMap<number, string>): string {
  return content
    .split('\n')
    .map((line, i) => {
      const rule = withheld.get(i + 1);
      return rule === undefined ? line : `[line ${i + 1} withheld: the secret scanner found a secret (${rule})]`;
    })
    .join('\n');
}
