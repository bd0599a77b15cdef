import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

/**
 * The context an agent gets for an issue, within a token budget: the repository tree, then the files the
 * issue names or implies, best first. The ranking is a sum of visible reasons (named by path, named by file
 * name, words of the issue in the path, the test of a chosen file), so a person can see why a file was sent
 * and why another was not. The issue text only ranks files; it is never trusted for anything else.
 */

export type Issue = { title: string; body: string };
export type RankedFile = { path: string; score: number; reasons: string[] };
export type ContextFile = RankedFile & { tokens: number; content: string };
export type Context = {
  tree: string;
  treeTokens: number;
  files: ContextFile[];
  /** Files with a score that did not fit, or were never sent, and why. */
  omitted: Array<{ path: string; reason: string }>;
  tokens: number;
};

/** Never sent to a model: generated, vendored, binary or lock files say nothing an edit needs. */
const EXCLUDED = [/(^|\/)node_modules\//, /(^|\/)(dist|build|vendor|coverage)\//, /(^|\/)\.git\//, /(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|go\.sum)$/, /\.(png|jpe?g|gif|ico|pdf|zip|gz|tgz|jar|woff2?|ttf|exe|dll|so|dylib|bin)$/i];

const STOP_WORDS = new Set(['the', 'and', 'for', 'with', 'this', 'that', 'from', 'when', 'into', 'should', 'would', 'could', 'there', 'which', 'what', 'have', 'does', 'not', 'are', 'was', 'but', 'all', 'can', 'add', 'fix', 'use', 'new', 'make', 'file', 'files', 'src', 'test', 'tests', 'lib']);

export function isExcluded(path: string): boolean {
  return EXCLUDED.some((re) => re.test(path));
}

/**
 * Words of the issue worth looking for in paths: lower case, 3+ letters, not common English or path filler, and
 * not from paths or file names the issue spells out (those count as named, not as words).
 */
export function issueTerms(issue: Issue): string[] {
  const prose = `${issue.title}\n${issue.body}`.replace(/[\w.-]*\/[\w./-]*|[\w-]+\.[A-Za-z0-9]{1,5}\b/g, ' ');
  const words = prose.toLowerCase().match(/[a-z][a-z0-9]{2,}/g) ?? [];
  return [...new Set(words.filter((w) => !STOP_WORDS.has(w)))];
}

export function rankFiles(issue: Issue, paths: readonly string[]): RankedFile[] {
  const text = `${issue.title}\n${issue.body}`;
  const terms = issueTerms(issue);
  const ranked = new Map<string, RankedFile>();
  for (const path of paths) {
    if (isExcluded(path)) continue;
    const reasons: string[] = [];
    let score = 0;
    const name = path.split('/').at(-1)!;
    if (containsWord(text, path)) {
      score += 100;
      reasons.push('named in the issue');
    } else if (name.includes('.') && containsWord(text, name)) {
      score += 40;
      reasons.push(`its file name ${name} is named in the issue`);
    }
    const segments = path.toLowerCase().split(/[/._-]+/);
    const hits = terms.filter((t) => segments.some((s) => s === t || (t.length >= 4 && s.startsWith(t))));
    if (hits.length > 0) {
      score += 10 * hits.length;
      reasons.push(`the issue says ${hits.map((h) => `"${h}"`).join(', ')}`);
    }
    if (score > 0) ranked.set(path, { path, score, reasons });
  }
  // the tests of a chosen source file come with it
  for (const path of paths) {
    if (isExcluded(path) || ranked.has(path)) continue;
    const source = [...ranked.values()].find((r) => r.score >= 40 && isTestOf(path, r.path));
    if (source) ranked.set(path, { path, score: 5, reasons: [`tests ${source.path}`] });
  }
  return [...ranked.values()].sort((a, b) => b.score - a.score || a.path.localeCompare(b.path));
}

/**
 * The tree (at most a quarter of the budget), then ranked files whole, best first, while they fit; a file that
 * does not fit is skipped for smaller ones after it, and listed with the reason. A path whose content is
 * `undefined` is in the tree but was not read (the app reads only the best-ranked files).
 */
export function buildContext(issue: Issue, files: ReadonlyMap<string, string | undefined>, budgetTokens: number): Context {
  const paths = [...files.keys()].sort();
  const tree = fitTree(paths.filter((p) => !isExcluded(p)), Math.floor(budgetTokens / 4));
  const treeTokens = countTokens(tree);
  let tokens = treeTokens;
  const chosen: ContextFile[] = [];
  const omitted: Context['omitted'] = [];
  for (const ranked of rankFiles(issue, paths)) {
    const content = files.get(ranked.path);
    if (content === undefined) {
      omitted.push({ path: ranked.path, reason: 'not read (only the best-ranked files are fetched)' });
      continue;
    }
    const fileTokens = countTokens(`--- ${ranked.path}\n${content}\n`);
    if (tokens + fileTokens > budgetTokens) {
      omitted.push({ path: ranked.path, reason: `${fileTokens} tokens, ${budgetTokens - tokens} left in the budget` });
      continue;
    }
    tokens += fileTokens;
    chosen.push({ ...ranked, tokens: fileTokens, content });
  }
  return { tree, treeTokens, files: chosen, omitted, tokens };
}

function fitTree(paths: string[], budget: number): string {
  const lines: string[] = [];
  let used = 0;
  for (const path of paths) {
    const cost = countTokens(`${path}\n`);
    if (used + cost > budget) {
      lines.push(`… ${paths.length - lines.length} more paths`);
      break;
    }
    lines.push(path);
    used += cost;
  }
  return lines.join('\n');
}

function containsWord(text: string, needle: string): boolean {
  let at = text.indexOf(needle);
  while (at !== -1) {
    const before = text[at - 1];
    const after = text[at + needle.length];
    if ((before === undefined || !/[\w./-]/.test(before)) && (after === undefined || !/[\w/-]/.test(after) || (after === '.' && !/\w/.test(text[at + needle.length + 1] ?? '')))) return true;
    at = text.indexOf(needle, at + 1);
  }
  return false;
}

function isTestOf(testPath: string, sourcePath: string): boolean {
  const stem = (p: string) => p.split('/').at(-1)!.replace(/\.(test|spec)(?=\.)/, '').replace(/\.[^.]+$/, '');
  return /(^|\/)(test|tests|__tests__)\/|\.(test|spec)\.[^.]+$/.test(testPath) && stem(testPath) === stem(sourcePath) && testPath !== sourcePath;
}
