import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * The SHA-256 of UTF-8 text, in hex: the same digest as node's `createHash('sha256').update(text, 'utf8')`, computed
 * in pure JavaScript (audited `@noble/hashes`) so that the decisions and texts of core/ that name a digest stay
 * pure. Keys and identifiers only: anything secret is signed in adapters/ with node's crypto.
 */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}
