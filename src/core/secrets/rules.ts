import type { SecretLintRuleCreator } from '@secretlint/types';
import { findEncodedSecrets, BASE64_RULE } from './decoded.js';
import { AI_RULES } from './providers-ai.js';
import { CLOUD_RULES } from './providers-cloud.js';
import { CODE_PLATFORM_RULES } from './providers-code.js';
import { SAAS_RULES } from './providers-saas.js';
import { findShapes, type ShapeHit, type ShapeRule } from './shape.js';
import { STRUCTURED_RULES } from './structured.js';

/**
 * AAOE's shape rules as one secretlint rule: every provider format and structure, and base64 blobs that decode to
 * one. The finding's messageId is the shape rule's id, so the check names `aaoe/<id>`; the message never quotes the
 * value.
 */

export const SHAPE_RULE_ID = 'aaoe/secret-shapes';

/** Every shape rule, provider formats first (they name the provider), then structures. */
export const SHAPE_RULES: readonly ShapeRule[] = [
  ...CODE_PLATFORM_RULES,
  ...CLOUD_RULES,
  ...SAAS_RULES,
  ...AI_RULES,
  ...STRUCTURED_RULES,
];

export const ALL_SHAPE_RULES: readonly ShapeRule[] = [...SHAPE_RULES, BASE64_RULE];

/** Every shape hit in `text`, plain and base64-encoded, ordered by position. */
export function scanShapes(text: string): ShapeHit[] {
  const hits = findShapes(text, SHAPE_RULES);
  const covered = (start: number, end: number) => hits.some((h) => h.start < end && start < h.end);
  for (const hit of findEncodedSecrets(text, SHAPE_RULES)) if (!covered(hit.start, hit.end)) hits.push(hit);
  return hits.sort((a, b) => a.start - b.start);
}

const messages = Object.fromEntries(
  ALL_SHAPE_RULES.map((r) => [r.id, { en: () => `found ${r.kind}` }] as const),
) as Record<string, { en: () => string }>;

export const shapeRule: SecretLintRuleCreator = {
  messages,
  meta: {
    id: SHAPE_RULE_ID,
    recommended: true,
    type: 'scanner',
    supportedContentTypes: ['text'],
    docs: { url: 'https://github.com/aaoe/aaoe/blob/main/docs/secrets.md' },
  },
  create(context) {
    const t = context.createTranslator(messages);
    return {
      file(source) {
        for (const hit of scanShapes(source.content))
          context.report({ message: t(hit.rule.id), range: [hit.start, hit.end] });
      },
    };
  },
};

/** What a shape rule finds, by id, in words that never include the value. */
export function shapeKind(id: string): string | undefined {
  return ALL_SHAPE_RULES.find((r) => r.id === id)?.kind;
}
