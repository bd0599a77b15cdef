import { randomBytes } from 'node:crypto';

/** The random token that delimits untrusted text in a prompt (`proposalMessages`): 16 hex digits, new every time. */
export function promptToken(): string {
  return randomBytes(8).toString('hex');
}
