import picomatch from 'picomatch';
import { trimLeadingSlashes, trimTrailingSlashes } from '../text/slashes.js';

/**
 * GitHub's CODEOWNERS, parsed and matched the way GitHub documents it (the npm parsers get several rules wrong):
 *
 * - the last matching line wins, and a line with a pattern but no owners makes matching paths unowned;
 * - gitignore-style patterns: a pattern with a `/` at the start or in the middle is anchored at the root,
 *   otherwise it matches at any depth; a pattern that names a directory owns everything below it, except that
 *   `dir/*` owns only the files directly in `dir`; `*` and `?` stay within one path segment, `**` crosses them;
 * - case-sensitive; `!` negation and `[ ]` ranges do not work on GitHub (a `!` pattern is reported as an
 *   error, brackets match themselves); a line starting with `#` is a comment, and so is the rest of a line
 *   from a `#` that follows whitespace; `\ ` is a space inside a pattern.
 */

export type CodeownersRule = { pattern: string; owners: string[]; line: number };
export type CodeownersError = { line: number; message: string };
export type Codeowners = { rules: CodeownersRule[]; errors: CodeownersError[] };

const OWNER = /^(@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

export function parseCodeowners(text: string): Codeowners {
  const rules: CodeownersRule[] = [];
  const errors: CodeownersError[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = stripComment(raw).trim();
    if (content === '') return;
    const [pattern = '', ...owners] = splitFields(content);
    if (pattern.startsWith('!')) {
      errors.push({ line, message: `"${pattern}": negation with ! does not work in CODEOWNERS` });
      return;
    }
    const bad = owners.filter((o) => !OWNER.test(o));
    if (bad.length > 0) {
      errors.push({
        line,
        message: `not an owner: ${bad.join(', ')} (owners are @user, @org/team or an email address)`,
      });
      return;
    }
    rules.push({ pattern, owners, line });
  });
  return { rules, errors };
}

/** The rule that decides `path`'s owners (the last one matching), or undefined when none matches. */
export function matchingRule(codeowners: Codeowners, path: string): CodeownersRule | undefined {
  const normalized = trimLeadingSlashes(path);
  for (let i = codeowners.rules.length - 1; i >= 0; i--) {
    const rule = codeowners.rules[i];
    if (rule && matcherFor(rule.pattern)(normalized)) return rule;
  }
  return undefined;
}

/** The owners of `path`: empty when no rule matches or the deciding rule has no owners. */
export function ownersOf(codeowners: Codeowners, path: string): string[] {
  return matchingRule(codeowners, path)?.owners ?? [];
}

const matchers = new Map<string, (path: string) => boolean>();

function matcherFor(pattern: string): (path: string) => boolean {
  let matcher = matchers.get(pattern);
  if (!matcher) {
    matcher = compile(pattern);
    matchers.set(pattern, matcher);
  }
  return matcher;
}

function compile(pattern: string): (path: string) => boolean {
  const directoryOnly = pattern.endsWith('/');
  let body = trimTrailingSlashes(trimLeadingSlashes(pattern));
  const anchored = pattern.startsWith('/') || body.includes('/');
  // brackets, braces and extglob characters are literal on GitHub
  body = body.replace(/[[\]{}()!+@]/g, (c) => `\\${c}`);
  if (body === '' || body === '**') return () => true;
  const base = anchored ? body : `**/${body}`;
  const lastSegment = body.split('/').at(-1);
  const globs: string[] = [];
  if (!directoryOnly) globs.push(base);
  // a pattern that names a directory owns what is below it; `dir/*` only what is directly in it
  if (lastSegment !== '*') globs.push(`${base}/**/*`);
  return picomatch(globs, { dot: true, nobrace: true, noextglob: true, nonegate: true });
}

function stripComment(line: string): string {
  if (line.trimStart().startsWith('#')) return '';
  const at = line.search(/\s#/);
  return at === -1 ? line : line.slice(0, at);
}

/** Whitespace-separated fields, where `\ ` is a space inside a field. */
function splitFields(content: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < content.length; i++) {
    const c = content.charAt(i);
    if (c === '\\' && content[i + 1] === ' ') {
      current += ' ';
      i++;
    } else if (/\s/.test(c)) {
      if (current !== '') fields.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  if (current !== '') fields.push(current);
  return fields;
}
