import type { ShapeRule } from './shape.js';
import { decodeBase64Text } from './decoded.js';
import { classes } from './text.js';

/**
 * Secrets recognised by the structure around them rather than a provider's prefix: JSON Web Tokens, private key
 * blocks, credentials in a URL's user info, HTTP authorization headers, `curl -u`, XML key/value settings and Docker
 * `auth` entries. Each reports the secret's own range (the password, the header value), never its surroundings.
 */

/** Values that stand for a credential in documentation (lower case). */
const DUMMY = new Set([
  'pass',
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'test',
  'user',
  'username',
  'admin',
  'root',
  'changeme',
  'yyy',
  'xxx',
  'foo',
  'bar',
  'api',
  'key',
  'apikey',
  'example',
]);

/** A real-looking credential value: no template marker, shell variable or documentation dummy. */
export function isConcreteCredential(value: string): boolean {
  const v = value.replace(/^["'{[(]+|["'}\])]+$/g, '');
  if (v.length === 0 || DUMMY.has(v.toLowerCase())) return false;
  if (v.startsWith('$') || v.startsWith('%') || v.startsWith('<') || v.startsWith('{{')) return false;
  if (v.includes('${') || v.includes('{{') || v.includes('$(')) return false;
  return true;
}

/** A header value that looks random: a digit, or both cases, and no template marker. */
function randomHeaderValue(value: string): boolean {
  if (!isConcreteCredential(value) || value.length < 8) return false;
  const c = classes(value);
  return c.digits > 0 || (c.upper > 0 && c.lower > 0);
}

function decodesToUserPassword(value: string): boolean {
  try {
    const text = atob(value);
    const colon = text.indexOf(':');
    return colon > 0 && colon < text.length - 3 && /^[\x20-\x7e]+$/.test(text);
  } catch {
    return false;
  }
}

export const STRUCTURED_RULES: ShapeRule[] = [
  // JSON Web Token: base64url header `{"...` (eyJ), payload, signature. https://datatracker.ietf.org/doc/html/rfc7519#section-3 ; gitleaks jwt.go
  {
    id: 'jwt',
    family: 'JWT',
    kind: 'a JSON Web Token',
    pattern: /ey[A-Za-z0-9_-]{8,1200}\.ey[A-Za-z0-9_/\\-]{15,1500}(?:\.(?:[A-Za-z0-9_/\\-]{10,600}={0,2})?)?/g,
  },
  // PEM private key header followed by key material (a block cut before its END line is still a key).
  // https://datatracker.ietf.org/doc/html/rfc7468 ; gitleaks privatekey.go
  {
    id: 'private-key',
    family: 'Private key',
    kind: 'a private key',
    pattern:
      /-----BEGIN[ A-Z0-9]{0,30} PRIVATE KEY(?: BLOCK)?-----(?:\s|\\n|\\r){1,12}(?:[A-Za-z-]{1,30}: [^\n]{0,200}(?:\s|\\n){1,4}){0,4}[A-Za-z0-9+/=]{40}/g,
    anyBefore: true,
  },
  // Credentials in a URL's user info: scheme://user:password@host (database URLs, basic auth, registries).
  // https://datatracker.ietf.org/doc/html/rfc3986#section-3.2.1 ; detect-secrets basic_auth.py
  {
    id: 'url-credentials',
    family: 'URL credentials',
    kind: 'a password in a URL',
    pattern:
      /:\/\/(?<=[A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/)[^\s:@/?#'"<>`]{0,200}:(?<secret>[^\s@/?#'"<>`]{1,300})@(?=[A-Za-z0-9[])/dg,
    anyBefore: true,
    verify: isConcreteCredential,
    minEntropy: 0,
  },
  // HTTP Authorization header with a literal credential (Bearer, Basic, Token, raw).
  // https://datatracker.ietf.org/doc/html/rfc9110#section-11.6.2 ; gitleaks curl.go (curl-auth-header)
  {
    id: 'authorization-header',
    family: 'HTTP header',
    kind: 'a credential in an Authorization header',
    pattern:
      /uthorization['"]?\s{0,5}[:=]\s{0,5}['"]?(?:(?:[Bb]earer|[Bb]asic|[Tt]oken|Bot|Digest|Api-Token|ApiKey)\s{1,5})?(?<secret>[A-Za-z0-9._~+/=:@-]{8,1000})/dg,
    anyBefore: true,
    verify: randomHeaderValue,
  },
  // API key headers: X-Api-Key, Api-Key, apikey, X-Auth-Token, Private-Token, X-*-ApiKey, Token.
  // https://datatracker.ietf.org/doc/html/rfc6750 ; gitleaks curl.go (curl-auth-header)
  {
    id: 'api-key-header',
    family: 'HTTP header',
    kind: 'a credential in an API key header',
    pattern:
      /(?:pi-?[Kk]ey|pikey|pi-[Tt]oken|uth-[Tt]oken|rivate-[Tt]oken|ccess-[Tt]oken|-H ['"][Tt]oken)['"]?\s{0,5}:\s{1,5}['"]?(?<secret>[A-Za-z0-9._~+/=-]{8,500})(?=['"\s\\]|$)/dgm,
    anyBefore: true,
    verify: randomHeaderValue,
  },
  // curl -u / --user user:password. https://curl.se/docs/manpage.html#-u ; gitleaks curl.go (curl-auth-user)
  {
    id: 'curl-user-password',
    family: 'curl',
    kind: 'a password given to curl -u',
    pattern: /(?:-u|--user)(?:\s{1,5}|=)['"]?[^\s'":]{0,100}['"]?:['"]?(?<secret>[^\s'"]{3,200})/dg,
    verify: isConcreteCredential,
    minEntropy: 1.5,
  },
  // A password in a connection string (ADO.NET, JDBC, ODBC): Password=...; / pwd=...&.
  // https://learn.microsoft.com/en-us/dotnet/framework/data/adonet/connection-string-syntax ; gitleaks jdbc rules
  {
    id: 'connection-string-password',
    family: 'Connection string',
    kind: 'a password in a connection string',
    pattern: /(?:Password|password|PASSWORD|Pwd|pwd|PWD)=(?<secret>[^;&"'\s]{4,200})(?=[;&"'\s]|$)/dg,
    verify: isConcreteCredential,
    minEntropy: 2,
  },
  // An XML setting whose key names a password (NuGet.Config, app.config): <add key="...Password" value="...">.
  // https://learn.microsoft.com/en-us/nuget/reference/nuget-config-file#packagesourcecredentials ; gitleaks nuget.go
  {
    id: 'xml-password-setting',
    family: 'Config',
    kind: 'a password in an XML setting',
    pattern: /key="[A-Za-z]{0,30}(?:[Pp]assword|[Ss]ecret|[Tt]oken)"\s{1,5}value="(?<secret>[^"]{4,200})"/dg,
    anyBefore: true,
    verify: isConcreteCredential,
    minEntropy: 2,
  },
  // Kubernetes Secret data: the first entry of a `data:` map whose value is base64 of text.
  // https://kubernetes.io/docs/concepts/configuration/secret/#working-with-secrets ; gitleaks kubernetes.go
  {
    id: 'kubernetes-secret-data',
    family: 'Kubernetes',
    kind: 'a value of a Kubernetes Secret',
    pattern:
      /data:[ \t]{0,10}\n(?:[ \t]{1,20}#[^\n]{0,300}\n){0,5}[ \t]{1,20}[A-Za-z0-9_.-]{1,100}:[ \t]{0,10}(?:[|>][+-]?[ \t]{0,10}\n[ \t]{1,20})?['"]?(?<secret>[A-Za-z0-9+/]{8,1000}={0,2})['"]?[ \t]{0,10}(?:\n|$)/dg,
    anyBefore: true,
    verify: (s) => decodeBase64Text(s) !== undefined,
    minEntropy: 2,
  },
  // Docker config auth entry: "auth": "<base64 of user:password>". https://docs.docker.com/reference/cli/docker/login/#credential-stores
  {
    id: 'docker-config-auth',
    family: 'Docker',
    kind: 'a registry password in a Docker config',
    pattern: /"auth"\s{0,5}:\s{0,5}"(?<secret>[A-Za-z0-9+/]{8,500}={0,2})"/dg,
    anyBefore: true,
    verify: decodesToUserPassword,
  },
];
