import type { SecretLintRuleCreator } from '@secretlint/types';

/**
 * AAOE's own secretlint rule: a random-looking value assigned to a secret-looking name
 * (`password = "…"`, `api_key: …`, `SECRET_TOKEN=…`, `"client_secret": "…"`), which the
 * provider-specific rules of the recommended preset cannot know.
 */

export const HIGH_ENTROPY_RULE_ID = 'aaoe/high-entropy-assignment';

/** Bits per character above which a value looks random (English words sit near 3, keys above 4). */
export const ENTROPY_THRESHOLD = 3.5;
export const MIN_VALUE_LENGTH = 16;

/** Words that make a name secret-looking, lower case (`api[_-]?key` and the like spelled out). */
const KEYWORDS = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'apikey',
  'api_key',
  'api-key',
  'accesskey',
  'access_key',
  'access-key',
  'privatekey',
  'private_key',
  'private-key',
  'credential',
  'authkey',
  'auth_key',
  'auth-key',
];

const isNameChar = (c: string | undefined): boolean =>
  c !== undefined &&
  ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '.' || c === '-');
const isSpace = (c: string | undefined): boolean =>
  c !== undefined && (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v');
/** Characters that end a value: whitespace, quotes and the punctuation that closes an expression. */
const isValueEnd = (c: string): boolean =>
  isSpace(c) || c === '"' || c === "'" || c === '`' || c === ',' || c === ';' || c === ')' || c === '}' || c === ']';

export type Assignment = { name: string; value: string; start: number };

/**
 * Every `name = value` of `text` whose name is secret-looking (`password = "…"`, `api_key: …`, `SECRET_TOKEN=…`,
 * `"client_secret": "…"`, `token := …`, `pwd => …`) and whose value is at least {@link MIN_VALUE_LENGTH} characters,
 * quoted or not. A hand-written scan, linear in the text: each assignment operator looks left over the name just
 * before it (names end at operators, so no character is read twice) and, only when that name is secret-looking,
 * right over the value; a match resumes the scan after its value. (It replaced a regular expression whose nested
 * quantifiers backtracked cubically: one line of `pwd` repeated took seconds to minutes.)
 */
export function findAssignments(text: string): Assignment[] {
  const found: Assignment[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== ':' && c !== '=') continue;
    const name = nameBefore(text, i);
    if (name === undefined) continue;
    const twoChar = (c === ':' && text[i + 1] === '=') || (c === '=' && text[i + 1] === '>');
    const value = (twoChar ? valueAfter(text, i + 2) : undefined) ?? valueAfter(text, i + 1);
    if (!value) continue;
    found.push({ name, value: value.value, start: value.start });
    i = value.end - 1;
  }
  return found;
}

/** The secret-looking name that ends (after an optional quote and spaces) just before `at`; undefined: none. */
function nameBefore(text: string, at: number): string | undefined {
  let k = at;
  while (k > 0 && isSpace(text[k - 1])) k--;
  if (k > 0 && (text[k - 1] === '"' || text[k - 1] === "'")) k--;
  const end = k;
  while (k > 0 && isNameChar(text[k - 1])) k--;
  if (k === end) return undefined;
  const name = text.slice(k, end);
  const lower = name.toLowerCase();
  return KEYWORDS.some((w) => lower.includes(w)) ? name : undefined;
}

/** The value that starts (after spaces and an optional quote) at `from`, closed by the same quote when opened by one. */
function valueAfter(text: string, from: number): { value: string; start: number; end: number } | undefined {
  let k = from;
  while (k < text.length && isSpace(text[k])) k++;
  const quote = text[k] === '"' || text[k] === "'" || text[k] === '`' ? text[k] : undefined;
  if (quote) k++;
  const start = k;
  while (k < text.length && !isValueEnd(text.charAt(k))) k++;
  if (k - start < MIN_VALUE_LENGTH) return undefined;
  if (quote && text[k] !== quote) return undefined;
  return { value: text.slice(start, k), start, end: quote ? k + 1 : k };
}

const PLACEHOLDER = [
  /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/, // ${VAR}, $VAR
  /^\{\{.*\}\}$/, // {{ template }}
  /^<[^>]+>$/, // <your-key>
  /^%\(?[A-Za-z_]+\)?s?$/,
  /(?:process\.env|os\.environ|getenv|ENV\[|secrets\.|vars\.|env\.)/i,
  /^(?:x+|\*+|\.+|-+|_+|0+)$/i,
  /(?:changeme|placeholder|example|dummy|redacted|your[_-]?|xxxx|\*\*\*\*)/i,
];

export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export function looksLikeSecret(value: string): boolean {
  if (value.length < MIN_VALUE_LENGTH) return false;
  if (PLACEHOLDER.some((p) => p.test(value))) return false;
  // identifiers and dotted paths (config.api.token, getSecretValue) are code, not values
  if (/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?:\(\))?$/.test(value) && !/\d/.test(value)) return false;
  return shannonEntropy(value) >= ENTROPY_THRESHOLD;
}

const messages = {
  HIGH_ENTROPY_ASSIGNMENT: {
    en: (props: { NAME: string }) => `a high-entropy value is assigned to ${props.NAME}`,
  },
};

export const highEntropyRule: SecretLintRuleCreator = {
  messages,
  meta: {
    id: HIGH_ENTROPY_RULE_ID,
    recommended: true,
    type: 'scanner',
    supportedContentTypes: ['text'],
    docs: { url: 'https://github.com/aaoe/aaoe#gates' },
  },
  create(context) {
    const t = context.createTranslator(messages);
    return {
      file(source) {
        for (const { name, value, start } of findAssignments(source.content)) {
          if (!looksLikeSecret(value)) continue;
          context.report({
            message: t('HIGH_ENTROPY_ASSIGNMENT', { NAME: name }),
            range: [start, start + value.length],
          });
        }
      },
    };
  },
};
