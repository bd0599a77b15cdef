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
const EXCLUDED = [
  /(^|\/)node_modules\//,
  /(^|\/)(dist|build|vendor|coverage)\//,
  /(^|\/)\.git\//,
  /(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|go\.sum)$/,
  /\.(png|jpe?g|gif|ico|pdf|zip|gz|tgz|jar|woff2?|ttf|exe|dll|so|dylib|bin)$/i,
];

const STOP_WORDS = new Set([
  'the',
  'and',
  'for',
  'with',
  'this',
  'that',
  'from',
  'when',
  'into',
  'should',
  'would',
  'could',
  'there',
  'which',
  'what',
  'have',
  'does',
  'not',
  'are',
  'was',
  'but',
  'all',
  'can',
  'add',
  'fix',
  'use',
  'new',
  'make',
  'file',
  'files',
  'src',
  'test',
  'tests',
  'lib',
]);

export function isExcluded(path: string): boolean {
  return EXCLUDED.some((re) => re.test(path));
}

/** Committed placeholders of a `.env` file: read like any file (and scanned like any file). */
const ENV_TEMPLATES = new Set(['.env.example', '.env.sample', '.env.template', '.env.dist']);
/** File names that hold credentials by convention (compared in lower case). */
const SECRET_NAMES = new Set([
  '.npmrc',
  '.netrc',
  '_netrc',
  '.pypirc',
  '.git-credentials',
  '.dockercfg',
  '.htpasswd',
  '.pgpass',
  '.s3cfg',
  'credentials',
  'kubeconfig',
  'terraform.tfstate',
  'terraform.tfstate.backup',
]);
/** Extensions of keys, keystores and state files that carry secrets. */
const SECRET_EXTENSIONS = new Set([
  'pem',
  'key',
  'p12',
  'pfx',
  'jks',
  'keystore',
  'ppk',
  'tfstate',
  'tfvars',
  'kdbx',
  'gpg',
]);

/**
 * A path whose content is a secret by convention (`.env`, `.env.*`, `*.pem`, `*.key`, `id_rsa*`, `.npmrc`, `.netrc`,
 * credentials and `secrets.*` files, ...): never read for a model, whatever the issue names. Its name stays in the
 * tree. Plain string tests on the last segment (and `.docker/config.json`, `.aws/credentials`), no pattern.
 */
export function isSecretPath(path: string): boolean {
  const lower = path.toLowerCase();
  const name = lower.slice(lower.lastIndexOf('/') + 1);
  if (name === '.env' || (name.startsWith('.env.') && !ENV_TEMPLATES.has(name))) return true;
  if (SECRET_NAMES.has(name) || lower.endsWith('.docker/config.json')) return true;
  if (['id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519'].some((key) => name.startsWith(key))) return true;
  const stem = name.slice(0, name.indexOf('.') === -1 ? name.length : name.indexOf('.'));
  if (['secret', 'secrets', 'credentials', 'credential'].includes(stem) && name !== stem) return true;
  const dot = name.lastIndexOf('.');
  return dot > 0 && SECRET_EXTENSIONS.has(name.slice(dot + 1));
}

/**
 * Words of the issue worth looking for in paths: lower case, 3+ letters, not common English or path filler, and
 * not from paths or file names the issue spells out (those count as named, not as words).
 */
/** Longer whitespace-separated tokens are neither words nor paths worth ranking by. */
const MAX_TERM_TOKEN = 256;
/** Occurrences of one path in the issue looked at to decide whether it is named as a word. */
const MAX_OCCURRENCES = 64;

export function issueTerms(issue: Issue): string[] {
  // the patterns run on one whitespace-separated token at a time, and a token longer than any word or path is no
  // term: anyone who can write the issue writes this text, so the work stays linear in its length
  const prose = `${issue.title}\n${issue.body}`
    .split(/\s+/)
    .filter((token) => token.length <= MAX_TERM_TOKEN)
    .map((token) => token.replace(/[\w.-]*\/[\w./-]*|[\w-]+\.[A-Za-z0-9]{1,5}\b/g, ' '))
    .join(' ');
  const words = prose.toLowerCase().match(/[a-z][a-z0-9]{2,}/g) ?? [];
  return [...new Set(words.filter((w) => !STOP_WORDS.has(w)))];
}

export function rankFiles(issue: Issue, paths: readonly string[]): RankedFile[] {
  const text = `${issue.title}\n${issue.body}`;
  const terms = issueTerms(issue);
  const ranked = new Map<string, RankedFile>();
  for (const path of paths) {
    if (isExcluded(path) || isSecretPath(path)) continue;
    const reasons: string[] = [];
    let score = 0;
    const name = path.split('/').at(-1) ?? path;
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
export function buildContext(
  issue: Issue,
  files: ReadonlyMap<string, string | undefined>,
  budgetTokens: number,
): Context {
  const paths = [...files.keys()].sort();
  const tree = fitTree(
    paths.filter((p) => !isExcluded(p)),
    Math.floor(budgetTokens / 4),
  );
  const treeTokens = countTokens(tree);
  let tokens = treeTokens;
  const chosen: ContextFile[] = [];
  const omitted: Context['omitted'] = [];
  const text = `${issue.title}\n${issue.body}`;
  for (const path of paths) {
    if (isSecretPath(path) && containsWord(text, path))
      omitted.push({ path, reason: 'a secret-like path: never sent to a model' });
  }
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
  // a path named in earnest is named a few times: the occurrences looked at are bounded (the issue is anyone's text)
  for (let seen = 0; at !== -1 && seen < MAX_OCCURRENCES; seen++) {
    const before = text[at - 1];
    const after = text[at + needle.length];
    if (
      (before === undefined || !/[\w./-]/.test(before)) &&
      (after === undefined ||
        !/[\w/-]/.test(after) ||
        (after === '.' && !/\w/.test(text[at + needle.length + 1] ?? '')))
    )
      return true;
    at = text.indexOf(needle, at + 1);
  }
  return false;
}

function isTestOf(testPath: string, sourcePath: string): boolean {
  const stem = (p: string) => (p.split('/').at(-1) ?? p).replace(/\.(test|spec)(?=\.)/, '').replace(/\.[^.]+$/, '');
  return (
    /(^|\/)(test|tests|__tests__)\/|\.(test|spec)\.[^.]+$/.test(testPath) &&
    stem(testPath) === stem(sourcePath) &&
    testPath !== sourcePath
  );
}
