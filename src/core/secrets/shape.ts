import { isPlaceholder, shannonEntropy } from './text.js';

/**
 * A secret recognised by its own shape: a provider's documented prefix, length, alphabet and, where the format has
 * one, checksum. Each rule is one regular expression with a literal anchor and bounded, non-nested quantifiers, so a
 * scan is linear in the text. A rule's optional named group `lead` (inside a lookbehind) holds the part of the secret
 * before the anchor; a named group `secret` narrows the reported range to the secret inside a larger match (the
 * password of a URL, the value of a header).
 */
export type ShapeRule = {
  /** Stable id, shown in the check as `aaoe/<id>`. */
  id: string;
  /** The provider or family, for the bench and the docs. */
  family: string;
  /** What was found, in words that never include the value. */
  kind: string;
  /** Global (`g`) pattern; add `d` when it has a `secret` group. */
  pattern: RegExp;
  /** Further checks on the secret (a required marker, a length); false: not this format. */
  verify?: (secret: string) => boolean;
  /** The format's checksum: when it holds, the secret is reported whatever it looks like (no entropy test). */
  checksum?: (secret: string) => boolean;
  /** Minimum entropy of the secret in bits per character (default 2.5) so `xxxx` bodies do not fire. */
  minEntropy?: number;
  /** The preceding character may be a letter or digit (the anchor itself is not a word start). */
  anyBefore?: boolean;
  /** The literal texts a match starts with, when the pattern does not start with one (see anchorsOf). */
  anchors?: string[];
  /** Placeholders (`xxxx`, `EXAMPLE`) are findings too: the format is specific enough. */
  keepPlaceholders?: boolean;
};

export type ShapeHit = { rule: ShapeRule; start: number; end: number };

/** Characters that may not stand just before a token: it would be the middle of a longer word or blob. */
function continuesWord(c: string | undefined): boolean {
  if (c === undefined) return false;
  return (
    (c >= 'a' && c <= 'z') ||
    (c >= 'A' && c <= 'Z') ||
    (c >= '0' && c <= '9') ||
    c === '_' ||
    c === '-' ||
    c === '+' ||
    c === '/' ||
    c === '.'
  );
}

/** The range of the secret in one match, and where the match begins (the secret's surroundings included). */
function rangeOf(match: RegExpExecArray): { start: number; end: number; begin: number } {
  const lead = match.groups?.['lead']?.length ?? 0;
  const begin = match.index - lead;
  const secret = match.indices?.groups?.['secret'];
  if (secret) return { start: secret[0], end: secret[1], begin };
  return { start: begin, end: match.index + match[0].length, begin };
}

/** Whether the text of one match is reported: boundary, verification, placeholder and entropy checks. */
function accepts(rule: ShapeRule, text: string, begin: number, start: number, end: number): boolean {
  if (!rule.anyBefore && continuesWord(text[begin - 1])) return false;
  const secret = text.slice(start, end);
  if (rule.checksum?.(secret)) return true;
  if (rule.verify && !rule.verify(secret)) return false;
  if (!rule.keepPlaceholders && isPlaceholder(secret)) return false;
  return shannonEntropy(secret) >= (rule.minEntropy ?? 2.5);
}

const META = new Set(['[', ']', '(', ')', '{', '}', '.', '*', '+', '?', '^', '$', '|']);
const QUANTIFIER = new Set(['?', '*', '{', '+']);

/** The literal text a (sub)pattern starts with, up to the first class, group or quantified character. */
function leadingLiteral(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src.charAt(i);
    if (c === '\\') {
      const next = src.charAt(i + 1);
      if (/[A-Za-z0-9]/.test(next)) break;
      if (QUANTIFIER.has(src.charAt(i + 2))) break;
      out += next;
      i++;
      continue;
    }
    if (META.has(c)) {
      if (QUANTIFIER.has(c)) out = out.slice(0, -1);
      break;
    }
    out += c;
  }
  return out;
}

/** The branches of a leading `(?:a|b|c)` group, or undefined when the pattern does not start with one. */
function leadingBranches(src: string): string[] | undefined {
  if (!src.startsWith('(?:')) return undefined;
  const branches: string[] = [];
  let depth = 0;
  let inClass = false;
  let from = 3;
  for (let i = 3; i < src.length; i++) {
    const c = src.charAt(i);
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (c === '|' && depth === 0) {
      branches.push(src.slice(from, i));
      from = i + 1;
    } else if (c === ')') {
      branches.push(src.slice(from, i));
      return QUANTIFIER.has(src.charAt(i + 1)) ? undefined : branches;
    }
  }
  return undefined;
}

/**
 * The literal texts one of which every match of `rule` starts with (`ghp_`, `.atlasv1.`): the rule's own `anchors`,
 * or what its pattern starts with. Empty when a match can start anywhere (the rule then scans the whole text).
 */
export function anchorsOf(rule: ShapeRule): string[] {
  if (rule.anchors) return rule.anchors;
  const src = rule.pattern.source;
  const branches = leadingBranches(src)?.map(leadingLiteral) ?? [leadingLiteral(src)];
  return branches.every((b) => b.length >= 2) ? branches : [];
}

type Compiled = {
  /** One pass over the text finds every anchor. */
  scan: RegExp | undefined;
  byFirst: Map<string, Array<{ anchor: string; rule: ShapeRule; sticky: RegExp }>>;
  unanchored: ShapeRule[];
};

const compiled = new WeakMap<readonly ShapeRule[], Compiled>();

function compile(rules: readonly ShapeRule[]): Compiled {
  const cached = compiled.get(rules);
  if (cached) return cached;
  const byFirst: Compiled['byFirst'] = new Map();
  const unanchored: ShapeRule[] = [];
  const all = new Set<string>();
  for (const rule of rules) {
    const anchors = anchorsOf(rule);
    if (anchors.length === 0) unanchored.push(rule);
    const sticky = new RegExp(rule.pattern.source, rule.pattern.flags.replace('g', '') + 'y');
    for (const anchor of anchors) {
      all.add(anchor);
      const list = byFirst.get(anchor.charAt(0)) ?? [];
      list.push({ anchor, rule, sticky });
      byFirst.set(anchor.charAt(0), list);
    }
  }
  const escaped = [...all].sort((a, b) => b.length - a.length).map((a) => a.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
  const result = { scan: escaped.length ? new RegExp(escaped.join('|'), 'g') : undefined, byFirst, unanchored };
  compiled.set(rules, result);
  return result;
}

/**
 * Every match of every rule in `text`; at most one hit per start position. One pass finds the rules' anchors, and
 * each rule runs only where its anchor stands (sticky), so the cost is one scan plus a few short matches, whatever the
 * number of rules; rules without an anchor scan the whole text.
 */
export function findShapes(text: string, rules: readonly ShapeRule[]): ShapeHit[] {
  const { scan, byFirst, unanchored } = compile(rules);
  const hits: ShapeHit[] = [];
  const taken = new Set<number>();
  const take = (rule: ShapeRule, match: RegExpExecArray) => {
    const { start, end, begin } = rangeOf(match);
    if (taken.has(start) || !accepts(rule, text, begin, start, end)) return;
    taken.add(start);
    hits.push({ rule, start, end });
  };
  if (scan) {
    scan.lastIndex = 0;
    let m: RegExpExecArray | null;
    // where each rule's last match ended: an anchor inside a match of the same rule is part of that token, so it is
    // not matched again (each character is read by at most one match per rule: linear on a repeated anchor)
    const matchedUntil = new Map<ShapeRule, number>();
    while ((m = scan.exec(text)) !== null) {
      const at = m.index;
      for (const { anchor, rule, sticky } of byFirst.get(text.charAt(at)) ?? []) {
        if (at < (matchedUntil.get(rule) ?? 0) || !text.startsWith(anchor, at)) continue;
        sticky.lastIndex = at;
        const match = sticky.exec(text);
        if (!match) continue;
        matchedUntil.set(rule, at + match[0].length);
        take(rule, match);
      }
      scan.lastIndex = at + 1;
    }
  }
  for (const rule of unanchored) {
    const re = rule.pattern;
    re.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = re.exec(text)) !== null) {
      if (match[0].length === 0) re.lastIndex++;
      take(rule, match);
    }
  }
  return hits.sort((a, b) => a.start - b.start);
}
