import type { SecretLintRuleCreator } from '@secretlint/types';
import { classifyName, type NameClass } from '../../secrets/names.js';
import { classes, isPlaceholder, shannonEntropy } from '../../secrets/text.js';
import { acceptsValue } from '../../secrets/values.js';

export { shannonEntropy };

/**
 * AAOE's own secretlint rule for secrets with no shape of their own: a value assigned to a secret-looking name
 * (`password = "…"`, `api_key: …`, `SECRET_TOKEN=…`, `"client_secret": "…"`, `if (apikey == "…")`). Provider
 * formats are the shape rules' job (src/core/secrets); this one decides by the name first (src/core/secrets/names.ts),
 * then by the value (src/core/secrets/values.ts), tuned so types, routes, i18n keys and fixtures do not fire.
 */

export const HIGH_ENTROPY_RULE_ID = 'aaoe/high-entropy-assignment';

/** Bits per character above which a value looks random (English words sit near 3, keys above 4). */
export const ENTROPY_THRESHOLD = 3.5;
export const MIN_VALUE_LENGTH = 16;

/** Extensions of configuration files, where a key at the start of a line takes the rest of the line as its value. */
const CONFIG_EXTENSIONS = new Set([
  '',
  '.env',
  '.yml',
  '.yaml',
  '.properties',
  '.ini',
  '.toml',
  '.cfg',
  '.conf',
  '.sh',
]);

const isNameChar = (c: string | undefined): boolean =>
  c !== undefined &&
  ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '.' || c === '-');
const isSpace = (c: string | undefined): boolean =>
  c !== undefined && (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v');
const isOperator = (c: string | undefined): boolean => c === '=' || c === ':' || c === '!' || c === '>' || c === '<';
/** Characters that end an unquoted value in code: whitespace, quotes and the punctuation that closes an expression. */
const isValueEnd = (c: string): boolean =>
  isSpace(c) ||
  c === '\n' ||
  c === '"' ||
  c === "'" ||
  c === '`' ||
  c === ',' ||
  c === ';' ||
  c === ')' ||
  c === '}' ||
  c === ']' ||
  c === '&';

export type Assignment = {
  name: string;
  nameClass: NameClass;
  value: string;
  start: number;
  quoted: boolean;
  /** The name starts its line (an `.env`, YAML or properties entry). */
  lineStart: boolean;
};

/**
 * Every `name <op> value` of `text` whose name is secret-looking (`=`, `:`, `:=`, `=>`, `==`, `===`, `!=`, `!==`).
 * A hand-written scan, linear in the text: each operator looks left over the name just before it (names end at
 * operators, so no character is read twice) and, only when that name is secret-looking, right over the value; a
 * match resumes the scan after its value. (It replaced a regular expression whose nested quantifiers backtracked
 * cubically: one line of `pwd` repeated took seconds to minutes.)
 */
export function findAssignments(text: string, restOfLineValues = false): Assignment[] {
  const found: Assignment[] = [];
  const unclosed: Unclosed = { quote: '', from: -1, end: -1 };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== ':' && c !== '=') continue;
    let opEnd = i;
    while (opEnd < text.length && isOperator(text[opEnd])) opEnd++;
    const named = nameBefore(text, i);
    if (named === undefined) {
      i = opEnd - 1;
      continue;
    }
    const lineStart = named.lineStart && (restOfLineValues || /^[A-Z][A-Z0-9_]*$/.test(named.name));
    const value = valueAfter(text, opEnd, lineStart && c === text[opEnd - 1], unclosed);
    if (!value) {
      i = opEnd - 1;
      continue;
    }
    found.push({ name: named.name, nameClass: named.nameClass, ...value, lineStart });
    i = Math.max(value.end, opEnd) - 1;
  }
  return found;
}

/** The secret-looking name that ends (after spaces, `!`/`=`, an optional quote) just before `at`. */
function nameBefore(text: string, at: number): { name: string; nameClass: NameClass; lineStart: boolean } | undefined {
  let k = at;
  while (k > 0 && (text[k - 1] === '!' || text[k - 1] === '=')) k--;
  while (k > 0 && isSpace(text[k - 1])) k--;
  if (k > 0 && text[k - 1] === ']') {
    // `secret[] =`, `char secret[25] =`
    let b = k - 1;
    while (b > 0 && text[b - 1] !== '[' && k - b < 40) b--;
    if (text[b - 1] === '[') k = b - 1;
  }
  if (k > 0 && (text[k - 1] === '"' || text[k - 1] === "'")) k--;
  const end = k;
  while (k > 0 && isNameChar(text[k - 1])) k--;
  if (k === end || end - k > 100) return undefined;
  const name = text.slice(k, end);
  const nameClass = classifyName(name);
  if (nameClass === undefined) return undefined;
  let s = k;
  if (s > 0 && (text[s - 1] === '"' || text[s - 1] === "'")) s--;
  while (s > 0 && isSpace(text[s - 1])) s--;
  if (text.slice(Math.max(0, s - 7), s) === 'export ') s -= 7;
  else if (text.slice(Math.max(0, s - 2), s) === '- ') s -= 2;
  return { name, nameClass, lineStart: s === 0 || text[s - 1] === '\n' };
}

/** Where a search for a closing quote last failed (it runs to the end of the line), so none is repeated. */
type Unclosed = { quote: string; from: number; end: number };

/** The longest value read, quoted or not (a line is at most MAX_SCANNED_LINE long anyway). */
const MAX_VALUE = 4_096;

/**
 * The value that starts (after spaces, `@`, an optional quote) at `from`; quoted values end at the same quote. A
 * quote that does not close on its line is remembered, so later operators inside that unclosed string do not search
 * again: the scan stays linear.
 */
function valueAfter(
  text: string,
  from: number,
  restOfLine: boolean,
  unclosed: Unclosed,
): { value: string; start: number; end: number; quoted: boolean } | undefined {
  let k = from;
  while (k < text.length && isSpace(text[k])) k++;
  if (text[k] === '@' && (text[k + 1] === '"' || text[k + 1] === "'")) k++;
  const quote = text[k] === '"' || text[k] === "'" || text[k] === '`' ? text[k] : undefined;
  if (quote) {
    const start = k + 1;
    if (unclosed.quote === quote && start >= unclosed.from && start <= unclosed.end) return undefined;
    let j = start;
    while (j < text.length && text[j] !== quote && text[j] !== '\n' && j - start <= MAX_VALUE)
      j += text[j] === '\\' ? 2 : 1;
    if (text[j] !== quote) {
      if (j - start <= MAX_VALUE) Object.assign(unclosed, { quote, from: start, end: j });
      return undefined;
    }
    return { value: text.slice(start, j), start, end: j + 1, quoted: true };
  }
  const start = k;
  let j = k;
  if (restOfLine) while (j < text.length && text[j] !== '\n') j++;
  else while (j < text.length && !isValueEnd(text.charAt(j))) j++;
  let end = j;
  while (end > start && isSpace(text[end - 1])) end--;
  if (restOfLine) {
    const comment = text.slice(start, end).indexOf(' #');
    if (comment >= 0) end = start + comment;
  }
  if (end === start) return undefined;
  return { value: text.slice(start, end), start, end, quoted: false };
}

/** Kept for callers and tests: a random-looking value (long enough, high entropy, no placeholder). */
export function looksLikeSecret(value: string): boolean {
  if (value.length < MIN_VALUE_LENGTH || isPlaceholder(value)) return false;
  const c = classes(value);
  if (c.digits === 0 && c.other === 0) return false;
  return shannonEntropy(value) >= ENTROPY_THRESHOLD;
}

const messages = {
  HIGH_ENTROPY_ASSIGNMENT: {
    en: (props: { NAME: string }) => `a secret-looking value is assigned to ${props.NAME}`,
  },
};

export const highEntropyRule: SecretLintRuleCreator = {
  messages,
  meta: {
    id: HIGH_ENTROPY_RULE_ID,
    recommended: true,
    type: 'scanner',
    supportedContentTypes: ['text'],
    docs: { url: 'https://github.com/aaoe/aaoe/blob/main/docs/secrets.md' },
  },
  create(context) {
    const t = context.createTranslator(messages);
    return {
      file(source) {
        const config = CONFIG_EXTENSIONS.has(source.ext);
        for (const a of findAssignments(source.content, config)) {
          if (!acceptsValue(a)) continue;
          context.report({
            message: t('HIGH_ENTROPY_ASSIGNMENT', { NAME: a.name }),
            range: [a.start, a.start + a.value.length],
          });
        }
      },
    };
  },
};
