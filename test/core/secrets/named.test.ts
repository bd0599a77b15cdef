import { describe, expect, it } from 'vitest';
import type { ChangedFile } from '../../../src/core/policy/change.js';
import { scanSecrets } from '../../../src/core/policy/gates/secrets.js';
import { classifyName } from '../../../src/core/secrets/names.js';
import { j, lowerDigits, rnd } from './fixtures.js';

/** The generic rule: a value next to a secret-looking name, tuned not to fire on ordinary code. */

function added(path: string, lines: string[]): ChangedFile {
  const patch = `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`;
  return { path, status: 'added', additions: lines.length, deletions: 0, patch };
}
const rules = async (path: string, line: string) =>
  (await scanSecrets([added(path, [line])], { ignorePaths: [] })).findings.map((f) => f.rule);

const SHAPELESS = lowerDigits(32);
const PASSWORD = j('Tr0ub4dor', '!', rnd(4));

describe('secret-looking names', () => {
  it.each([
    ['API_KEY', 'token'],
    ['clientSecret', 'password'],
    ['db_pass', 'password'],
    ['aws_secret_access_key', 'password'],
    ['NAME_TOKEN', 'token'],
    ['apikey_myservice', 'token'],
    ['ibm_cloud_iam-key', 'token'],
  ])('%s is secret-looking (%s)', (name, klass) => {
    expect(classifyName(name)).toBe(klass);
  });

  it.each([
    'tokenType',
    'passwordLabel',
    'keyId',
    'resetPasswordUrl',
    'publicKey',
    'keyword',
    'username',
    'primaryKey',
  ])('%s is not', (name) => {
    expect(classifyName(name)).toBeUndefined();
  });
});

describe('the generic rule', () => {
  it.each([
    ['an .env key', '.env', `NAME_KEY=${SHAPELESS}`],
    ['an .env password with symbols', '.env', `DB_PASSWORD=${PASSWORD}`],
    ['a YAML value', 'config/app.yml', `  api_key: ${SHAPELESS}`],
    ['a JSON value', 'config/app.json', `  "client_secret": "${SHAPELESS}",`],
    ['a string assigned in code', 'src/a.ts', `const apiKey = "${SHAPELESS}";`],
    ['a comparison in code', 'src/a.ts', `if (apikey == "${SHAPELESS}") {`],
  ])('finds %s', async (_name, path, line) => {
    expect(await rules(path, line)).toEqual(['aaoe/high-entropy-assignment']);
  });

  it.each([
    ['a type', 'src/a.ts', '  password?: string;'],
    ['an environment lookup', 'src/a.ts', 'const apiKey = process.env.API_KEY_VALUE;'],
    ['an identifier', 'src/a.ts', 'const token = getTokenFromHeader(request);'],
    ['a route', 'src/a.ts', "const resetPassword = '/account/reset-password';"],
    ['an i18n key', 'src/a.ts', "  'auth.password': 'auth.form.password.label',"],
    ['a label', 'src/a.ts', "  password: 'Enter your password',"],
    ['a template', '.env', 'DB_PASSWORD=${DB_PASSWORD}'],
    ['a fixture', 'test/a.ts', "const token = 'fake-token-for-tests-1234';"],
    ['a placeholder', 'config/app.yml', '  api_key: xxxxxxxxxxxxxxxxxxxxxxxx'],
    ['a word', 'src/a.ts', "const TOKEN_KIND = 'refresh';"],
    ['a public key', 'src/a.ts', `const publicKey = "${SHAPELESS}";`],
  ])('does not fire on %s', async (_name, path, line) => {
    expect(await rules(path, line)).toEqual([]);
  });
});
