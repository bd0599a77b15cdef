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

const NAME = String.raw`[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth[_-]?key)[A-Za-z0-9_.-]*`;
const ASSIGNMENT = new RegExp(String.raw`(${NAME})["']?\s*(?::=|=>|[:=])\s*(["'\x60]?)([^\s"'\x60,;)}\]]{${MIN_VALUE_LENGTH},})\2`, 'gi');

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
        for (const match of source.content.matchAll(ASSIGNMENT)) {
          const name = match[1] ?? '';
          const value = match[3] ?? '';
          if (!looksLikeSecret(value)) continue;
          const start = (match.index ?? 0) + match[0].lastIndexOf(value);
          context.report({ message: t('HIGH_ENTROPY_ASSIGNMENT', { NAME: name }), range: [start, start + value.length] });
        }
      },
    };
  },
};
