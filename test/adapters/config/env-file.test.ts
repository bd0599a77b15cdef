import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvironment, readEnvFile, writeEnvFile } from '../../../src/adapters/config/env-file.js';

/** `.env`: what the setup flow writes reads back the same, and the real environment wins over it. */

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'aaoe-env-file-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const pem = generateKeyPairSync('rsa', {
  modulusLength: 1024,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;

describe('.env', () => {
  it('writes values that read back exactly (a PEM with its newlines, URLs, text with spaces and #), owner-only', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'KEPT=yes\nAPP_ID=1\n');
    const values = {
      APP_ID: '42',
      PRIVATE_KEY: pem,
      AAOE_PUBLIC_URL: 'https://aaoe.example.com',
      NOTE: 'a value # with a hash and "quotes"',
    };
    writeEnvFile(values, cwd);
    expect(readEnvFile(cwd)).toEqual({ KEPT: 'yes', ...values });
    expect(statSync(join(cwd, '.env')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(cwd, '.env'), 'utf8')).not.toContain('\nMII');
  });

  it('refuses a value that cannot be written back the same, and a name that is not one', () => {
    const cwd = tempDir();
    expect(() => writeEnvFile({ BAD: `it's "both"\n` }, cwd)).toThrow(/BAD: this value cannot be written/);
    expect(() => writeEnvFile({ 'A=B': 'x' }, cwd)).toThrow(/not a variable name/);
  });

  it('no .env: nothing; the real environment over .env, an empty real value included', () => {
    expect(readEnvFile(tempDir())).toEqual({});
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'APP_ID=from-file\nWEBHOOK_SECRET=file-secret\nGHE_HOST=ghe.example\n');
    const env = loadEnvironment({ cwd, env: { APP_ID: 'from-env', GHE_HOST: '', OTHER: undefined } });
    expect(env).toEqual({ APP_ID: 'from-env', WEBHOOK_SECRET: 'file-secret', GHE_HOST: '' });
  });
});
