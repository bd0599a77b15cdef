/**
 * The checksums some providers put in their tokens, so a scanner can tell a real token from a string of the same
 * shape without asking the provider.
 *
 * GitHub (ghp_, gho_, ghu_, ghs_, ghr_): 4-character prefix, 30 random base62 characters, then the CRC32 of those 30
 * characters in base62, left-padded with `0` to 6 characters.
 * https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/
 * npm (npm_): the same layout, https://github.blog/changelog/2021-09-23-npm-has-a-new-access-token-format/
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC-32 (IEEE 802.3, as zlib) of the characters of an ASCII string. */
export function crc32(text: string): number {
  const t = crcTable();
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = (t[(crc ^ text.charCodeAt(i)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** `n` in base62 (0-9A-Za-z), left-padded with `0` to `width`. */
export function base62(n: number, width: number): string {
  let out = '';
  let rest = n;
  while (rest > 0) {
    out = BASE62.charAt(rest % 62) + out;
    rest = Math.floor(rest / 62);
  }
  return out.padStart(width, '0');
}

/**
 * Whether a 40-character prefixed token (`ghp_` + 30 + 6, `npm_` + 30 + 6) carries a valid CRC32 checksum.
 * `prefixLength` is 4 for both.
 */
export function hasValidCrc32Suffix(token: string, prefixLength = 4): boolean {
  if (token.length !== prefixLength + 36) return false;
  const random = token.slice(prefixLength, prefixLength + 30);
  return base62(crc32(random), 6) === token.slice(prefixLength + 30);
}

/** A token with a valid checksum for tests and benches: `prefix` + 30 characters of `random` + checksum. */
export function withCrc32Suffix(prefix: string, random: string): string {
  const body = random.slice(0, 30);
  return prefix + body + base62(crc32(body), 6);
}
