import { withCrc32Suffix } from '../../../src/core/secrets/checksum.js';

/**
 * Generated credentials for the secret rules' tests: deterministic, built at run time so the repository holds no
 * literal secret (and push protection has nothing to block).
 */

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
let seed = 20_261_208;
/** xorshift32: deterministic, good enough for test strings. */
function next(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
}
/** `n` characters of `alphabet`, pseudo-random, with at least one digit when the alphabet has digits. */
export function rnd(n: number, alphabet = B62): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet.charAt(next() % alphabet.length);
  if (/[0-9]/.test(alphabet) && !/[0-9]/.test(out) && n > 2) out = '7' + out.slice(1);
  return out;
}
export const hex = (n: number) => rnd(n, '0123456789abcdef');
export const lowerDigits = (n: number) => rnd(n, '0123456789abcdefghijklmnopqrstuvwxyz');
export const upperDigits = (n: number) => rnd(n, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ');
export const digits = (n: number) => rnd(n, '0123456789');
export const letters = (n: number) => rnd(n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
export const b64 = (n: number) => rnd(n, B62 + '+/');
export const b64url = (text: string) => btoa(text).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
export const uuid = () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
export const j = (...parts: string[]) => parts.join('');

/** A GitHub token with a valid CRC32 checksum. */
export const githubToken = (prefix = 'ghp_') => withCrc32Suffix(prefix, rnd(30));
export const jwt = () =>
  j(b64url('{"alg":"HS256","typ":"JWT"}'), '.', b64url(`{"sub":"${digits(10)}","name":"n"}`), '.', rnd(43));
