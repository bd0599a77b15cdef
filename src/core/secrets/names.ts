import { nameWords } from './text.js';

/**
 * Which names are secret-looking, by their words (`awsSecretAccessKey` -> aws, secret, access, key). A name is
 * secret-looking when a word names a credential and its last word does not describe something about the
 * credential (its id, URL, type, label, length...), so `API_KEY`, `clientSecret` and `db_pass` are, while
 * `tokenType`, `passwordLabel`, `keyId`, `resetPasswordUrl` and `publicKey` are not.
 */

export type NameClass = 'password' | 'token';

const PASSWORD_WORDS = new Set([
  'password',
  'passwords',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'pw',
  'secret',
  'secrets',
  'secrete',
  'creds',
  'cred',
  'credential',
  'credentials',
]);

const TOKEN_WORDS = new Set(['token', 'tokens', 'key', 'keys', 'auth', 'authorization', 'bearer', 'sig', 'signature']);

/** Words that contain a credential word run together (`apikey`, `accesstoken`, `clientsecret`). */
const JOINED = ['token', 'secret', 'password', 'passwd', 'apikey', 'accesskey', 'privatekey', 'authkey', 'masterkey'];

/** Last words that describe something about a credential rather than hold it. */
const METADATA = new Set([
  'id',
  'ids',
  'url',
  'uri',
  'urls',
  'path',
  'file',
  'filename',
  'dir',
  'name',
  'names',
  'type',
  'types',
  'label',
  'text',
  'title',
  'message',
  'msg',
  'placeholder',
  'hint',
  'field',
  'fields',
  'input',
  'length',
  'len',
  'size',
  'count',
  'regex',
  'regexp',
  'pattern',
  'policy',
  'endpoint',
  'prefix',
  'suffix',
  'format',
  'mode',
  'param',
  'params',
  'event',
  'events',
  'action',
  'actions',
  'selector',
  'class',
  'style',
  'color',
  'icon',
  'route',
  'routes',
  'header',
  'headers',
  'enabled',
  'required',
  'min',
  'max',
  'expiry',
  'expires',
  'expiration',
  'ttl',
  'timeout',
  'at',
  'version',
  'hash',
  'hashed',
  'algorithm',
  'alg',
  'kind',
  'index',
  'store',
  'provider',
  'service',
  'manager',
  'ref',
  'var',
  'env',
  'variable',
  'location',
  'error',
  'errors',
  'status',
  'state',
  'handler',
  'callback',
  'fn',
  'func',
  'method',
  'option',
  'options',
  'config',
  'schema',
  'validator',
  'validation',
  'strength',
  'visible',
  'visibility',
  'reset',
  'changed',
  'confirm',
  'confirmation',
  'storage',
  'cache',
  'source',
  'mapping',
  'map',
  'list',
  'set',
  'code',
  'codes',
  'lifetime',
  'duration',
  'limit',
  'interval',
]);

/** Words that make a name not secret wherever they stand (a public key is public). */
const NEVER = new Set(['public', 'pub', 'publishable', 'primary', 'foreign', 'sort', 'keyboard', 'i18n']);

/** The class of a secret-looking name, or undefined when the name is not secret-looking. */
export function classifyName(name: string): NameClass | undefined {
  const words = nameWords(name);
  const last = words.at(-1);
  if (last === undefined || METADATA.has(last) || words.some((w) => NEVER.has(w))) return undefined;
  if (words.some((w) => PASSWORD_WORDS.has(w))) return 'password';
  if (words.some((w) => TOKEN_WORDS.has(w))) return 'token';
  if (words.some((w) => JOINED.some((j) => w.includes(j))))
    return words.some((w) => w.includes('secret') || w.includes('passw')) ? 'password' : 'token';
  return undefined;
}
