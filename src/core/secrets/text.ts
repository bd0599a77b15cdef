/**
 * Small pure helpers shared by AAOE's secret rules: entropy, placeholders, character classes. Every function is
 * linear in its input and uses no regular expression with nested quantifiers.
 */

/** Shannon entropy of `value`, in bits per character. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Words that mark a documentation placeholder rather than a credential (lower case). */
const PLACEHOLDER_WORDS = [
  'example',
  'placeholder',
  'your_',
  'your-',
  'yourtoken',
  'yourkey',
  'here',
  'redacted',
  'dummy',
  'changeme',
  'change_me',
  'insert',
  'replace',
  'xxxx',
  '****',
  '....',
  '<your',
  'token_here',
  'randomstring',
];

/** The longest run of one character in `value`. */
export function longestRun(value: string): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < value.length; i++) {
    run = i > 0 && value[i] === value[i - 1] ? run + 1 : 1;
    if (run > best) best = run;
  }
  return best;
}

/** Distinct characters in `value`. */
export function distinctChars(value: string): number {
  return new Set(value).size;
}

/**
 * A value that stands for a secret without being one: `xxxx`, `****`, `<your-token>`, `EXAMPLE`, `...HERE`,
 * a body of one repeated character.
 */
export function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  if (PLACEHOLDER_WORDS.some((w) => lower.includes(w))) return true;
  return value.length >= 8 && distinctChars(value) <= 3;
}

export const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
export const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';
export const isUpper = (c: string | undefined): boolean => c !== undefined && c >= 'A' && c <= 'Z';
export const isAlnum = (c: string | undefined): boolean => isDigit(c) || isLower(c) || isUpper(c);

/** Counts of digits, lower- and upper-case letters and other characters of `value`. */
export function classes(value: string): { digits: number; lower: number; upper: number; other: number } {
  const counts = { digits: 0, lower: 0, upper: 0, other: 0 };
  for (const c of value) {
    if (isDigit(c)) counts.digits++;
    else if (isLower(c)) counts.lower++;
    else if (isUpper(c)) counts.upper++;
    else counts.other++;
  }
  return counts;
}

/** Splits a name into lower-case words: `awsSecretAccessKey`, `AWS_SECRET_ACCESS_KEY`, `aws-secret.key`. */
export function nameWords(name: string): string[] {
  const words: string[] = [];
  let current = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charAt(i);
    if (!isAlnum(c)) {
      if (current) words.push(current.toLowerCase());
      current = '';
      continue;
    }
    // a lower-case letter or digit followed by an upper-case one starts a new word (camelCase)
    if (isUpper(c) && current && (isLower(current.at(-1)) || isDigit(current.at(-1)))) {
      words.push(current.toLowerCase());
      current = '';
    }
    current += c;
  }
  if (current) words.push(current.toLowerCase());
  return words;
}
