import type { NameClass } from './names.js';
import { classes, isPlaceholder, shannonEntropy } from './text.js';

/**
 * Whether the value assigned to a secret-looking name is a secret: not a placeholder, template, reference to the
 * environment, type, route, i18n key, word, or fixture. Everything here is linear in the value.
 */

export type NamedValue = { nameClass: NameClass; name: string; value: string; quoted: boolean; lineStart: boolean };

/** A value that is a whole template or variable: `${X}`, `$X`, `{{ x }}`, `<your key>`, `%s`, `%(x)s`. */
function isTemplate(v: string): boolean {
  return (
    /^\$\{[^}]{0,200}\}$/.test(v) ||
    /^\$[A-Za-z_][A-Za-z0-9_]{0,100}$/.test(v) ||
    /^\{\{[^}]{0,200}\}\}$/.test(v) ||
    /^<[^>]{0,200}>$/.test(v) ||
    /^%\(?[A-Za-z_]{0,50}\)?s?$/.test(v) ||
    /^\$\(.{0,200}\)$/.test(v)
  );
}

/** References to where a secret should come from, and fixtures' usual words. */
const REFERENCE_OR_FIXTURE =
  /process\.env|os\.environ|getenv|env\[|secrets\.|vars\.|\benv\.|fake|dummy|sample|mock|lorem|redacted|changeme|example|your[_-]|test[_-]?(?:key|token|secret|password)/i;

const LITERALS = new Set(['true', 'false', 'null', 'undefined', 'none', 'nil', 'string', 'number', 'boolean', 'any']);

/** `a.b.c`, `a-b-c`, `a_b`, `/a/b`: words joined by separators (i18n keys, routes, ids of things). */
function isWordPath(v: string): boolean {
  const parts = v.split(/[._\-:/ ]/);
  return parts.length > 1 && parts.every((p) => /^[A-Za-z]{0,24}$/.test(p));
}

/** A value that looks machine-generated: letters and digits mixed, or high entropy with both cases. */
function looksRandom(v: string): boolean {
  const c = classes(v);
  if (c.digits > 0 && c.lower + c.upper > 0) return shannonEntropy(v) >= 2.8;
  if (c.digits === v.length) return v.length >= 15 && shannonEntropy(v) >= 2.8;
  // a password-like mix of symbols and letters (`m{{h}o)p$e]nob`, `A,.:-@*?!`)
  if (c.other >= 3 && c.lower + c.upper > 0) return shannonEntropy(v) >= 3;
  return (
    v.length >= 16 &&
    c.upper > 0 &&
    c.lower > 0 &&
    shannonEntropy(v) >= 3.6 &&
    !/^[A-Za-z][a-z]+(?:[A-Z][a-z]+)+$/.test(v)
  );
}

export function acceptsValue(a: NamedValue): boolean {
  const v = a.value.trim();
  if (v.length < (a.nameClass === 'password' ? 6 : 8) || v.length > 4_096) return false;
  if (isTemplate(v) || isPlaceholder(v) || REFERENCE_OR_FIXTURE.test(v)) return false;
  if (LITERALS.has(v.toLowerCase()) || v.toLowerCase() === a.name.toLowerCase()) return false;
  if (/^[,.:;!?]/.test(v) || /^[/~.]{1,2}\//.test(v) || /^[a-z][a-z0-9+.-]{1,20}:\/\/[^@]*$/i.test(v)) return false;
  if (isWordPath(v)) return false;
  const config = a.lineStart;
  if (!a.quoted && !config) return false; // an unquoted value in code is an expression
  if (!config && /\s/.test(v)) return false; // a sentence in code is a label, not a secret
  if (a.nameClass === 'password') {
    if (/^[A-Za-z]+$/.test(v) && /password|secret|passwd/i.test(v)) return false;
    if (config) return !/^[A-Za-z]+(?: [A-Za-z]+)+$/.test(v);
    return shannonEntropy(v) >= 2.2;
  }
  if (config && /^[A-Za-z]+(?: [A-Za-z]+)+$/.test(v)) return false;
  return looksRandom(v.replace(/\s/g, ''));
}
