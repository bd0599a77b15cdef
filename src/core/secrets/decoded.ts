import { findShapes, type ShapeHit, type ShapeRule } from './shape.js';

/**
 * A base64 blob that decodes to a secret: a JWT stored base64-encoded (`ZXlK...`), a Kubernetes Secret's `data:`
 * value, a token kept encoded in a config. Blobs of 24 to 4,096 base64 characters that decode to printable text are
 * decoded once and scanned with the shape rules; a hit is reported on the blob.
 */
export const BASE64_RULE: ShapeRule = {
  id: 'base64-encoded-secret',
  family: 'Base64',
  kind: 'a base64 blob that decodes to a secret',
  pattern: /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{24,4096}={0,2}/g,
};

/** The printable text a blob decodes to, or undefined when it is not base64 of text. */
export function decodeBase64Text(blob: string): string | undefined {
  const standard = blob.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const padded = standard + '='.repeat((4 - (standard.length % 4)) % 4);
  let text: string;
  try {
    text = atob(padded);
  } catch {
    return undefined;
  }
  let printable = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 0x20 && code < 0x7f) || code === 0x0a || code === 0x0d || code === 0x09) printable++;
  }
  return printable >= text.length * 0.95 ? text : undefined;
}

/** Every blob of `text` that decodes to a secret one of `rules` recognises, as a hit on the blob. */
export function findEncodedSecrets(text: string, rules: readonly ShapeRule[]): ShapeHit[] {
  const hits: ShapeHit[] = [];
  const re = new RegExp(BASE64_RULE.pattern.source, 'g');
  let match: RegExpExecArray | null;
  while ((match = re.exec(text)) !== null) {
    // plain words and identifiers are not base64 of anything useful: a blob needs a digit or both cases
    const blob = match[0];
    if (!/[0-9]/.test(blob) && !(/[a-z]/.test(blob) && /[A-Z]/.test(blob))) continue;
    const decoded = decodeBase64Text(blob);
    if (decoded === undefined || decoded.length < 16) continue;
    if (findShapes(decoded, rules).length > 0)
      hits.push({ rule: BASE64_RULE, start: match.index, end: match.index + blob.length });
  }
  return hits;
}
